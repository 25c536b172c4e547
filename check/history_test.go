package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim"
)

// runHashed runs cfg to its end and returns the result with the hash of
// its trace.
func runHashed(t require.TestingT, cfg sim.Config) (*sim.Result, uint64) {
	s, err := sim.New(cfg)
	require.NoError(t, err)
	tracer, sum := s.TraceHasher()
	s.Tracer = tracer
	return s.Run(), sum()
}

// rowSummary is the summary as it was computed before the history was
// bounded: from the row of every checkpoint.
func rowSummary(r *sim.Result) sim.Summary {
	var sm sim.Summary
	var e2e, align int64
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		switch c.Status {
		case sim.Completed:
			sm.Completed++
			e2e += c.EndToEnd()
			sm.MaxEndToEnd = max(sm.MaxEndToEnd, c.EndToEnd())
			a := c.MaxAlignment()
			align += a
			sm.MaxAlignment = max(sm.MaxAlignment, a)
			sm.PersistedBytes += c.PersistedBytes
		case sim.Expired:
			sm.Expired++
		case sim.Aborted:
			sm.Aborted++
		default:
			sm.InProgress++
		}
	}
	if sm.Completed > 0 {
		sm.MeanEndToEnd = e2e / int64(sm.Completed)
		sm.MeanAlignment = align / int64(sm.Completed)
	}
	return sm
}

// TestHistoryDoesNotChangeTheRun: on generated jobs with faults,
// failovers, savepoints, a stop and manual restores, a history of one
// checkpoint runs exactly as a history that holds every checkpoint: the
// same trace, summary, invariants, failovers and restores, and each
// checkpoint it still holds has the same figures. With every checkpoint
// held, the aggregates equal what the rows give.
//
// The generated runs end within 60,000 events; one that stalls (an
// aligned barrier waiting behind backpressure that its own alignment
// causes, after a restore with a backlog) triggers checkpoints that expire
// until its event budget is spent: 500,000 events keep those within the
// longest history too.
func TestHistoryDoesNotChangeTheRun(t *testing.T) {
	b := DefaultBounds()
	b.MaxEvents = 500_000
	gen := Configs(b)
	rapid.Check(t, func(t *rapid.T) {
		full := gen.Draw(t, "config")
		full.Checkpoint.History = fullHistory(full)
		if rapid.Bool().Draw(t, "restore?") {
			from := rapid.SampledFrom(sim.RestoreSources).Draw(t, "from")
			r := sim.ManualRestore{At: time.Duration(rapid.Int64Range(0, int64(2*time.Second)).Draw(t, "restore at")), From: from}
			if from == sim.FromCheckpoint {
				r.Checkpoint = rapid.Int64Range(1, 30).Draw(t, "restore id")
			}
			full.Restores = []sim.ManualRestore{r}
			full.Recovery.Externalized = rapid.SampledFrom([]sim.Externalized{sim.NoExternalized, sim.RetainOnCancellation}).Draw(t, "externalized")
		}
		short := full
		short.Checkpoint.History = 1
		want, wantHash := runHashed(t, full)
		got, gotHash := runHashed(t, short)
		if want.History.Evicted > 0 {
			// A job that cannot end (its checkpoints all expire, so its
			// finished tasks wait for a final checkpoint forever) runs to
			// the event budget and makes more checkpoints than any history
			// holds: there is no full history to compare with.
			t.Skipf("%d checkpoints evicted from the longest history (run stopped by %v)", want.History.Evicted, want.Stop)
		}
		require.Equal(t, wantHash, gotHash, "the trace")
		rows := rowSummary(want)
		sm := want.Summary
		require.Equal(t, rows, sim.Summary{Completed: sm.Completed, Expired: sm.Expired, Aborted: sm.Aborted, InProgress: sm.InProgress,
			MeanEndToEnd: sm.MeanEndToEnd, MaxEndToEnd: sm.MaxEndToEnd, MeanAlignment: sm.MeanAlignment, MaxAlignment: sm.MaxAlignment,
			PersistedBytes: sm.PersistedBytes}, "the aggregates are those of the rows")
		require.Equal(t, want.Summary, got.Summary)
		require.Equal(t, want.CompletedSummary, got.CompletedSummary)
		require.Equal(t, want.Invariants, got.Invariants)
		require.Equal(t, want.Failovers, got.Failovers)
		require.Equal(t, want.Retained, got.Retained)
		require.Equal(t, len(want.Checkpoints), len(got.Checkpoints)+got.History.Evicted)
		for i := range want.Resubmissions {
			w, g := want.Resubmissions[i], got.Resubmissions[i]
			if g.Refused != w.Refused {
				// Only the reason a checkpoint long gone from storage is
				// refused can differ: its statistics are gone too.
				require.Contains(t, w.Refused, "is no longer retained")
				require.Contains(t, g.Refused, "is no longer retained")
				g.Refused = w.Refused
			}
			require.Equal(t, w, g)
		}
		byID := map[[2]int64]sim.CheckpointStats{}
		for _, c := range want.Checkpoints {
			byID[[2]int64{int64(c.Execution), c.ID}] = c
		}
		for _, c := range got.Checkpoints {
			require.Equal(t, byID[[2]int64{int64(c.Execution), c.ID}], c, "checkpoint %d of execution %d", c.ID, c.Execution)
		}
	})
}
