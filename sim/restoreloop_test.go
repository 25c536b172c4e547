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
	t.Run("a region that keeps running holds the stop back until it waits for its final checkpoint", func(t *testing.T) {
		cfg := base
		g := *cfg.Graph
		g.Operators = append(slices.Clone(g.Operators), src("other", 1, 1000, 3000), sink("otherSink", 1))
		g.Edges = append(slices.Clone(g.Edges), topology.Edge{From: "other", To: "otherSink", Partitioning: topology.Rebalance})
		cfg.Graph = &g
		cfg.Recovery.Failover = RegionFailover
		cfg.MaxEvents = 500_000
		cfg.Faults = []Fault{crashAt("count[1]", crash)}
		cfg.Faults = append(cfg.Faults, Fault{Kind: CorruptCheckpoint, Checkpoint: latestBefore(newSim(t, cfg).Run(), int64(crash))})
		r := newSim(t, cfg).Run()
		require.Equal(t, RestoreLoop, r.Stop)
		assert.Greater(t, len(r.Failovers), 2, "the first failed restores came while the other region still read")
		assert.Greater(t, r.VirtualEnd, int64(3*time.Second), "the other region reads for 3s")
		assert.Equal(t, 2, r.Summary.AwaitingFinal, "other and otherSink wait for their final checkpoint")
		assert.Equal(t, JobRunning, r.Job, "a region failover leaves the job RUNNING")
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
			crash    time.Duration // a crash to come, which may add a failure
			forever  bool
		}{{time.Second, 0, true}, {10 * time.Second, 0, false}, {time.Second, 5 * time.Second, true}} {
			cfg := base
			cfg.Recovery.Restart = RestartStrategy{Kind: FailureRate, MaxFailures: 5, Interval: tc.interval, Delay: 300 * time.Millisecond}
			if tc.crash > 0 {
				cfg.Faults = append(slices.Clone(cfg.Faults), crashAt("src[0]", tc.crash))
			}
			r := newSim(t, cfg).Run()
			if !tc.forever {
				assert.Equal(t, JobFailed, r.Job, "5 failures every 310ms fall within %v", tc.interval)
				continue
			}
			require.Equal(t, RestoreLoop, r.Stop, "5 failures take longer than %v", tc.interval)
			assert.Equal(t, r.Failovers[len(r.Failovers)-1].At, r.VirtualEnd)
			if tc.crash == 0 {
				assert.Len(t, r.Failovers, 3, "the crash, then two failed restores that show the pace")
			} else {
				assert.Greater(t, r.VirtualEnd, int64(tc.crash), "not before the crash to come")
			}
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
