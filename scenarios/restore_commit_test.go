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

// TestRestoreCommitsPendingTransactions: a two-phase commit sink
// commits, when the job is resubmitted from an intermediate savepoint,
// the transaction it pre-committed for the savepoint, which no
// notification committed, so nothing is lost.
func TestRestoreCommitsPendingTransactions(t *testing.T) {
	sc, err := Load(restoreCommitFile)
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	id, ok := s.Graph().SubtaskNamed("src1 -> sink1[0]") // chained
	require.True(t, ok)
	sink := int32(id)
	var notified bool
	var committedAt, records int64 = -1, 0
	s.Tracer = func(ev sim.TraceEvent) {
		switch {
		case ev.Kind == sim.NotifyComplete && ev.Checkpoint == 2:
			notified = true
		case ev.Kind == sim.TransactionCommitted && ev.Subtask == sink && ev.Checkpoint == 2 && ev.N > 0:
			committedAt, records = ev.At, ev.N
		}
	}
	r := s.Run()

	// The schedule still takes the path of the blind spot.
	require.Len(t, r.Resubmissions, 1)
	rs := r.Resubmissions[0]
	require.True(t, r.Checkpoints[1].Savepoint)
	assert.Equal(t, sim.Completed, r.Checkpoints[1].Status)
	assert.False(t, notified, "an intermediate savepoint notifies no task")
	assert.Equal(t, int64(2), rs.RestoredFrom)
	assert.Equal(t, int64(650*time.Millisecond), committedAt, "the restore commits savepoint 2's transaction")
	assert.Positive(t, records)

	// Nothing is lost or written twice.
	require.Equal(t, sim.JobFinished, r.Job)
	assert.Zero(t, r.Summary.Lost)
	assert.Zero(t, r.Summary.Duplicates)
	for _, inv := range r.Invariants {
		assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
	}
}

// TestRegionFailoverSuspends: a region's failover moves the job to
// RESTARTING, which aborts the pending checkpoint that the crashed region
// had acknowledged (CHECKPOINT_COORDINATOR_SUSPEND); the other region runs
// on, and the checkpoint scheduler starts again at the restart.
func TestRegionFailoverSuspends(t *testing.T) {
	sc, err := Load("../testdata/regression/region-failover-suspends.yaml")
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	id, ok := s.Graph().SubtaskNamed("src2 -> sink2[0]")
	require.True(t, ok)
	var statuses []sim.TraceEvent
	s.Tracer = func(ev sim.TraceEvent) {
		if ev.Kind == sim.JobStatusChanged {
			statuses = append(statuses, ev)
		}
	}
	r := s.Run()

	crash := int64(600 * time.Millisecond)
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	c1 := r.Checkpoints[0]
	assert.True(t, c1.Subtasks[id].Acked, "the crashed region acknowledged checkpoint 1")
	assert.Equal(t, sim.Aborted, c1.Status)
	assert.Equal(t, sim.ReasonSuspended, c1.Reason)
	assert.Equal(t, crash, c1.EndAt, "aborted at the failover")
	assert.Zero(t, f.RestoredFrom, "nothing completed to restore")
	require.GreaterOrEqual(t, len(statuses), 2)
	assert.Equal(t, []int64{crash, f.RestartAt}, []int64{statuses[0].At, statuses[1].At})
	assert.Equal(t, []sim.JobStatus{sim.JobRestarting, sim.JobRunning}, []sim.JobStatus{sim.JobStatus(statuses[0].N), sim.JobStatus(statuses[1].N)})
	for _, c := range r.Checkpoints[1:] {
		assert.Greater(t, c.TriggerAt, f.RestoredAt, "no checkpoint is triggered before every subtask runs again")
	}
	require.Equal(t, sim.JobFinished, r.Job)
	assert.Zero(t, r.Summary.Lost)
	assert.Zero(t, r.Summary.Duplicates)
}
