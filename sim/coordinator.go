package sim

import (
	"fmt"
	"slices"
)

// maxQueuedRequests bounds the queued periodic trigger requests, as
// Flink's CheckpointRequestDecider does.
const maxQueuedRequests = 1000

// coordinator is Flink's CheckpointCoordinator with its
// CheckpointRequestDecider: it triggers checkpoints periodically, collects
// acknowledgements, and completes, expires or aborts checkpoints.
type coordinator struct {
	// stats holds the statistics of the checkpoints of every execution of
	// the job that are in the history or that the engine still needs
	// (history.go), in trigger order. A resubmission (a manual restore)
	// starts a new execution whose ids continue after the restored
	// checkpoint's, as Flink's CheckpointIDCounter does, so an id names a
	// checkpoint only within its execution: get resolves it in the
	// current one.
	stats []*CheckpointStats
	// latest is the checkpoint triggered last; last the current
	// execution's latest id.
	latest *CheckpointStats
	last   int64
	// execution counts the resubmissions; base is the id the current
	// execution's ids continue after and origin the checkpoint it was
	// submitted from (nil: none).
	execution int
	base      int64
	origin    *CheckpointStats
	// savepoints are the ids of the current execution's savepoints, also
	// those whose statistics are gone.
	savepoints []int64
	// The aggregates over every checkpoint (history.go): the counts by
	// status, the summary of the completed ones, the records read between
	// a completion and the next trigger summed over pairs, the completed
	// ids, and the number of checkpoints evicted from stats.
	counts         [4]int
	summary        CompletedSummary
	between, pairs int64
	done           idSet
	evicted        int
	pending        []int64 // ids in progress, ascending
	queued         int     // periodic requests waiting for a free slot
	// queuedSavepoints counts the savepoint requests waiting for a free
	// slot: with unaligned checkpoints a savepoint is not forced (see
	// savepoint).
	queuedSavepoints int
	lastCompletion   int64 // -1 before the first completion
	gen              int64 // generation of the periodic timer
	// retained is the completed-checkpoint store of the current
	// execution: the ids it restores from, oldest first.
	retained []int64
	running  int // subtasks not finished
	// shared is the shared-state registry and the storage the
	// checkpoints in storage take.
	shared sharedRegistry
}

// stop stops the periodic timer and forgets queued requests (at the end
// of the job, and in suspend): abortPendingAndQueuedCheckpoints fails the
// queued savepoint requests too.
func (co *coordinator) stop() {
	co.gen++
	co.queued, co.queuedSavepoints = 0, 0
}

// suspend is CheckpointCoordinator.stopCheckpointScheduler, as
// CheckpointCoordinatorDeActivator calls it when a failover moves the job
// to RESTARTING, and as a stop-with-savepoint calls it before its
// synchronous savepoint (SchedulerBase.stopWithSavepoint: "so that we are
// guaranteed to have only the data of the synchronous savepoint
// committed"): the timer stops and every pending checkpoint is aborted
// (CHECKPOINT_COORDINATOR_SUSPEND, not counted as a failure).
func (co *coordinator) suspend(s *Sim) {
	co.stop()
	for _, n := range slices.Clone(co.pending) {
		co.abort(s, n, ReasonSuspended)
	}
}

// lastID is the id of the current execution's latest checkpoint.
func (co *coordinator) lastID() int64 { return co.last }

// label names checkpoint n as Flink's log does: "checkpoint 3" or
// "savepoint 4".
func (co *coordinator) label(n int64) string {
	if co.isSavepoint(n) {
		return fmt.Sprintf("savepoint %d", n)
	}
	return fmt.Sprintf("checkpoint %d", n)
}

// isSavepoint reports whether checkpoint n is a savepoint.
func (co *coordinator) isSavepoint(n int64) bool {
	if cs := co.get(n); cs != nil {
		return cs.Savepoint
	}
	return slices.Contains(co.savepoints, n)
}

// restorePoint picks what a failover restores: the latest checkpoint in
// the completed-checkpoint store (CheckpointCoordinator.
// restoreLatestCheckpointedStateInternal), or nil for a job that never
// completed one (it starts without state). Before Flink 1.15 savepoints
// were in the store too, and prefer-checkpoint-for-recovery picked the
// latest checkpoint over a newer savepoint. Flink never falls back to an
// older checkpoint by itself (FLINK-22502): if the latest cannot be read,
// the restore fails (see restored).
func (co *coordinator) restorePoint(s *Sim) *CheckpointStats {
	if len(co.retained) == 0 {
		return nil
	}
	latest := co.retained[len(co.retained)-1]
	if s.cfg.Recovery.PreferCheckpointForRecovery && s.cfg.FlinkVersion.HasPreferCheckpointForRecovery() && co.isSavepoint(latest) {
		for i := len(co.retained) - 2; i >= 0; i-- {
			if !co.isSavepoint(co.retained[i]) {
				return co.get(co.retained[i])
			}
		}
	}
	return co.get(latest)
}

// subsume drops what the completed-checkpoint store holds beyond
// num_retained once latest joined it, oldest first, as
// CheckpointSubsumeHelper.subsume does: latest stays; a savepoint (in the
// store only before Flink 1.15) may go, its files staying the user's; a
// checkpoint may go unless it is the newest one that is not a savepoint,
// which the next incremental checkpoint may build on (FLINK-21351), but
// for a stop's synchronous savepoint, after which no checkpoint follows.
// Since 1.15 the store holds checkpoints only, and the oldest go.
func (co *coordinator) subsume(s *Sim, latest *CheckpointStats) {
	n := s.cfg.Checkpoint.NumRetained
	if len(co.retained) <= n {
		return
	}
	var newest int64 = -1 // the newest checkpoint that is not a savepoint
	for _, id := range co.retained {
		if !co.isSavepoint(id) {
			newest = id
		}
	}
	kept := co.retained[:0]
	for i, id := range co.retained {
		left := len(kept) + len(co.retained) - i // in the store if id goes on
		if left > n && id != latest.ID && (co.isSavepoint(id) || latest.Synchronous || (newest >= 0 && id != newest)) {
			co.deleteCheckpoint(co.get(id), fmt.Sprintf("it left the store when %s completed (num_retained: %d)", co.label(latest.ID), n))
			continue
		}
		kept = append(kept, id)
	}
	co.retained = kept
}

// savepoint handles a savepoint request: an aligned checkpoint, never
// subject to the min pause, and forced past max concurrent checkpoints
// unless the checkpoints are unaligned.
func (co *coordinator) savepoint(s *Sim) {
	if s.cfg.Checkpoint.Mode == Unaligned && len(co.pending) >= s.cfg.Checkpoint.MaxConcurrent {
		// CheckpointCoordinator.triggerSavepoint: forSavepoint(
		// !unalignedCheckpointsEnabled, ...), so with unaligned checkpoints
		// the savepoint is not forced past max concurrent checkpoints and
		// waits for the pending checkpoint (CheckpointRequestDecider; the
		// docs: "savepoints can also not happen concurrently to unaligned
		// checkpoints"). Queued savepoints go before periodic requests.
		if co.queuedSavepoints+co.queued < maxQueuedRequests {
			co.queuedSavepoints++
		}
		return
	}
	co.triggerSavepoint(s)
}

// triggerSavepoint triggers a savepoint, unless not every task runs
// (NOT_ALL_REQUIRED_TASKS_RUNNING: the request fails), and reports
// whether it did. A job stopped with a savepoint takes no other: its
// sources ended where they stood, not at the end of their input.
func (co *coordinator) triggerSavepoint(s *Sim) bool {
	if !s.allRunning() || co.running == 0 || co.tasksFinished(s) || s.job.stopped {
		return false
	}
	co.trigger(s, true)
	return true
}

// get is checkpoint n of the current execution (the checkpoint it was
// submitted from for its base id), or nil.
func (co *coordinator) get(n int64) *CheckpointStats {
	switch {
	case n == co.base && co.origin != nil:
		return co.origin
	case n <= co.base || n > co.last:
		return nil
	}
	// The current execution's checkpoints are the last ones, and the
	// latest are asked for most.
	for i := len(co.stats) - 1; i >= 0; i-- {
		switch cs := co.stats[i]; {
		case cs.Execution != co.execution || cs.ID < n:
			return nil
		case cs.ID == n:
			return cs
		}
	}
	return nil
}

// triggerTime is checkpoint n's trigger time (0 if unknown).
func (co *coordinator) triggerTime(n int64) int64 {
	if cs := co.get(n); cs != nil {
		return cs.TriggerAt
	}
	return 0
}

func (co *coordinator) interval(s *Sim) int64 {
	return max(int64(s.cfg.Checkpoint.Interval), int64(s.cfg.Checkpoint.MinPause))
}

// start schedules the first periodic trigger at a uniformly random time in
// [minPause, interval] from now, as Flink's startCheckpointScheduler does
// with getRandomInitDelay whenever the job becomes RUNNING: when it
// starts or is resubmitted, after a failover, after a failed
// stop-with-savepoint. A timer still running stops first.
func (co *coordinator) start(s *Sim) {
	if s.cfg.Checkpoint.Interval == 0 {
		return
	}
	co.gen++
	lo := int64(s.cfg.Checkpoint.MinPause)
	first := lo + s.rng.Int64N(co.interval(s)-lo+1)
	s.q.push(s.now+first, evPeriodicTrigger, 0, co.gen, 0)
}

// periodic handles a tick of the periodic timer: the timer keeps its fixed
// rate and the tick becomes a trigger request.
func (co *coordinator) periodic(s *Sim, gen int64) {
	if gen != co.gen || co.running == 0 {
		return
	}
	s.q.push(s.now+co.interval(s), evPeriodicTrigger, 0, co.gen, 0)
	if co.queued < maxQueuedRequests {
		co.queued++
	}
	co.decide(s)
}

// decide executes a queued request if a slot is free. A request that comes
// too early after the last completion is dropped and the periodic timer is
// moved to lastCompletion + minPause.
func (co *coordinator) decide(s *Sim) {
	if co.queued+co.queuedSavepoints == 0 || len(co.pending) >= s.cfg.Checkpoint.MaxConcurrent || co.running == 0 {
		return
	}
	if co.queuedSavepoints > 0 { // CheckpointRequestDecider: savepoints first, without a min pause
		co.queuedSavepoints--
		if co.triggerSavepoint(s) || co.queued == 0 {
			return
		}
	}
	co.queued--
	if !s.allRunning() || co.tasksFinished(s) {
		return // NOT_ALL_REQUIRED_TASKS_RUNNING: dropped, not a failure
	}
	if co.lastCompletion >= 0 {
		if next := co.lastCompletion + int64(s.cfg.Checkpoint.MinPause); next > s.now {
			co.gen++
			s.q.push(next, evPeriodicTrigger, 0, co.gen, 0)
			return
		}
	}
	co.trigger(s, false)
}

// trigger starts a new checkpoint (or savepoint) at the first running
// tasks: every source that has not finished, and since Flink 1.15 every
// task whose upstream tasks all finished (DefaultCheckpointPlanCalculator.
// calculateAfterTasksFinished), so barriers still reach the tasks
// downstream of finished ones.
func (co *coordinator) trigger(s *Sim, savepoint bool) {
	n := co.lastID() + 1
	co.register(s, n, s.now)
	co.get(n).Savepoint = savepoint
	if savepoint {
		co.savepoints = append(co.savepoints, n)
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if !t.finished && (t.isSource() || t.openInputs == 0) {
			t.triggers = append(t.triggers, n)
			s.schedule(t, s.now, evWake, 0)
		}
	}
}

// register creates checkpoint n, triggered at time at. Subtasks that have
// finished count as acknowledged. In a scripted run only the task under
// test takes part.
func (co *coordinator) register(s *Sim, n, at int64) {
	for co.lastID() < n-1 { // ids a script skips
		co.add(s, &CheckpointStats{ID: co.lastID() + 1, Execution: co.execution, Status: Aborted, Reason: ReasonSubsumed})
	}
	cs := &CheckpointStats{ID: n, Execution: co.execution, TriggerAt: at, Total: len(s.tasks),
		Offsets: make([]int64, len(s.logs)), Subtasks: make([]SubtaskStats, len(s.tasks)),
		states: make([]map[int64]int64, len(s.tasks)), txns: make([][]*txn, len(s.tasks)), files: make([][]stateFile, len(s.tasks)),
		splits: make([][]int32, len(s.tasks))}
	for p := range cs.Offsets {
		cs.Offsets[p] = -1
	}
	cs.readAtTrigger = s.sourceReads
	co.add(s, cs)
	co.pending = append(co.pending, n)
	s.trace(TraceEvent{Channel: -1, Kind: CheckpointTriggered, Subtask: -1, Checkpoint: n})
	s.q.pushTimer(at+int64(s.cfg.Checkpoint.Timeout), evExpire, 0, n, 0)
	for i := range s.tasks {
		t := &s.tasks[i]
		cs.Subtasks[i] = SubtaskStats{Subtask: i, FirstBarrierAt: -1}
		if t.finished || (s.cfg.Script != nil && t.id != s.scriptTask) {
			// A finished subtask's final state is its part of the snapshot.
			cs.Subtasks[i].Finished, cs.Subtasks[i].Acked = true, true
			cs.states[i] = t.state.toMap()
			cs.txns[i] = slices.Clone(t.sink.pending)
			cs.Acked++
		}
	}
}

func (co *coordinator) row(t *task, n int64) *SubtaskStats {
	if cs := co.get(n); cs != nil {
		return &cs.Subtasks[t.id]
	}
	return nil
}

func (co *coordinator) firstBarrier(t *task, n, at int64) {
	if r := co.row(t, n); r != nil && r.FirstBarrierAt < 0 {
		r.FirstBarrierAt = at
		r.StartDelay = at - co.get(n).TriggerAt
	}
}

// alignmentEnd records the end of alignment, at the last barrier, and the
// bytes processed since the first one.
func (co *coordinator) alignmentEnd(t *task, n, at, processed int64) {
	if r := co.row(t, n); r != nil {
		if r.FirstBarrierAt < 0 {
			co.firstBarrier(t, n, at)
		}
		r.Alignment = max(0, at-r.FirstBarrierAt)
		r.ProcessedBytes = processed
	}
}

// sourceOffsets records a source subtask's splits in checkpoint n: the
// offset of each, and as its list state the partitions not at their end
// (a reader drops a finished split from its state, as
// SourceReaderBase.onSplitFinished does). The source's "first barrier" is
// the moment it took the trigger.
func (co *coordinator) sourceOffsets(s *Sim, t *task, n int64) {
	if cs := co.get(n); cs != nil {
		var list []int32
		for _, sp := range t.splits {
			cs.Offsets[sp.part] = sp.offset
			if !sp.ended() {
				list = append(list, sp.part)
			}
		}
		cs.splits[t.id] = list
		co.firstBarrier(t, n, s.now)
	}
}

func (co *coordinator) syncStart(t *task, n, at int64, unaligned bool) {
	if r := co.row(t, n); r != nil {
		if r.FirstBarrierAt < 0 {
			co.firstBarrier(t, n, at)
		}
		r.syncStart = at
		r.Unaligned = unaligned
	}
}

func (co *coordinator) syncEnd(t *task, n, at, full, checkpointed int64, ops []int64) {
	if r := co.row(t, n); r != nil {
		r.Sync = at - r.syncStart
		r.StateBytes, r.CheckpointedBytes = full, checkpointed
		r.OperatorStateBytes = ops
	}
}

// ack records a subtask's acknowledgement and completes the checkpoint
// when every subtask acknowledged.
func (co *coordinator) ack(s *Sim, t *task, sn *taskSnap) {
	cs := co.get(sn.id)
	if cs == nil || cs.Status != InProgress {
		return
	}
	r := &cs.Subtasks[t.id]
	if r.Acked {
		return
	}
	r.Acked, r.AckAt = true, s.now
	r.Async = s.now - sn.syncEnd
	r.PersistedRecords, r.PersistedBytes = sn.persistedRecs, sn.persistedBytes
	cs.Acked++
	cs.states[t.id] = sn.state
	cs.txns[t.id] = sn.txns
	cs.files[t.id] = sn.files
	cs.privateBytes += sn.private
	if len(sn.inState) > 0 {
		cs.inState = append(cs.inState, sn.inState)
	}
	if len(sn.outState) > 0 {
		cs.outState = append(cs.outState, sn.outState)
	}
	cs.StateBytes += sn.stateBytes
	cs.CheckpointedBytes += r.CheckpointedBytes
	cs.ProcessedBytes += r.ProcessedBytes
	cs.PersistedRecords += sn.persistedRecs
	cs.PersistedBytes += sn.persistedBytes
	if cs.Acked == cs.Total {
		co.complete(s, cs)
	}
}

// complete finalizes a checkpoint as CheckpointCoordinator.
// completePendingCheckpoint does. A checkpoint joins the completed-checkpoint
// store (dropping the oldest beyond num-retained); since Flink 1.15 a
// savepoint does not (FLINK-25191). Unless it is an intermediate savepoint
// (cleanupAfterCompletedCheckpoint: !isSavepoint() || isSynchronous()), it
// subsumes the older pending checkpoints and every task is notified, which
// commits two-phase commit sinks.
func (co *coordinator) complete(s *Sim, cs *CheckpointStats) {
	if !co.registerShared(cs) {
		co.abort(s, cs.ID, ReasonDeclined)
		return
	}
	co.setStatus(cs, Completed)
	cs.EndAt, cs.readAtEnd = s.now, s.sourceReads
	co.completed(cs)
	co.lastCompletion = s.now
	co.removePending(cs.ID)
	s.checks.completed(cs, s.eg)
	// CheckpointFailureManager.handleCheckpointSuccess, savepoints included.
	s.job.failedCheckpoints, s.job.lastSuccess = 0, cs.ID
	s.failedSinceEnd, s.stuckFor = 0, 0
	cs.InStorage = true // a savepoint stays there: it is the user's
	co.shared.private += cs.privateBytes
	if s.job.corrupt[cs.ID] && cs.Execution == 0 {
		cs.unreadable = true
	}
	if !cs.Savepoint || s.cfg.FlinkVersion.SavepointsInStore() {
		co.retained = append(co.retained, cs.ID)
		co.subsume(s, cs)
		co.unregisterUnused(s)
	}
	co.shared.note()
	s.trace(TraceEvent{Channel: -1, Kind: CheckpointCompleted, Subtask: -1, Checkpoint: cs.ID, N: cs.StateBytes})
	if cs.Savepoint && !cs.Synchronous && !s.cfg.FlinkVersion.SavepointsInStore() {
		co.decide(s) // an intermediate savepoint: nothing subsumed, nobody notified
		return
	}
	// PendingCheckpoint.canBeSubsumed: a pending savepoint is never subsumed.
	for _, n := range slices.Clone(co.pending) {
		if n < cs.ID && !co.isSavepoint(n) {
			co.abort(s, n, ReasonSubsumed)
		}
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if s.job.waiting[i] {
			continue
		}
		if t.finished {
			continue // a finished task is not notified
		}
		s.trace(TraceEvent{Channel: -1, Kind: NotifyComplete, Subtask: int32(i), Checkpoint: cs.ID})
		if !cs.Savepoint {
			t.localCopies = slices.DeleteFunc(t.localCopies, func(id int64) bool { return id < cs.ID })
			t.confirmBackend(cs.ID)
		}
		if len(t.sink.pending) > 0 {
			s.commitUpTo(t, cs.ID)
		}
		s.notified(t, cs.ID)
	}
	if cs.Synchronous {
		s.stopSavepointDone()
	}
	co.decide(s)
}

// decline aborts checkpoint n on a subtask's decline.
func (co *coordinator) decline(s *Sim, t *task, n int64, why Reason) {
	if cs := co.get(n); cs != nil && cs.Status == InProgress {
		co.abort(s, n, why)
	}
}

// expire aborts checkpoint n if it is still in progress at its timeout.
func (co *coordinator) expire(s *Sim, n int64) {
	// The trigger time tells checkpoint n from the one of an earlier
	// execution with the same id.
	if cs := co.get(n); cs != nil && cs.Status == InProgress && cs.TriggerAt+int64(s.cfg.Checkpoint.Timeout) == s.now {
		co.abort(s, n, ReasonExpired)
	}
}

// abort discards pending checkpoint n and notifies every task
// (notifyCheckpointAborted).
func (co *coordinator) abort(s *Sim, n int64, why Reason) {
	cs := co.get(n)
	cs.EndAt, cs.Reason = s.now, why
	st, kind := Aborted, CheckpointAborted
	if why == ReasonExpired {
		st, kind = Expired, CheckpointExpired
	}
	co.setStatus(cs, st)
	cs.discard("it was aborted")
	co.removePending(n)
	s.trace(TraceEvent{Channel: -1, Kind: kind, Subtask: -1, Checkpoint: n, Reason: why})
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.lastSnap < n {
			t.abortedCk = append(t.abortedCk, n)
		}
		s.dropSnap(t, n)
	}
	s.stallCheck()
	s.deadlockCheck()
	cause := co.countFailure(s, n, why)
	if cs.Synchronous {
		s.stopSavepointFailed(why, cause != "")
	}
	if cause != "" {
		s.failover(cause, nil...)
	}
	co.decide(s)
}

// countFailure counts a failed checkpoint as Flink's
// CheckpointFailureManager does and reports why the job must fail over,
// or "". Counted reasons (CheckpointFailureReason.isCountable) are
// expiries and declines (IO_EXCEPTION, CHECKPOINT_ASYNC_EXCEPTION,
// CHECKPOINT_DECLINED, CHECKPOINT_EXPIRED, FINALIZE_CHECKPOINT_FAILURE),
// once per checkpoint id above the last success; subsumption,
// cancellation, finished and failed tasks are not. A savepoint's
// job-level failure (its expiry) is never counted
// (handleJobLevelCheckpointException); a task-level failure (a decline) of
// a savepoint is counted like a checkpoint's, and fails the job at once
// for the synchronous savepoint of a stop-with-savepoint
// (handleTaskLevelCheckpointException).
func (co *coordinator) countFailure(s *Sim, n int64, why Reason) string {
	if why != ReasonExpired && why != ReasonDeclined {
		return ""
	}
	cs := co.get(n)
	switch {
	case cs == nil:
	case cs.Savepoint && why == ReasonExpired:
		return ""
	case cs.Synchronous:
		return "the synchronous savepoint of stop-with-savepoint was declined"
	}
	if n <= s.job.lastSuccess {
		return ""
	}
	s.job.failedCheckpoints++
	tol := s.cfg.Recovery.TolerableFailures
	if tol >= 0 && s.job.failedCheckpoints > tol {
		s.job.failedCheckpoints = 0
		return "checkpoint failures exceeded the tolerable number (" + why.String() + ")"
	}
	return ""
}

// pendingAfter is the oldest pending checkpoint newer than n, 0 if none.
func (co *coordinator) pendingAfter(n int64) int64 {
	for _, p := range co.pending {
		if p > n {
			return p
		}
	}
	return 0
}

func (co *coordinator) removePending(n int64) {
	if i := slices.Index(co.pending, n); i >= 0 {
		co.pending = slices.Delete(co.pending, i, i+1)
	}
}

// tasksFinished reports whether a checkpoint cannot be triggered because
// tasks finished: before Flink 1.15 DefaultCheckpointPlanCalculator fails
// it with NOT_ALL_REQUIRED_TASKS_RUNNING once any task has finished ("Some
// tasks of the job have already finished and checkpointing with finished
// tasks is not enabled").
func (co *coordinator) tasksFinished(s *Sim) bool {
	return !s.cfg.FlinkVersion.CheckpointsAfterTasksFinish() && co.running < len(s.tasks)
}

// taskFinished counts a finished subtask as acknowledged for every pending
// checkpoint it has not snapshotted: with checkpoints after tasks finish a
// finished task has nothing left to snapshot.
func (co *coordinator) taskFinished(s *Sim, t *task) {
	co.running--
	for _, n := range slices.Clone(co.pending) {
		cs := co.get(n)
		r := &cs.Subtasks[t.id]
		if cs.Status == InProgress && !r.Acked && t.lastSnap < n {
			r.Acked, r.Finished, r.AckAt = true, true, s.now
			cs.states[t.id] = t.state.toMap()
			cs.txns[t.id] = slices.Clone(t.sink.pending)
			cs.Acked++
			if cs.Acked == cs.Total {
				co.complete(s, cs)
			}
		}
	}
}
