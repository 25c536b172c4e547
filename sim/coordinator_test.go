package sim

import (
	"math"
	"sort"
	"testing"
	"time"

	"github.com/ckptsim/ckptsim/topology"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowCheckpoints is the pipeline with checkpoints that take about
// asyncBase each: the async phase dominates. Expired checkpoints are
// tolerated, so that the job keeps running.
func slowCheckpoints(interval, asyncBase time.Duration) Config {
	cfg := pipeline()
	cfg.Recovery.TolerableFailures = -1
	cfg.Until = 4 * time.Second
	cfg.Checkpoint.Interval = interval
	cfg.Checkpoint.AsyncBase = asyncBase
	return cfg
}

// maxInProgress is the largest number of checkpoints in progress at once,
// each one counting over [TriggerAt, EndAt) (to the end of time while in
// progress).
func maxInProgress(r *Result) int {
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		end := int64(math.MaxInt64)
		if c.Status != InProgress {
			end = c.EndAt
		}
		edges = append(edges, edge{c.TriggerAt, +1}, edge{end, -1})
	}
	// Ends before starts at the same instant: [TriggerAt, EndAt).
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at != edges[j].at {
			return edges[i].at < edges[j].at
		}
		return edges[i].delta < edges[j].delta
	})
	cur, best := 0, 0
	for _, e := range edges {
		cur += e.delta
		best = max(best, cur)
	}
	return best
}

// lastCompletedBefore is the EndAt of the newest completed checkpoint that
// ended at or before at, or -1.
func lastCompletedBefore(r *Result, at int64) int64 {
	last := int64(-1)
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		if c.Status == Completed && c.EndAt <= at {
			last = max(last, c.EndAt)
		}
	}
	return last
}

// TestMinPause checks setMinPauseBetweenCheckpoints with checkpoints that
// take longer than the interval, so a trigger request is always queued when
// one completes: with a pause, every trigger comes at least MinPause after
// the last completion (Flink drops the early request and moves the periodic
// timer to exactly lastCompletion + minPause); without one, the queued
// request triggers at the very instant of the completion.
func TestMinPause(t *testing.T) {
	for _, tc := range []struct {
		name     string
		minPause time.Duration
	}{
		{"none", 0},
		{"150ms", 150 * time.Millisecond},
		{"above-interval", 400 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := slowCheckpoints(100*time.Millisecond, 300*time.Millisecond)
			cfg.Checkpoint.MinPause = tc.minPause
			_, _, r := runHashed(t, cfg)
			requireInvariants(t, r)
			require.GreaterOrEqual(t, r.Summary.Completed, 4, describeCheckpoints(r))
			require.Equal(t, 1, maxInProgress(r))
			pause := int64(tc.minPause)
			for i := 1; i < len(r.Checkpoints); i++ {
				c, prev := &r.Checkpoints[i], &r.Checkpoints[i-1]
				require.Equal(t, Completed, prev.Status, describeCheckpoints(r))
				last := lastCompletedBefore(r, c.TriggerAt)
				require.Equal(t, prev.EndAt, last)
				assert.GreaterOrEqual(t, c.TriggerAt, last+pause, "checkpoint %d triggered %v after the last completion", c.ID, time.Duration(c.TriggerAt-last))
				// A request was queued: it fires as soon as the pause allows.
				assert.Equal(t, last+pause, c.TriggerAt, "checkpoint %d: %s", c.ID, describeCheckpoints(r))
			}
		})
	}
}

// TestMinPauseNotRestartedByFailures: Flink measures the pause from the
// last successful completion only; an expired checkpoint does not restart
// it. With every checkpoint expiring and no completion yet, queued requests
// trigger right at the expiry.
func TestMinPauseNotRestartedByFailures(t *testing.T) {
	cfg := slowCheckpoints(100*time.Millisecond, 10*time.Second)
	cfg.Checkpoint.Timeout = 250 * time.Millisecond
	cfg.Checkpoint.MinPause = 200 * time.Millisecond
	cfg.Until = 2 * time.Second
	_, _, r := runHashed(t, cfg)
	require.GreaterOrEqual(t, len(r.Checkpoints), 4)
	require.Zero(t, r.Summary.Completed)
	for i := 1; i < len(r.Checkpoints); i++ {
		prev, c := &r.Checkpoints[i-1], &r.Checkpoints[i]
		require.Equal(t, Expired, prev.Status)
		assert.Equal(t, prev.EndAt, c.TriggerAt, "checkpoint %d should trigger at the expiry of %d", c.ID, prev.ID)
	}
}

// TestMaxConcurrent checks setMaxConcurrentCheckpoints with checkpoints
// that take longer than the interval: never more than N are in progress,
// and N are (they overlap when N > 1).
func TestMaxConcurrent(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(string(rune('0'+n)), func(t *testing.T) {
			cfg := slowCheckpoints(100*time.Millisecond, 250*time.Millisecond)
			cfg.Checkpoint.MaxConcurrent = n
			evs, r, _ := runTraced(t, cfg)
			requireInvariants(t, r)
			require.GreaterOrEqual(t, r.Summary.Completed, 5, describeCheckpoints(r))
			assert.Equal(t, n, maxInProgress(r), describeCheckpoints(r))
			assert.Zero(t, r.Summary.Aborted+r.Summary.Expired, describeCheckpoints(r))
			// The same from the trace, event by event.
			cur, peak := 0, 0
			for _, ev := range evs {
				switch ev.Kind {
				case CheckpointTriggered:
					cur++
					peak = max(peak, cur)
				case CheckpointCompleted, CheckpointAborted, CheckpointExpired:
					cur--
				}
				require.LessOrEqual(t, cur, n, "seq %d", ev.Seq)
			}
			assert.Equal(t, n, peak)
		})
	}
}

// TestCheckpointTimeout checks setCheckpointTimeout: a checkpoint that
// cannot finish in time expires exactly Timeout after its trigger, with
// reason expired; one that finishes in time completes.
func TestCheckpointTimeout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		asyncBase time.Duration
		expire    bool
	}{
		{"too-slow", 10 * time.Second, true},
		{"just-slow-enough", 900 * time.Millisecond, true},
		{"in-time", 300 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := slowCheckpoints(200*time.Millisecond, tc.asyncBase)
			cfg.Checkpoint.Timeout = 500 * time.Millisecond
			evs, r, _ := runTraced(t, cfg)
			requireInvariants(t, r)
			require.GreaterOrEqual(t, len(r.Checkpoints), 3)
			expiredAt := map[int64]int64{}
			for _, ev := range evs {
				if ev.Kind == CheckpointExpired {
					assert.Equal(t, ReasonExpired, ev.Reason)
					expiredAt[ev.Checkpoint] = ev.At
				}
			}
			for i := range r.Checkpoints {
				c := &r.Checkpoints[i]
				if c.Status == InProgress {
					require.Greater(t, c.TriggerAt+int64(cfg.Checkpoint.Timeout), r.VirtualEnd)
					continue
				}
				if !tc.expire {
					assert.Equal(t, Completed, c.Status, describeCheckpoints(r))
					assert.Less(t, c.EndToEnd(), int64(cfg.Checkpoint.Timeout))
					continue
				}
				require.Equal(t, Expired, c.Status, describeCheckpoints(r))
				assert.Equal(t, ReasonExpired, c.Reason)
				assert.Equal(t, c.TriggerAt+int64(cfg.Checkpoint.Timeout), c.EndAt, "checkpoint %d", c.ID)
				assert.Equal(t, c.EndAt, expiredAt[c.ID], "checkpoint %d: trace", c.ID)
				assert.Less(t, c.Acked, c.Total)
			}
			if tc.expire {
				assert.Positive(t, r.Summary.Expired)
			}
		})
	}
}

// TestNumRetained checks state.checkpoints.num-retained: the coordinator
// keeps the newest NumRetained completed checkpoints, with their state,
// and discards the state of older ones.
func TestNumRetained(t *testing.T) {
	for _, n := range []int{1, 2, 3, 50} {
		t.Run(string(rune('0'+n%10)), func(t *testing.T) {
			cfg := pipeline()
			cfg.Until = 2 * time.Second
			cfg.Checkpoint.Interval = 150 * time.Millisecond
			cfg.Checkpoint.NumRetained = n
			s := newSim(t, cfg)
			r := s.Run()
			var completed []int64
			for i := range r.Checkpoints {
				if r.Checkpoints[i].Status == Completed {
					completed = append(completed, r.Checkpoints[i].ID)
				}
			}
			require.GreaterOrEqual(t, len(completed), 5)
			want := completed[max(0, len(completed)-n):]
			assert.Equal(t, want, s.coord.retained)
			assert.LessOrEqual(t, len(s.coord.retained), n)
			for _, cs := range s.coord.stats {
				if cs.Status == Completed && contains(want, cs.ID) {
					assert.NotNil(t, cs.states, "retained checkpoint %d lost its state", cs.ID)
				} else {
					assert.Nil(t, cs.states, "checkpoint %d (%s) still holds state", cs.ID, cs.Status)
				}
			}
		})
	}
}

func contains(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestFirstTrigger checks Flink's random initial delay: the first periodic
// trigger is uniform in [minPause, interval], the interval being raised to
// minPause when it is shorter.
func TestFirstTrigger(t *testing.T) {
	for _, tc := range []struct {
		name               string
		interval, minPause time.Duration
		lo, hi             time.Duration
	}{
		{"no-pause", 100 * time.Millisecond, 0, 0, 100 * time.Millisecond},
		{"pause", 100 * time.Millisecond, 30 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond},
		{"pause-above-interval", 50 * time.Millisecond, 80 * time.Millisecond, 80 * time.Millisecond, 80 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[int64]bool{}
			var lo, hi int64 = math.MaxInt64, 0
			for seed := uint64(1); seed <= 60; seed++ {
				cfg := pipeline()
				cfg.Seed = seed
				cfg.Checkpoint.Interval = tc.interval
				cfg.Checkpoint.MinPause = tc.minPause
				s := newSim(t, cfg)
				for len(s.coord.stats) == 0 && s.Step() {
				}
				require.NotEmpty(t, s.coord.stats)
				at := s.coord.stats[0].TriggerAt
				require.GreaterOrEqual(t, at, int64(tc.lo), "seed %d", seed)
				require.LessOrEqual(t, at, int64(tc.hi), "seed %d", seed)
				seen[at] = true
				lo, hi = min(lo, at), max(hi, at)
			}
			if tc.lo < tc.hi {
				// Uniform over the range: 60 draws spread over most of it.
				span := int64(tc.hi - tc.lo)
				assert.Greater(t, len(seen), 50)
				assert.Less(t, lo-int64(tc.lo), span/5)
				assert.Less(t, int64(tc.hi)-hi, span/5)
			}
		})
	}
}

// subsumeJob has two independent pipelines: a (bounded, finishes after
// about 0.3 s) into an aggregate big whose uploads take 125 ms, and b
// (unbounded) into a small one. The upload of big's first checkpoint is
// 20 times slower (a slow-upload fault), so with concurrent checkpoints
// the next one completes first.
func subsumeJob(maxConcurrent int) Config {
	a := src("a", 1, 1000, 300)
	big := agg("big", 1, 0)
	big.StateBytesPerKey = 1 << 16 // 20 keys: 1.25 MiB
	return Config{
		Name: "subsume",
		Seed: 11,
		Graph: &topology.Graph{
			Operators: []topology.Operator{a, src("b", 1, 1000, 0), big, agg("small", 1, 0), sink("sa", 1), sink("sb", 1)},
			Edges: []topology.Edge{
				{From: "a", To: "big", Partitioning: topology.Hash},
				{From: "b", To: "small", Partitioning: topology.Hash},
				{From: "big", To: "sa", Partitioning: topology.Forward},
				{From: "small", To: "sb", Partitioning: topology.Forward},
			},
		},
		Channels: recordChannels(),
		Checkpoint: CheckpointConfig{
			Interval: 200 * time.Millisecond, Mode: Aligned, MaxConcurrent: maxConcurrent,
			Timeout: time.Minute, NumRetained: 1, History: testHistory, SyncDuration: time.Millisecond,
			AsyncBase: 5 * time.Millisecond, StorageBandwidth: 10 << 20,
		},
		// The first checkpoint is triggered at about 170 ms.
		Faults: []Fault{{Kind: SlowUpload, Subtask: "big -> sa[0]", Factor: 20, At: 150 * time.Millisecond, Until: 250 * time.Millisecond}},
		Until:  4 * time.Second,
	}
}

// TestSubsumedByNewerCompletion: when a newer checkpoint completes, every
// older pending one is aborted with reason subsumed
// (dropSubsumedCheckpoints), at that instant. With MaxConcurrent 1 nothing
// can be subsumed.
func TestSubsumedByNewerCompletion(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		t.Run(string(rune('0'+n)), func(t *testing.T) {
			evs, r, _ := runTraced(t, subsumeJob(n))
			// Not snapshot-state: see TestFinishedTaskStateInLaterCheckpoints.
			require.Equal(t, "consistent-snapshot", r.Invariants[0].Name)
			require.True(t, r.Invariants[0].OK, r.Invariants[0].Detail)
			require.Positive(t, r.Summary.Completed, describeCheckpoints(r))
			subsumed := 0
			for i := range r.Checkpoints {
				c := &r.Checkpoints[i]
				if c.Status == Aborted {
					require.Equal(t, ReasonSubsumed, c.Reason, describeCheckpoints(r))
					// A newer checkpoint completed at the same instant.
					found := false
					for j := i + 1; j < len(r.Checkpoints); j++ {
						if d := &r.Checkpoints[j]; d.Status == Completed && d.EndAt == c.EndAt {
							found = true
						}
					}
					assert.True(t, found, "checkpoint %d subsumed without a newer completion: %s", c.ID, describeCheckpoints(r))
					subsumed++
				}
				if c.Status == Completed {
					// Nothing older is still pending after it completed.
					for j := range i {
						d := &r.Checkpoints[j]
						assert.True(t, d.Status != InProgress && d.EndAt <= c.EndAt,
							"checkpoint %d still pending after %d completed: %s", d.ID, c.ID, describeCheckpoints(r))
					}
				}
			}
			for _, ev := range evs {
				if ev.Kind == CheckpointAborted {
					assert.Equal(t, ReasonSubsumed, ev.Reason)
				}
			}
			if n == 1 {
				assert.Zero(t, subsumed)
			} else {
				assert.Positive(t, subsumed, describeCheckpoints(r))
			}
		})
	}
}

// TestFinishedTaskStateInLaterCheckpoints: a checkpoint triggered after
// some subtasks finished (FLIP-147, checkpoints after tasks finish) counts
// them as acknowledged. The keyed state such a checkpoint holds for a
// finished aggregate must be its final state, as for a checkpoint that was
// pending when the task finished; the snapshot-state invariant must hold.
func TestFinishedTaskStateInLaterCheckpoints(t *testing.T) {
	cfg := subsumeJob(1)
	// big[0] finishes once its final checkpoint completed and its slow
	// upload ended (FLIP-147).
	cfg.Until = 10 * time.Second
	s := newSim(t, cfg)
	r := s.Run()
	bigID := subtaskID(t, s, "big[0]")
	require.True(t, s.tasks[bigID].finished)
	later := 0
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		if c.Status == Completed && c.Subtasks[bigID].Finished {
			later++
		}
	}
	require.Positive(t, later, "no checkpoint completed with big[0] finished")
	requireInvariants(t, r, "consistent-snapshot", "snapshot-state")
}
