package sim

import (
	"slices"
)

// taskSnap is a checkpoint a task has triggered and not yet acknowledged.
type taskSnap struct {
	id         int64
	syncEnd    int64
	asyncDue   int64 // when the state upload finishes
	stateBytes int64
	// opStateBytes is stateBytes by chained operator, for a chain of
	// several.
	opStateBytes []int64
	// The state backend's part (backendSnapshot): the shared files it
	// references, the bytes only it owns, what it adds to checkpoint
	// storage and what its async phase uploads.
	files                 []stateFile
	private, checkpointed int64
	upload                int64
	persistedRecs         int64
	persistedBytes        int64
	bytesAtSyncEnd        int64 // persisted bytes already counted in asyncDue
	syncDone              bool
	channelDone           bool // input channel state complete (always, unless unaligned)
	outPending            int  // timeoutable barriers still queued at the sender
	// state is the copy of the keyed state taken in the sync phase.
	state map[int64]int64
	// txns are a two-phase commit sink's pending transactions.
	txns []*txn
	// inState and outState are the records persisted as input and output
	// channel state.
	inState, outState []persistedRecord
	// read is what a source had read of its splits (task.readOffsets).
	read int64
}

func (t *task) snap(n int64) *taskSnap {
	for _, sn := range t.snaps {
		if sn.id == n {
			return sn
		}
	}
	return nil
}

// dropSnap forgets checkpoint n at the task: it was acknowledged, or its
// async phase and channel state writing are cancelled. A closing task
// whose last snapshot this was can finish.
func (s *Sim) dropSnap(t *task, n int64) {
	for i, sn := range t.snaps {
		if sn.id == n {
			t.snaps = append(t.snaps[:i], t.snaps[i+1:]...)
			if s.readyToFinish(t) {
				s.schedule(t, s.now, evWake, 0)
			}
			return
		}
	}
}

// beginSnapshot starts checkpoint n at a task, as the protocol's first
// Forward or Snapshot of it asks: the task will not snapshot a checkpoint
// twice, and one the coordinator aborted before the task got to it is
// not taken: the task tells its downstream tasks instead. It returns the
// new snapshot, nil if there is none. Flink's order
// (SubtaskCheckpointCoordinatorImpl.checkpointState) follows: the barrier
// is broadcast downstream first (forwardBarrier), then the synchronous
// snapshot (snapshotState), during which the task processes nothing, then
// the asynchronous upload, then the acknowledgement.
func (s *Sim) beginSnapshot(t *task, n int64) *taskSnap {
	if t.lastSnap >= n {
		return nil
	}
	if s.abortedBefore(t, n) {
		s.broadcastEvent(t, item{kind: itemCancel, ck: n})
		return nil
	}
	s.phaseHook(t, SyncPhase, n)
	t.lastSnap = n
	if t.endOfData && t.finalCk == 0 {
		t.finalCk = n // StreamTask.performCheckpoint: finalCheckpointMinId
	}
	t.abortedCk = slices.DeleteFunc(t.abortedCk, func(id int64) bool { return id <= n })
	sn := &taskSnap{id: n, channelDone: true}
	if t.isSource() {
		sn.read = t.readOffsets()
		s.coord.sourceOffsets(s, t, n)
		s.trace(TraceEvent{Channel: -1, Kind: BarrierInjected, Subtask: t.id, Checkpoint: n, N: sn.read})
	}
	t.snaps = append(t.snaps, sn)
	return sn
}

// forwardBarrier sends the barrier of snapshot sn, triggered at trigger, on
// every output channel: a priority barrier overtakes the records waiting
// in the output queues, which become output channel state.
func (s *Sim) forwardBarrier(t *task, sn *taskSnap, trigger int64, priority bool) {
	n := sn.id
	mode := s.cfg.Checkpoint.Mode
	b := barrierItem(n, trigger)
	b.blocking = mode != AtLeastOnce && !priority
	b.timeoutable = b.blocking && s.alternating() && !s.coord.isSavepoint(n)
	chans := 0
	for g := range t.outputs {
		for _, id := range t.outputs[g].chans {
			c := &s.chans[id]
			c.epoch = int32(n)
			chans++
			forced := s.eg.Channels[id].AlignedOnly && mode == Unaligned && !s.coord.isSavepoint(n)
			if priority && !forced {
				s.sendPriority(t, c, b, c.out().len())
				continue
			}
			bc := b
			if forced {
				// An edge without unaligned checkpoints carries the barrier
				// forced aligned: queued behind the data, blocking, never
				// timing out (RecordWriterOutput with
				// supportsUnalignedCheckpoints false:
				// CheckpointOptions.withUnalignedUnsupported).
				bc.blocking, bc.timeoutable = true, false
			}
			if bc.timeoutable {
				sn.outPending++
				s.scheduleOn(c, max(s.now, trigger+int64(s.cfg.Checkpoint.AlignedCheckpointTimeout)+1), evOutputTimeout, n)
			}
			s.send(c, bc)
		}
	}
	s.trace(TraceEvent{Channel: -1, Kind: BarrierForwarded, Subtask: t.id, Checkpoint: n, N: int64(chans)})
}

// snapshotState takes the synchronous snapshot of sn: the state, a sink's
// pre-commit, the state backend's part; an unaligned snapshot's input
// channel state is complete only once the protocol acknowledges it.
func (s *Sim) snapshotState(t *task, sn *taskSnap, unaligned bool) {
	n := sn.id
	// A source has no input channel state to collect.
	sn.channelDone = !unaligned || t.isSource()
	sn.state = t.state.toMap()
	s.preCommit(t, sn, n)
	bs := s.snapshotBackend(t, n, s.coord.isSavepoint(n))
	sn.stateBytes, sn.files, sn.private, sn.checkpointed, sn.upload = bs.full, bs.files, bs.private, bs.checkpointed, bs.upload
	// One snapshot for the whole chain, holding each operator's state
	// (Flink's TaskStateSnapshot of OperatorSubtaskStates).
	if ops := t.operatorStateBytes(); len(ops) > 1 {
		sn.opStateBytes = ops
	}
	s.coord.syncStart(t, n, s.now, unaligned)
	s.trace(TraceEvent{Channel: -1, Kind: SnapshotSyncStart, Subtask: t.id, Checkpoint: n})
	t.busy = true
	// The sync phase: the modelled constant, plus RocksDB's memtable flush
	// for an incremental checkpoint.
	flush := nanos(float64(bs.flushed) / float64(s.cfg.StateBackend.FlushBandwidth) * 1e9)
	s.schedule(t, later(s.now, later(int64(s.cfg.Checkpoint.SyncDuration), flush)), evSyncDone, n)
}

// abortedBefore reports whether the coordinator told the task that n was
// aborted before the task triggered it.
func (s *Sim) abortedBefore(t *task, n int64) bool {
	return slices.Contains(t.abortedCk, n)
}

// syncDone ends the sync phase of checkpoint n and starts its upload.
func (s *Sim) syncDone(t *task, n int64) {
	t.busy = false
	if sn := t.snap(n); sn != nil {
		sn.syncDone = true
		sn.syncEnd = s.now
		sn.bytesAtSyncEnd = sn.persistedBytes
		upload := later(int64(s.cfg.Checkpoint.AsyncBase), s.uploadTime(sn.upload+sn.persistedBytes))
		sn.asyncDue = later(s.now, nanos(float64(upload)*s.uploadFactor(t)))
		s.phaseHook(t, AsyncPhase, n)
		s.coord.syncEnd(t, n, s.now, sn.stateBytes, sn.checkpointed, sn.opStateBytes)
		s.trace(TraceEvent{Channel: -1, Kind: SnapshotSyncEnd, Subtask: t.id, Checkpoint: n, N: sn.stateBytes})
		s.schedule(t, sn.asyncDue, evAsyncDone, n)
	}
	if t.resumeAfterSync {
		t.resumeAfterSync = false
		s.unblockAll(t, n)
	}
	s.tryWork(t)
}

// uploadTime is how long checkpoint storage takes for bytes.
func (s *Sim) uploadTime(bytes int64) int64 {
	return nanos(float64(bytes) / float64(s.cfg.Checkpoint.StorageBandwidth) * 1e9)
}

// channelStateDone marks the input channel state of n complete: the
// remaining persisted bytes are uploaded, then the task can acknowledge.
func (s *Sim) channelStateDone(t *task, n int64) {
	sn := t.snap(n)
	if sn == nil {
		return
	}
	sn.channelDone = true
	if sn.syncDone {
		if due := later(s.now, s.uploadTime(sn.persistedBytes-sn.bytesAtSyncEnd)); due > sn.asyncDue {
			sn.asyncDue = due
			s.schedule(t, due, evAsyncDone, n)
			return
		}
	}
	s.maybeAck(t, sn)
}

// timeoutableSent notes that a timeoutable barrier left the output queue
// before its timeout.
func (s *Sim) timeoutableSent(c *channel, n int64) {
	t := &s.tasks[c.from]
	if sn := t.snap(n); sn != nil {
		sn.outPending--
		s.maybeAck(t, sn)
	}
}

// outputTimeout turns barrier n, if it still waits in c's output queue,
// into a priority barrier; the records it overtakes become output channel
// state (PipelinedSubpartition.alignedBarrierTimeout).
func (s *Sim) outputTimeout(c *channel, n int64) {
	for i := range c.out().len() {
		b := c.out().at(i)
		if b.kind != itemBarrier || b.ck != n {
			continue
		}
		it := c.out().remove(i)
		t := &s.tasks[c.from]
		s.sendPriority(t, c, it, i)
		if sn := t.snap(n); sn != nil {
			sn.outPending--
			s.maybeAck(t, sn)
		}
		return
	}
}

// asyncDone fires when an upload may have finished.
func (s *Sim) asyncDone(t *task, n int64) {
	sn := t.snap(n)
	if sn == nil || s.now < sn.asyncDue {
		return
	}
	if s.uploadFails(t, n) {
		// The upload to checkpoint storage failed: the subtask declines.
		s.dropSnap(t, n)
		s.trace(TraceEvent{Kind: TaskCheckpointAborted, Subtask: t.id, Channel: -1, Checkpoint: n, Reason: ReasonDeclined})
		s.coord.decline(s, t, n, ReasonDeclined)
		return
	}
	s.maybeAck(t, sn)
}

// maybeAck acknowledges a checkpoint once its upload finished, its channel
// state is complete and its barriers left the output queues.
func (s *Sim) maybeAck(t *task, sn *taskSnap) {
	if !sn.syncDone || s.now < sn.asyncDue || !sn.channelDone || sn.outPending > 0 {
		return
	}
	s.dropSnap(t, sn.id)
	if s.cfg.Recovery.LocalRecovery && !s.coord.isSavepoint(sn.id) {
		t.localCopies = append(t.localCopies, sn.id)
	}
	s.trace(TraceEvent{Channel: -1, Kind: SnapshotAsyncEnd, Subtask: t.id, Checkpoint: sn.id})
	s.trace(TraceEvent{Channel: -1, Kind: CheckpointAcked, Subtask: t.id, Checkpoint: sn.id, N: sn.stateBytes})
	s.coord.ack(s, t, sn)
}

// stateBytesOf is the size of a subtask's state now: the sum over its
// chained operators.
func stateBytesOf(t *task) int64 {
	var n int64
	for _, b := range t.operatorStateBytes() {
		n += b
	}
	return n
}

// persistedRecord is a record of a checkpoint's channel state.
type persistedRecord struct {
	channel int32
	// header is what the buffers it is the first persisted record of add
	// to the channel state (BufferHeaderBytes each).
	header int32
	item   item
}
