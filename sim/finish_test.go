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
// complete, and finishes on its notification; the two-phase commit sink
// commits its last transaction then.
func TestFinalCheckpoint(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	evs, r, s := runTraced(t, cfg)
	requireDrainedExactlyOnce(t, r)
	sinkID := subtaskID(t, s, "sink[0]")
	for i := range s.tasks {
		id := int32(i)
		end := at(evs, EndOfInput, id, 0)
		done := at(evs, SubtaskFinished, id, 0)
		require.Len(t, end, 1, "%s reaches the end of its input once", s.eg.Subtasks[i].Name)
		require.Len(t, done, 1)
		// The final checkpoint: the first it snapshotted after its end of
		// input; it finishes when that one is notified complete.
		var final int64
		for _, ev := range ofKind(evs, SnapshotSyncStart) {
			if ev.Subtask == id && ev.At >= end[0].At {
				final = ev.Checkpoint
				break
			}
		}
		require.Positive(t, final, "%s took part in a checkpoint after its end of input", s.eg.Subtasks[i].Name)
		assert.Equal(t, Completed, r.Checkpoints[final-1].Status)
		assert.GreaterOrEqual(t, done[0].At, r.Checkpoints[final-1].EndAt, "%s finishes after its final checkpoint", s.eg.Subtasks[i].Name)
	}
	last := ofKind(evs, TransactionCommitted)
	require.NotEmpty(t, last)
	finish := at(evs, SubtaskFinished, sinkID, 0)[0]
	assert.Equal(t, finish.At, last[len(last)-1].At, "the last transaction commits on the final checkpoint's notification")
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
