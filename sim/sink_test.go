package sim

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// Sinks and the end-to-end checkers: at-least-once, two-phase commit and
// upsert sinks, with and without failures.

// invariant returns r's invariant called name, or nil.
func invariant(r *Result, name string) *Invariant {
	for i := range r.Invariants {
		if r.Invariants[i].Name == name {
			return &r.Invariants[i]
		}
	}
	return nil
}

func TestAtLeastOnceSinkDuplicates(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			cfg := bounded(1500, topology.AtLeastOnceSink)
			cfg.Checkpoint.Mode = mode
			// Without failures, every record is written once.
			clean := newSim(t, cfg).Run()
			require.Equal(t, JobFinished, clean.Job)
			assert.Zero(t, clean.Summary.Duplicates)
			assert.Zero(t, clean.Summary.Lost)
			requireInvariants(t, clean)

			// A crash between two checkpoints: what the sink wrote since
			// the restored checkpoint is written again.
			crash := quietAfter(t, clean, int64(700*time.Millisecond))
			cfg.Faults = []Fault{crashAt("count[1]", crash+20*time.Millisecond)}
			r := newSim(t, cfg).Run()
			require.Len(t, r.Failovers, 1)
			assert.Positive(t, r.Summary.Duplicates)
			assert.Zero(t, r.Summary.Lost, "at least once never loses")
			e2e := invariant(r, "end-to-end")
			require.NotNil(t, e2e)
			assert.True(t, e2e.OK, "duplicates are what an at-least-once sink promises")
			assert.Equal(t, fmt.Sprintf("at least once: %d duplicate(s) written, 0 lost", r.Summary.Duplicates), e2e.Detail)
			assert.True(t, invariant(r, "no-loss").OK)
			if mode != AtLeastOnce {
				assert.True(t, invariant(r, "exactly-once-state").OK, "the keyed state is still exactly once")
			}
			// The records written twice are the ones the sink received
			// between the restored checkpoint's cut and the crash: no
			// more than the job read in that time.
			cp := r.Checkpoints[r.Failovers[0].RestoredFrom-1]
			elapsed := r.Failovers[0].At - cp.TriggerAt
			assert.LessOrEqual(t, r.Summary.Duplicates, 2*(elapsed/int64(time.Millisecond)+1),
				"at most 2 partitions x 1 record/ms since the cut")
		})
	}
}

func TestTwoPhaseCommitSink(t *testing.T) {
	for _, mode := range []Mode{Aligned, Unaligned} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Checkpoint.Mode = mode
			cfg.Faults = []Fault{crashAt("count[1]", 520*time.Millisecond), crashAt("sink[0]", 1010*time.Millisecond)}
			s := newSim(t, cfg)
			outs := recordOutputs(s)
			r := s.Run()
			require.Len(t, r.Failovers, 2)
			requireDrainedExactlyOnce(t, r)
			assert.Equal(t, "committed output: 0 duplicate(s), 0 lost: exactly once", invariant(r, "end-to-end").Detail)

			// A read-committed reader sees a record when the checkpoint
			// after it completes (or at a restore that commits a pending
			// transaction, or at the end of the input).
			commits := map[int64]bool{r.VirtualEnd: true}
			for _, c := range r.Checkpoints {
				if c.Status == Completed {
					commits[c.EndAt] = true
				}
			}
			for _, f := range r.Failovers {
				commits[f.RestartAt] = true
			}
			sinkID := subtaskID(t, s, "sink[0]")
			var latency, n int64
			for _, o := range *outs {
				require.GreaterOrEqual(t, o.visible, o.written)
				require.True(t, commits[o.visible], "a record becomes visible at a commit, not at %v", time.Duration(o.visible))
				latency += o.visible - o.written
				n++
				// Committed at the completion of checkpoint c: the record
				// was written before the sink's snapshot of c.
				for _, c := range r.Checkpoints {
					if c.Status == Completed && c.EndAt == o.visible && o.visible != r.VirtualEnd {
						row := c.Subtasks[sinkID]
						assert.LessOrEqual(t, o.written, row.FirstBarrierAt+row.Alignment,
							"a record committed by checkpoint %d was written before the sink's barrier", c.ID)
					}
				}
			}
			require.Equal(t, int64(len(*outs)), n)
			assert.Equal(t, latency/n, r.Summary.MeanCommitLatency)
			assert.Positive(t, r.Summary.MeanCommitLatency)
			// A record waits at least until its checkpoint is done: the
			// sink's async phase (5ms) and the acknowledgement.
			assert.GreaterOrEqual(t, r.Summary.MaxCommitLatency, r.Summary.MeanEndToEnd)
			assert.LessOrEqual(t, r.Summary.MaxCommitLatency, int64(cfg.Checkpoint.Interval)+r.Summary.MaxEndToEnd+int64(cfg.Recovery.Restart.Delay)+r.Summary.MaxRestoreTime+int64(10*time.Millisecond))
		})
	}
}

func TestTwoPhaseCommitSinkWithoutFailures(t *testing.T) {
	cfg := bounded(1000, topology.TwoPhaseCommitSink)
	r := newSim(t, cfg).Run()
	requireDrainedExactlyOnce(t, r)
	// Without checkpoints nothing is committed before the end of input.
	cfg.Checkpoint.Interval = 0
	s := newSim(t, cfg)
	outs := recordOutputs(s)
	r = s.Run()
	requireDrainedExactlyOnce(t, r)
	require.NotEmpty(t, *outs)
	for _, o := range *outs {
		assert.Equal(t, r.VirtualEnd, o.visible)
	}
}

func TestTwoPhaseCommitInAtLeastOnceModeCanDuplicate(t *testing.T) {
	// In at-least-once mode a subtask does not hold back the inputs that
	// delivered the barrier: records from after the cut enter the
	// snapshot and the pre-committed transaction, and are replayed after
	// a restore. A slow channel from src[0] to count[0] makes the barriers
	// of the two sources reach count[0] 20ms apart.
	var dups int64
	for _, crash := range []time.Duration{450, 650, 850, 1050, 1250} {
		cfg := bounded(1500, topology.TwoPhaseCommitSink)
		cfg.Checkpoint.Mode = AtLeastOnce
		cfg.Faults = []Fault{
			{Kind: DelaySpike, Channel: "src[0]->count[0]", Delay: 20 * time.Millisecond},
			crashAt("count[0]", crash*time.Millisecond),
		}
		r := newSim(t, cfg).Run()
		require.Equal(t, JobFinished, r.Job)
		assert.Zero(t, r.Summary.Lost, "crash at %v: at least once never loses", crash)
		e2e := invariant(r, "end-to-end")
		require.NotNil(t, e2e)
		assert.True(t, e2e.OK)
		assert.Contains(t, e2e.Detail, "at least once")
		assert.Nil(t, invariant(r, "exactly-once-state"), "not checked in at-least-once mode")
		dups += r.Summary.Duplicates

		// The same run aligned is exactly once.
		cfg.Checkpoint.Mode = Aligned
		requireDrainedExactlyOnce(t, newSim(t, cfg).Run())
	}
	assert.Positive(t, dups, "a two-phase commit sink is exactly once only with an exactly-once mode")
}

// upsertJob feeds the keyed counts into an upsert sink keyed like them.
func upsertJob() Config {
	cfg := bounded(1500, topology.UpsertSink)
	cfg.Graph.Operators[2].Parallelism = 2
	cfg.Graph.Edges[1].Partitioning = topology.Hash
	return cfg
}

// recordOutputs collects every output the sinks of s make visible.
func recordOutputs(s *Sim) *[]output {
	var outs []output
	s.observe = func(o output) { outs = append(outs, o) }
	return &outs
}

// table is what the outputs of an upsert sink leave in the external table.
func table(outs []output) map[int64]int64 {
	m := map[int64]int64{}
	for _, o := range outs {
		m[o.key] = o.value
	}
	return m
}

func TestUpsertSink(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			cfg := upsertJob()
			cfg.Checkpoint.Mode = mode
			clean := newSim(t, cfg)
			cleanOuts := recordOutputs(clean)
			rc := clean.Run()
			requireInvariants(t, rc)
			require.Zero(t, rc.Summary.Duplicates)

			cfg.Faults = []Fault{crashAt("count[1]", 520*time.Millisecond), crashAt("count[0]", 1020*time.Millisecond)}
			s := newSim(t, cfg)
			outs := recordOutputs(s)
			r := s.Run()
			require.Len(t, r.Failovers, 2)
			assert.Positive(t, r.Summary.Duplicates, "replays write some keys again")
			assert.Zero(t, r.Summary.Lost)
			e2e := invariant(r, "end-to-end")
			require.NotNil(t, e2e)
			if mode == AtLeastOnce {
				// The counts themselves may count a replayed record twice.
				return
			}
			assert.True(t, e2e.OK, e2e.Detail)
			assert.Contains(t, e2e.Detail, "the upsert tables equal the failure-free ones")
			assert.True(t, maps.Equal(table(*cleanOuts), table(*outs)), "the final table equals the failure-free one")
			requireInvariants(t, r)
		})
	}
}

func TestUpsertCheckerCatchesAWrongTable(t *testing.T) {
	cfg := upsertJob()
	s := newSim(t, cfg)
	outs := recordOutputs(s)
	s.Run()
	require.True(t, invariant(s.Result(), "end-to-end").OK)
	// An external table that lost the last update of a key.
	last := (*outs)[len(*outs)-1]
	s.checks.end.delivered.tables["sink"][last.key] = last.value - 1
	e2e := invariant(s.Result(), "end-to-end")
	assert.False(t, e2e.OK)
	assert.Contains(t, e2e.Detail, "final table")
}
