package sim

import (
	"maps"
	"slices"
)

// maxQueuedRequests bounds the queued periodic trigger requests, as
// Flink's CheckpointRequestDecider does.
const maxQueuedRequests = 1000

// coordinator is Flink's CheckpointCoordinator with its
// CheckpointRequestDecider: it triggers checkpoints periodically, collects
// acknowledgements, and completes, expires or aborts checkpoints.
type coordinator struct {
	stats          []*CheckpointStats // by id-1
	pending        []int64            // ids in progress, ascending
	queued         int                // periodic requests waiting for a free slot
	lastCompletion int64              // -1 before the first completion
	gen            int64              // generation of the periodic timer
	retained       []int64            // completed checkpoints kept, oldest first
	running        int                // subtasks not finished
	sourcesRunning int
	scheduled      bool    // the periodic timer runs
	savepointsDone []int64 // completed savepoints, oldest first
}

// stop stops the periodic timer and forgets queued requests (on a global
// failover, a failure or the end of the job).
func (co *coordinator) stop() {
	co.gen++
	co.scheduled = false
	co.queued = 0
}

// lastID is the id of the latest checkpoint triggered.
func (co *coordinator) lastID() int64 { return int64(len(co.stats)) }

// isSavepoint reports whether checkpoint n is a savepoint.
func (co *coordinator) isSavepoint(n int64) bool {
	cs := co.get(n)
	return cs != nil && cs.Savepoint
}

// abortNeeding aborts the pending checkpoints that a restarted subtask
// (restart[i], or every subtask when restart is nil) has not acknowledged
// (Flink's failUnacknowledgedPendingCheckpointsFor: not a counted failure).
func (co *coordinator) abortNeeding(s *Sim, restart []bool) {
	for _, n := range slices.Clone(co.pending) {
		cs := co.get(n)
		for i := range cs.Subtasks {
			if (restart == nil || restart[i]) && !cs.Subtasks[i].Acked {
				co.abort(s, n, ReasonTaskFailure)
				break
			}
		}
	}
}

// restorePoint picks what a restart restores: the latest completed
// checkpoint or savepoint (the latest checkpoint first, with
// preferCheckpointForRecovery), skipping unreadable ones. It returns nil
// with ok for a job that never completed one (it starts without state),
// and !ok when none of those retained can be read.
func (co *coordinator) restorePoint(s *Sim) (cs *CheckpointStats, skipped []int64, ok bool) {
	cands := slices.Clone(co.retained)
	if s.cfg.Recovery.PreferCheckpointForRecovery {
		cands = append(slices.Clone(co.savepointsDone), cands...)
	} else {
		cands = append(cands, co.savepointsDone...)
		slices.Sort(cands)
	}
	for i := len(cands) - 1; i >= 0; i-- {
		n := cands[i]
		if !s.job.corrupt[n] {
			return co.get(n), skipped, true
		}
		skipped = append(skipped, n)
		co.retained = slices.DeleteFunc(co.retained, func(id int64) bool { return id == n })
		co.savepointsDone = slices.DeleteFunc(co.savepointsDone, func(id int64) bool { return id == n })
	}
	return nil, skipped, len(skipped) == 0
}

// savepoint triggers a savepoint: an aligned checkpoint that is not
// subject to max concurrent checkpoints or the min pause.
func (co *coordinator) savepoint(s *Sim) {
	if !s.allRunning() || co.sourcesRunning == 0 {
		return
	}
	co.trigger(s, true)
}

func (co *coordinator) get(n int64) *CheckpointStats {
	if n < 1 || int(n) > len(co.stats) {
		return nil
	}
	return co.stats[n-1]
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
// [minPause, interval] from now, as Flink's getRandomInitDelay does, when
// the job starts and again when it runs after a global failover.
func (co *coordinator) start(s *Sim) {
	if s.cfg.Checkpoint.Interval == 0 {
		return
	}
	co.scheduled = true
	lo := int64(s.cfg.Checkpoint.MinPause)
	first := lo + s.rng.Int64N(co.interval(s)-lo+1)
	s.q.push(event{at: s.now + first, kind: evPeriodicTrigger, b: co.gen})
}

// periodic handles a tick of the periodic timer: the timer keeps its fixed
// rate and the tick becomes a trigger request.
func (co *coordinator) periodic(s *Sim, gen int64) {
	if gen != co.gen || co.sourcesRunning == 0 {
		return
	}
	s.q.push(event{at: s.now + co.interval(s), kind: evPeriodicTrigger, b: co.gen})
	if co.queued < maxQueuedRequests {
		co.queued++
	}
	co.decide(s)
}

// decide executes a queued request if a slot is free. A request that comes
// too early after the last completion is dropped and the periodic timer is
// moved to lastCompletion + minPause.
func (co *coordinator) decide(s *Sim) {
	if co.queued == 0 || len(co.pending) >= s.cfg.Checkpoint.MaxConcurrent || co.sourcesRunning == 0 {
		return
	}
	co.queued--
	if !s.allRunning() {
		return // NOT_ALL_REQUIRED_TASKS_RUNNING: dropped, not a failure
	}
	if co.lastCompletion >= 0 {
		if next := co.lastCompletion + int64(s.cfg.Checkpoint.MinPause); next > s.now {
			co.gen++
			s.q.push(event{at: next, kind: evPeriodicTrigger, b: co.gen})
			return
		}
	}
	co.trigger(s, false)
}

// trigger starts a new checkpoint (or savepoint) at every running source.
func (co *coordinator) trigger(s *Sim, savepoint bool) {
	n := int64(len(co.stats) + 1)
	co.register(s, n, s.now)
	co.get(n).Savepoint = savepoint
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.isSource() && !t.finished {
			t.triggers = append(t.triggers, n)
			s.schedule(t, s.now, evWake, 0)
		}
	}
}

// register creates checkpoint n, triggered at time at. Subtasks that have
// finished count as acknowledged. In a scripted run only the task under
// test takes part.
func (co *coordinator) register(s *Sim, n, at int64) {
	for int64(len(co.stats)) < n-1 { // ids a script skips
		co.stats = append(co.stats, &CheckpointStats{ID: int64(len(co.stats) + 1), Status: Aborted, Reason: ReasonSubsumed})
	}
	cs := &CheckpointStats{ID: n, TriggerAt: at, Total: len(s.tasks),
		Offsets: make([]int64, s.partitions), Subtasks: make([]SubtaskStats, len(s.tasks)),
		states: make([]map[int64]int64, len(s.tasks)), txns: make([][]*txn, len(s.tasks))}
	for p := range cs.Offsets {
		cs.Offsets[p] = -1
	}
	cs.readAtTrigger = s.sourceReads
	co.stats = append(co.stats, cs)
	co.pending = append(co.pending, n)
	s.trace(TraceEvent{Channel: -1, Kind: CheckpointTriggered, Subtask: -1, Checkpoint: n})
	s.q.push(event{at: at + int64(s.cfg.Checkpoint.Timeout), kind: evExpire, b: n})
	for i := range s.tasks {
		t := &s.tasks[i]
		cs.Subtasks[i] = SubtaskStats{Subtask: i, FirstBarrierAt: -1}
		if t.finished || (s.cfg.Script != nil && t.id != s.scriptTask) {
			// A finished subtask's final state is its part of the snapshot.
			cs.Subtasks[i].Finished, cs.Subtasks[i].Acked = true, true
			cs.states[i] = maps.Clone(t.state)
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

// sourceOffset records a source partition's offset in checkpoint n; the
// source's "first barrier" is the moment it took the trigger.
func (co *coordinator) sourceOffset(s *Sim, t *task, n, offset int64) {
	if cs := co.get(n); cs != nil {
		cs.Offsets[t.part] = offset
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

func (co *coordinator) syncEnd(t *task, n, at, bytes int64) {
	if r := co.row(t, n); r != nil {
		r.Sync = at - r.syncStart
		// Every snapshot is full: it uploads its whole state. An
		// incremental backend would upload less than StateBytes.
		r.StateBytes, r.CheckpointedBytes = bytes, bytes
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
	cs.inState = append(cs.inState, sn.inState...)
	cs.outState = append(cs.outState, sn.outState...)
	cs.StateBytes += sn.stateBytes
	cs.CheckpointedBytes += r.CheckpointedBytes
	cs.ProcessedBytes += r.ProcessedBytes
	cs.PersistedRecords += sn.persistedRecs
	cs.PersistedBytes += sn.persistedBytes
	if cs.Acked == cs.Total {
		co.complete(s, cs)
	}
}

// complete finalizes a checkpoint: it is retained (dropping the oldest
// beyond numRetained), older pending checkpoints are subsumed, and every
// task is notified.
func (co *coordinator) complete(s *Sim, cs *CheckpointStats) {
	cs.Status, cs.EndAt, cs.readAtEnd = Completed, s.now, s.sourceReads
	co.lastCompletion = s.now
	co.removePending(cs.ID)
	s.checkReference(cs)
	s.job.failedCheckpoints, s.job.lastSuccess = 0, cs.ID
	if cs.Savepoint {
		co.savepointsDone = append(co.savepointsDone, cs.ID)
	} else {
		co.retained = append(co.retained, cs.ID)
		if len(co.retained) > s.cfg.Checkpoint.NumRetained {
			co.get(co.retained[0]).discard()
			co.retained = co.retained[1:]
		}
	}
	s.trace(TraceEvent{Channel: -1, Kind: CheckpointCompleted, Subtask: -1, Checkpoint: cs.ID, N: cs.StateBytes})
	for len(co.pending) > 0 && co.pending[0] < cs.ID {
		co.abort(s, co.pending[0], ReasonSubsumed)
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if s.job.waiting[i] {
			continue
		}
		if !t.finished {
			s.trace(TraceEvent{Channel: -1, Kind: NotifyComplete, Subtask: int32(i), Checkpoint: cs.ID})
			if !cs.Savepoint {
				t.localCopies = slices.DeleteFunc(t.localCopies, func(id int64) bool { return id < cs.ID })
			}
		}
		if len(t.sink.pending) > 0 {
			s.commitUpTo(t, cs.ID) // a finished sink waited for this
		}
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
	if cs := co.get(n); cs != nil && cs.Status == InProgress {
		co.abort(s, n, ReasonExpired)
	}
}

// abort discards pending checkpoint n and notifies every task
// (notifyCheckpointAborted).
func (co *coordinator) abort(s *Sim, n int64, why Reason) {
	cs := co.get(n)
	cs.Status, cs.EndAt, cs.Reason = Aborted, s.now, why
	kind := CheckpointAborted
	if why == ReasonExpired {
		cs.Status, kind = Expired, CheckpointExpired
	}
	cs.discard()
	co.removePending(n)
	s.trace(TraceEvent{Channel: -1, Kind: kind, Subtask: -1, Checkpoint: n, Reason: why})
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.lastSnap < n {
			t.abortedCk = append(t.abortedCk, n)
		}
		s.dropSnap(t, n)
	}
	if co.countFailure(s, n, why) {
		s.failover("checkpoint failures exceeded the tolerable number ("+why.String()+")", nil...)
	}
	co.decide(s)
}

// countFailure counts a failed checkpoint as Flink's
// CheckpointFailureManager does: expiries and declines (storage errors)
// count, once per checkpoint id above the last success; subsumption,
// cancellation and task failures do not. It reports whether the job must
// fail over because the tolerable number was exceeded.
func (co *coordinator) countFailure(s *Sim, n int64, why Reason) bool {
	if (why != ReasonExpired && why != ReasonDeclined) || n <= s.job.lastSuccess || co.isSavepoint(n) {
		return false
	}
	s.job.failedCheckpoints++
	tol := s.cfg.Recovery.TolerableFailures
	if tol >= 0 && s.job.failedCheckpoints > tol {
		s.job.failedCheckpoints = 0
		return true
	}
	return false
}

func (co *coordinator) removePending(n int64) {
	if i := slices.Index(co.pending, n); i >= 0 {
		co.pending = slices.Delete(co.pending, i, i+1)
	}
}

// taskFinished counts a finished subtask as acknowledged for every pending
// checkpoint it has not snapshotted: with checkpoints after tasks finish a
// finished task has nothing left to snapshot.
func (co *coordinator) taskFinished(s *Sim, t *task) {
	co.running--
	if t.isSource() {
		co.sourcesRunning--
	}
	for _, n := range slices.Clone(co.pending) {
		cs := co.get(n)
		r := &cs.Subtasks[t.id]
		if cs.Status == InProgress && !r.Acked && t.lastSnap < n {
			r.Acked, r.Finished, r.AckAt = true, true, s.now
			cs.states[t.id] = maps.Clone(t.state)
			cs.txns[t.id] = slices.Clone(t.sink.pending)
			cs.Acked++
			if cs.Acked == cs.Total {
				co.complete(s, cs)
			}
		}
	}
}
