package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestRestoreLoop: when the latest checkpoint cannot be read, every
// restart restores it and fails again (FLINK-22502). Under exponential-delay
// without attempts-before-reset-backoff, Flink's default, that never ends:
// the run stops as RestoreLoop at the first failed restore that proves it,
// and only then.
func TestRestoreLoop(t *testing.T) {
	const crash = 480 * time.Millisecond
	base := bounded(1500, topology.TwoPhaseCommitSink)
	base.Checkpoint.NumRetained = 3
	base.Recovery.Restart = DefaultRestartStrategy()
	base.Recovery.Restart.Delay, base.Recovery.Restart.MaxDelay = 50*time.Millisecond, time.Second
	base.Faults = []Fault{crashAt("count[1]", crash)}
	latest := latestBefore(newSim(t, base).Run(), int64(crash))
	require.GreaterOrEqual(t, latest, int64(3))
	base.Faults = []Fault{{Kind: CorruptCheckpoint, Checkpoint: latest}, crashAt("count[1]", crash)}

	loops := func(t *testing.T, r *Result) {
		require.Equal(t, RestoreLoop, r.Stop)
		require.Len(t, r.Failovers, 2, "the crash, then the failed restore that proves the loop")
		assert.Contains(t, r.Failovers[1].Cause, "restore of checkpoint")
		assert.Equal(t, r.Failovers[1].At, r.VirtualEnd, "the run ends at the failed restore")
		assert.Equal(t, JobRestarting, r.Job)
		assert.Equal(t, fmt.Sprintf("checkpoint %d", latest), r.RestoreLoop)
	}
	t.Run("unlimited restarts: the run ends at the first failed restore", func(t *testing.T) {
		loops(t, newSim(t, base).Run())
	})
	t.Run("a fault still to strike does not hold the stop back", func(t *testing.T) {
		cfg := base
		cfg.Faults = append(cfg.Faults, crashAt("src[0]", time.Minute))
		loops(t, newSim(t, cfg).Run())
	})
	// Two regions under region failover: the first loops, the second
	// (other -> otherSink) reads for 3s and then waits for its final
	// checkpoint.
	regions := func(t *testing.T) Config {
		cfg := base
		g := *cfg.Graph
		g.Operators = append(slices.Clone(g.Operators), src("other", 1, 1000, 3000), sink("otherSink", 1))
		g.Edges = append(slices.Clone(g.Edges), topology.Edge{From: "other", To: "otherSink", Partitioning: topology.Rebalance})
		cfg.Graph = &g
		cfg.Recovery.Failover = RegionFailover
		cfg.MaxEvents = 500_000
		cfg.Faults = []Fault{crashAt("count[1]", crash)}
		cfg.Faults = append(cfg.Faults, Fault{Kind: CorruptCheckpoint, Checkpoint: latestBefore(newSim(t, cfg).Run(), int64(crash))})
		return cfg
	}
	t.Run("a region that keeps running holds the stop back until it waits for its final checkpoint", func(t *testing.T) {
		r := newSim(t, regions(t)).Run()
		require.Equal(t, RestoreLoop, r.Stop)
		assert.Greater(t, len(r.Failovers), 2, "the first failed restores came while the other region still read")
		assert.Greater(t, r.VirtualEnd, int64(3*time.Second), "the other region reads for 3s")
		assert.Equal(t, 2, r.Summary.AwaitingFinal, "other and otherSink wait for their final checkpoint")
		assert.Equal(t, JobRestarting, r.Job, "a region failover moves the job to RESTARTING too")
	})
	t.Run("beside a region that waits for its final checkpoint, a phase crash in the loop never strikes", func(t *testing.T) {
		// A subtask of the loop never runs, whatever checkpoint the crash
		// waits for (seed 7503678 of simulate check --mode unaligned
		// --faults always: a source, which never aligns); one of the region
		// outside it may still take a barrier in flight, but not of a
		// checkpoint it snapshotted, nor of one never triggered (seed
		// 7848592).
		for _, f := range []Fault{crashIn("src[0]", Aligning, 1), crashIn("count[0]", SyncPhase, 1000),
			crashIn("other[0]", Aligning, 1), crashIn("otherSink[0]", SyncPhase, 1000)} {
			cfg := regions(t)
			cfg.Recovery.Restart = RestartStrategy{Kind: FailureRate, MaxFailures: 5, Interval: time.Second, Delay: 300 * time.Millisecond}
			cfg.Faults = append(cfg.Faults, f)
			r := newSim(t, cfg).Run()
			require.Equal(t, RestoreLoop, r.Stop, "%s in %s of checkpoint %d: %s, job %s, %d failovers", f.Subtask, f.Phase, f.Checkpoint, r.Stop, r.Job, len(r.Failovers))
			assert.Equal(t, 2, r.Summary.AwaitingFinal)
			// Run on past the stop: the crash never strikes, and the loop
			// lasts.
			s := newSim(t, cfg)
			s.loopsOn = true
			on := s.Run()
			require.Equal(t, EventBudget, on.Stop, "the job ended after all: %s", on.Job)
			require.Greater(t, len(on.Failovers), 10*len(r.Failovers))
			for i, fo := range on.Failovers[1:] {
				require.Contains(t, fo.Cause, "restore of checkpoint", "failover %d", i+2)
			}
		}
	})
	t.Run("limited restarts: the same failed restore until they run out", func(t *testing.T) {
		cfg := base
		cfg.Recovery.Restart.AttemptsBeforeReset = 20
		r := newSim(t, cfg).Run()
		require.Equal(t, JobEnded, r.Stop)
		require.Equal(t, JobFailed, r.Job)
		require.Len(t, r.Failovers, 21)
		for i, f := range r.Failovers[:20] {
			assert.Equal(t, latest, f.RestoredFrom, "failover %d restores the unreadable checkpoint again", i+1)
		}
		for _, cs := range r.Checkpoints {
			assert.False(t, cs.Status == Completed && cs.TriggerAt > int64(crash), "checkpoint %d completed while the job looped", cs.ID)
		}
	})
	t.Run("failure-rate restarts forever when the failures come too slowly", func(t *testing.T) {
		for _, tc := range []struct {
			interval time.Duration
			fault    *Fault // one to come, which may add a failure
			forever  bool
			after    int // failovers the loop is not proven before
		}{
			{time.Second, nil, true, 3},
			{10 * time.Second, nil, false, 0},
			{time.Second, ptr(crashAt("src[0]", 5*time.Second)), true, 16},
			// No checkpoint is triggered in the loop: its phases never come.
			{time.Second, ptr(crashIn("count[0]", SyncPhase, 1000)), true, 3},
			// The restore after the 8th failover comes in the loop.
			{time.Second, ptr(crashIn("count[0]", Restoring, 8)), true, 11},
		} {
			cfg := base
			cfg.Recovery.Restart = RestartStrategy{Kind: FailureRate, MaxFailures: 5, Interval: tc.interval, Delay: 300 * time.Millisecond}
			if tc.fault != nil {
				cfg.Faults = append(slices.Clone(cfg.Faults), *tc.fault)
			}
			r := newSim(t, cfg).Run()
			if !tc.forever {
				assert.Equal(t, JobFailed, r.Job, "5 failures every 310ms fall within %v", tc.interval)
				continue
			}
			require.Equal(t, RestoreLoop, r.Stop, "5 failures take longer than %v", tc.interval)
			assert.Equal(t, r.Failovers[len(r.Failovers)-1].At, r.VirtualEnd)
			assert.Len(t, r.Failovers, tc.after, "the crash, failed restores that show the pace, and what the fault to come adds")
		}
	})
	t.Run("a manual restore to come can end the loop", func(t *testing.T) {
		cfg := base
		cfg.Recovery.Externalized = RetainOnCancellation
		cfg.Restores = []ManualRestore{{At: 2 * time.Second, From: FromCheckpoint, Checkpoint: latest - 1}}
		r := newSim(t, cfg).Run()
		require.NotEqual(t, RestoreLoop, r.Stop)
		require.Len(t, r.Resubmissions, 1)
		assert.Empty(t, r.Resubmissions[0].Refused)
		assert.Equal(t, JobFinished, r.Job)
	})
}

// TestRateHolds: failure-rate restarts forever exactly when no window of
// its interval will hold more than max-failures failures, those counted
// so far and those of units that keep failing at their own paces; it
// decides in a number of steps bounded by the failures that fit in an
// interval, not by max-failures.
func TestRateHolds(t *testing.T) {
	const ms = int64(time.Millisecond)
	for _, tc := range []struct {
		name         string
		max          int
		interval     time.Duration
		past         []int64 // failures counted so far, the last at now
		last, period []int64
		want         bool
	}{
		{"one unit: 5 failures take 5 periods, longer than the interval", 5, time.Second, []int64{0, 310 * ms}, []int64{310 * ms}, []int64{310 * ms}, true},
		{"one unit: 5 periods within the interval", 5, 1550 * time.Millisecond, []int64{0, 310 * ms}, []int64{310 * ms}, []int64{310 * ms}, false},
		{"two units at once: twice the failures", 5, time.Second, []int64{0, 0, 310 * ms, 310 * ms}, []int64{310 * ms, 310 * ms}, []int64{310 * ms, 310 * ms}, false},
		{"two units at once, room for both", 8, time.Second, []int64{0, 0, 310 * ms, 310 * ms}, []int64{310 * ms, 310 * ms}, []int64{310 * ms, 310 * ms}, true},
		{"two paces", 1000, time.Minute, []int64{62 * ms, 125 * ms, 1072 * ms, 1197 * ms}, []int64{1072 * ms, 1197 * ms}, []int64{1010 * ms, 1072 * ms}, true},
		{"failures counted so far fill the window", 3, time.Second, []int64{900 * ms, 950 * ms, 1000 * ms}, []int64{1000 * ms}, []int64{600 * ms}, false},
		{"huge max-failures decides at once", 1 << 40, time.Hour, []int64{0, ms}, []int64{ms}, []int64{ms}, true},
		{"a pace faster than the bound allows", 1 << 40, 876000 * time.Hour, []int64{0, 1}, []int64{1}, []int64{1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := restarter{cfg: RestartStrategy{Kind: FailureRate, MaxFailures: tc.max, Interval: tc.interval}, failures: tc.past}
			assert.Equal(t, tc.want, r.rateHolds(tc.last, tc.period))
		})
	}
}

// regionsLoop is a job of two pipelined regions that the user stops with a
// savepoint and resubmits from it, the savepoint unreadable: both regions
// fail their restore again and again, under restart strategy rs. The
// second region is one subtask (other chained with otherSink); with
// paces, its restore downloads the split state of 64 partitions, so the
// regions fail at their own paces.
func regionsLoop(t *testing.T, rs RestartStrategy, paces bool) Config {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	g := *cfg.Graph
	other := src("other", 1, 1000, 3000)
	if paces {
		other.Source.Partitions = 64
	}
	g.Operators = append(slices.Clone(g.Operators), other, sink("otherSink", 1))
	g.Edges = append(slices.Clone(g.Edges), topology.Edge{From: "other", To: "otherSink", Partitioning: topology.Forward})
	cfg.Graph = &g
	cfg.Recovery = recoveryWith(rs)
	cfg.Recovery.Failover = RegionFailover
	cfg.Recovery.RemoteBandwidth = 64 << 10
	cfg.Recovery.Stop.At = 420 * time.Millisecond
	cfg.Restores = []ManualRestore{{At: 500 * time.Millisecond, From: FromSavepoint}}
	r := newSim(t, cfg).Run()
	require.NotNil(t, r.StopWithSavepoint)
	sp := r.StopWithSavepoint.Savepoint
	require.Positive(t, sp, "the stop took a savepoint")
	cfg.Faults = []Fault{{Kind: CorruptCheckpoint, Checkpoint: sp}}
	cfg.MaxEvents = 200_000
	return cfg
}

// TestRestoreLoopLasts: a restore loop the run stops at is one. Run on
// past the stop, the regions fail their restores of the same savepoint
// for as long as the run goes, and the job neither finishes nor fails; a
// job whose failures come too fast for failure-rate is not stopped as a
// loop, and fails. Region failover: the regions fail at once or each at
// its own pace, and each failure counts.
func TestRestoreLoopLasts(t *testing.T) {
	slow := RestartStrategy{Kind: FailureRate, MaxFailures: 1000, Interval: time.Minute, Delay: 300 * time.Millisecond}
	// One region failing every 310ms would restart forever under fast
	// (TestRestoreLoop); two count twice the failures.
	fast := RestartStrategy{Kind: FailureRate, MaxFailures: 5, Interval: time.Second, Delay: 300 * time.Millisecond}
	for _, tc := range []struct {
		name  string
		rs    RestartStrategy
		paces bool
		loops bool
	}{
		{"failure-rate, regions at once", slow, false, true},
		{"failure-rate, regions at their own paces", slow, true, true},
		{"failure-rate reached: two failures a cycle", fast, false, false},
		{"exponential-delay", DefaultRestartStrategy(), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := regionsLoop(t, tc.rs, tc.paces)
			r := newSim(t, cfg).Run()
			if !tc.loops {
				require.Equal(t, JobEnded, r.Stop)
				assert.Equal(t, JobFailed, r.Job)
				return
			}
			require.Equal(t, RestoreLoop, r.Stop)
			stoppedAt, failovers := r.VirtualEnd, len(r.Failovers)
			s := newSim(t, cfg)
			s.loopsOn = true
			on := s.Run()
			require.Equal(t, EventBudget, on.Stop, "the job ended after all: %s", on.Job)
			require.Greater(t, len(on.Failovers), 10*failovers)
			for i, f := range on.Failovers {
				require.Contains(t, f.Cause, "restore of savepoint", "failover %d", i)
			}
			for _, cs := range on.Checkpoints {
				assert.False(t, cs.Status == Completed && cs.TriggerAt > stoppedAt, "checkpoint %d completed in the loop", cs.ID)
			}
			if tc.paces {
				fo := on.Failovers
				assert.NotEqual(t, fo[0].At, fo[1].At, "the regions fail at their own paces")
			}
		})
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
