package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// unreadableLatest is a bounded job whose latest checkpoint before a crash
// at 480ms cannot be read back, so the job loops on its restore and
// fails; latest is that checkpoint's id.
func unreadableLatest(t *testing.T) (cfg Config, latest int64, failedAt int64) {
	t.Helper()
	const crash = 480 * time.Millisecond
	cfg = bounded(1500, "")
	cfg.Checkpoint.NumRetained = 3
	cfg.Recovery.Restart = fixedDelay(2, 50*time.Millisecond)
	cfg.Recovery.Externalized = DeleteOnCancellation // kept when the job FAILS
	cfg.Faults = []Fault{crashAt("count[1]", crash)}
	latest = latestBefore(newSim(t, cfg).Run(), int64(crash))
	cfg.Faults = []Fault{{Kind: CorruptCheckpoint, Checkpoint: latest}, crashAt("count[1]", crash)}
	r := newSim(t, cfg).Run()
	require.Equal(t, JobFailed, r.Job)
	return cfg, latest, r.VirtualEnd
}

func TestManualRestore(t *testing.T) {
	cfg, latest, failedAt := unreadableLatest(t)
	at := time.Duration(failedAt) + time.Second

	t.Run("the user rolls back to the previous retained checkpoint", func(t *testing.T) {
		cfg := cfg
		cfg.Restores = []ManualRestore{{At: at, From: FromCheckpoint, Checkpoint: latest - 1}}
		evs, r, _ := runTraced(t, cfg)
		require.Len(t, r.Resubmissions, 1)
		rs := r.Resubmissions[0]
		assert.Empty(t, rs.Refused)
		assert.False(t, rs.Cancelled, "the job had failed already")
		assert.Equal(t, latest-1, rs.RestoredFrom)
		assert.Equal(t, 1, rs.Execution)
		assert.Positive(t, rs.RestoredAt)
		assert.Equal(t, JobFinished, r.Job)
		requireInvariants(t, r)
		// CheckpointIDCounter: the new execution's ids continue after the
		// restored checkpoint's, though the first execution used them.
		var ids []int64
		for _, c := range r.Checkpoints {
			if c.Execution == 1 {
				ids = append(ids, c.ID)
			}
		}
		require.NotEmpty(t, ids)
		assert.Equal(t, latest, ids[0])
		for _, ev := range ofKind(evs, SubtaskRestoring) {
			if ev.At >= int64(at) {
				assert.Equal(t, latest-1, ev.Checkpoint)
			}
		}
	})
	t.Run("nothing is left when the job's end deleted the checkpoints", func(t *testing.T) {
		cfg := cfg
		cfg.Recovery.Externalized = NoExternalized
		cfg.Restores = []ManualRestore{{At: at, From: FromCheckpoint, Checkpoint: latest - 1}}
		r := newSim(t, cfg).Run()
		require.Len(t, r.Resubmissions, 1)
		assert.Contains(t, r.Resubmissions[0].Refused, "deleted when the job ended FAILED (externalized: none)")
		assert.Equal(t, JobFailed, r.Job)
		cfg.Restores = []ManualRestore{{At: at, From: FromLatestRetained}}
		r = newSim(t, cfg).Run()
		assert.Contains(t, r.Resubmissions[0].Refused, "no checkpoint is retained")
	})
	t.Run("a checkpoint that left the store is refused", func(t *testing.T) {
		cfg := cfg
		cfg.Restores = []ManualRestore{{At: at, From: FromCheckpoint, Checkpoint: latest - 3}}
		r := newSim(t, cfg).Run()
		assert.Contains(t, r.Resubmissions[0].Refused, "num_retained: 3")
		cfg.Restores = []ManualRestore{{At: at, From: FromCheckpoint, Checkpoint: 999}}
		r = newSim(t, cfg).Run()
		assert.Contains(t, r.Resubmissions[0].Refused, "never completed")
	})
	t.Run("latest-retained is the unreadable one again", func(t *testing.T) {
		cfg := cfg
		cfg.Restores = []ManualRestore{{At: at, From: FromLatestRetained}}
		r := newSim(t, cfg).Run()
		assert.Equal(t, latest, r.Resubmissions[0].RestoredFrom)
		assert.Equal(t, JobFailed, r.Job, "its restore fails as before")
	})
}

func TestManualRestoreOfARunningJob(t *testing.T) {
	// The user stops a running job and resubmits it from a savepoint: a
	// new execution with a fresh restart strategy.
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Recovery.Restart = fixedDelay(1, 50*time.Millisecond)
	cfg.Recovery.Savepoints = []time.Duration{450 * time.Millisecond}
	cfg.Faults = []Fault{crashAt("count[0]", 300*time.Millisecond), crashAt("count[0]", 900*time.Millisecond)}
	r := newSim(t, cfg).Run()
	require.Equal(t, JobFailed, r.Job, "the second crash finds no restart left")
	sp := savepointIDs(r)[0]

	cfg.Restores = []ManualRestore{{At: 700 * time.Millisecond, From: FromSavepoint}}
	r = newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions, 1)
	rs := r.Resubmissions[0]
	assert.True(t, rs.Cancelled)
	assert.True(t, rs.Savepoint)
	assert.Equal(t, sp, rs.RestoredFrom)
	require.Len(t, r.Failovers, 2)
	assert.Greater(t, r.Failovers[1].RestoredFrom, sp, "the new execution restarted from its own checkpoint")
	// Rolling back to the savepoint replays what the checkpoints after it
	// had committed: at least once, not exactly once, end to end.
	assert.Equal(t, JobFinished, r.Job, "the fresh restart strategy has its attempt again")
	for _, inv := range r.Invariants {
		assert.Equal(t, inv.Name != "end-to-end", inv.OK, "%s: %s", inv.Name, inv.Detail)
	}
	assert.Positive(t, r.Summary.Duplicates)
	assert.Zero(t, r.Summary.Lost)
}

// TestCancelTriggersNoCheckpoint: the cancellation before a resubmission
// stops the checkpoint scheduler before it aborts the pending checkpoint
// (CheckpointCoordinator.stopCheckpointScheduler), so the queued periodic
// request does not take the freed slot: a checkpoint of the ending job
// was triggered at the cancellation, the restored subtasks injected its
// barrier, and its id, above the new execution's, kept their barrier
// handlers from ever taking a checkpoint of the new job (a liveness
// sweep over restore runs found it).
func TestCancelTriggersNoCheckpoint(t *testing.T) {
	cfg := bounded(0, "")
	cfg.Until = time.Second
	cfg.Checkpoint.Interval, cfg.Checkpoint.AsyncBase = 10*time.Millisecond, 13*time.Millisecond
	cfg.Recovery.Savepoints = []time.Duration{140 * time.Millisecond}
	cfg.Restores = []ManualRestore{{At: 387 * time.Millisecond, From: FromSavepoint}}
	evs, r, _ := runTraced(t, cfg)
	require.Len(t, r.Resubmissions, 1)
	rs := r.Resubmissions[0]
	require.True(t, rs.Cancelled, "a checkpoint was pending when the user cancelled")
	for _, ev := range ofKind(evs, CheckpointTriggered) {
		if ev.At == int64(rs.At) {
			assert.Failf(t, "a checkpoint was triggered at the cancellation", "checkpoint %d", ev.Checkpoint)
		}
	}
	completed := 0
	for _, c := range r.Checkpoints {
		if c.Execution == 1 && c.Status == Completed {
			completed++
		}
	}
	assert.Greater(t, completed, 10, "the new execution's checkpoints complete")
}

// TestGraphOfEveryExecution: GraphOf is indexed by execution also when a
// restore that does not rescale comes before one that does (the graphs
// were appended by rescales only, so the report showed execution 2's
// checkpoints with the subtasks of execution 3).
func TestGraphOfEveryExecution(t *testing.T) {
	cfg := bounded(0, "")
	cfg.Until = 3 * time.Second
	cfg.Recovery.Savepoints = []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond}
	cfg.Restores = []ManualRestore{
		{At: time.Second, From: FromSavepoint},
		{At: 2 * time.Second, From: FromSavepoint, Parallelism: map[string]int{"count": 3}},
	}
	s := newSim(t, cfg)
	r := s.Run()
	require.Len(t, r.Resubmissions, 2)
	for exec, want := range []int{5, 5, 6} {
		assert.Len(t, s.GraphOf(exec).Subtasks, want, "execution %d", exec)
	}
	for _, c := range r.Checkpoints {
		assert.Len(t, c.Subtasks, len(s.GraphOf(c.Execution).Subtasks), "checkpoint %d of execution %d", c.ID, c.Execution)
	}
	require.Len(t, r.Resubmissions[1].Rescaled, 1)
	assert.Equal(t, 2, r.Resubmissions[1].Rescaled[0].From)
}
