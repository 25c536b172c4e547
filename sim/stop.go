package sim

import (
	"fmt"
	"time"
)

// StopWithSavepoint is `flink stop` (REST `POST /jobs/:jobid/stop`): the
// job takes a synchronous savepoint and ends. The checkpoint scheduler
// stops, and the savepoint is triggered at the sources. Without Drain
// (`flink stop`, SavepointType.suspend) the sources stop emitting after its
// barrier and every task finishes once the savepoint completed; with Drain
// (`flink stop --drain`, SavepointType.terminate) the sources first end
// their input, so EndOfData and the last records flow through every task
// before its snapshot, as at the end of a bounded input. Unlike an
// intermediate savepoint the synchronous one subsumes older checkpoints
// and is notified, so two-phase commit sinks commit on it. Flink reports
// the job FINISHED either way.
//
// If the savepoint fails, the stop fails and the job goes on: the
// checkpoint scheduler restarts and the sources resume
// (StopWithSavepointTerminationHandlerImpl.terminateExceptionally); a
// decline by a task fails the job over (CheckpointFailureManager). A job
// that is not running with all its tasks refuses the stop.
type StopWithSavepoint struct {
	// At is when the user stops the job; 0 never.
	At time.Duration
	// Drain ends the sources' input before the savepoint (--drain).
	Drain bool
}

// StopStats describe a stop-with-savepoint.
type StopStats struct {
	// At is when the user asked; Drain whether with --drain.
	At    int64
	Drain bool
	// Savepoint is the synchronous savepoint's id, 0 if none was taken.
	Savepoint int64
	// Failed says why the stop failed, "" if the savepoint completed.
	Failed string
}

// stopWithSavepoint starts the stop-with-savepoint of the configuration.
func (s *Sim) stopWithSavepoint() {
	st := &StopStats{At: s.now, Drain: s.cfg.Recovery.Stop.Drain}
	co := &s.coord
	if !s.allRunning() || co.running == 0 || co.tasksFinished(s) {
		s.job.stop = st
		st.Failed = "not all required tasks are running (NOT_ALL_REQUIRED_TASKS_RUNNING)"
		s.trace(TraceEvent{Kind: StopFailed, Subtask: -1, Channel: -1})
		return
	}
	// CheckpointCoordinator.stopCheckpointScheduler, while the stop still
	// counts as ahead (userAhead): its aborts are no stall or deadlock.
	co.suspend(s)
	s.job.stop = st
	n := co.lastID() + 1
	co.trigger(s, true)
	co.get(n).Synchronous = true
	st.Savepoint = n
}

// stopping reports whether source t takes the synchronous savepoint n and
// stops after it; drain that it ends its input first.
func (s *Sim) stopping(t *task, n int64) (stop, drain bool) {
	cs := s.coord.get(n)
	if cs == nil || !cs.Synchronous || !t.isSource() {
		return false, false
	}
	return true, s.cfg.Recovery.Stop.Drain && s.finalCheckpoints()
}

// stopSavepointDone ends the job after its synchronous savepoint: every
// source finishes, and so does every task once its input ended.
func (s *Sim) stopSavepointDone() {
	s.job.stopped = true
	for i := range s.tasks {
		if t := &s.tasks[i]; t.isSource() && !t.finished {
			s.schedule(t, s.now, evWake, 0)
		}
	}
}

// stopNotFinished is a failure after the synchronous savepoint completed,
// before every task finished: the sinks may not have committed on it yet.
// StopWithSavepointTerminationHandlerImpl finds an execution that did not
// finish, fails the stop and triggers a global failure. Since Flink 1.15
// (FLINK-26783) that failure is a StopWithSavepointStoppingException,
// which is not recoverable: the job FAILS, and the savepoint, which is
// consistent, is the user's to restore from (restarting from the latest
// checkpoint instead would write again what the sinks committed on the
// savepoint). Before, it was a recoverable global failover, and the job
// went on from the latest checkpoint in the store, which held savepoints
// too. Either way the sources no longer stand stopped: seed 8293833 of
// simulate check --mode unaligned --faults always --restores always
// --max-faults 6 restarted from a checkpoint whose sources then ended at
// once, as the stop had left them, and lost the records after it.
func (s *Sim) stopNotFinished() {
	st := s.job.stop
	s.job.stopped = false
	stopping := s.cfg.FlinkVersion.StopWithSavepointStopping()
	switch {
	case stopping:
		st.Failed = fmt.Sprintf("savepoint %d completed, but the job failed during stopping "+
			"(StopWithSavepointStoppingException): the savepoint is consistent, restore from it", st.Savepoint)
	case s.job.status == JobFailed: // the restart strategy gave up on the failure itself
		st.Failed = fmt.Sprintf("savepoint %d completed, but a task failed before every task finished, "+
			"and the job failed: the savepoint is consistent, restore from it", st.Savepoint)
	default:
		st.Failed = fmt.Sprintf("savepoint %d completed, but not every task finished: a global failover recovers the job", st.Savepoint)
	}
	s.trace(TraceEvent{Kind: StopFailed, Subtask: -1, Channel: -1, Checkpoint: st.Savepoint})
	s.handleFailure("stop-with-savepoint: an execution did not finish after the savepoint", !stopping, nil)
}

// stopSavepointFailed lets the job go on after its synchronous savepoint
// failed: the sources resume and, unless a failover follows, the
// checkpoint scheduler restarts.
func (s *Sim) stopSavepointFailed(why Reason, failover bool) {
	s.job.stop.Failed = "the synchronous savepoint was " + why.String()
	s.trace(TraceEvent{Kind: StopFailed, Subtask: -1, Channel: -1, Checkpoint: s.job.stop.Savepoint, Reason: why})
	for i := range s.tasks {
		if t := &s.tasks[i]; t.suspended {
			t.suspended = false
			s.schedule(t, s.now, evWake, 0)
		}
	}
	if !failover && s.job.status == JobRunning {
		s.coord.start(s)
	}
}
