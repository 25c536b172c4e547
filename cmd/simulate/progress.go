package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ckptsim/ckptsim/sim"
)

// A run that takes longer than progressAfter of wall time shows its
// progress on stderr, redrawn every progressEvery, so that it does not
// look hung; the line is cleared when the run ends.
const (
	progressAfter = 1500 * time.Millisecond
	progressEvery = 500 * time.Millisecond
)

// progress draws a run's progress line. The clock is the command's, never
// the engine's: sim only says how far it is (sim.Progress).
type progress struct {
	w           io.Writer
	now         func() time.Time
	start, next time.Time
	shown       bool
}

// newProgress draws on w, reading the time from now; a nil w draws
// nothing.
func newProgress(w io.Writer, now func() time.Time) *progress {
	if w == nil {
		return nil
	}
	t := now()
	return &progress{w: w, now: now, start: t, next: t.Add(progressAfter)}
}

// terminalStderr is os.Stderr when it is a terminal, else nil: a progress
// line redrawn in place belongs on a screen, not in a log.
func terminalStderr() io.Writer {
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return os.Stderr
	}
	return nil
}

// tick redraws the line when it is due.
func (p *progress) tick(s *sim.Sim) {
	if p == nil {
		return
	}
	t := p.now()
	if t.Before(p.next) {
		return
	}
	p.next = t.Add(progressEvery)
	p.shown = true
	pr := s.Progress()
	virtual := time.Duration(pr.Now).Round(time.Millisecond).String()
	if pr.Until < int64(sim.Horizon) {
		virtual += " of " + time.Duration(pr.Until).String()
	}
	rate := float64(pr.Events) / t.Sub(p.start).Seconds() / 1e6
	fmt.Fprintf(p.w, "\rsimulate: %3.0f%% · virtual time %s · %d of %d events · %.1f M events/s\x1b[K",
		100*pr.Done(), virtual, pr.Events, pr.MaxEvents, rate)
}

// done clears the line, if one was drawn.
func (p *progress) done() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
