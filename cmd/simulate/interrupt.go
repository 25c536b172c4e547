package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ckptsim/ckptsim/sim"
)

// interruptContext returns a context that is done with parent or at the
// first SIGINT (Ctrl-C) or SIGTERM, for a command that then stops and
// reports what it did. The first signal says so on stderr and restores
// the default handling, so a second one ends the process at once. stop
// releases the signals: until it is called, they do not end the process.
// It returns once the notice of an interrupt is written, so a command that
// calls it before it returns never exits ahead of that line.
func interruptContext(parent context.Context, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, release := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	announced := make(chan struct{})
	go func() {
		defer close(announced)
		<-ctx.Done()
		release()
		if context.Cause(ctx) != context.Canceled {
			fmt.Fprintln(stderr, "simulate: interrupted; printing what was done so far (interrupt again to quit at once)")
		}
	}()
	return ctx, func() {
		release()
		<-announced
	}
}

// stepsBetweenChecks is how many events a run fires between two looks at
// its context: about a millisecond of engine time.
const stepsBetweenChecks = 4096

// step runs s to its end, or until ctx is done; it reports whether ctx
// stopped it. The run stops between two events, so its trace and result
// are whole. It draws p (which may be nil) as it goes.
func step(ctx context.Context, s *sim.Sim, p *progress) (interrupted bool) {
	defer p.done()
	for i := 1; s.Step(); i++ {
		if i%stepsBetweenChecks == 0 {
			if ctx.Err() != nil {
				return true
			}
			p.tick(s)
		}
	}
	return false
}
