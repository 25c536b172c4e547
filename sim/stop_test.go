package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// stopJob is an unbounded job with an exactly-once sink that the user
// stops with a savepoint at 1s.
func stopJob(drain bool) Config {
	cfg := bounded(0, topology.TwoPhaseCommitSink)
	cfg.Until = 5 * time.Second
	cfg.Recovery.Stop = StopWithSavepoint{At: time.Second, Drain: drain}
	return cfg
}

func TestStopWithSavepoint(t *testing.T) {
	for _, drain := range []bool{false, true} {
		name := "stop"
		if drain {
			name = "stop --drain"
		}
		t.Run(name, func(t *testing.T) {
			cfg := stopJob(drain)
			evs, r, _ := runTraced(t, cfg)
			st := r.StopWithSavepoint
			require.NotNil(t, st)
			require.Empty(t, st.Failed)
			sp := r.Checkpoints[st.Savepoint-1]
			assert.True(t, sp.Savepoint && sp.Synchronous)
			assert.Equal(t, Completed, sp.Status)
			assert.Equal(t, int64(time.Second), sp.TriggerAt)
			// Flink reports FINISHED for both, and the savepoint stays.
			assert.Equal(t, JobFinished, r.Job)
			assert.Contains(t, r.Retained, sp.ID)
			// No periodic checkpoint after the stop was asked for.
			for _, c := range r.Checkpoints {
				if c.ID != sp.ID {
					assert.Less(t, c.TriggerAt, int64(time.Second))
				}
			}
			// The synchronous savepoint is notified, so the sink commits
			// on it: the committed output is the input up to the
			// savepoint's offsets, exactly once.
			committed := false
			for _, ev := range ofKind(evs, TransactionCommitted) {
				committed = committed || ev.Checkpoint == sp.ID
			}
			assert.True(t, committed, "the sink commits on the synchronous savepoint")
			requireDrainedExactlyOnce(t, r)
			var read int64
			for _, off := range sp.Offsets {
				read += off
			}
			assert.Equal(t, read, r.Summary.RecordsIn, "the sources read nothing after the savepoint's barrier")
			assert.Equal(t, drain, len(ofKind(evs, EndOfInput)) > 0, "only --drain ends the input before the savepoint")
		})
	}
}

func TestStopWithSavepointFails(t *testing.T) {
	t.Run("expired: the job goes on", func(t *testing.T) {
		cfg := stopJob(false)
		cfg.Checkpoint.Timeout = 20 * time.Millisecond
		cfg.Faults = []Fault{{Kind: SlowUpload, Factor: 100, At: 990 * time.Millisecond, Until: 1100 * time.Millisecond}}
		r := newSim(t, cfg).Run()
		st := r.StopWithSavepoint
		require.NotNil(t, st)
		assert.Contains(t, st.Failed, "expired")
		assert.Equal(t, Expired, r.Checkpoints[st.Savepoint-1].Status)
		assert.Equal(t, JobRunning, r.Job)
		assert.Empty(t, r.Failovers, "a savepoint's expiry is not counted")
		later := 0
		for _, c := range r.Checkpoints {
			if c.TriggerAt > int64(1100*time.Millisecond) && c.Status == Completed {
				later++
			}
		}
		assert.Positive(t, later, "the checkpoint scheduler restarts")
		assert.Greater(t, r.Summary.RecordsIn, int64(4000), "the sources resume")
	})
	t.Run("declined by a task: the job fails over", func(t *testing.T) {
		cfg := stopJob(false)
		probe := newSim(t, cfg).Run()
		cfg.Faults = []Fault{{Kind: FailUpload, Subtask: "count[0]", Checkpoint: probe.StopWithSavepoint.Savepoint}}
		r := newSim(t, cfg).Run()
		require.NotEmpty(t, r.Failovers)
		assert.Contains(t, r.Failovers[0].Cause, "synchronous savepoint")
		assert.Contains(t, r.StopWithSavepoint.Failed, "declined")
		assert.Equal(t, JobRunning, r.Job)
	})
	t.Run("a crash after the savepoint, before every task finished", func(t *testing.T) {
		// A bounded job, so that it drains if it goes on; a latency, so
		// that its tasks take a while to finish after the savepoint.
		cfg := bounded(2000, topology.TwoPhaseCommitSink)
		cfg.Channels.Latency = 20 * time.Millisecond
		cfg.Recovery.Stop = StopWithSavepoint{At: 500 * time.Millisecond}
		evs, probe, _ := runTraced(t, cfg)
		sp := probe.StopWithSavepoint.Savepoint
		var done int64
		for _, ev := range ofKind(evs, CheckpointCompleted) {
			if ev.Checkpoint == sp {
				done = ev.At
			}
		}
		require.Positive(t, done)
		require.Greater(t, probe.VirtualEnd, done+int64(time.Millisecond), "the tasks finish after the savepoint")
		cfg.Faults = []Fault{crashAt("count[0]", time.Duration(done)+time.Millisecond/2)}

		// Since 1.15 the job fails (StopWithSavepointStoppingException),
		// and the savepoint is kept for the user to restore.
		r := newSim(t, cfg).Run()
		st := r.StopWithSavepoint
		assert.Contains(t, st.Failed, "StopWithSavepointStoppingException")
		require.Len(t, r.Failovers, 2, "the crash, then the global failure of the stop")
		assert.Contains(t, r.Failovers[1].Cause, "stop-with-savepoint")
		assert.Equal(t, JobFailed, r.Job)
		assert.Contains(t, r.Retained, sp, "the savepoint is kept")
		requireInvariants(t, r)

		// Before, a global failover restored the latest checkpoint of the
		// store, the savepoint itself, and the job went on: its sources
		// read on to their end, nothing lost and nothing twice. (An
		// at-least-once sink: without final checkpoints, 1.14's two-phase
		// commit sink never commits its last transaction.)
		cfg.FlinkVersion = FlinkVersion{Major: 1, Minor: 14}
		cfg.Graph.Operators[2].SinkMode = topology.AtLeastOnceSink
		r = newSim(t, cfg).Run()
		assert.Contains(t, r.StopWithSavepoint.Failed, "global failover")
		require.Len(t, r.Failovers, 2)
		assert.Equal(t, -1, int(r.Failovers[1].Origin), "a global failure")
		assert.Equal(t, sp, r.Failovers[1].RestoredFrom)
		assert.Equal(t, JobFinished, r.Job)
		requireInvariants(t, r)
		assert.Zero(t, r.Summary.Lost)
		assert.Zero(t, r.Summary.Duplicates)

		// A restart strategy that gives up on the crash itself fails the
		// job first: the stop fails all the same.
		cfg.Recovery.Restart = fixedDelay(0, 50*time.Millisecond)
		r = newSim(t, cfg).Run()
		assert.Equal(t, JobFailed, r.Job)
		require.Len(t, r.Failovers, 1, "no global failure after the job failed")
		assert.Contains(t, r.StopWithSavepoint.Failed, "the job failed")
	})
	t.Run("not all tasks running: refused", func(t *testing.T) {
		cfg := stopJob(false)
		cfg.Faults = []Fault{crashAt("count[0]", 990*time.Millisecond)}
		cfg.Recovery.Restart = fixedDelay(1, 50*time.Millisecond)
		r := newSim(t, cfg).Run()
		assert.Contains(t, r.StopWithSavepoint.Failed, "NOT_ALL_REQUIRED_TASKS_RUNNING")
		assert.Zero(t, r.StopWithSavepoint.Savepoint)
		assert.Equal(t, JobRunning, r.Job)
	})
}

// TestResumeAfterStop: a job stopped with a savepoint (FINISHED) and
// resubmitted from it without a rescale is deployed anew and reads on
// from the savepoint's offsets: every record once, exactly once end to
// end. (Its subtasks were left finished, and the resubmission once ran
// none of them: the run went quiescent with the job RUNNING.)
func TestResumeAfterStop(t *testing.T) {
	cfg := sourceRescaleJob(2, 2, 4)
	cfg.Restores[0].Parallelism = nil
	r := newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions, 1)
	require.Empty(t, r.Resubmissions[0].Refused)
	requireDrainedExactlyOnce(t, r)
	assert.Equal(t, int64(4*600), r.Summary.RecordsIn)
}

// TestNoSavepointAfterStop: a savepoint asked for after flink stop
// completed is not taken (the job is stopped: its sources ended where they
// stood, and a savepoint of finished sources would say their partitions
// were read to the end), so the restore resumes from the stop's own
// savepoint and no record is lost. (check found it: no-loss, seed 559 of
// simulate check --restores always.)
func TestNoSavepointAfterStop(t *testing.T) {
	cfg := sourceRescaleJob(2, 2, 4)
	cfg.Restores[0].Parallelism = nil
	cfg.Channels.Latency = 20 * time.Millisecond // the stopped job takes a while to finish
	cfg.Restores[0].At = 600 * time.Millisecond
	// The savepoint comes between the stop's completion and the job's end.
	var stopped, finished int64
	evs, probe, _ := runTraced(t, cfg)
	for _, ev := range evs {
		switch {
		case ev.Kind == CheckpointCompleted && ev.Checkpoint == probe.StopWithSavepoint.Savepoint:
			stopped = ev.At
		case ev.Kind == JobStatusChanged && JobStatus(ev.N) == JobFinished && finished == 0:
			finished = ev.At
		}
	}
	require.Positive(t, stopped, "the stop's savepoint completed")
	require.Less(t, stopped, finished)
	cfg.Recovery.Savepoints = []time.Duration{time.Duration(stopped+finished) / 2}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions, 1)
	assert.Equal(t, r.StopWithSavepoint.Savepoint, r.Resubmissions[0].RestoredFrom)
	requireDrainedExactlyOnce(t, r)
	assert.Equal(t, int64(4*600), r.Summary.RecordsIn)
}

// TestStopWithSavepointSuspends: a stop-with-savepoint first stops the
// coordinator's scheduler (SchedulerBase.stopWithSavepoint calls
// CheckpointCoordinator.stopCheckpointScheduler), which aborts the pending
// checkpoint (CHECKPOINT_COORDINATOR_SUSPEND, not counted as a failure),
// so the sinks commit only on the synchronous savepoint.
func TestStopWithSavepointSuspends(t *testing.T) {
	for _, mode := range []Mode{Aligned, Unaligned} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := stopJob(false)
			cfg.Checkpoint.Mode = mode
			cfg.Checkpoint.AsyncBase = 40 * time.Millisecond
			cfg.Recovery.TolerableFailures = 0
			probe := newSim(t, cfg).Run()
			var pending *CheckpointStats
			for i := range probe.Checkpoints {
				if c := &probe.Checkpoints[i]; c.TriggerAt > int64(500*time.Millisecond) && c.Status == Completed {
					pending = c
					break
				}
			}
			require.NotNil(t, pending)
			at := (pending.TriggerAt + pending.EndAt) / 2
			cfg.Recovery.Stop.At = time.Duration(at)
			evs, r, _ := runTraced(t, cfg)
			suspended := r.Checkpoints[pending.ID-1]
			assert.Equal(t, Aborted, suspended.Status)
			assert.Equal(t, ReasonSuspended, suspended.Reason)
			assert.Equal(t, at, suspended.EndAt, "aborted when the stop was asked for")
			st := r.StopWithSavepoint
			require.NotNil(t, st)
			require.Empty(t, st.Failed)
			sp := r.Checkpoints[st.Savepoint-1]
			for _, ev := range ofKind(evs, TransactionCommitted) {
				if ev.At > at {
					// The suspended checkpoint's transaction is committed
					// with the savepoint's, on its notification.
					assert.GreaterOrEqual(t, ev.At, sp.EndAt, "nothing commits before the savepoint completes")
				}
			}
			assert.Equal(t, at, sp.TriggerAt, "the synchronous savepoint is triggered at once")
			assert.Equal(t, Completed, sp.Status)
			assert.Equal(t, JobFinished, r.Job, "the abort is not counted against tolerable_failed_checkpoints: 0")
			requireDrainedExactlyOnce(t, r)
		})
	}
}
