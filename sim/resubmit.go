package sim

import (
	"fmt"
	"time"
)

// RestoreFrom says what a manual restore resubmits the job from.
type RestoreFrom string

// The sources of a manual restore.
const (
	// FromCheckpoint restores ManualRestore.Checkpoint: a retained
	// checkpoint or a savepoint, by its id (`flink run -s <path>`).
	FromCheckpoint RestoreFrom = "checkpoint"
	// FromLatestRetained restores the latest checkpoint still in
	// checkpoint storage.
	FromLatestRetained RestoreFrom = "latest-retained"
	// FromSavepoint restores the latest savepoint.
	FromSavepoint RestoreFrom = "savepoint"
)

// RestoreSources lists the sources of a manual restore.
var RestoreSources = []RestoreFrom{FromCheckpoint, FromLatestRetained, FromSavepoint}

// MaxRestores bounds Config.Restores.
const MaxRestores = 100

// ManualRestore is a user resubmitting the job from a retained checkpoint
// or a savepoint, as `flink run -s <path>` does: the rollback of the seed's
// third tip, which Flink never does by itself. A job still running (or
// restarting) is cancelled first, as a user stops a job before
// resubmitting it, so the externalized checkpoint retention decides what is
// left to restore. The resubmitted job is a new execution: its restart
// strategy starts afresh and its checkpoint ids continue after the
// restored checkpoint's (CheckpointCoordinator.restoreSavepoint sets the
// CheckpointIDCounter to that id + 1); the restored checkpoint joins its
// completed-checkpoint store, so a failover before its first checkpoint
// restores it again (restore mode NO_CLAIM).
type ManualRestore struct {
	// At is when the user resubmits.
	At time.Duration
	// From says what to restore; Checkpoint is the id for FromCheckpoint.
	From       RestoreFrom
	Checkpoint int64
	// Parallelism, if set, resubmits with new parallelisms by operator
	// name: a rescaling restore (rescale.go). Operators it does not name
	// keep the parallelism the job has now.
	Parallelism map[string]int
}

func (r *ManualRestore) validate(i int) error {
	switch {
	case r.At < 0:
		return fmt.Errorf("restore %d: the time must not be negative", i+1)
	case r.From == FromCheckpoint && r.Checkpoint < 1:
		return fmt.Errorf("restore %d: restoring a checkpoint needs its id (1 or more)", i+1)
	case r.From != FromCheckpoint && r.Checkpoint != 0:
		return fmt.Errorf("restore %d: a checkpoint id goes only with restoring from a checkpoint", i+1)
	case r.From != FromCheckpoint && r.From != FromLatestRetained && r.From != FromSavepoint:
		return fmt.Errorf("restore %d: unknown source %q (allowed: checkpoint N, latest-retained, savepoint)", i+1, r.From)
	}
	return nil
}

// ResubmissionStats describe one manual restore.
type ResubmissionStats struct {
	// At is when the user resubmitted; Cancelled reports whether the job
	// was still running and was cancelled first.
	At        int64
	Cancelled bool
	// Execution is the new execution's number (see
	// CheckpointStats.Execution), 0 if the restore was refused.
	Execution int
	// RestoredFrom is the id of the restored checkpoint or savepoint, of
	// execution FromExecution.
	RestoredFrom  int64
	FromExecution int
	// Savepoint reports whether RestoredFrom is a savepoint.
	Savepoint bool
	// Refused says why nothing was restored, "" if it was.
	Refused string
	// RestoredAt is when the last subtask finished restoring (0 if not
	// yet).
	RestoredAt int64
	// Parallelism are the new parallelisms of a rescaling restore, and
	// Rescaled what became of each operator whose parallelism changed,
	// in the job's operator order.
	Parallelism map[string]int
	Rescaled    []OperatorRescale
	// Deadlock is the cycle of waits (or own-buffer wait) the cancelled
	// job was in when the user cancelled it (Sim.Deadlock then), nil if
	// none: Flink's reason why its checkpoints had stopped completing.
	Deadlock *Deadlock
}

// resubmit carries out manual restore i.
func (s *Sim) resubmit(i int) {
	r := s.cfg.Restores[i]
	s.job.restoresDue--
	rs := ResubmissionStats{At: s.now, RestoredFrom: -1, Parallelism: r.Parallelism}
	if st := s.job.status; st != JobFailed && st != JobFinished && st != JobCanceled {
		rs.Cancelled = true
		rs.Deadlock = s.Deadlock()
		s.cancel()
	}
	if s.job.status == JobFinished {
		// A job that finished (after flink stop, say) left its subtasks
		// finished rather than stopped: they are deployed anew.
		for k := range s.tasks {
			s.stopTask(&s.tasks[k])
		}
		for k := range s.chans {
			s.resetChannel(&s.chans[k])
		}
	}
	co := &s.coord
	idx, why := co.lookup(s, r)
	if idx < 0 {
		rs.Refused = why
		s.job.resubmissions = append(s.job.resubmissions, rs)
		s.trace(TraceEvent{Kind: RestoreRefused, Subtask: -1, Channel: -1, Checkpoint: r.Checkpoint})
		return
	}
	cs, why := s.rescale(r, co.stats[idx])
	if why != "" {
		rs.Refused = why
		s.job.resubmissions = append(s.job.resubmissions, rs)
		s.trace(TraceEvent{Kind: RestoreRefused, Subtask: -1, Channel: -1, Checkpoint: co.stats[idx].ID})
		return
	}
	if cs != co.stats[idx] { // the origin is the state as the rescaled job has it
		rs.Rescaled = s.rescaledOperators(s.GraphOf(cs.Execution), co.stats[idx], cs)
	}
	co.execution++
	// GraphOf indexes the graphs by execution: a restore that does not
	// rescale deploys the graph the job has.
	for len(s.graphs) <= co.execution {
		s.graphs = append(s.graphs[:len(s.graphs):len(s.graphs)], s.eg)
	}
	rs.Execution, rs.RestoredFrom, rs.FromExecution, rs.Savepoint = co.execution, cs.ID, cs.Execution, cs.Savepoint
	co.base, co.last, co.origin, co.savepoints = cs.ID, cs.ID, cs, nil
	co.pending, co.queued, co.queuedSavepoints, co.lastCompletion = nil, 0, 0, -1
	co.retained = []int64{cs.ID}
	j := &s.job
	j.restarter = restarter{cfg: s.cfg.Recovery.Restart}
	j.failedCheckpoints, j.lastSuccess = 0, 0
	// A job stopped with a savepoint (flink stop) and resubmitted from it
	// (flink run -s) reads on: the stop was the old job's.
	j.stopped = false
	// The new job is RUNNING as its scheduler starts deploying it
	// (SchedulerBase.startScheduling, transitionToRunning; JobResubmitted
	// stands for that status change in the trace), and the deactivator
	// starts the periodic scheduler then; its requests are dropped until
	// every subtask has restored its state and is RUNNING.
	j.status = JobRunning
	j.resubmissions = append(j.resubmissions, rs)
	s.trace(TraceEvent{Kind: JobResubmitted, Subtask: -1, Channel: -1, Checkpoint: cs.ID, N: int64(co.execution)})
	co.start(s)
	all := make([]bool, len(s.tasks))
	req := len(j.restarts)
	j.restarts = append(j.restarts, restartReq{failover: -1, resubmission: len(j.resubmissions) - 1})
	for k := range s.tasks {
		all[k] = true
		s.tasks[k].localCopies = nil // the old job's local state is not this job's
		s.tasks[k].abortedCk = nil
	}
	s.redeploy(req, all, cs)
}

// lookup finds the checkpoint a manual restore names: the index in the
// coordinator's stats, or -1 and why it cannot be restored. The newest
// execution's checkpoints come first. Everything in checkpoint storage is
// in stats; a checkpoint of a newer execution that completed and whose
// statistics are gone left the storage.
func (co *coordinator) lookup(s *Sim, r ManualRestore) (int, string) {
	gone := -1 // the newest execution that completed checkpoint r.Checkpoint
	if r.From == FromCheckpoint {
		for e := co.execution; e >= 0 && gone < 0; e-- {
			if co.done.has(e, r.Checkpoint) {
				gone = e
			}
		}
	}
	for i := len(co.stats) - 1; i >= 0; i-- {
		cs := co.stats[i]
		if cs.Execution < gone {
			return -1, co.goneReason(s, r.Checkpoint)
		}
		if cs.Status != Completed {
			continue
		}
		switch {
		case r.From == FromSavepoint && cs.Savepoint,
			r.From == FromLatestRetained && !cs.Savepoint && cs.InStorage,
			r.From == FromCheckpoint && cs.ID == r.Checkpoint && cs.InStorage:
			return i, ""
		case r.From == FromCheckpoint && cs.ID == r.Checkpoint:
			return -1, fmt.Sprintf("checkpoint %d is no longer retained: %s", cs.ID, cs.deleted)
		}
	}
	switch {
	case r.From == FromSavepoint:
		return -1, "no savepoint was taken"
	case r.From == FromLatestRetained:
		return -1, "no checkpoint is retained" + s.retentionHint()
	case gone >= 0:
		return -1, co.goneReason(s, r.Checkpoint)
	}
	return -1, fmt.Sprintf("checkpoint %d never completed", r.Checkpoint)
}

// retentionHint says how the job could have kept its checkpoints.
func (s *Sim) retentionHint() string {
	if s.cfg.Recovery.Externalized == NoExternalized {
		return " (with externalized: none they are deleted when the job ends; retain-on-cancellation keeps them)"
	}
	return ""
}
