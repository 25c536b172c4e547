package main

import (
	"fmt"
	"io"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// gridProgress draws which run of a comparison or sweep is under way on
// one line of a terminal, cleared at the end.
type gridProgress struct {
	w     io.Writer
	shown bool
}

// newGridProgress draws on w; a nil w draws nothing.
func newGridProgress(w io.Writer) *gridProgress { return &gridProgress{w: w} }

// show says run i of n, labelled label, started.
func (p *gridProgress) show(i, n int, label string) {
	if p.w == nil {
		return
	}
	p.shown = true
	fmt.Fprintf(p.w, "\rsimulate: run %d of %d · %s\x1b[K", i+1, n, termsafe.Line(label))
}

// done clears the line, if one was drawn.
func (p *gridProgress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
