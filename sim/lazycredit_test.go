package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// lazyViolation says why a credit kept aside on a channel of s would do
// more than add to the sender's credit if it reached the sender now ("":
// none would): its sender transmits when credit comes (an event, a
// finished buffer, an empty one to drop or a slice a flush requested
// heads a queue that is not paused, of a subpartition the receiver
// requested), or some task is backpressured with an output that is no
// longer full, which the maybeResume of a credit's transmit would release.
func lazyViolation(s *Sim) string {
	for i := range s.tasks {
		if t := &s.tasks[i]; t.backpressured && !s.outputFull(t) {
			return fmt.Sprintf("subtask %d is backpressured with a free output", i)
		}
	}
	n := 0
	for i := range s.chans {
		c := &s.chans[i]
		if !c.lazy {
			continue
		}
		n++
		if c.starved {
			return fmt.Sprintf("channel %d keeps a credit aside for a starved sender", i)
		}
		if !c.paused && !c.unrequested && (c.outBufs.len() > 0 && c.outBufs.at(0).bytes == 0 ||
			c.out().len() > 0 && (c.out().at(0).kind != itemRecord || c.outBufs.len() > 0 || c.flushReq && c.openBytes > 0)) {
			return fmt.Sprintf("channel %d keeps a credit aside whose sender would transmit", i)
		}
	}
	if n != s.lazyN {
		return fmt.Sprintf("%d channels keep a credit aside, lazyN says %d", n, s.lazyN)
	}
	return ""
}

// fatalT is what lazyMatchesEager needs of a test: a *testing.T or a
// *rapid.T.
type fatalT interface {
	require.TestingT
	Fatalf(format string, args ...any)
}

// seenBefore reports whether a has handled fewer events, in their order,
// than b.
func seenBefore(a, b *Sim) bool {
	return a.seenAt < b.seenAt || (a.seenAt == b.seenAt && a.seenOrd < b.seenOrd)
}

// lazyMatchesEager runs cfg twice, with lazy credits and with every credit
// an event (eagerCredits, as before credits were lazy), and fails unless
// no credit kept aside would have done anything when it reached its
// sender (lazyViolation, after every event), both runs show the same
// channels after every event of the lazy one (their events have the same
// order: the eager run stops at the same place, having also fired the
// credits in between) and at times between its events (ObserveAt), emit the same trace and end with the same result
// but for the number of events, which is no higher for the lazy run.
func lazyMatchesEager(t fatalT, cfg Config) {
	lazy, err := New(cfg)
	require.NoError(t, err)
	eager, err := New(cfg)
	require.NoError(t, err)
	eager.eagerCredits = true
	var lt, et []TraceEvent
	lazy.Tracer = func(ev TraceEvent) { lt = append(lt, ev) }
	eager.Tracer = func(ev TraceEvent) { et = append(et, ev) }
	for lazy.Step() {
		if v := lazyViolation(lazy); v != "" {
			t.Fatalf("after event %d at %v: %s", lazy.fired, time.Duration(lazy.now), v)
		}
		for seenBefore(eager, lazy) && eager.Step() {
		}
		if eager.seenAt != lazy.seenAt || eager.seenOrd != lazy.seenOrd {
			t.Fatalf("after event %d at %v the eager run is at %v, order %d, not order %d", lazy.fired, time.Duration(lazy.now), time.Duration(eager.seenAt), eager.seenOrd, lazy.seenOrd)
		}
		sameChannels(t, lazy, eager)
		// Between two events, at the time halfway: the credits that came
		// by then show (ObserveAt), as in the eager run stepped to then.
		if next, ok := lazy.NextEventAt(); ok && lazy.fired%3 == 0 && next > lazy.now+1 {
			at := lazy.now + (next-lazy.now)/2
			lazy.ObserveAt(at)
			for e, ok := eager.NextEventAt(); ok && e <= at && eager.Step(); e, ok = eager.NextEventAt() {
			}
			sameChannels(t, lazy, eager)
		}
	}
	for eager.Step() {
	}
	require.Equal(t, et, lt, "traces")
	lr, er := lazy.Result(), eager.Result()
	require.LessOrEqual(t, lr.Events, er.Events)
	lr.Events = er.Events
	require.Equal(t, er, lr)
}

// sameChannels fails unless every channel looks the same in both runs.
func sameChannels(t fatalT, lazy, eager *Sim) {
	for id := range lazy.chans {
		if lv, ev := lazy.ChannelView(id), eager.ChannelView(id); lv != ev {
			t.Fatalf("after event %d at %v (seen at %v) channel %d is %+v, eager %+v", lazy.fired, time.Duration(lazy.now), time.Duration(lazy.seenAt), id, lv, ev)
		}
	}
}

// TestLazyCreditsMatchEager: on random jobs and settings, failures
// included, lazy credits change nothing but the number of events.
func TestLazyCreditsMatchEager(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				bounded := rapid.Bool().Draw(t, "bounded")
				cfg := genConfig(t, pm, bounded)
				// An end time for the bounded runs too: one that stalls
				// would run to its event budget, which the lazy run, with
				// fewer events, does not reach at the same place.
				cfg.Until = ms(t, 100, 2000, "end")
				if rapid.Bool().Draw(t, "no exclusive buffers?") {
					// Blocked channels void their credits (releaseBlocked)
					// and senders announce their backlog.
					cfg.Channels.BuffersPerChannel = 0
					cfg.Channels.FloatingBuffersPerGate = rapid.IntRange(1, 8).Draw(t, "floating0")
				}
				cfg.MaxEvents = MaxEventBudget
				if rapid.Bool().Draw(t, "faults?") {
					cfg.Recovery = recoveryWith(genRestart(t))
					probe, err := New(cfg)
					if err != nil {
						t.Skipf("invalid config: %v", err)
					}
					cfg.Faults = genFaults(t, probe, 500*time.Millisecond)
				}
				if _, err := New(cfg); err != nil {
					t.Skipf("invalid config: %v", err)
				}
				lazyMatchesEager(t, cfg)
			})
		})
	}
}
