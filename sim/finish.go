package sim

import "github.com/ckptsim/ckptsim/sim/protocol"

// The end of a task's input and its finish, as Flink does them since 1.15
// with checkpoints after tasks finished (FLIP-147): a task that reads its
// last record (a bounded source at the end of its partition, or a task
// whose every input delivered EndOfData) finishes its operators and sends
// EndOfData downstream, but stays RUNNING: it takes part in checkpoints
// until one it snapshotted after its end of input (its final checkpoint)
// completes and its downstream tasks have consumed all its data
// (StreamTask.afterInvoke waits for finalCheckpointCompleted and every
// partition's getAllDataProcessedFuture). Only then does it send end of
// partition and finish. A two-phase commit sink commits its last
// transaction on the final checkpoint's notification. Before 1.15 (by
// default) a task finished at once, checkpoints stopped once any task had
// finished, and a two-phase commit sink aborted its open transaction when
// it closed.

// finalCheckpoints reports whether tasks wait for a final checkpoint:
// checkpoints after tasks finished need checkpointing to be enabled
// (StreamTask.areCheckpointsWithFinishedTasksEnabled).
func (s *Sim) finalCheckpoints() bool {
	return s.cfg.FlinkVersion.CheckpointsAfterTasksFinish() && s.cfg.Checkpoint.Interval > 0
}

// takeEndOfData handles the EndOfData of input channel c: once every input
// delivered it, the task's input has ended. The sender learns that its
// data on c was consumed.
func (s *Sim) takeEndOfData(t *task, c *channel) {
	c.dataEnded = true
	t.dataInputs--
	if from := &s.tasks[c.from]; from.endOfData {
		s.schedule(from, s.now, evWake, 0)
	}
	if t.dataInputs == 0 {
		s.endInput(t)
	}
}

// endInput is the end of a task's input (StreamTask.endData).
func (s *Sim) endInput(t *task) {
	if !s.finalCheckpoints() || s.job.stopped {
		s.finish(t)
		return
	}
	t.endOfData = true
	s.lastEndOfInput = s.now
	s.trace(TraceEvent{Channel: -1, Kind: EndOfInput, Subtask: t.id})
	s.broadcastEvent(t, item{kind: itemEndOfData})
}

// closing reports whether a task that reached the end of its input has
// met StreamTask.afterInvoke's termination conditions: every input
// delivered end of partition (its upstream tasks finished; the task
// reaches afterInvoke only on END_OF_INPUT and until then goes on taking
// barriers), its final checkpoint completed, and every receiver consumed
// its EndOfData. Its mailbox then closes (prepareClose): a checkpoint
// triggered at it is declined (Task.triggerCheckpointBarrier:
// CHECKPOINT_DECLINED_TASK_CLOSING), and it waits for the uploads of its
// pending snapshots (SubtaskCheckpointCoordinatorImpl.
// waitForPendingCheckpoints) before it finishes.
func (s *Sim) closing(t *task) bool {
	if !t.endOfData || !t.finalDone || t.openInputs > 0 {
		return false
	}
	for g := range t.outputs {
		for _, id := range t.outputs[g].chans {
			if !s.chans[id].dataEnded {
				return false
			}
		}
	}
	return true
}

// readyToFinish reports whether a closing task has no snapshot left to
// upload.
func (s *Sim) readyToFinish(t *task) bool { return len(t.snaps) == 0 && s.closing(t) }

// notified tells a task that checkpoint n completed: with n at or past its
// final checkpoint, a task at the end of its input may finish.
func (s *Sim) notified(t *task, n int64) {
	if t.endOfData && t.finalCk > 0 && n >= t.finalCk && !t.finalDone {
		t.finalDone = true
		s.schedule(t, s.now, evWake, 0)
	}
}

// finish ends a subtask: it forwards end of partition and tells the
// coordinator. A two-phase commit sink without checkpointing commits
// everything at the end of its input (the Sink API's
// CommitterOperator.endInput). With checkpointing, before Flink 1.15, its
// close aborts the transaction it was writing, and its pre-committed ones
// wait for a notification that a finished task never gets: that output is
// lost (the problem FLIP-147 solved; since then the final checkpoint has
// committed everything by now).
func (s *Sim) finish(t *task) {
	t.finished = true
	t.endOfData = false
	switch {
	case !t.hasSink():
	case s.cfg.Checkpoint.Interval == 0:
		for _, x := range t.sink.pending {
			s.commit(x)
		}
		if t.sink.open != nil {
			s.commit(t.sink.open)
		}
		t.sink.pending = nil
	case !s.finalCheckpoints():
		s.dropTransactions(t) // before Flink 1.15
	}
	t.sink.open = nil
	s.broadcastEvent(t, item{kind: itemEOP})
	s.trace(TraceEvent{Channel: -1, Kind: SubtaskFinished, Subtask: t.id})
	s.taskFinished(t)
	if s.coord.running == 0 {
		s.coord.stop()
		s.enterTerminal(JobFinished)
	}
}

// dropTransactions tells the end checker of what a finishing two-phase
// commit sink leaves uncommitted: its open transaction, which close
// aborts, and the pre-committed ones, whose notification a finished task
// never gets (both empty since Flink 1.15, where the final checkpoint
// committed them). A later restore of a checkpoint that holds a
// pre-committed one still commits it (restoreSink).
func (s *Sim) dropTransactions(t *task) {
	for _, x := range t.sink.pending {
		if !x.committed {
			for _, o := range x.recs {
				s.checks.abandoned(o)
			}
		}
	}
	if t.sink.open != nil {
		for _, o := range t.sink.open.recs {
			s.checks.abandoned(o)
		}
	}
}

// triggerDirect takes checkpoint n that the coordinator triggered at task
// t: a source, or since Flink 1.15 a task whose every upstream task has
// finished (DefaultCheckpointPlanCalculator triggers the first running
// tasks). A source's barrier is unaligned from the start in unaligned mode;
// with an aligned checkpoint timeout it starts aligned.
func (s *Sim) triggerDirect(t *task, n int64) {
	switch stop, drain := s.stopping(t, n); {
	case drain && !t.endOfData:
		s.endInput(t) // --drain: EndOfData goes ahead of the savepoint's barrier
	case stop && !drain:
		t.suspended = true
	}
	s.stepProtocol(t, protocol.Input{Kind: protocol.Trigger, Checkpoint: n, Triggered: s.coord.triggerTime(n), Savepoint: s.coord.isSavepoint(n)}, 0)
}

// declineClosing declines checkpoint n, triggered at a closing task whose
// mailbox no longer takes it (Task.triggerCheckpointBarrier catches the
// RejectedExecutionException): CHECKPOINT_DECLINED_TASK_CLOSING, which
// CheckpointFailureManager does not count.
func (s *Sim) declineClosing(t *task, n int64) {
	s.trace(TraceEvent{Channel: -1, Kind: TaskCheckpointAborted, Subtask: t.id, Checkpoint: n, Reason: ReasonTaskClosing})
	s.coord.decline(s, t, n, ReasonTaskClosing)
}

// stallLimit is how many checkpoints in a row must fail after the end of
// input before a run counts as stalled.
const stallLimit = 10

// stallCheck counts a failed checkpoint (expired, declined, or aborted at
// the tasks because each newer barrier subsumes it) and ends the run as
// Stalled when it cannot go anywhere: every subtask that has not finished
// waits for its final checkpoint (no record moves any more), stallLimit
// checkpoints in a row failed since, and nothing scheduled could make the
// next one differ: no fault window still open or to come, no restart, stop
// or manual restore pending.
func (s *Sim) stallCheck() {
	if !s.finalCheckpoints() || s.job.status != JobRunning || s.userAhead() {
		return
	}
	for i := range s.tasks {
		// A closing task finishes once its uploads end.
		if t := &s.tasks[i]; !t.finished && (!t.endOfData || s.closing(t)) {
			s.failedSinceEnd = 0
			return
		}
	}
	if s.faultsAhead() {
		return
	}
	if s.failedSinceEnd++; s.failedSinceEnd >= stallLimit {
		s.stop = Stalled
	}
}

// deadlockCheck counts a failed checkpoint and ends the run as Deadlocked
// when the job is stuck for good in a forced-alignment deadlock: the
// deadlock analysis finds a cycle of waits that no event can break (see
// Deadlock), no record moved anywhere while stallLimit checkpoints in a
// row failed, a failed checkpoint never fails the job over (tolerable
// failed checkpoints unlimited: CheckpointFailureManager), and nothing
// scheduled could change the run (stallCheck's rules). Flink's job would
// stay RUNNING, one failed checkpoint after the other.
func (s *Sim) deadlockCheck() {
	if s.stop != Running {
		return // stalled
	}
	moves := s.sourceReads
	for i := range s.tasks {
		moves += s.tasks[i].processed + s.tasks[i].emitted
	}
	if moves != s.stuckMoves || s.cfg.Recovery.TolerableFailures >= 0 || s.job.status != JobRunning || s.userAhead() || s.faultsAhead() {
		s.stuckMoves, s.stuckFor = moves, 0
		return
	}
	if s.stuckFor++; s.stuckFor < stallLimit {
		return
	}
	if s.deadlock = s.Deadlock(); s.deadlock != nil {
		s.stop = Deadlocked
	}
}

// userAhead reports whether the user still acts on the job: a manual
// restore or a stop-with-savepoint is still to come.
func (s *Sim) userAhead() bool {
	return s.job.restoresDue > 0 || s.cfg.Recovery.Stop.At > 0 && s.job.stop == nil
}

// faultsAhead reports whether a fault may still change the run
// (faultAhead).
func (s *Sim) faultsAhead() bool {
	for i := range s.cfg.Faults {
		if s.faultAhead(i) {
			return true
		}
	}
	return false
}

// faultAhead reports whether fault i may still change the run: it has not
// struck yet, or its window is open and will close. A window that never
// closes is a constant condition.
func (s *Sim) faultAhead(i int) bool {
	f := &s.cfg.Faults[i]
	switch f.Kind {
	case Crash:
		switch f.Phase {
		case Restoring:
			return false // only after another failover, whose restore starts the count again
		case AtTime:
		default: // in a phase of checkpoint f.Checkpoint
			return !s.job.fired[i] && f.Checkpoint >= s.coord.lastID()
		}
		return int64(f.At) >= s.now
	case RandomCrashes:
		return f.Until == 0 || int64(f.Until) >= s.now
	case FailUpload, CorruptCheckpoint:
		return f.Checkpoint > s.coord.lastID()
	}
	return int64(f.At) >= s.now || f.Until != 0 && int64(f.Until) >= s.now
}
