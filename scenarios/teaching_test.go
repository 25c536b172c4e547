package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// The teaching scenarios about failures and recovery: each bundled file
// holds expectations, and the pairs (a job and the same job with one knob
// changed) teach a comparison that these tests assert.

// teaching lists the teaching scenarios, each with its counterpart where
// it has one.
var teaching = []string{
	"slow-checkpoints", "slow-checkpoints-min-pause",
	"large-state-recovery", "large-state-recovery-local",
	"unreadable-checkpoint", "unreadable-checkpoint-one-retained",
	"interval-vs-duration", "interval-vs-duration-longer",
	"at-least-once-duplicates", "tolerable-failures", "exponential-restarts",
	"rocksdb-full", "rocksdb-incremental", "large-state-recovery-rocksdb", "rescale-from-savepoint", "rescale-sources",
	"debloating",
}

// load loads a bundled scenario.
func load(t *testing.T, name string) *Scenario {
	t.Helper()
	s, err := Load(name)
	require.NoError(t, err)
	return s
}

// run runs cfg to its end.
func run(t *testing.T, cfg sim.Config) *sim.Result {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	return s.Run()
}

// fullHistory keeps every checkpoint of a teaching run in the Result, for
// the tests that look at single early checkpoints.
func fullHistory(cfg sim.Config) sim.Config {
	cfg.Checkpoint.History = 1000
	return cfg
}

// runBundled runs a bundled scenario as its file says.
func runBundled(t *testing.T, name string) *sim.Result {
	t.Helper()
	return run(t, load(t, name).Config)
}

// TestBundledExpectations runs every bundled scenario and requires each of
// its expectations to hold, as simulate run does before it exits 0.
func TestBundledExpectations(t *testing.T) {
	for _, name := range Bundled() {
		t.Run(name, func(t *testing.T) {
			s := load(t, name)
			r := run(t, s.Config)
			for _, e := range s.Check(r) {
				assert.True(t, e.OK, "%s: want %s, got %s (line %d)", e.Name, e.Want, e.Got, e.Line)
			}
			// Small runs: well under a second of wall time.
			assert.Less(t, r.Events, int64(300_000), "events")
		})
	}
}

func TestTeachingScenariosAreBundled(t *testing.T) {
	for _, name := range teaching {
		s := load(t, name)
		assert.GreaterOrEqual(t, len(s.Expect), 3, "%s: a teaching scenario says what it shows in expect", name)
		lines := 0
		for _, c := range s.Description {
			if c == '\n' {
				lines++
			}
		}
		assert.True(t, lines >= 3 && lines <= 8, "%s: description of %d lines, want 3..8", name, lines)
	}
}

// uploaded is how many bytes the completed checkpoints of r wrote, all of
// them, also those no longer in the history.
func uploaded(r *sim.Result) int64 { return r.CompletedSummary.StateSize.Sum }

// Tip 1: when checkpoints take longer than the interval, set a minimum
// pause between them.
func TestSlowCheckpointsMinPause(t *testing.T) {
	without, with := runBundled(t, "slow-checkpoints"), runBundled(t, "slow-checkpoints-min-pause")
	interval := int64(load(t, "slow-checkpoints").Config.Checkpoint.Interval)
	for _, r := range []*sim.Result{without, with} {
		assert.Greater(t, r.Summary.MeanEndToEnd, interval, "checkpoints slower than the interval")
	}
	// Without a pause the next checkpoint starts as the previous one
	// completes; with 500ms the sources read 2000 records/s x 0.5s.
	assert.Less(t, without.Summary.RecordsBetweenCheckpoints, int64(50))
	assert.InDelta(t, 1000, with.Summary.RecordsBetweenCheckpoints, 50)
	assert.LessOrEqual(t, 2*with.Summary.Completed, without.Summary.Completed+1, "half the checkpoints")
	assert.Less(t, 2*uploaded(with), uploaded(without)+uploaded(with)/5, "half the upload volume")
	assert.Equal(t, without.Summary.RecordsIn, with.Summary.RecordsIn, "the job keeps up either way")
}

// Tip 2: a large state restores slowly from remote storage; local recovery
// restores it from the task's disk.
func TestLargeStateLocalRecovery(t *testing.T) {
	remote, local := runBundled(t, "large-state-recovery"), runBundled(t, "large-state-recovery-local")
	require.Len(t, remote.Failovers, 1)
	require.Len(t, local.Failovers, 1)
	fr, fl := remote.Failovers[0], local.Failovers[0]
	assert.Equal(t, fr.RestoredFrom, fl.RestoredFrom, "the same checkpoint")
	assert.Zero(t, fr.LocalRestores)
	assert.Equal(t, 5, fl.LocalRestores)
	assert.Greater(t, remote.Summary.MaxRestoreTime, int64(500*time.Millisecond))
	assert.Less(t, local.Summary.MaxRestoreTime, int64(100*time.Millisecond))
	assert.Greater(t, remote.Summary.MaxRestoreTime, 10*local.Summary.MaxRestoreTime)

	// The remote restore is the download of the largest subtask state.
	cs := remote.Checkpoints[fr.RestoredFrom-1]
	var largest int64
	for _, row := range cs.Subtasks {
		largest = max(largest, row.StateBytes)
	}
	rc := load(t, "large-state-recovery").Config.Recovery
	want := int64(rc.RestoreBase) + int64(float64(largest)/float64(rc.RemoteBandwidth)*1e9)
	assert.Equal(t, want, remote.Summary.MaxRestoreTime)

	// The description's variant: the crashed subtask's machine is lost
	// with its local copy, so it downloads its state again.
	cfg := load(t, "large-state-recovery-local").Config
	cfg.Faults = append([]sim.Fault(nil), cfg.Faults...)
	cfg.Faults[0].MachineLost = true
	lost := run(t, cfg)
	require.Len(t, lost.Failovers, 1)
	assert.Equal(t, 4, lost.Failovers[0].LocalRestores)
	assert.Greater(t, lost.Summary.MaxRestoreTime, int64(500*time.Millisecond))
	assert.Equal(t, sim.JobFinished, lost.Job)
}

// Tip 3: retain several checkpoints, so that a rollback past an
// unreadable one is possible. Flink never rolls back by itself
// (FLINK-22502): with 3 or 1 retained the restore of checkpoint 6 fails
// after every restart until the job FAILS; the user's manual restore of
// checkpoint 5 then works only where it is still retained.
func TestUnreadableCheckpoint(t *testing.T) {
	three, one := runBundled(t, "unreadable-checkpoint"), runBundled(t, "unreadable-checkpoint-one-retained")
	for _, r := range []*sim.Result{three, one} {
		require.Len(t, r.Failovers, 4, "the crash and a failed restore after each of the 3 restarts")
		for _, f := range r.Failovers[:3] {
			assert.Equal(t, int64(6), f.RestoredFrom, "every restart restores the latest checkpoint")
		}
		assert.Equal(t, int64(-1), r.Failovers[3].RestoredFrom)
		require.Len(t, r.Resubmissions, 1)
	}
	rs := three.Resubmissions[0]
	assert.Empty(t, rs.Refused)
	assert.Equal(t, int64(5), rs.RestoredFrom)
	assert.Equal(t, sim.JobFinished, three.Job)

	assert.Contains(t, one.Resubmissions[0].Refused, "checkpoint 5 is no longer retained: it left the store when checkpoint 6 completed (num_retained: 1)")
	assert.Equal(t, sim.JobFailed, one.Job)

	// Readable, checkpoint 6 would have been restored: rolling back one
	// more checkpoint replays 300ms more input (2 x 300 records), which
	// the at-least-once sink writes twice.
	cfg := load(t, "unreadable-checkpoint").Config
	cfg.Faults, cfg.Restores = cfg.Faults[1:], nil
	readable := run(t, cfg)
	require.Len(t, readable.Failovers, 1)
	assert.Equal(t, int64(6), readable.Failovers[0].RestoredFrom)
	assert.InDelta(t, 600, three.Summary.Duplicates-readable.Summary.Duplicates, 10)
}

// Tip 4: an interval shorter than the checkpoint duration only makes the
// checkpoints run back to back.
func TestIntervalVsDuration(t *testing.T) {
	short, long := runBundled(t, "interval-vs-duration"), runBundled(t, "interval-vs-duration-longer")
	assert.InDelta(t, 700*time.Millisecond, time.Duration(short.Summary.MeanEndToEnd), float64(50*time.Millisecond))
	assert.InDelta(t, 650*time.Millisecond, time.Duration(long.Summary.MeanEndToEnd), float64(50*time.Millisecond))
	// Asking for 50 checkpoints in 10s gives about 10s/750ms.
	assert.Less(t, short.Summary.Completed, 20)
	assert.Less(t, short.Summary.RecordsBetweenCheckpoints, int64(50))
	assert.Greater(t, long.Summary.RecordsBetweenCheckpoints, int64(600))
	// The network buffers absorb the backlog of the sync phases: the
	// sources read all of their input in both.
	input := int64(2 * 1000 * 10)
	assert.GreaterOrEqual(t, long.Summary.RecordsIn, input)
	assert.GreaterOrEqual(t, short.Summary.RecordsIn, input)
}

func TestAtLeastOnceDuplicates(t *testing.T) {
	r := runBundled(t, "at-least-once-duplicates")
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	// The duplicates are the records read between the restored checkpoint
	// and the crash: 2 partitions x 1 record/ms, less what was still on
	// its way to the sink, in network buffers the output flusher sends
	// every 100ms (two hops).
	cs := r.Checkpoints[f.RestoredFrom-1]
	since := (f.At - cs.TriggerAt) / int64(time.Millisecond)
	assert.LessOrEqual(t, r.Summary.Duplicates, 2*since)
	assert.GreaterOrEqual(t, r.Summary.Duplicates, 2*since-2*2*100-20)
	assert.Zero(t, r.Summary.Lost)

	// The description's variants.
	for _, mode := range []topology.SinkMode{topology.TwoPhaseCommitSink, topology.UpsertSink} {
		cfg := load(t, "at-least-once-duplicates").Config
		g := *cfg.Graph
		g.Operators = append([]topology.Operator(nil), g.Operators...)
		g.Operators[g.Index("sink")].SinkMode = mode
		cfg.Graph = &g
		r := run(t, cfg)
		require.True(t, r.OK(), "%s: %+v", mode, r.Invariants)
		if mode == topology.TwoPhaseCommitSink {
			assert.Zero(t, r.Summary.Duplicates, "exactly once: nothing committed twice")
			assert.Positive(t, r.Summary.MeanCommitLatency, "the output waits for the checkpoint")
		} else {
			assert.Positive(t, r.Summary.Duplicates, "upserts rewrite keys")
			assert.Contains(t, r.Invariants[len(r.Invariants)-1].Detail, "the upsert tables equal the failure-free ones")
		}
	}
}

func TestTolerableFailuresScenario(t *testing.T) {
	r := run(t, fullHistory(load(t, "tolerable-failures").Config))
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	assert.Equal(t, "checkpoint failures exceeded the tolerable number (expired)", f.Cause)
	var expired []int64
	for _, c := range r.Checkpoints {
		if c.Status == sim.Expired {
			expired = append(expired, c.ID)
		}
	}
	assert.Equal(t, []int64{4, 5, 6}, expired)
	assert.Equal(t, r.Checkpoints[5].EndAt, f.At, "the third expiry in a row")
	assert.Equal(t, int64(3), f.RestoredFrom)

	// Flink's default, 0, fails over at the first expiry; unlimited never.
	cfg := fullHistory(load(t, "tolerable-failures").Config)
	cfg.Recovery.TolerableFailures = 0
	r0 := run(t, cfg)
	require.NotEmpty(t, r0.Failovers)
	assert.Equal(t, r0.Checkpoints[3].EndAt, r0.Failovers[0].At)
	cfg.Recovery.TolerableFailures = -1
	rn := run(t, cfg)
	assert.Empty(t, rn.Failovers)
	assert.Equal(t, 3, rn.Summary.Expired)
}

func TestExponentialRestartsScenario(t *testing.T) {
	r := runBundled(t, "exponential-restarts")
	var delays []time.Duration
	for _, f := range r.Failovers {
		delays = append(delays, time.Duration(f.RestartAt-f.At))
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, 100 * ms}, delays)
	assert.Equal(t, sim.JobFinished, r.Job)
}

// TestExponentialRestartsAttemptsBeforeReset: the exponential-restarts job
// with attempts_before_reset_backoff. Its first five crashes come in a row,
// the sixth after the backoff reset: 5 allows them all, 4 fails the job at
// the fifth crash (ExponentialDelayRestartBackoffTimeStrategy.canRestart).
func TestExponentialRestartsAttemptsBeforeReset(t *testing.T) {
	base, err := bundledFS.ReadFile("bundled/exponential-restarts.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		attempts, failovers int
		job                 sim.JobStatus
	}{{5, 6, sim.JobFinished}, {4, 5, sim.JobFailed}, {1, 2, sim.JobFailed}} {
		text := strings.Replace(string(base), "  jitter: 0 ", fmt.Sprintf("  attempts_before_reset_backoff: %d\n  jitter: 0 ", tc.attempts), 1)
		sc, err := Parse("exponential-restarts.yaml", []byte(text))
		require.NoError(t, err)
		require.Equal(t, tc.attempts, sc.Config.Recovery.Restart.AttemptsBeforeReset)
		r := run(t, sc.Config)
		assert.Len(t, r.Failovers, tc.failovers, "attempts %d", tc.attempts)
		assert.Equal(t, tc.job, r.Job, "attempts %d", tc.attempts)
		if tc.job == sim.JobFailed {
			assert.Equal(t, int64(-1), r.Failovers[len(r.Failovers)-1].RestoredFrom, "the last failure does not restart")
		}
	}
}

// Savepoints since Flink 1.15: an intermediate savepoint commits nothing
// and a failover never restores it; stop-with-savepoint --drain ends the
// job exactly once.
func TestSavepointsAndStop(t *testing.T) {
	r := runBundled(t, "savepoints-and-stop")
	require.Len(t, r.Failovers, 1)
	sp := r.Checkpoints[3]
	require.True(t, sp.Savepoint)
	require.Less(t, sp.EndAt, r.Failovers[0].At)
	assert.Equal(t, sp.ID-1, r.Failovers[0].RestoredFrom, "the failover after savepoint 4 restores checkpoint 3")
	assert.False(t, r.Failovers[0].Savepoint)
	require.NotNil(t, r.StopWithSavepoint)
	assert.Empty(t, r.StopWithSavepoint.Failed)
	assert.True(t, r.Checkpoints[r.StopWithSavepoint.Savepoint-1].Synchronous)
	assert.Equal(t, sim.JobFinished, r.Job)

	// Under Flink 1.14 the savepoint was in the store: the failover
	// restores it.
	cfg := load(t, "savepoints-and-stop").Config
	cfg.FlinkVersion = sim.FlinkVersion{Major: 1, Minor: 14}
	old := run(t, cfg)
	require.Len(t, old.Failovers, 1)
	assert.Equal(t, sp.ID, old.Failovers[0].RestoredFrom)
	assert.True(t, old.Failovers[0].Savepoint)
}

// FLIP-147: with final checkpoints the exactly-once sink commits its last
// transaction and the job ends up to an interval later; Flink 1.14's
// default finishes at once and loses what the sink wrote after its last
// checkpoint.
func TestFinishedTasks(t *testing.T) {
	now, old := runBundled(t, "finished-tasks"), runBundled(t, "finished-tasks-1.14")
	assert.Zero(t, now.Summary.Lost)
	assert.Positive(t, old.Summary.Lost)
	assert.Greater(t, now.VirtualEnd, old.VirtualEnd, "the final checkpoint comes up to an interval later")
	assert.Less(t, now.VirtualEnd-old.VirtualEnd, int64(500*time.Millisecond)+now.Summary.MaxEndToEnd)
	assert.Equal(t, old.Summary.Completed+1, now.Summary.Completed, "one more checkpoint: the final one")
	assert.Empty(t, now.Retained, "every retention mode deletes the checkpoints of a FINISHED job")
}
