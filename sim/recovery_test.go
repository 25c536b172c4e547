package sim

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// Failover strategies, tolerable checkpoint failures, savepoints,
// cancellation, local recovery and the restore of unaligned checkpoints.

// twoPipelines is two disjoint keyed pipelines, a and b, each
// src (p=1) -hash-> count (p=1) -forward-> sink (p=1, two-phase commit):
// two pipelined regions.
func twoPipelines(records int64) Config {
	cfg := bounded(records, topology.TwoPhaseCommitSink)
	var ops []topology.Operator
	var edges []topology.Edge
	for _, p := range []string{"a", "b"} {
		ops = append(ops, src(p+"_src", 1, 1000, records), agg(p+"_count", 1, 200*time.Microsecond), exactlyOnceSink(p+"_sink", 1))
		edges = append(edges,
			topology.Edge{From: p + "_src", To: p + "_count", Partitioning: topology.Hash},
			topology.Edge{From: p + "_count", To: p + "_sink", Partitioning: topology.Forward})
	}
	cfg.Graph = &topology.Graph{Operators: ops, Edges: edges}
	return cfg
}

// forwardChain is src (p=2) -forward-> map (p=2) -forward-> sink (p=2),
// chained into src -> map -> sink: two regions, one per subtask index.
func forwardChain(records int64) Config {
	cfg := bounded(records, topology.TwoPhaseCommitSink)
	cfg.Graph = &topology.Graph{
		Operators: []topology.Operator{src("src", 2, 1000, records),
			{Name: "map", Kind: topology.Map, Parallelism: 2, Cost: 200 * time.Microsecond, Multiply: 2, Add: 1}, exactlyOnceSink("sink", 2)},
		Edges: []topology.Edge{{From: "src", To: "map", Partitioning: topology.Forward}, {From: "map", To: "sink", Partitioning: topology.Forward}},
	}
	return cfg
}

// names returns the names of the subtasks of the trace events.
func names(s *Sim, evs []TraceEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, s.eg.Subtasks[ev.Subtask].Name)
	}
	slices.Sort(out)
	return out
}

func TestRegions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		regions int
	}{
		{"two pipelines", twoPipelines(10), 2},
		{"forward chain of parallelism 2", forwardChain(10), 2},
		{"hash and rebalance edges", bounded(10, ""), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.cfg)
			distinct := map[int]bool{}
			for _, r := range s.job.region {
				distinct[r] = true
			}
			assert.Len(t, distinct, tc.regions)
		})
	}
}

func TestFailoverStrategies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		failover Failover
		victim   string
		want     []string
	}{
		{"region: two pipelines", twoPipelines(1500), RegionFailover, "a_count[0]",
			[]string{"a_count -> a_sink[0]", "a_src[0]"}},
		{"full: two pipelines", twoPipelines(1500), FullFailover, "a_count[0]",
			[]string{"a_count -> a_sink[0]", "a_src[0]", "b_count -> b_sink[0]", "b_src[0]"}},
		{"region: forward chain", forwardChain(1500), RegionFailover, "map[1]",
			[]string{"src -> map -> sink[1]"}},
		{"region: all-to-all edges restart the whole job", bounded(1500, topology.TwoPhaseCommitSink), RegionFailover, "count[1]",
			[]string{"count[0]", "count[1]", "sink[0]", "src[0]", "src[1]"}},
		{"full: all-to-all edges", bounded(1500, topology.TwoPhaseCommitSink), FullFailover, "count[1]",
			[]string{"count[0]", "count[1]", "sink[0]", "src[0]", "src[1]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Recovery.Failover = tc.failover
			cfg.Faults = []Fault{crashAt(tc.victim, 450*time.Millisecond)}
			evs, r, s := runTraced(t, cfg)
			require.Len(t, r.Failovers, 1)
			f := r.Failovers[0]
			assert.Equal(t, len(tc.want), f.Subtasks)
			assert.Equal(t, tc.want, names(s, ofKind(evs, SubtaskFailed)))
			assert.Equal(t, tc.want, names(s, ofKind(evs, SubtaskRestoring)))
			if len(tc.want) < len(s.tasks) {
				// The other region kept running through the restart.
				for i := range s.tasks {
					name := s.eg.Subtasks[i].Name
					if slices.Contains(tc.want, name) || s.tasks[i].isSource() {
						continue
					}
					var during int
					for _, ev := range at(evs, RecordProcessed, int32(i), 0) {
						if ev.At > f.At && ev.At < f.RestartAt {
							during++
						}
					}
					assert.Positive(t, during, "%s processes records while the failed region waits for its restart", name)
				}
			}
			// Every failover, a region's too, moves the job to RESTARTING
			// (DefaultScheduler.addVerticesToRestartPending) and back to
			// RUNNING at the restart.
			assert.Equal(t, JobRestarting, jobStatusAt(evs, f.At))
			assert.Equal(t, JobRunning, jobStatusAt(evs, f.RestartAt))
			requireDrainedExactlyOnce(t, r)
		})
	}
}

// jobStatusAt is the job's status right after time at, from the trace.
func jobStatusAt(evs []TraceEvent, at int64) JobStatus {
	st := JobRunning
	for _, ev := range evs {
		if ev.At > at {
			break
		}
		if ev.Kind == JobStatusChanged {
			st = JobStatus(ev.N)
		}
	}
	return st
}

func TestRegionFailoverRestartsEachRegionAfterItsOwnDelay(t *testing.T) {
	cfg := twoPipelines(1500)
	cfg.Recovery.Restart = fixedDelay(10, 100*time.Millisecond)
	cfg.Faults = []Fault{crashAt("a_count[0]", 400*time.Millisecond), crashAt("b_count[0]", 450*time.Millisecond)}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 2)
	assert.Equal(t, int64(500*time.Millisecond), r.Failovers[0].RestartAt, "region a restarts 100ms after its failure")
	assert.Equal(t, int64(550*time.Millisecond), r.Failovers[1].RestartAt, "region b restarts 100ms after its failure")
	assert.Equal(t, 2, r.Summary.Restarts)

	// With exponential delay both regions restart at a's restart time,
	// and both failovers say so.
	cfg.Recovery.Restart = exponential(100*time.Millisecond, time.Second, 2, time.Hour, 0)
	r = newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 2)
	assert.Equal(t, int64(500*time.Millisecond), r.Failovers[0].RestartAt)
	assert.Equal(t, int64(500*time.Millisecond), r.Failovers[1].RestartAt)
	assert.Equal(t, 2, r.Summary.Restarts)
}

func TestRegionFailoverExponentialDelayMergesFailures(t *testing.T) {
	// Region b fails while region a waits for its restart at 500ms: with
	// exponential delay the failure is merged into the pending restart
	// (ExponentialDelayRestartBackoffTimeStrategy.notifyFailure), so b is
	// redeployed at 500ms too, without growing the backoff.
	cfg := twoPipelines(1500)
	cfg.Recovery.Restart = exponential(100*time.Millisecond, time.Second, 2, time.Hour, 0)
	cfg.Faults = []Fault{crashAt("a_count[0]", 400*time.Millisecond), crashAt("b_count[0]", 450*time.Millisecond),
		crashAt("a_count[0]", 1200*time.Millisecond)}
	evs, r, s := runTraced(t, cfg)
	require.Len(t, r.Failovers, 3)
	assert.Equal(t, int64(500*time.Millisecond), r.Failovers[1].RestartAt)
	for _, name := range []string{"a_count[0]", "b_count[0]"} {
		restoring := at(evs, SubtaskRestoring, subtaskID(t, s, name), 0)
		require.NotEmpty(t, restoring)
		assert.Equal(t, int64(500*time.Millisecond), restoring[0].At, name)
	}
	// The next failure after the restart doubles the backoff once.
	assert.Equal(t, int64(1400*time.Millisecond), r.Failovers[2].RestartAt)
	requireDrainedExactlyOnce(t, r)
}

// expiring returns a job whose checkpoints whose upload starts in one of
// the windows expire: count[0]'s upload takes 100 times longer there, far
// beyond the 50ms timeout.
func expiring(windows ...[2]time.Duration) Config {
	cfg := bounded(3000, topology.TwoPhaseCommitSink)
	cfg.Checkpoint.Timeout = 50 * time.Millisecond
	for _, w := range windows {
		cfg.Faults = append(cfg.Faults, Fault{Kind: SlowUpload, Subtask: "count[0]", Factor: 100, At: w[0], Until: w[1]})
	}
	return cfg
}

// expiredIDs lists the ids of r's expired checkpoints.
func expiredIDs(r *Result) []int64 {
	var ids []int64
	for _, c := range r.Checkpoints {
		if c.Status == Expired {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func TestTolerableFailedCheckpoints(t *testing.T) {
	window := [2]time.Duration{300 * time.Millisecond, 800 * time.Millisecond}
	// Without faults tolerated, find which checkpoints expire.
	base := expiring(window)
	base.Recovery.TolerableFailures = -1
	r := newSim(t, base).Run()
	expired := expiredIDs(r)
	require.GreaterOrEqual(t, len(expired), 4, describeCheckpoints(r))
	for i := 1; i < len(expired); i++ {
		require.Equal(t, expired[i-1]+1, expired[i], "consecutive expiries: %s", describeCheckpoints(r))
	}
	assert.Empty(t, r.Failovers, "-1 tolerates any number")
	assert.Equal(t, JobFinished, r.Job)

	for _, tol := range []int{0, 1, 3} {
		t.Run("tolerable="+strconv.Itoa(tol), func(t *testing.T) {
			cfg := base
			cfg.Recovery.TolerableFailures = tol
			r := newSim(t, cfg).Run()
			require.NotEmpty(t, r.Failovers, describeCheckpoints(r))
			f := r.Failovers[0]
			// The failover comes with failure number tol+1.
			nth := r.Checkpoints[expired[tol]-1]
			assert.Equal(t, Expired, nth.Status)
			assert.Equal(t, nth.EndAt, f.At)
			assert.Equal(t, "checkpoint failures exceeded the tolerable number (expired)", f.Cause)
			assert.Equal(t, 5, f.Subtasks, "a global failover")
			assert.Equal(t, expired[0]-1, f.RestoredFrom)
			for _, id := range expired[:tol] {
				assert.Less(t, r.Checkpoints[id-1].EndAt, f.At)
			}
			assert.Equal(t, JobFinished, r.Job)
		})
	}

	t.Run("a success resets the count", func(t *testing.T) {
		// Two windows of expiries with completed checkpoints between
		// them: with 2 tolerated failures and at most 2 in a row (the
		// count restarts at every success) the job never fails over.
		cfg := expiring([2]time.Duration{300 * time.Millisecond, 450 * time.Millisecond}, [2]time.Duration{900 * time.Millisecond, 1050 * time.Millisecond})
		cfg.Recovery.TolerableFailures = -1
		r := newSim(t, cfg).Run()
		run, longest := 0, 0
		var total int
		for _, c := range r.Checkpoints {
			switch c.Status {
			case Expired:
				run++
				total++
				longest = max(longest, run)
			case Completed:
				run = 0
			}
		}
		require.Equal(t, 2, longest, describeCheckpoints(r))
		require.GreaterOrEqual(t, total, 3, "more failures in all than tolerated")
		cfg.Recovery.TolerableFailures = 2
		r = newSim(t, cfg).Run()
		assert.Empty(t, r.Failovers, describeCheckpoints(r))
		cfg.Recovery.TolerableFailures = 1
		r = newSim(t, cfg).Run()
		assert.NotEmpty(t, r.Failovers, "but 1 is not enough")
	})

	t.Run("subsumed checkpoints do not count", func(t *testing.T) {
		// With two concurrent checkpoints, a slow upload of one lets the
		// next complete first: the slow one is subsumed, not failed.
		cfg := bounded(2000, topology.TwoPhaseCommitSink)
		cfg.Checkpoint.MaxConcurrent = 2
		cfg.Checkpoint.AsyncBase = 5 * time.Millisecond
		cfg.Recovery.TolerableFailures = 0
		cfg.Faults = []Fault{{Kind: SlowUpload, Subtask: "count[0]", Factor: 40, At: 400 * time.Millisecond, Until: 480 * time.Millisecond}}
		r := newSim(t, cfg).Run()
		var subsumed int
		for _, c := range r.Checkpoints {
			if c.Status == Aborted && c.Reason == ReasonSubsumed {
				subsumed++
			}
		}
		require.Positive(t, subsumed, describeCheckpoints(r))
		assert.Empty(t, r.Failovers)
		requireDrainedExactlyOnce(t, r)
	})

	t.Run("checkpoints aborted by a failover do not count", func(t *testing.T) {
		cfg := bounded(1500, topology.TwoPhaseCommitSink)
		cfg.Recovery.TolerableFailures = 0
		cfg.Faults = []Fault{crashIn("count[0]", AsyncPhase, 3)}
		r := newSim(t, cfg).Run()
		require.Equal(t, ReasonSuspended, r.Checkpoints[2].Reason, "the failover's RESTARTING suspends the coordinator")
		require.Len(t, r.Failovers, 1, "only the crash fails the job over")
		assert.Equal(t, "crash of count[0]", r.Failovers[0].Cause)
	})

	// CheckpointFailureManager: a savepoint's task-level failure (a
	// decline) counts like a checkpoint's; its expiry, a job-level
	// failure, does not.
	spCfg := bounded(1500, topology.TwoPhaseCommitSink)
	spCfg.Recovery.TolerableFailures = 0
	spCfg.Recovery.Savepoints = []time.Duration{450 * time.Millisecond}
	sp := savepointIDs(newSim(t, spCfg).Run())[0]
	t.Run("a declined savepoint counts", func(t *testing.T) {
		cfg := spCfg
		cfg.Faults = []Fault{{Kind: FailUpload, Subtask: "count[0]", Checkpoint: sp}}
		r := newSim(t, cfg).Run()
		require.Equal(t, Aborted, r.Checkpoints[sp-1].Status)
		require.Equal(t, ReasonDeclined, r.Checkpoints[sp-1].Reason)
		require.NotEmpty(t, r.Failovers)
		assert.Equal(t, r.Checkpoints[sp-1].EndAt, r.Failovers[0].At)
		assert.Contains(t, r.Failovers[0].Cause, "tolerable")
	})
	t.Run("an expired savepoint does not count", func(t *testing.T) {
		cfg := spCfg
		cfg.Checkpoint.Timeout = 30 * time.Millisecond
		cfg.Faults = []Fault{{Kind: SlowUpload, Factor: 100, At: 440 * time.Millisecond, Until: 500 * time.Millisecond}}
		r := newSim(t, cfg).Run()
		require.Equal(t, Expired, r.Checkpoints[sp-1].Status, describeCheckpoints(r))
		assert.Empty(t, r.Failovers)
	})
}

// requireLostTail checks a drained run under Flink 1.14's default
// (no checkpoints after tasks finished): the keyed state is exactly once,
// but the two-phase commit sink aborted its last transaction when it
// closed, so its last records never reached the outside world: every
// lost record is counted as lost at its finish, and no-loss says so.
func requireLostTail(t testing.TB, r *Result) {
	t.Helper()
	require.Equal(t, JobFinished, r.Job)
	for _, inv := range r.Invariants {
		lossy := inv.Name == "no-loss" || inv.Name == "end-to-end"
		assert.Equal(t, !lossy, inv.OK, "%s: %s", inv.Name, inv.Detail)
		if inv.Name == "no-loss" {
			assert.Contains(t, inv.Detail, "dropped when they finished")
		}
	}
	assert.Positive(t, r.Summary.Lost)
	assert.Equal(t, r.Summary.Lost, r.Summary.LostAtFinish)
}

// savepointIDs lists the ids of r's savepoints.
func savepointIDs(r *Result) []int64 {
	var ids []int64
	for _, c := range r.Checkpoints {
		if c.Savepoint {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func TestSavepoints(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Recovery.Savepoints = []time.Duration{450 * time.Millisecond, 1050 * time.Millisecond}

	t.Run("triggered at their times", func(t *testing.T) {
		s := newSim(t, cfg)
		r := s.Run()
		ids := savepointIDs(r)
		require.Len(t, ids, 2)
		for i, id := range ids {
			c := r.Checkpoints[id-1]
			assert.Equal(t, int64(cfg.Recovery.Savepoints[i]), c.TriggerAt)
			assert.Equal(t, Completed, c.Status)
			for _, row := range c.Subtasks {
				assert.False(t, row.Unaligned)
			}
		}
		for _, id := range ids {
			assert.True(t, r.Checkpoints[id-1].InStorage, "savepoint %d is in checkpoint storage", id)
			assert.NotContains(t, s.coord.retained, id, "a savepoint is not in the completed-checkpoint store")
		}
		requireInvariants(t, r)
	})

	// Between the first savepoint's completion and the next checkpoint.
	r := newSim(t, cfg).Run()
	sp := savepointIDs(r)[0]
	spEnd := r.Checkpoints[sp-1].EndAt
	next := r.Checkpoints[sp] // the periodic checkpoint after it
	require.False(t, next.Savepoint)
	require.Greater(t, next.TriggerAt, spEnd+int64(time.Millisecond))
	crash := time.Duration(spEnd + (next.TriggerAt-spEnd)/2)

	t.Run("an intermediate savepoint is not in the store and commits nothing", func(t *testing.T) {
		// FLINK-25191 (Flink 1.15): no notify, so no two-phase commit, no
		// subsumption, and a failover restores the checkpoint before it.
		cfg := cfg
		cfg.Faults = []Fault{crashAt("count[0]", crash)}
		evs, r, _ := runTraced(t, cfg)
		for _, ev := range evs {
			if ev.Checkpoint == sp {
				assert.NotEqual(t, NotifyComplete, ev.Kind, "no notify-checkpoint-complete for a savepoint")
				assert.NotEqual(t, TransactionCommitted, ev.Kind, "a savepoint commits no transaction")
			}
		}
		require.NotEmpty(t, r.Failovers)
		f := r.Failovers[0]
		assert.False(t, f.Savepoint)
		assert.Equal(t, sp-1, f.RestoredFrom, "the checkpoint completed before the savepoint")
		requireDrainedExactlyOnce(t, r)
	})
	old := cfg
	old.FlinkVersion = FlinkVersion{1, 14}
	t.Run("1.14: recovery restores the newer savepoint", func(t *testing.T) {
		cfg := old
		cfg.Faults = []Fault{crashAt("count[0]", crash)}
		r := newSim(t, cfg).Run()
		require.NotEmpty(t, r.Failovers)
		assert.Equal(t, sp, r.Failovers[0].RestoredFrom)
		assert.True(t, r.Failovers[0].Savepoint)
		assert.Zero(t, r.Summary.Duplicates)
		requireLostTail(t, r)
	})
	t.Run("1.14: prefer_checkpoint_for_recovery restores the checkpoint", func(t *testing.T) {
		cfg := old
		cfg.Recovery.PreferCheckpointForRecovery = true
		// The store holds savepoints too, and keeps the checkpoint before
		// the savepoint although one is retained (FLINK-21351).
		cfg.Faults = []Fault{crashAt("count[0]", crash)}
		r := newSim(t, cfg).Run()
		require.NotEmpty(t, r.Failovers)
		f := r.Failovers[0]
		assert.False(t, f.Savepoint)
		assert.Equal(t, sp-1, f.RestoredFrom, "the checkpoint completed before the savepoint")
		assert.False(t, r.Checkpoints[sp-2].Savepoint)
		// The savepoint's transactions were committed when it completed;
		// rolling back behind it commits that output again.
		var replayed int64
		for p := range r.Checkpoints[sp-1].Offsets {
			replayed += r.Checkpoints[sp-1].Offsets[p] - r.Checkpoints[f.RestoredFrom-1].Offsets[p]
		}
		assert.Equal(t, replayed, r.Summary.Duplicates)
		requireLostTail(t, r)
	})
	t.Run("1.14: the store keeps the newest checkpoint beside a savepoint", func(t *testing.T) {
		// CheckpointSubsumeHelper (FLINK-21351): with one retained, the
		// savepoint does not subsume the checkpoint before it, on which the
		// next incremental checkpoint may build; that checkpoint does.
		s := newSim(t, old)
		for s.Step() && s.Now() < int64(crash) {
		}
		before := s.Result()
		assert.Contains(t, before.Retained, sp-1)
		assert.Contains(t, before.Retained, sp)
		r := s.Run()
		assert.False(t, r.Checkpoints[sp-2].InStorage, "the next checkpoint subsumes it")
		assert.Contains(t, r.Checkpoints[sp-2].deleted, "left the store when checkpoint")
	})
	t.Run("prefer_checkpoint_for_recovery changes nothing since 1.15", func(t *testing.T) {
		cfg := cfg
		cfg.Recovery.PreferCheckpointForRecovery = true
		cfg.Faults = []Fault{crashAt("count[0]", crash)}
		a, _, _ := runHashed(t, cfg)
		cfg.Recovery.PreferCheckpointForRecovery = false
		b, _, _ := runHashed(t, cfg)
		assert.Equal(t, a, b)
	})
	t.Run("a newer checkpoint wins over an older savepoint", func(t *testing.T) {
		cfg := cfg
		cfg.Faults = []Fault{crashAt("count[0]", time.Duration(next.EndAt+int64(10*time.Millisecond)))}
		r := newSim(t, cfg).Run()
		require.NotEmpty(t, r.Failovers)
		assert.Equal(t, next.ID, r.Failovers[0].RestoredFrom)
		assert.False(t, r.Failovers[0].Savepoint)
	})
}

func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		ext    Externalized
		retain bool
	}{
		{RetainOnCancellation, true},
		{DeleteOnCancellation, false},
		{NoExternalized, false},
	} {
		t.Run(string(tc.ext), func(t *testing.T) {
			cfg := bounded(0, "")
			cfg.Until = 3 * time.Second
			cfg.Checkpoint.NumRetained = 2
			cfg.Recovery.CancelAt = 1234 * time.Millisecond
			cfg.Recovery.Externalized = tc.ext
			// The same run without the cancellation, up to its time.
			uncancelled := cfg
			uncancelled.Recovery.CancelAt, uncancelled.Until = 0, 1234*time.Millisecond
			before := newSim(t, uncancelled)
			before.Run()
			retainedBefore := before.coord.retained
			require.Len(t, retainedBefore, 2)

			s := newSim(t, cfg)

			r := s.Run()
			assert.Equal(t, JobCanceled, r.Job)
			assert.Equal(t, JobEnded, r.Stop)
			assert.Equal(t, int64(1234*time.Millisecond), r.VirtualEnd)
			assert.Zero(t, r.Summary.InProgress, "the pending checkpoint is aborted")
			if tc.retain {
				assert.Equal(t, retainedBefore, s.coord.retained, "RETAIN_ON_CANCELLATION keeps the retained checkpoints")
			} else {
				assert.Empty(t, s.coord.retained, "the retained checkpoints are deleted")
			}
		})
	}
}

func TestCancelKeepsSavepoints(t *testing.T) {
	for _, ext := range []Externalized{RetainOnCancellation, DeleteOnCancellation, NoExternalized} {
		cfg := bounded(0, "")
		cfg.Until = 3 * time.Second
		cfg.Recovery.Savepoints = []time.Duration{500 * time.Millisecond}
		cfg.Recovery.CancelAt = time.Second
		cfg.Recovery.Externalized = ext
		r := newSim(t, cfg).Run()
		assert.Len(t, savepointIDs(r), 1)
		for _, id := range savepointIDs(r) {
			assert.Contains(t, r.Retained, id, "%s: the savepoint survives the cancellation", ext)
		}
	}
}

// bigState is a job whose count subtasks hold 2000 keys of 8 KiB each
// (about 16 MiB): a remote restore at 50 MiB/s takes about 300ms.
func bigState(local bool) Config {
	cfg := bounded(3000, topology.TwoPhaseCommitSink)
	cfg.Graph.Operators[0].Source.Keys = 4000
	cfg.Graph.Operators[1].StateBytesPerKey = 8 << 10
	cfg.Checkpoint.StorageBandwidth = 1 << 30
	cfg.Recovery.LocalRecovery = local
	return cfg
}

// restoreTimes returns, per subtask name, how long each restore of the
// failover took (SubtaskRestoring to SubtaskRestored).
func restoreTimes(s *Sim, evs []TraceEvent, from int64) map[string]int64 {
	start := map[int32]int64{}
	out := map[string]int64{}
	for _, ev := range evs {
		if ev.At < from {
			continue
		}
		switch ev.Kind {
		case SubtaskRestoring:
			start[ev.Subtask] = ev.At
		case SubtaskRestored:
			if st, ok := start[ev.Subtask]; ok {
				out[s.eg.Subtasks[ev.Subtask].Name] = ev.At - st
				delete(start, ev.Subtask)
			}
		}
	}
	return out
}

func TestLocalRecovery(t *testing.T) {
	crash := []Fault{crashAt("count[1]", 2500*time.Millisecond)}
	remoteCfg, localCfg := bigState(false), bigState(true)
	remoteCfg.Faults, localCfg.Faults = crash, crash
	evsR, remote, sR := runTraced(t, remoteCfg)
	evsL, local, sL := runTraced(t, localCfg)
	require.Len(t, remote.Failovers, 1)
	require.Len(t, local.Failovers, 1)
	fr, fl := remote.Failovers[0], local.Failovers[0]
	require.Equal(t, fr.RestoredFrom, fl.RestoredFrom)
	cp := remote.Checkpoints[fr.RestoredFrom-1]
	count1 := subtaskID(t, sR, "count[1]")
	bytes := cp.Subtasks[count1].StateBytes
	require.Greater(t, bytes, int64(10<<20), "a large state")

	rc := DefaultRecoveryConfig()
	wantRemote := int64(rc.RestoreBase) + int64(float64(bytes)/float64(rc.RemoteBandwidth)*1e9)
	wantLocal := int64(rc.RestoreBase) + int64(float64(bytes)/float64(rc.LocalBandwidth)*1e9)
	assert.Equal(t, wantRemote, restoreTimes(sR, evsR, fr.RestartAt)["count[1]"])
	assert.Equal(t, wantLocal, restoreTimes(sL, evsL, fl.RestartAt)["count[1]"])

	assert.Zero(t, fr.LocalRestores)
	assert.Equal(t, 5, fl.LocalRestores, "every subtask has its local copy")
	assert.Greater(t, remote.Summary.MaxRestoreTime, 10*local.Summary.MaxRestoreTime,
		"remote %v, local %v", time.Duration(remote.Summary.MaxRestoreTime), time.Duration(local.Summary.MaxRestoreTime))
	requireDrainedExactlyOnce(t, remote)
	requireDrainedExactlyOnce(t, local)

	t.Run("machine lost", func(t *testing.T) {
		cfg := bigState(true)
		cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", At: 2500 * time.Millisecond, MachineLost: true}}
		evs, r, s := runTraced(t, cfg)
		require.Len(t, r.Failovers, 1)
		f := r.Failovers[0]
		assert.Equal(t, 4, f.LocalRestores, "the lost machine's subtask restores remotely, the others locally")
		times := restoreTimes(s, evs, f.RestartAt)
		assert.Equal(t, wantRemote, times["count[1]"])
		assert.Less(t, times["count[0]"], wantRemote/10)
		assert.Equal(t, wantRemote, r.Summary.MaxRestoreTime, "the restore lasts until the remote download is done")
		requireDrainedExactlyOnce(t, r)
	})
}

// quietAfter returns a time after at when no checkpoint is in progress:
// halfway between a completion and the next trigger.
func quietAfter(t testing.TB, r *Result, at int64) time.Duration {
	t.Helper()
	for i := 0; i+1 < len(r.Checkpoints); i++ {
		c, next := &r.Checkpoints[i], &r.Checkpoints[i+1]
		if c.Status == Completed && c.EndAt > at && next.TriggerAt > c.EndAt {
			return time.Duration(c.EndAt + (next.TriggerAt-c.EndAt)/2)
		}
	}
	require.FailNow(t, "no quiet time", describeCheckpoints(r))
	return 0
}

func TestLocalRecoveryAfterMachineLoss(t *testing.T) {
	cfg := bigState(true)
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", At: 1500 * time.Millisecond, MachineLost: true}}
	probe := newSim(t, cfg).Run()
	require.Len(t, probe.Failovers, 1)
	cfg.Faults = append(cfg.Faults, crashAt("count[0]", quietAfter(t, probe, probe.Failovers[0].RestoredAt+int64(500*time.Millisecond))))
	r := newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 2)
	require.Greater(t, r.Checkpoints[r.Failovers[1].RestoredFrom-1].TriggerAt, r.Failovers[0].RestoredAt,
		"the second restore is from a checkpoint taken after the first recovery")
	assert.Equal(t, 4, r.Failovers[0].LocalRestores)
	assert.Equal(t, 5, r.Failovers[1].LocalRestores, "count[1] has a local copy on its new machine")
}

func TestLocalRecoveryKeepsTheConfirmedCopy(t *testing.T) {
	cfg := bigState(true)
	probe := newSim(t, cfg).Run()
	// count[1] crashes after the sources acknowledged checkpoint 20 and
	// before count[1] did: 20 fails and the job restores 19.
	c := &probe.Checkpoints[19]
	s := newSim(t, cfg)
	var acked int64
	for _, name := range []string{"src[0]", "src[1]"} {
		acked = max(acked, c.Subtasks[subtaskID(t, s, name)].AckAt)
	}
	crash := acked + int64(time.Millisecond)
	require.Less(t, crash, c.Subtasks[subtaskID(t, s, "count[1]")].AckAt)
	cfg.Faults = []Fault{crashAt("count[1]", time.Duration(crash))}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 1)
	require.Equal(t, int64(19), r.Failovers[0].RestoredFrom)
	assert.Equal(t, 5, r.Failovers[0].LocalRestores, "every subtask still has its local copy of checkpoint 19")
}

func TestUnalignedRecoveryReplaysChannelState(t *testing.T) {
	for _, failover := range []Failover{FullFailover, RegionFailover} {
		t.Run(string(failover), func(t *testing.T) {
			// count[1] is slow and backpressures the job: unaligned
			// checkpoints persist in-flight records.
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Checkpoint.Mode = Unaligned
			cfg.Recovery.Failover = failover
			cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{1: 2 * time.Millisecond}
			recordNetwork(&cfg.Channels, 20, 2)
			probe := newSim(t, cfg).Run()
			var ck *CheckpointStats
			for i := range probe.Checkpoints {
				if c := &probe.Checkpoints[i]; c.Status == Completed && c.PersistedRecords > 0 && c.EndAt > int64(300*time.Millisecond) {
					ck = c
					break
				}
			}
			require.NotNil(t, ck, "a completed checkpoint with channel state: %s", describeCheckpoints(probe))

			// Crash right after it completes.
			cfg.Faults = []Fault{crashAt("count[0]", time.Duration(ck.EndAt+int64(time.Millisecond)))}
			s := newSim(t, cfg)
			var evs []TraceEvent
			s.Tracer = func(ev TraceEvent) { evs = append(evs, ev) }
			// What the checkpoint persisted, per channel in replay order:
			// the receiver's input channel state, then the sender's output
			// channel state.
			var persisted map[int32][][2]int64
			for s.Step() {
				if persisted == nil && s.job.status == JobRestarting {
					persisted = map[int32][][2]int64{}
					cs := s.coord.get(ck.ID)
					for _, lists := range [][][]persistedRecord{cs.inState, cs.outState} {
						for p := range allRecords(lists) {
							persisted[p.channel] = append(persisted[p.channel], [2]int64{p.item.key, p.item.value})
						}
					}
				}
			}
			r := s.Result()
			require.NotEmpty(t, r.Failovers)
			f := r.Failovers[0]
			require.Equal(t, ck.ID, f.RestoredFrom)
			require.NotEmpty(t, persisted)
			// The restore downloads the channel state too.
			var restoring int64
			for _, ev := range ofKind(evs, SubtaskRestoring) {
				if ev.At == f.RestartAt {
					restoring += ev.N
				}
			}
			assert.Equal(t, ck.StateBytes+ck.PersistedBytes, restoring)
			// The persisted records are back on their channels ahead of
			// any new record: they are the first records each receiver
			// takes from the channel after the restart.
			for c, want := range persisted {
				var got [][2]int64
				for _, ev := range ofKind(evs, RecordProcessed) {
					if ev.At >= f.RestartAt && ev.Channel == c && len(got) < len(want) {
						got = append(got, [2]int64{ev.Key, ev.Value})
					}
				}
				assert.Equal(t, want, got, "channel %s", s.channelName(int(c)))
			}
			requireDrainedExactlyOnce(t, r)
		})
	}
}

func TestCountedCheckpointFailures(t *testing.T) {
	// CheckpointFailureManager: expiries and declines count, once per
	// checkpoint newer than the last success; the other reasons never do.
	cfg := bounded(10, "")
	cfg.Recovery.TolerableFailures = 2
	s := newSim(t, cfg)
	co := &s.coord
	for _, why := range []Reason{ReasonSubsumed, ReasonCancelled, ReasonSuspended, ReasonTaskNotReady, ReasonTaskClosing} {
		assert.Empty(t, co.countFailure(s, 5, why), why.String())
	}
	assert.Zero(t, s.job.failedCheckpoints)

	assert.Empty(t, co.countFailure(s, 5, ReasonExpired))
	assert.Empty(t, co.countFailure(s, 6, ReasonDeclined))
	assert.Equal(t, 2, s.job.failedCheckpoints)
	assert.NotEmpty(t, co.countFailure(s, 7, ReasonExpired), "the third in a row exceeds 2")
	assert.Zero(t, s.job.failedCheckpoints, "the count starts over after the failover")

	// A failure of a checkpoint older than the last success is ignored.
	s.job.lastSuccess = 10
	assert.Empty(t, co.countFailure(s, 9, ReasonExpired))
	assert.Empty(t, co.countFailure(s, 10, ReasonDeclined))
	assert.Zero(t, s.job.failedCheckpoints)
	assert.Empty(t, co.countFailure(s, 11, ReasonExpired))
	assert.Equal(t, 1, s.job.failedCheckpoints)

	// -1 tolerates any number.
	s.cfg.Recovery.TolerableFailures = -1
	for n := int64(12); n < 100; n++ {
		require.Empty(t, co.countFailure(s, n, ReasonExpired))
	}
}

func TestLocalRecoveryDoesNotCoverSavepoints(t *testing.T) {
	cfg := bigState(true)
	cfg.FlinkVersion = FlinkVersion{1, 14} // since 1.15 a failover never restores a savepoint
	cfg.Recovery.Savepoints = []time.Duration{1450 * time.Millisecond}
	probe := newSim(t, cfg).Run()
	sp := savepointIDs(probe)[0]
	cfg.Faults = []Fault{crashAt("count[0]", quietAfter(t, probe, probe.Checkpoints[sp-1].EndAt-1))}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 1)
	require.Equal(t, sp, r.Failovers[0].RestoredFrom)
	require.True(t, r.Failovers[0].Savepoint)
	assert.Zero(t, r.Failovers[0].LocalRestores, "a savepoint is read from checkpoint storage")
}

func TestCrashOfAFinishedSubtask(t *testing.T) {
	cfg := bounded(1000, topology.TwoPhaseCommitSink)
	cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{1: 3 * time.Millisecond}
	evs, probe, s := runTraced(t, cfg)
	// The source subtask that finishes first.
	var first string
	var done []TraceEvent
	for _, name := range []string{"src[0]", "src[1]"} {
		d := at(evs, SubtaskFinished, subtaskID(t, s, name), 0)
		require.Len(t, d, 1)
		if done == nil || d[0].At < done[0].At {
			first, done = name, d
		}
	}
	require.Less(t, done[0].At+int64(10*time.Millisecond), probe.VirtualEnd, "the job runs on after %s finished", first)
	cfg.Faults = []Fault{crashAt(first, time.Duration(done[0].At+int64(10*time.Millisecond)))}
	r := newSim(t, cfg).Run()
	assert.Empty(t, r.Failovers, "%s had finished: nothing to crash", first)
}

// TestUnalignedSavepointWaits: with unaligned checkpoints a savepoint is
// not forced (CheckpointCoordinator.triggerSavepoint: forSavepoint(
// !unalignedCheckpointsEnabled)), so one asked for while a checkpoint is
// pending waits for it, and CheckpointRequestDecider triggers it as soon
// as that checkpoint ends, before any periodic request and without the min
// pause. With aligned checkpoints it is forced: triggered at once, beside
// the pending one.
func TestUnalignedSavepointWaits(t *testing.T) {
	base := bounded(1500, topology.TwoPhaseCommitSink)
	base.Checkpoint.AsyncBase = 40 * time.Millisecond // each checkpoint pending for a while
	base.Checkpoint.MinPause = 50 * time.Millisecond
	for _, mode := range []Mode{Aligned, Unaligned} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := base
			cfg.Checkpoint.Mode = mode
			probe := newSim(t, cfg).Run()
			pending := probe.Checkpoints[1]
			require.Equal(t, Completed, pending.Status)
			at := (pending.TriggerAt + pending.EndAt) / 2
			cfg.Recovery.Savepoints = []time.Duration{time.Duration(at)}
			r := newSim(t, cfg).Run()
			ids := savepointIDs(r)
			require.Len(t, ids, 1)
			sp := r.Checkpoints[ids[0]-1]
			require.Equal(t, Completed, sp.Status)
			before := r.Checkpoints[sp.ID-2]
			if mode == Aligned {
				assert.Equal(t, at, sp.TriggerAt, "forced: triggered when asked for")
				assert.Greater(t, before.EndAt, sp.TriggerAt, "beside the pending checkpoint")
			} else {
				assert.Equal(t, before.EndAt, sp.TriggerAt, "triggered when the pending checkpoint ended, without the min pause")
				assert.Greater(t, sp.TriggerAt, at)
				after := r.Checkpoints[sp.ID]
				assert.GreaterOrEqual(t, after.TriggerAt, sp.EndAt, "one checkpoint at a time")
			}
			requireInvariants(t, r)
			requireDrainedExactlyOnce(t, r)
		})
	}
}

// TestSchedulerStartsAtRestart: the checkpoint scheduler starts again when
// the restart moves the job back to RUNNING (DefaultScheduler.restartTasks,
// before the state is restored), not once it is restored: with the min
// pause equal to the interval its ticks fall at the restart plus whole
// intervals, the ticks during the restore are dropped
// (NOT_ALL_REQUIRED_TASKS_RUNNING), and the first after it triggers.
func TestSchedulerStartsAtRestart(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Checkpoint.Interval, cfg.Checkpoint.MinPause = 100*time.Millisecond, 100*time.Millisecond
	cfg.Recovery.RestoreBase = 130 * time.Millisecond
	cfg.Faults = []Fault{crashAt("count[1]", 450*time.Millisecond)}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	i := slices.IndexFunc(r.Checkpoints, func(c CheckpointStats) bool { return c.TriggerAt > f.At })
	require.GreaterOrEqual(t, i, 0)
	first, interval := r.Checkpoints[i], int64(cfg.Checkpoint.Interval)
	assert.Zero(t, (first.TriggerAt-f.RestartAt)%interval, "a tick of the timer started at the restart")
	assert.GreaterOrEqual(t, first.TriggerAt, f.RestoredAt)
	assert.Less(t, first.TriggerAt-f.RestoredAt, interval, "the first tick after every subtask runs")
	assert.Greater(t, first.TriggerAt-f.RestartAt, interval, "the restore outlasts the first tick")
}
