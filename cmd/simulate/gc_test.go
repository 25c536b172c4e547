package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTuneGC: a sweep's garbage collector target holds until restored,
// and a GOGC the user set wins.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := tuneGC(sweepGCPercent)
	assert.Equal(t, sweepGCPercent, debug.SetGCPercent(sweepGCPercent))
	restore()
	assert.Equal(t, 100, debug.SetGCPercent(100))

	t.Setenv("GOGC", "100")
	restore = tuneGC(sweepGCPercent)
	assert.Equal(t, 100, debug.SetGCPercent(100), "the user's GOGC stays")
	restore()
}
