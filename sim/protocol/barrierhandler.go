package protocol

import "slices"

// SingleCheckpointBarrierHandler is Flink's exactly-once barrier handler
// (org.apache.flink.streaming.runtime.io.checkpointing.
// SingleCheckpointBarrierHandler): one checkpoint at a time per task, whose
// barriers are aligned, unaligned, or aligned until a timeout and then
// unaligned. The handler keeps the checkpoint bookkeeping
// (currentCheckpointId, lastCancelledOrCompletedCheckpointId, the barriers
// received); what a barrier does depends on its BarrierHandlerState, one Go
// type per Flink state: aligned.go, unaligned.go, alternating.go.
type SingleCheckpointBarrierHandler struct {
	out actions
	// waiting is the mode's idle state, the state every finished or
	// aborted checkpoint returns to.
	waiting barrierHandlerState
	state   barrierHandlerState
	// timeout is the aligned checkpoint timeout (alternating mode).
	timeout int64
	// unalignedMode: checkpoints are unaligned (without a timeout), so
	// the task's own barriers overtake its output data, also when its
	// inputs align (forced aligned barriers) or the task triggers itself
	// (SubtaskCheckpointCoordinatorImpl.checkpointState:
	// options.withUnalignedSupported()).
	unalignedMode bool

	// current and lastDone are currentCheckpointId and
	// lastCancelledOrCompletedCheckpointId: a checkpoint is pending while
	// they differ.
	current, lastDone int64
	triggered         int64 // the pending checkpoint's trigger time
	savepoint         bool  // the pending checkpoint is a savepoint
	forced            bool  // the pending checkpoint started with a forced aligned barrier
	aligned           []bool
	ended             []bool
	numAligned        int
	target            int   // open channels when the checkpoint started
	open              int   // channels that have not ended
	alignStarted      bool  // the pending checkpoint's first barrier was taken
	started           int64 // when the task learned of the pending checkpoint
	// alignBytes counts the bytes of the records taken since the pending
	// checkpoint's first barrier (bytesProcessedDuringAlignment).
	alignBytes int64
	now        int64
	// recovering is the last input's Recovering: an input gate still
	// reads recovered channel state.
	recovering bool
}

// NewAligned is the handler of aligned checkpoints (Flink's
// CheckpointingOptions.ENABLE_UNALIGNED false).
func NewAligned(spec Spec) *SingleCheckpointBarrierHandler {
	return newHandler(spec, waitingForFirstBarrier{}, 0)
}

// NewUnaligned is the handler of unaligned checkpoints: the first barrier
// triggers the checkpoint, savepoints stay aligned.
func NewUnaligned(spec Spec) *SingleCheckpointBarrierHandler {
	h := newHandler(spec, waitingForFirstBarrierUnaligned{}, 0)
	h.unalignedMode = true
	return h
}

// NewAlignedWithTimeout is the handler of unaligned checkpoints with an
// aligned checkpoint timeout (nanoseconds, > 0): a checkpoint starts
// aligned and continues unaligned once it has been aligning for longer
// than the timeout since its trigger.
func NewAlignedWithTimeout(spec Spec, timeout int64) *SingleCheckpointBarrierHandler {
	return newHandler(spec, alternatingWaitingForFirstBarrier{}, timeout)
}

func newHandler(spec Spec, waiting barrierHandlerState, timeout int64) *SingleCheckpointBarrierHandler {
	return &SingleCheckpointBarrierHandler{
		waiting: waiting, state: waiting, timeout: timeout, current: spec.Floor, lastDone: spec.Floor,
		aligned: make([]bool, spec.Inputs), ended: make([]bool, spec.Inputs), open: spec.Inputs,
	}
}

// Clone implements Cloner.
func (h *SingleCheckpointBarrierHandler) Clone() Cloner {
	c := *h
	c.out = actions{}
	c.aligned, c.ended = slices.Clone(h.aligned), slices.Clone(h.ended)
	return &c
}

// barrierHandlerState is Flink's BarrierHandlerState: what a barrier, the
// end of a channel or the alignment timer does, and the state after it.
type barrierHandlerState interface {
	barrierReceived(h *SingleCheckpointBarrierHandler, in Input) barrierHandlerState
	endOfPartitionReceived(h *SingleCheckpointBarrierHandler) barrierHandlerState
	alignmentTimeout(h *SingleCheckpointBarrierHandler) barrierHandlerState
	// String is the Flink class name of the state.
	String() string
}

// State is the Flink name of the handler's current BarrierHandlerState.
func (h *SingleCheckpointBarrierHandler) State() string { return h.state.String() }

// Current is the handler's currentCheckpointId (0 before the first).
func (h *SingleCheckpointBarrierHandler) Current() int64 { return h.current }

// Pending reports whether checkpoint Current is in progress at the task.
func (h *SingleCheckpointBarrierHandler) Pending() bool {
	return h.current > 0 && h.current != h.lastDone
}

// Alignment is the progress of the pending checkpoint: the inputs that
// delivered its barrier (or ended), the inputs it waits for, and when the
// task learned of it (its first barrier or announcement).
func (h *SingleCheckpointBarrierHandler) Alignment() (aligned, target int, since int64) {
	return h.numAligned, h.target, h.started
}

// Delivered reports whether input channel ch delivered the barrier of the
// pending checkpoint (or ended while it is pending).
func (h *SingleCheckpointBarrierHandler) Delivered(ch int) bool {
	return h.Pending() && ch < len(h.aligned) && h.aligned[ch]
}

// Unaligned reports whether the pending checkpoint was taken unaligned and
// its input channel state is being recorded.
func (h *SingleCheckpointBarrierHandler) Unaligned() bool {
	_, ok := h.state.(collectingBarriersUnaligned)
	return ok && h.Pending()
}

// Step implements Protocol.
func (h *SingleCheckpointBarrierHandler) Step(in Input) Ready {
	h.out.reset()
	h.now, h.recovering = in.Now, in.Recovering
	switch in.Kind {
	case Record:
		// addProcessedBytes: between the first and the last barrier.
		if h.Pending() && h.numAligned > 0 {
			h.alignBytes += in.Bytes
		}
	case Barrier:
		h.processBarrier(in)
	case Announcement:
		// processBarrierAnnouncement: the alignment timer of a newer
		// checkpoint starts with its announcement.
		if in.Checkpoint > h.current {
			h.checkNewCheckpoint(in)
		}
	case Cancel:
		// processCancellationBarrier.
		n := in.Checkpoint
		if n > h.current || (n == h.current && h.Pending() && h.numAligned > 0) {
			h.abort(n, Cancelled)
		}
	case EndOfPartition:
		h.processEndOfPartition(in.Channel)
	case Timer:
		// The timer of an older checkpoint, or of one no longer aligning,
		// is stale.
		if in.Checkpoint == h.current && h.Pending() && h.numAligned < h.target {
			h.state = h.state.alignmentTimeout(h)
		}
	case Trigger:
		h.triggerDirect(in)
	}
	return h.out.ready()
}

// processBarrier follows SingleCheckpointBarrierHandler.processBarrier.
func (h *SingleCheckpointBarrierHandler) processBarrier(in Input) {
	n := in.Checkpoint
	if h.current > n || (h.current == n && !h.Pending()) {
		// Obsolete: its checkpoint was subsumed or cancelled here. Unless
		// the barrier is unaligned (isUnalignedCheckpoint), its sender
		// paused after it and may send again; so after an aligned barrier
		// that a timed-out alignment moved to the front of the queue too
		// (RemoteInputChannel.convertToPriorityEvent moves it and leaves
		// it aligned).
		if !in.Unaligned {
			h.out.add(Action{Kind: Resume, Channel: in.Channel, Checkpoint: n})
		}
		return
	}
	if n > h.current {
		h.checkNewCheckpoint(in)
	}
	if !h.alignStarted {
		h.alignStarted = true
		h.out.add(Action{Kind: AlignmentStart, Checkpoint: n})
	}
	h.aligned[in.Channel] = true
	h.numAligned++
	h.state = h.state.barrierReceived(h, in)
}

// checkNewCheckpoint starts checkpoint in.Checkpoint on its first barrier
// or announcement: an older pending checkpoint is aborted as subsumed, and
// with an aligned checkpoint timeout the timer is set for the checkpoint's
// deadline (BarrierAlignmentUtil.getTimerDelay: measured from the trigger
// time the barrier carries, FLINK-23041). Savepoints and forced aligned
// checkpoints never time out.
func (h *SingleCheckpointBarrierHandler) checkNewCheckpoint(in Input) {
	if h.Pending() {
		h.abort(h.current, Subsumed)
	}
	h.current, h.triggered, h.savepoint, h.forced, h.started = in.Checkpoint, in.Triggered, in.Savepoint, in.ForcedAligned, in.Now
	clear(h.aligned)
	h.numAligned, h.target, h.alignStarted, h.alignBytes = 0, h.open, false, 0
	h.out.add(Action{Kind: Started, Checkpoint: in.Checkpoint})
	if h.timeout > 0 && !in.Savepoint && !in.ForcedAligned {
		h.out.add(Action{Kind: SetTimer, Checkpoint: in.Checkpoint, At: max(in.Now, in.Triggered+h.timeout+1)})
	}
}

// timedOut reports whether the pending checkpoint has been aligning for
// longer than the aligned checkpoint timeout, with barriers still missing
// (the Controller's isTimedOut).
func (h *SingleCheckpointBarrierHandler) timedOut() bool {
	return h.timeout > 0 && !h.savepoint && !h.forced && h.now-h.triggered > h.timeout && h.numAligned < h.target
}

// allBarriersReceived is the Controller's allBarriersReceived.
func (h *SingleCheckpointBarrierHandler) allBarriersReceived() bool {
	return h.Pending() && h.numAligned >= h.target
}

func (h *SingleCheckpointBarrierHandler) processEndOfPartition(ch int) {
	if h.ended[ch] {
		return
	}
	h.ended[ch] = true
	h.open--
	// With checkpoints after tasks finish (Flink >= 1.15, FLIP-147) an
	// ended channel counts as having delivered every later barrier.
	if !h.Pending() || h.aligned[ch] {
		return
	}
	h.aligned[ch] = true
	h.numAligned++
	h.state = h.state.endOfPartitionReceived(h)
}

// abort is abortInternal: the alignment is dropped, every channel
// resumes, and the task declines checkpoint n.
func (h *SingleCheckpointBarrierHandler) abort(n int64, why Reason) {
	h.current, h.lastDone = max(h.current, n), max(h.lastDone, n)
	clear(h.aligned)
	h.numAligned, h.alignBytes = 0, 0
	h.state = h.waiting
	h.out.add(Action{Kind: UnblockAll, Checkpoint: n})
	h.out.add(Action{Kind: Decline, Checkpoint: n, Reason: why})
}

// triggerGlobalCheckpoint ends an aligned checkpoint with its last
// barrier (AbstractAlignedBarrierHandlerState.barrierReceived): the
// checkpoint is triggered, and only then is every channel unblocked.
func (h *SingleCheckpointBarrierHandler) triggerGlobalCheckpoint() barrierHandlerState {
	n := h.current
	h.lastDone = n
	h.out.add(Action{Kind: AlignmentEnd, Checkpoint: n, Bytes: h.alignBytes})
	h.snapshot(false)
	h.out.add(Action{Kind: UnblockAll, Checkpoint: n})
	return h.waiting
}

// snapshot is StreamTask.triggerCheckpointOnBarrier as
// SubtaskCheckpointCoordinatorImpl.checkpointState orders it: the barrier
// is sent on, an unaligned checkpoint's output data becomes output channel
// state, the state is snapshotted. An aligned checkpoint's part is then
// complete; an unaligned one's waits for its input channel state. In
// unaligned mode the barrier overtakes the output data also when the
// inputs aligned (they are forced aligned, or the checkpoint was triggered
// at the task), savepoints excepted.
func (h *SingleCheckpointBarrierHandler) snapshot(unaligned bool) {
	n := h.current
	priority := unaligned || h.unalignedMode && !h.savepoint
	h.out.add(Action{Kind: Forward, Checkpoint: n, Priority: priority, Triggered: h.triggered})
	if priority {
		h.out.add(Action{Kind: PersistOutput, Checkpoint: n})
	}
	h.out.add(Action{Kind: Snapshot, Checkpoint: n, Unaligned: unaligned})
	if !unaligned {
		h.out.add(Action{Kind: Acknowledge, Checkpoint: n})
	}
}

// triggerDirect takes a checkpoint the coordinator triggered at the task
// itself: a source, or since Flink 1.15 a task whose inputs all ended. In
// unaligned mode its barrier is unaligned from the start; with an aligned
// checkpoint timeout it starts aligned.
func (h *SingleCheckpointBarrierHandler) triggerDirect(in Input) {
	if in.Checkpoint <= h.current {
		return
	}
	h.current, h.lastDone, h.triggered, h.savepoint = in.Checkpoint, in.Checkpoint, in.Triggered, in.Savepoint
	unaligned := h.unalignedMode && !in.Savepoint
	h.snapshot(unaligned)
	if unaligned {
		h.out.add(Action{Kind: Acknowledge, Checkpoint: in.Checkpoint})
	}
}
