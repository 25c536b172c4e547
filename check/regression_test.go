package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Counterexamples the properties found under failures in the engine of
// 4af5cfb, as the shrinker wrote them; sim fixed all three in 5924fde.
// Each test checks that its scenario still takes the path that failed and
// that the property holds now.

// A failover restarted a two-phase commit sink that had already
// finished: its last transaction, which no checkpoint had pre-committed,
// was dropped with the attempt, and its finished source was not replayed,
// so the records were lost (no-loss, end-to-end). In Flink (FLIP-147) a
// task that reached the end of its input waits for a final checkpoint,
// whose completion commits the last transaction, before it finishes.
const finishedSinkScenario = `name: end-to-end-seed-352
description: |-
  simulate check --property end-to-end --seed 352 --runs 1, shrunk; lost
  a record in 4af5cfb. src2[0] reads its one record at 0s; sink2[0]
  writes it into an open transaction at 1ms and finishes, as src2[0] did.
  src1[0] crashes at 20ms: the full failover restarts every subtask from
  checkpoint 1, where src2[0] is finished, so nothing replays src2's
  record; in 4af5cfb sink2's open transaction was dropped with it.
seed: 1
until: 0s
operators:
  - {name: src1, kind: source, rate: 1, records: 2, keys: 1}
  - {name: src2, kind: source, rate: 1, records: 1, keys: 1}
  - {name: sink1, kind: sink, sink_mode: exactly-once}
  - {name: sink2, kind: sink, sink_mode: exactly-once}
edges:
  - {from: src1, to: sink1, partitioning: forward}
  - {from: src2, to: sink2, partitioning: forward}
checkpoint:
  interval: 10ms
  mode: aligned
recovery:
  failover: full
  tolerable_failed_checkpoints: unlimited
faults:
  - {kind: crash, subtask: 'src1[0]', at: 20ms}
`

// A pending checkpoint that every restarted subtask had acknowledged
// before the failure survived the restart and completed after it, with
// their snapshots from before the failure (consistent-cut). Flink's
// SchedulerBase.restoreState aborts every pending checkpoint when
// restarted tasks restore.
const completesAfterRestartScenario = `name: consistent-cut-seed-2252
description: |-
  simulate check --property consistent-cut --faults always --seed 2252
  --runs 1, shrunk; failed in 4af5cfb. src1[0] and sink1[0] (a forward
  pipeline, its own region) acknowledge checkpoint 3 by 33.91ms; the
  other region's aggregates acknowledge later. sink1[0] crashes at
  35.81ms: its region restarts at once from checkpoint 2. In 4af5cfb
  checkpoint 3 stayed pending and completed at 37.31ms, and the replayed
  record from before its cut was processed after sink1's snapshot.
seed: 2252
until: 50ms
operators:
  - {name: src1, kind: source, rate: 50, keys: 1}
  - {name: src2, kind: source, rate: 1, keys: 1}
  - {name: agg1, kind: aggregate, function: count}
  - {name: agg2, kind: aggregate, function: count}
  - {name: sink1, kind: sink}
  - {name: sink2, kind: sink}
edges:
  - {from: src2, to: agg1, partitioning: hash}
  - {from: agg1, to: agg2, partitioning: hash}
  - {from: src1, to: sink1, partitioning: forward}
  - {from: agg2, to: sink2, partitioning: forward}
channels:
  latency: 1.7ms
  buffers_per_channel: 1        # one record of credit per channel, as found
  floating_buffers_per_gate: 0
  buffer_timeout: 0s
checkpoint:
  interval: 10ms
  mode: unaligned
  sync_duration: 0s
restart:
  strategy: fixed-delay
  attempts: 1000
  delay: 0s
recovery:
  tolerable_failed_checkpoints: unlimited
faults:
  - {kind: crash, subtask: 'sink1[0]', at: 35.81ms}
`

// After a restore from an older checkpoint than the latest completed one
// (the latest was unreadable), the replayed records between the two cuts
// were counted against the newer checkpoint, reported as no consistent
// cut although it was one of the execution that took it (consistent-cut).
const rollbackCutScenario = `name: consistent-cut-seed-7707
description: |-
  simulate check --property consistent-cut --faults always --seed 7707
  --runs 1, shrunk; failed in 4af5cfb. Checkpoint 7 completes at
  165.8ms; at 170ms the job is resubmitted from checkpoint 6 (first, in
  4af5cfb, a failover skipped an unreadable checkpoint 7, which Flink does
  not do) and replays what lies between the two cuts: 4af5cfb reported
  checkpoint 7 as no consistent cut.
seed: 7707
until: 200ms
operators:
  - {name: src1, kind: source, rate: 120, keys: 1}
  - {name: agg1, kind: aggregate, parallelism: 2, function: count}
  - {name: sink1, kind: sink}
edges:
  - {from: src1, to: agg1, partitioning: hash}
  - {from: agg1, to: sink1, partitioning: rebalance}
checkpoint:
  interval: 19ms
  mode: unaligned
  num_retained: 3
restart:
  strategy: fixed-delay
  attempts: 1000
  delay: 500us
recovery:
  tolerable_failed_checkpoints: unlimited
  externalized: retain-on-cancellation
faults:
  - {kind: random-crashes, until: 100ms, mtbf: 55ms}
restore: {at: 170ms, from: checkpoint 6}
`

func parseScenario(t testing.TB, yaml string) sim.Config {
	t.Helper()
	sc, err := scenarios.Parse("regression.yaml", []byte(yaml))
	require.NoError(t, err)
	return sc.Config
}

// TestRegressionFinishedSinkRestarted: a failover restarts a finished
// two-phase commit sink, and its output is committed once.
func TestRegressionFinishedSinkRestarted(t *testing.T) {
	cfg := parseScenario(t, finishedSinkScenario)
	assert.True(t, restartsFinishedSink(t, cfg), "the scenario no longer restarts a finished two-phase commit sink")
	Require(t, cfg, NoLoss, EndToEnd)
}

// TestRegressionCheckpointPendingAtRestart: no checkpoint pending at a
// restart completes after it.
func TestRegressionCheckpointPendingAtRestart(t *testing.T) {
	run := Require(t, parseScenario(t, completesAfterRestartScenario), ConsistentCut)
	require.NotEmpty(t, run.Result.Failovers)
	assert.Empty(t, completedAfterRestart(run.Result), "Flink aborts pending checkpoints when restarted tasks restore")
}

// TestRegressionRollbackPastCompletedCheckpoint: a restore from an older
// checkpoint leaves the newer one a consistent cut.
func TestRegressionRollbackPastCompletedCheckpoint(t *testing.T) {
	run := Require(t, parseScenario(t, rollbackCutScenario), ConsistentCut)
	older, why := RestoredOlder(run.Result)
	assert.True(t, older, "the scenario no longer restores an older checkpoint")
	t.Log(why)
}

// TestRegressionStopFailedAfterSavepoint: a crash after the savepoint of
// a flink stop completed, before every task finished, fails the job
// (StopWithSavepointStoppingException, Flink 1.15+), and the user's
// restore of the savepoint reads on. Seed 8293833 of simulate check
// failed snapshot-state while the engine failed over to an older
// checkpoint whose source ended at once, as the stop had left it.
func TestRegressionStopFailedAfterSavepoint(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/stop-failed-after-savepoint.yaml")
	require.NoError(t, err)
	run := Require(t, sc.Config, SnapshotState, NoLoss, ExactlyOnceState)
	st := run.Result.StopWithSavepoint
	require.NotNil(t, st)
	assert.Contains(t, st.Failed, "StopWithSavepointStoppingException")
	require.Len(t, run.Result.Resubmissions, 1)
	assert.Equal(t, sim.JobFinished, run.Result.Job, "the restore of the savepoint finishes the job")
}

// restartsFinishedSink reports whether a failover in a run of cfg
// restarts a two-phase commit sink subtask that had finished.
func restartsFinishedSink(t testing.TB, cfg sim.Config) bool {
	s, err := sim.New(cfg)
	require.NoError(t, err)
	eg := s.Graph()
	finished := make([]bool, len(eg.Subtasks))
	restarted := false
	s.Tracer = func(ev sim.TraceEvent) {
		switch ev.Kind {
		case sim.SubtaskFinished:
			finished[ev.Subtask] = true
		case sim.SubtaskFailed:
			restarted = restarted || finished[ev.Subtask] && eg.HasSinkMode(int(ev.Subtask), topology.TwoPhaseCommitSink)
			finished[ev.Subtask] = false
		}
	}
	s.Run()
	return restarted
}

// completedAfterRestart lists the checkpoints that were pending when a
// restart redeployed subtasks and completed after it.
func completedAfterRestart(res *sim.Result) []int64 {
	var ids []int64
	for _, c := range res.Checkpoints {
		for _, f := range res.Failovers {
			if c.Status == sim.Completed && f.RestartAt > 0 && c.TriggerAt < f.RestartAt && c.EndAt > f.RestartAt {
				ids = append(ids, c.ID)
				break
			}
		}
	}
	return ids
}

// TestRegressionStopAfterFailoverFromScratch: a job stopped with a
// savepoint behind a savepoint compared earlier (a failover that found no
// checkpoint to restore read the input again) drains exactly once; the
// reference starts again from the beginning rather than compare the end
// with a state past it.
func TestRegressionStopAfterFailoverFromScratch(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/stop-after-failover-from-scratch.yaml")
	require.NoError(t, err)
	run := Require(t, sc.Config, SnapshotState, ExactlyOnceState, NoLoss)
	res := run.Result
	require.Len(t, res.Failovers, 1)
	assert.Zero(t, res.Failovers[0].RestoredFrom, "the failover restores no savepoint: nothing")
	require.NotNil(t, res.StopWithSavepoint)
	assert.Equal(t, sim.JobFinished, res.Job)
}

// TestRegressionRestoreBehindSavepoint: under Flink 1.14 a manual restore
// behind a savepoint the sink committed on writes it again, so end-to-end
// does not apply; since 1.15 the savepoint committed nothing and the run
// is exactly once.
func TestRegressionRestoreBehindSavepoint(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/restore-behind-savepoint.yaml")
	require.NoError(t, err)
	run, verdicts, err := Evaluate(sc.Config, EndToEnd)
	require.NoError(t, err)
	assert.Positive(t, run.Result.Summary.Duplicates)
	require.Len(t, verdicts, 1)
	assert.Equal(t, Skip, verdicts[0].Status, verdicts[0].Detail)
	assert.Contains(t, verdicts[0].Detail, "although savepoint 3 was completed")
	cfg := sc.Config
	cfg.FlinkVersion = sim.CurrentFlinkVersion
	Require(t, cfg, EndToEnd)
}

// TestRegressionSavepointKeepsCheckpoint: under Flink 1.14 a savepoint in
// the store, num_retained 1, keeps the newest checkpoint beside it, on
// which the next incremental checkpoint builds, so checkpoints go on
// completing.
func TestRegressionSavepointKeepsCheckpoint(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/savepoint-keeps-checkpoint.yaml")
	require.NoError(t, err)
	run := Require(t, sc.Config, Liveness, SharedState)
	assert.Zero(t, run.Result.Summary.Aborted, "no checkpoint fails to register its files")
}

// TestRegressionTimeoutPrioritizesBackpressured: an aligned checkpoint
// timeout turns the barrier at the head of a backpressured task's input
// into a priority barrier, which the task takes at once (its mailbox goes
// on after the timer). The engine stepped the timer and left the task
// idle, so checkpoints stopped completing after the restore.
func TestRegressionTimeoutPrioritizesBackpressured(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/timeout-prioritizes-backpressured.yaml")
	require.NoError(t, err)
	run := Require(t, sc.Config, Liveness)
	assert.Zero(t, run.Result.Summary.InProgress, "the checkpoint triggered after the restore completes")
}

// TestRegressionPriorityBarrierWaitsForResume: an unaligned barrier does
// not leave a subpartition paused after an aligned barrier; it waits at
// the head of the queue for the receiver's resumeConsumption, which takes
// a latency to reach the sender, and then takes one more to arrive.
func TestRegressionPriorityBarrierWaitsForResume(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/priority-barrier-waits-for-resume.yaml")
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	ch, ok := s.Graph().ChannelNamed("src1[0]->sink1[0]")
	require.True(t, ok)
	var unblocked, triggered, arrived int64
	s.Tracer = func(ev sim.TraceEvent) {
		switch {
		case ev.Kind == sim.ChannelUnblocked && int(ev.Channel) == ch:
			unblocked = ev.At
		case ev.Kind == sim.CheckpointTriggered && ev.Checkpoint == 2:
			triggered = ev.At
		case ev.Kind == sim.BarrierReceived && int(ev.Channel) == ch && ev.Checkpoint == 2:
			arrived = ev.At
		}
	}
	res := s.Run()
	latency := int64(sc.Config.Channels.Latency)
	require.Positive(t, unblocked)
	assert.Less(t, triggered, unblocked+latency, "checkpoint 2 is triggered while src1[0] is still paused")
	assert.Equal(t, unblocked+2*latency, arrived, "the barrier goes out when the resumption arrives")
	assert.Equal(t, sim.Completed, res.Checkpoints[1].Status)
}
