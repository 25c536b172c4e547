package sim

import (
	"fmt"
	"slices"
)

// job is the JobMaster's view of the job: its status, the failovers, the
// restart strategy and what recovery needs to know.
type job struct {
	status    JobStatus
	restarter restarter
	failovers []FailoverStats
	// resubmissions are the manual restores, in order; restoresDue
	// counts those still to come.
	resubmissions []ResubmissionStats
	restoresDue   int
	// stop is the stop-with-savepoint, once asked for; stopped: its
	// savepoint completed and the job is ending.
	stop    *StopStats
	stopped bool
	// waiting marks the subtasks that failed (or were restarted with a
	// failed one) and wait for their restart, waitingFor says which
	// restart (an index in restarts, -1 for none) and stoppedBy which
	// failover (an index in failovers) stopped them; restoring counts the
	// redeployed subtasks still loading their state.
	waiting    []bool
	waitingFor []int
	stoppedBy  []int
	restoring  int
	// restarts are the restarts scheduled so far, one per failover: each
	// redeploys the subtasks still waiting for it after its own backoff.
	restarts []restartReq
	// region is the pipelined region of each subtask.
	region []int
	// corrupt marks the ids of the first execution's checkpoints that
	// cannot be read back once completed.
	corrupt map[int64]bool
	// failedCheckpoints counts consecutive counted checkpoint failures
	// since the last success (CheckpointFailureManager).
	failedCheckpoints int
	lastSuccess       int64
	// fired marks the faults that already struck.
	fired []bool
	// loop is the chain of failed restores that may be a restore loop
	// (restoreLoopCheck).
	loop restoreLoop
}

// restartReq is a scheduled restart, or the deployment of a resubmission.
type restartReq struct {
	failover     int // index in failovers, or -1
	resubmission int // index in resubmissions, or -1
	restoring    int // its redeployed subtasks still restoring
}

// allRunning reports whether every subtask is RUNNING, as the coordinator
// needs it to trigger a checkpoint or savepoint: DefaultCheckpointPlanCalculator.
// calculateCheckpointPlan fails the trigger with NOT_ALL_REQUIRED_TASKS_RUNNING
// unless every task has an execution (checkAllTasksInitiated) and every task
// to wait for, that is every task not finished, is RUNNING
// (checkTasksStarted(result.getTasksToWaitFor()); before FLINK-22379, fixed
// in 1.13.1 and so in every modelled version, it checked only the tasks to
// trigger). A redeployed subtask is INITIALIZING until it has loaded its
// state and every input gate has consumed its recovered channel state
// (Task.restoreAndInvoke: INITIALIZING to RUNNING after
// StreamTask.restoreInternal, which waits for restoreGates' futures), so
// no checkpoint is triggered while a subtask still recovers its input.
func (s *Sim) allRunning() bool {
	if s.job.status != JobRunning || s.job.restoring > 0 || slices.Contains(s.job.waiting, true) {
		return false
	}
	for i := range s.tasks {
		if s.tasks[i].recovering > 0 {
			return false
		}
	}
	return true
}

// failover reacts to a failure of the given subtasks (nil: a global
// failure) as Flink's scheduler does: the failover strategy picks the
// subtasks to restart, they are cancelled and their channels reset, the
// pending checkpoints that need them are aborted, and the restart strategy
// decides whether and when they are redeployed.
func (s *Sim) failover(cause string, failed ...int32) {
	s.handleFailure(cause, true, failed)
}

// handleFailure is failover, and for a failure that is not recoverable
// (an exception Flink annotates ThrowableType.NonRecoverableError) the
// job's end: ExecutionFailureHandler fails it without asking the restart
// strategy.
func (s *Sim) handleFailure(cause string, recoverable bool, failed []int32) {
	j := &s.job
	if j.status == JobFailed || j.status == JobFinished || j.status == JobCanceled {
		return
	}
	restart := make([]bool, len(s.tasks))
	for i := range restart {
		restart[i] = failed == nil
		for _, id := range failed {
			restart[i] = restart[i] || s.restartUnit(int32(i)) == s.restartUnit(id)
		}
	}
	// The restart of this failure takes over the subtasks it restarts,
	// also those an earlier failure's pending restart was waiting for.
	req := len(j.restarts)
	j.restarts = append(j.restarts, restartReq{failover: len(j.failovers), resubmission: -1})
	n := 0
	for i := range s.tasks {
		if restart[i] {
			if !j.waiting[i] {
				s.stopTask(&s.tasks[i])
				j.waiting[i], j.stoppedBy[i] = true, len(j.failovers)
			}
			j.waitingFor[i] = req
			n++
		}
	}
	for i := range s.chans {
		c := &s.chans[i]
		if restart[c.from] || restart[c.to] {
			s.resetChannel(c)
		}
	}
	fs := FailoverStats{At: s.now, Cause: cause, Subtasks: n, Origin: -1}
	if len(failed) == 1 {
		fs.Origin = failed[0]
	}
	ok, delay := false, int64(0)
	if recoverable {
		ok, delay = j.restarter.failure(s.now, s.rng.Float64)
	}
	s.trace(TraceEvent{Kind: JobFailover, Subtask: -1, Channel: -1, N: int64(n)})
	switch {
	case !ok:
		fs.RestoredFrom = -1
		j.failovers = append(j.failovers, fs)
		s.stopJob(JobFailed)
	default:
		// DefaultScheduler.restartTasksWithDelay: addVerticesToRestartPending
		// moves a RUNNING job to RESTARTING, for a region's failover too,
		// and CheckpointCoordinatorDeActivator stops the periodic scheduler
		// on any status but RUNNING (stopCheckpointScheduler: the timer
		// stops and every pending checkpoint is aborted,
		// CHECKPOINT_COORDINATOR_SUSPEND, not counted). A job already
		// RESTARTING stays so, its scheduler stopped.
		if j.status == JobRunning {
			s.setJobStatus(JobRestarting)
			s.coord.suspend(s)
		}
		j.failovers = append(j.failovers, fs)
		s.q.push(s.now+delay, evRestart, 0, int64(req), 0)
	}
	if j.stopped {
		// The stop's savepoint completed, and now a task will not finish,
		// whether or not the restart strategy gave up.
		s.stopNotFinished()
	}
}

// stopTask cancels a subtask: whatever it was doing is dropped.
func (s *Sim) stopTask(t *task) {
	if t.finished { // it runs again once restarted
		s.coord.running++
	}
	t.attempt++
	t.busy, t.backpressured, t.finished = false, false, false
	t.endOfData, t.finalCk, t.finalDone, t.suspended = false, 0, false, false
	t.snaps, t.triggers = nil, nil
	t.dirty, t.flushAt, t.idleSince, t.idleTime = nil, -1, -1, 0
	t.timeoutDue, t.wakeAt = 0, -1
	// Its barrier handler goes with it: nothing is pending any more.
	t.proto = s.newProtocol(t, currentCheckpoint(t.proto))
	clear(t.recording)
	t.resumeAfterSync = false
	t.recovering, t.recoveredOut = 0, nil
	if t.restoring {
		t.restoring = false
		s.job.restoring--
		s.job.restarts[t.restartReq].restoring--
	}
	s.trace(TraceEvent{Kind: SubtaskFailed, Subtask: t.id, Channel: -1})
}

// resetChannel drops everything on a channel of a restarted subtask: the
// sender's buffers return to its pool, the receiver's floating buffers to
// its gate.
func (s *Sim) resetChannel(c *channel) {
	s.scheduleLazy(c) // the credit event of the old incarnation is stale
	if s.announcing != nil {
		s.dropAnnouncements(c)
	}
	s.setHeld(c, -int(c.held))
	s.inFlight -= int64(c.inRecs + c.outRecs)
	floating := c.floating
	for i := range c.landed {
		if b := c.inBufs.at(int(i)); !b.recovered && !c.local {
			s.inUse(c, -1)
			if b.floating {
				floating++
			}
		}
	}
	s.setRequired(c, s.cfg.Channels.BuffersPerChannel)
	*c = channel{id: c.id, attempt: c.attempt + 1, from: c.from, to: c.to, input: c.input,
		gate: c.gate, outGate: c.outGate, local: c.local, lastArr: s.now}
	s.initChannel(c)
	for range floating {
		s.giveFloating(c.to, c.gate)
	}
	s.refreshInput(c)
}

// stopJob ends the job for good: every subtask stops.
func (s *Sim) stopJob(status JobStatus) {
	j := &s.job
	for i := range s.tasks {
		if !j.waiting[i] {
			s.stopTask(&s.tasks[i])
		}
		j.waiting[i], j.waitingFor[i] = false, -1 // no pending restart runs
	}
	for i := range s.chans {
		s.resetChannel(&s.chans[i])
	}
	// The job leaving RUNNING (FAILING, CANCELLING, FINISHED) stops the
	// periodic scheduler (CheckpointCoordinatorDeActivator). It stops
	// before the pending checkpoints are aborted, as in
	// CheckpointCoordinator.stopCheckpointScheduler (periodicScheduling =
	// false, cancelPeriodicTrigger, then abortPendingAndQueuedCheckpoints):
	// an abort frees a slot, and a queued request must not take it and
	// trigger a checkpoint of the ending job, whose barriers the restarted
	// subtasks of a resubmission would then inject.
	s.coord.suspend(s)
	s.enterTerminal(status)
}

// setJobStatus moves the job to status st and traces the change, as
// Flink logs "Job ... switched from state RUNNING to RESTARTING".
func (s *Sim) setJobStatus(st JobStatus) {
	if s.job.status != st {
		s.job.status = st
		s.trace(TraceEvent{Kind: JobStatusChanged, Subtask: -1, Channel: -1, N: int64(st)})
	}
}

// enterTerminal sets the job's final status and applies the retention
// policy of its checkpoints (CheckpointProperties: discardOnJobFinished,
// discardOnJobCancelled, discardOnJobFailed). Every policy deletes the
// retained checkpoints when the job finishes; NO_EXTERNALIZED_CHECKPOINTS
// deletes them on every terminal state, DELETE_ON_CANCELLATION keeps them
// when the job fails, RETAIN_ON_CANCELLATION keeps them when it fails or
// is cancelled. Savepoints belong to the user and are never deleted.
func (s *Sim) enterTerminal(status JobStatus) {
	s.job.status = status
	ext := s.cfg.Recovery.Externalized
	keep := status == JobFailed && ext != NoExternalized || status == JobCanceled && ext == RetainOnCancellation
	if !keep {
		co := &s.coord
		why := fmt.Sprintf("it was deleted when the job ended %s (externalized: %s)", status, ext)
		for _, n := range co.retained {
			co.deleteCheckpoint(co.get(n), why)
		}
		co.retained = nil
		co.unregisterUnused(s)
	}
	s.trace(TraceEvent{Kind: JobStatusChanged, Subtask: -1, Channel: -1, N: int64(status)})
}

// restart redeploys the subtasks waiting for restart req and restores
// them from the latest readable checkpoint.
func (s *Sim) restart(req int64) {
	j := &s.job
	restarted := make([]bool, len(s.tasks))
	any := false
	for i, r := range j.waitingFor {
		restarted[i] = r == int(req)
		any = any || restarted[i]
	}
	if !any || j.status == JobFailed || j.status == JobCanceled {
		return // a later failover took its subtasks over
	}
	fs := &j.failovers[j.restarts[req].failover]
	cs := s.coord.restorePoint(s)
	fs.RestartAt = s.now
	if cs != nil {
		fs.RestoredFrom, fs.Savepoint = cs.ID, cs.Savepoint
	}
	// DefaultScheduler.restartTasks: removeVerticesFromRestartPending
	// moves the job back to RUNNING once no subtask waits for a restart,
	// before the state is restored, and the deactivator starts the
	// periodic scheduler again with a random initial delay
	// (startCheckpointScheduler); its requests are dropped until every
	// subtask is RUNNING (allRunning).
	waiting := false
	for i, w := range j.waiting {
		waiting = waiting || w && !restarted[i]
	}
	if !waiting {
		s.setJobStatus(JobRunning)
		s.coord.start(s)
	}
	fs.LocalRestores = s.redeploy(int(req), restarted, cs)
}

// redeploy deploys the subtasks marked in restarted for restart req and
// restores them from cs (nil: without state). It returns how many restore
// their task-local copy.
func (s *Sim) redeploy(req int, restarted []bool, cs *CheckpointStats) (local int) {
	j := &s.job
	// SchedulerBase.restoreState aborts every pending checkpoint
	// (JOB_FAILOVER_REGION) so that none completes with snapshots from
	// before the failure; here none is pending: the failover's RESTARTING
	// aborted them (handleFailure), no checkpoint is triggered before
	// every subtask runs again, and a resubmission starts without any.
	var channelBytes []int64
	if cs != nil {
		channelBytes = s.channelStateBytes(cs)
	}
	for i := range s.tasks {
		if restarted[i] {
			j.waiting[i], j.waitingFor[i] = false, -1
			j.restarts[req].restoring++
			s.tasks[i].restartReq = req
			if s.restore(&s.tasks[i], cs, channelBytes) {
				local++
			}
		}
	}
	if cs != nil {
		s.replayChannelState(cs, restarted)
	}
	return local
}

// restore redeploys subtask t with its state in cs (nil: no state), whose
// channel state for each subtask is channelBytes (channelStateBytes). It
// reports whether the state came from the task-local copy.
func (s *Sim) restore(t *task, cs *CheckpointStats, channelBytes []int64) (local bool) {
	j := &s.job
	t.attempt++
	t.restoring = true
	j.restoring++
	t.openInputs, t.dataInputs = len(t.inputs), len(t.inputs)
	for gi := range t.gates {
		t.gates[gi].reset(&s.cfg.Channels)
	}
	s.startRecovery(t)
	s.scheduleDebloat(t)
	// A redeployed subtask has a fresh barrier handler: only the
	// checkpoints triggered from now on reach it. For a resubmitted job the
	// coordinator's counter restarts after the restored checkpoint, so the
	// at-least-once tracker must forget the ids of the old execution too.
	t.proto = s.newProtocol(t, s.coord.lastID())
	var id, state, channel int64
	if cs != nil {
		id = cs.ID
		state, channel = cs.Subtasks[t.id].StateBytes, channelBytes[t.id]
	}
	t.lastSnap, t.floor, t.restored = id, s.coord.lastID(), id
	switch {
	case t.state != nil:
		t.state.reset()
		var files []stateFile
		if cs != nil && cs.states[t.id] != nil {
			t.state.load(cs.states[t.id])
			files = cs.files[t.id]
		}
		// A checkpoint of an earlier execution is restored in mode
		// NO_CLAIM: the new job does not build on its files.
		s.restoreBackend(t, files, cs != nil && cs.Execution != s.coord.execution)
		s.startBackend(t)
	case t.isSource():
		t.splits = s.restoredSplits(t, cs)
	}
	s.restoreSink(t, cs)
	for _, c := range t.outputs {
		for _, ch := range c.chans {
			s.chans[ch].epoch = int32(id)
		}
	}
	r := &s.cfg.Recovery
	bw := r.RemoteBandwidth
	if r.LocalRecovery && id > 0 && slices.Contains(t.localCopies, id) {
		// The task-local copy: the hashmap backend reads its snapshot
		// from local disk; RocksDB opens its local checkpoint directory
		// as it is and downloads nothing (the seed's second tip).
		bw, local = r.LocalBandwidth, true
		if s.cfg.StateBackend.Type == RocksDB && t.keyedBackend() {
			state = 0
		}
	}
	bytes := state + channel
	s.trace(TraceEvent{Kind: SubtaskRestoring, Subtask: t.id, Channel: -1, Checkpoint: id, N: bytes})
	s.phaseHook(t, Restoring, int64(len(j.failovers)))
	s.schedule(t, later(s.now, later(int64(r.RestoreBase), nanos(float64(bytes)/float64(bw)*1e9))), evRestored, 0)
	return local
}

// restoredSplits are the splits a source subtask resumes: those of its list
// state in cs at their offsets (SourceOperator.open adds them to the
// reader), or without a checkpoint the initial assignment.
func (s *Sim) restoredSplits(t *task, cs *CheckpointStats) []split {
	if cs == nil {
		return s.initialSplits(t.opIdx, s.eg.Subtasks[t.id].Index)
	}
	var out []split
	for _, p := range cs.splits[t.id] {
		out = append(out, s.splitAt(p, cs.Offsets[p]))
	}
	return out
}

// restored lets a subtask run once its state is loaded. State that cannot
// be read fails the subtask instead (StreamTask.restoreInternal throws), and
// the failover restarts it from the same checkpoint: Flink does not fall
// back to an older one (FLINK-22502).
func (s *Sim) restored(t *task) {
	j := &s.job
	if cs := s.coord.get(t.restored); cs != nil && cs.unreadable {
		s.failover(fmt.Sprintf("restore of %s failed: its state cannot be read", s.coord.label(t.restored)), t.id)
		s.restoreLoopCheck(t.id)
		return
	}
	t.restoring = false
	j.restoring--
	s.trace(TraceEvent{Kind: SubtaskRestored, Subtask: t.id, Channel: -1})
	s.finishRestore(t)
	if req := &j.restarts[t.restartReq]; req.restoring > 0 {
		if req.restoring--; req.restoring == 0 {
			if req.failover >= 0 {
				j.failovers[req.failover].RestoredAt = s.now
			} else {
				j.resubmissions[req.resubmission].RestoredAt = s.now
			}
		}
	}
	s.tryWork(t)
}

// channelStateBytes is, by subtask, the size of the channel state it
// restores from cs: what was persisted on its input channels, by it or by
// their senders. One pass over the persisted records for all subtasks: a
// big job's unaligned checkpoint holds hundreds of thousands of them.
func (s *Sim) channelStateBytes(cs *CheckpointStats) []int64 {
	n := make([]int64, len(s.tasks))
	for _, lists := range [][][]persistedRecord{cs.inState, cs.outState} {
		for p := range allRecords(lists) {
			if p.channel >= 0 && int(p.channel) < len(s.chans) {
				n[s.chans[p.channel].to] += int64(p.item.bytes + p.header)
			}
		}
	}
	return n
}

// replayChannelState hands the in-flight data a checkpoint persisted to
// the restarted subtasks, each list in its original order: the input
// channel state to the receivers' RecoveredInputChannels at once, the
// output channel state to the senders, which write it into their
// subpartitions once their state is restored (recovered.go).
func (s *Sim) replayChannelState(cs *CheckpointStats, restarted []bool) {
	for p := range allRecords(cs.inState) {
		if c := &s.chans[p.channel]; restarted[c.to] { // not a region that kept running
			it := p.item
			it.arrival = s.now
			s.recoverInput(c, it)
		}
	}
	for p := range allRecords(cs.outState) {
		if t := &s.tasks[s.chans[p.channel].from]; restarted[t.id] {
			t.recoveredOut = append(t.recoveredOut, *p)
		}
	}
}

// cancel cancels the job; retained checkpoints survive only when they are
// externalized with RETAIN_ON_CANCELLATION (see enterTerminal).
func (s *Sim) cancel() {
	if s.job.status == JobFailed || s.job.status == JobFinished {
		return
	}
	s.stopJob(JobCanceled)
}
