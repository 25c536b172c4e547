package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// restoreCommitFile is the schedule of issue 9's blind spot (its
// description tells the story).
const restoreCommitFile = "../testdata/regression/restore-commit.yaml"

// TestRestoreCommitsPendingTransactions: a two-phase commit sink that was
// down while the checkpoint it pre-committed for completed commits that
// transaction when it restores from the checkpoint, so nothing is lost.
func TestRestoreCommitsPendingTransactions(t *testing.T) {
	sc, err := Load(restoreCommitFile)
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	id, ok := s.Graph().SubtaskNamed("sink2[0]") // chained: src2 -> sink2[0]
	require.True(t, ok)
	sink2 := int32(id)
	var acked, completed, committedAt int64 = -1, -1, -1
	s.Tracer = func(ev sim.TraceEvent) {
		switch {
		case ev.Kind == sim.CheckpointAcked && ev.Subtask == sink2 && ev.Checkpoint == 1:
			acked = ev.At
		case ev.Kind == sim.CheckpointCompleted && ev.Checkpoint == 1:
			completed = ev.At
		case ev.Kind == sim.TransactionCommitted && ev.Subtask == sink2 && ev.Checkpoint == 1 && ev.N > 0:
			committedAt = ev.At
		}
	}
	r := s.Run()

	// The schedule still takes the path of the blind spot.
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	crash := int64(600 * time.Millisecond)
	require.Positive(t, acked, "sink2[0] acknowledges checkpoint 1")
	assert.Less(t, acked, crash, "sink2[0] acknowledged checkpoint 1 before it crashed")
	assert.Greater(t, completed, crash, "checkpoint 1 completes after the crash")
	assert.Less(t, completed, f.RestartAt, "checkpoint 1 completes while sink2's region waits for its restart")
	assert.Equal(t, int64(1), f.RestoredFrom)
	assert.Equal(t, f.RestartAt, committedAt, "the restore commits checkpoint 1's transaction")

	// Nothing is lost or written twice.
	require.Equal(t, sim.JobFinished, r.Job)
	assert.Zero(t, r.Summary.Lost)
	assert.Zero(t, r.Summary.Duplicates)
	for _, inv := range r.Invariants {
		assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
	}
}
