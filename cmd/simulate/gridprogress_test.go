package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGridProgress(t *testing.T) {
	var b bytes.Buffer
	p := newGridProgress(&b)
	p.show(0, 3, "interval=1s")
	p.show(1, 3, "a\x1b[2J")
	p.done()
	assert.Equal(t, "\rsimulate: run 1 of 3 · interval=1s\x1b[K\rsimulate: run 2 of 3 · a\\u001b[2J\x1b[K\r\x1b[K", b.String())
	quiet := newGridProgress(nil)
	quiet.show(0, 1, "x")
	quiet.done()
}
