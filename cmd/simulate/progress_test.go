package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// fakeClock advances by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(0, 0)
	return func() time.Time { t = t.Add(step); return t }
}

func minimalRun(t *testing.T) *sim.Sim {
	sc, err := scenarios.Load(scenarios.DefaultName)
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	return s
}

// TestProgressOfALongRun: a run that takes longer than progressAfter draws
// its progress in place, and clears the line at the end.
func TestProgressOfALongRun(t *testing.T) {
	var w bytes.Buffer
	assert.False(t, step(context.Background(), minimalRun(t), newProgress(&w, fakeClock(500*time.Millisecond))))
	out := w.String()
	assert.Contains(t, out, "\rsimulate:  ")
	assert.Contains(t, out, "% · virtual time ")
	assert.Contains(t, out, " of 10s · ")
	assert.True(t, strings.HasSuffix(out, "\r\x1b[K"), "%q", out[max(0, len(out)-40):])
	// Redrawn at most every progressEvery of wall time, 500ms per tick here.
	ticks := 60137/stepsBetweenChecks + 1
	assert.LessOrEqual(t, strings.Count(out, "\rsimulate:"), ticks*int(500*time.Millisecond)/int(progressEvery)+1)
}

// TestNoProgressForAShortRun: a run done within progressAfter prints
// nothing, and a nil progress (stderr not a terminal) neither.
func TestNoProgressForAShortRun(t *testing.T) {
	var w bytes.Buffer
	step(context.Background(), minimalRun(t), newProgress(&w, fakeClock(0)))
	assert.Empty(t, w.String())
	assert.Nil(t, newProgress(nil, time.Now))
	step(context.Background(), minimalRun(t), nil)
}
