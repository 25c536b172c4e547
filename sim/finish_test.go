package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestFinalCheckpoint: since Flink 1.15 (FLIP-147) a subtask that read its
// last record waits for a checkpoint it took part in after that to
// complete, and finishes on its notification once its upstream subtasks
// finished (end of partition on every input, StreamTask's END_OF_INPUT);
// the two-phase commit sink commits its last transaction on that
// notification.
func TestFinalCheckpoint(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	evs, r, s := runTraced(t, cfg)
	requireDrainedExactlyOnce(t, r)
	sinkID := subtaskID(t, s, "sink[0]")
	for i := range s.tasks {
		id := int32(i)
		name := s.eg.Subtasks[i].Name
		end := at(evs, EndOfInput, id, 0)
		done := at(evs, SubtaskFinished, id, 0)
		require.Len(t, end, 1, "%s reaches the end of its input once", name)
		require.Len(t, done, 1)
		// The final checkpoint: the first it snapshotted after its end of
		// input; it finishes after its notification.
		var final int64
		for _, ev := range ofKind(evs, SnapshotSyncStart) {
			if ev.Subtask == id && ev.At >= end[0].At {
				final = ev.Checkpoint
				break
			}
		}
		require.Positive(t, final, "%s took part in a checkpoint after its end of input", name)
		assert.Equal(t, Completed, r.Checkpoints[final-1].Status)
		notified := at(evs, NotifyComplete, id, final)
		require.Len(t, notified, 1, "%s is notified of its final checkpoint", name)
		assert.GreaterOrEqual(t, done[0].At, notified[0].At, "%s finishes after its final checkpoint", name)
		// It finishes only after the end of partition of every input.
		eops := at(evs, EndOfPartition, id, 0)
		assert.Len(t, eops, len(s.tasks[i].inputs), "%s takes the end of partition of every input", name)
		for _, eop := range eops {
			assert.GreaterOrEqual(t, done[0].At, eop.At, "%s finishes after its upstream", name)
		}
		if id == sinkID {
			last := ofKind(evs, TransactionCommitted)
			require.NotEmpty(t, last)
			assert.Equal(t, notified[0].At, last[len(last)-1].At, "the last transaction commits on the final checkpoint's notification")
		}
	}
	// The job finishes up to an interval (and a checkpoint) after the end
	// of the input.
	assert.Less(t, r.VirtualEnd-r.Summary.LastEndOfInput, int64(cfg.Checkpoint.Interval)+r.Summary.MaxEndToEnd+int64(time.Millisecond))
	assert.Greater(t, r.VirtualEnd, r.Summary.LastEndOfInput)
}

// TestFinishedTasksFlink114: with Flink 1.14's default a subtask finishes
// at the end of its input, no checkpoint is triggered once one has
// finished (NOT_ALL_REQUIRED_TASKS_RUNNING), and the two-phase commit
// sink's last transaction is aborted when it closes: lost.
func TestFinishedTasksFlink114(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.FlinkVersion = FlinkVersion{1, 14}
	evs, r, _ := runTraced(t, cfg)
	assert.Empty(t, ofKind(evs, EndOfInput))
	first := ofKind(evs, SubtaskFinished)[0].At
	for _, ev := range ofKind(evs, CheckpointTriggered) {
		assert.Less(t, ev.At, first, "checkpoint %d triggered after a task finished", ev.Checkpoint)
	}
	requireLostTail(t, r)
}

// TestFinishWithoutCheckpointing: without checkpointing nothing waits for
// a final checkpoint, and a two-phase commit sink commits at the end of
// its input (CommitterOperator.endInput).
func TestFinishWithoutCheckpointing(t *testing.T) {
	cfg := bounded(1000, topology.TwoPhaseCommitSink)
	cfg.Checkpoint.Interval = 0
	evs, r, _ := runTraced(t, cfg)
	assert.Empty(t, ofKind(evs, EndOfInput))
	requireDrainedExactlyOnce(t, r)
}

// TestTriggerTasksAfterUpstreamFinished: an unaligned barrier overtakes
// EndOfData, so a task's final checkpoint can come after its upstream
// finished; the coordinator then triggers it directly, as the first
// running task of its path (DefaultCheckpointPlanCalculator).
func TestTriggerTasksAfterUpstreamFinished(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Checkpoint.Mode = Unaligned
	cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{1: 2 * time.Millisecond}
	recordNetwork(&cfg.Channels, 20, 2)
	evs, r, s := runTraced(t, cfg)
	requireDrainedExactlyOnce(t, r)
	direct := 0
	for _, fw := range ofKind(evs, BarrierForwarded) {
		if s.tasks[fw.Subtask].isSource() {
			continue
		}
		received := false
		for _, ev := range at(evs, BarrierReceived, fw.Subtask, 0) {
			received = received || ev.Checkpoint == fw.Checkpoint
		}
		if !received {
			direct++
		}
	}
	assert.Positive(t, direct, "no task was triggered after its upstream finished")
}

// TestStalledFinalCheckpoint: a bounded job whose checkpoints all expire
// (a timeout shorter than the upload) cannot take its final checkpoint:
// Flink's job stays RUNNING after its input ended. The run ends as
// Stalled instead of spending its event budget.
func TestStalledFinalCheckpoint(t *testing.T) {
	cfg := bounded(500, topology.TwoPhaseCommitSink)
	cfg.Until = 0
	cfg.Checkpoint.Timeout = 2 * time.Millisecond // the upload takes 5ms
	r := newSim(t, cfg).Run()
	assert.Equal(t, Stalled, r.Stop)
	assert.Equal(t, JobRunning, r.Job)
	assert.Equal(t, 5, r.Summary.AwaitingFinal, "every subtask waits for its final checkpoint")
	assert.Zero(t, r.Summary.Completed)
	assert.Less(t, r.Events, int64(100_000))
	// Until the end of input nothing distinguishes it from a job that can
	// checkpoint, so a fault still to come keeps it going.
	cfg.Faults = []Fault{{Kind: SlowUpload, Factor: 2, At: time.Hour, Until: 2 * time.Hour}}
	cfg.MaxEvents = 200_000
	r = newSim(t, cfg).Run()
	assert.Equal(t, EventBudget, r.Stop)
}

// TestClosingTaskWaitsForUploads: a subtask whose input ended and whose
// final checkpoint completed still finishes only once the uploads of its
// pending snapshots end (StreamTask.afterInvoke:
// waitForPendingCheckpoints); a checkpoint triggered at it meanwhile is
// declined (CHECKPOINT_DECLINED_TASK_CLOSING), which is not a counted
// failure.
func TestClosingTaskWaitsForUploads(t *testing.T) {
	cfg := subsumeJob(3)
	cfg.Faults = nil
	cfg.Graph.Operators[1].Source.Records = 300       // b is bounded too: the job ends
	cfg.Graph.Operators[2].StateBytesPerKey = 1 << 20 // 20 MiB: 2 s per upload
	cfg.Recovery.TolerableFailures = 0
	// Enough declines in a row to count as a stall, were the closing task
	// not known to move on.
	cfg.Checkpoint.Interval = 100 * time.Millisecond
	cfg.Until = 8 * time.Second
	evs, r, s := runTraced(t, cfg)
	require.Equal(t, JobFinished, r.Job, "stop: %s", r.Stop)
	big := subtaskID(t, s, "big[0]")
	done := at(evs, SubtaskFinished, big, 0)
	require.Len(t, done, 1)
	eop := at(evs, EndOfPartition, big, 0)
	require.Len(t, eop, 1)
	acks := at(evs, CheckpointAcked, big, 0)
	require.NotEmpty(t, acks)
	assert.Equal(t, done[0].At, acks[len(acks)-1].At, "big[0] finishes with its last upload")
	assert.Greater(t, done[0].At, eop[0].At, "big[0] waits for its uploads after its end of input")
	closing := 0
	for _, ev := range ofKind(evs, TaskCheckpointAborted) {
		if ev.Reason == ReasonTaskClosing {
			require.Equal(t, big, ev.Subtask)
			assert.Greater(t, ev.At, eop[0].At)
			assert.Less(t, ev.At, done[0].At)
			assert.Equal(t, Aborted, r.Checkpoints[ev.Checkpoint-1].Status)
			assert.Equal(t, ReasonTaskClosing, r.Checkpoints[ev.Checkpoint-1].Reason)
			closing++
		}
	}
	assert.GreaterOrEqual(t, closing, stallLimit, describeCheckpoints(r))
	assert.Zero(t, r.Summary.Restarts, "a decline of a closing task is not a counted failure")
	requireInvariants(t, r, "consistent-snapshot", "snapshot-state", "exactly-once-state", "no-loss", "end-to-end")
}
