package protocol

// The states of unaligned checkpoints (Flink's
// WaitingForFirstBarrierUnaligned and CollectingBarriersUnaligned): the
// first barrier triggers the checkpoint at once and overtakes the data
// ahead of it, which becomes channel state, as does the data on every other
// channel up to its barrier. Savepoints stay aligned.

// waitingForFirstBarrierUnaligned: no unaligned checkpoint is in progress.
type waitingForFirstBarrierUnaligned struct{}

func (waitingForFirstBarrierUnaligned) barrierReceived(h *SingleCheckpointBarrierHandler, in Input) barrierHandlerState {
	if in.Savepoint || in.ForcedAligned {
		return alignedBarrierReceived(h, in, collectingAlignedBarriersUnaligned{})
	}
	return h.startUnaligned(in.Channel)
}

func (waitingForFirstBarrierUnaligned) endOfPartitionReceived(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	return alignedEndOfPartition(h)
}

func (s waitingForFirstBarrierUnaligned) alignmentTimeout(*SingleCheckpointBarrierHandler) barrierHandlerState {
	return s
}

func (waitingForFirstBarrierUnaligned) String() string { return "WaitingForFirstBarrierUnaligned" }

// collectingAlignedBarriersUnaligned: in unaligned mode, a checkpoint all
// of whose barriers so far came aligned (a savepoint's, or forced aligned
// ones) collects them as an aligned checkpoint does (Flink's
// CollectingBarriers); its first barrier that may be unaligned takes it
// unaligned.
type collectingAlignedBarriersUnaligned struct {
	waitingForFirstBarrierUnaligned
}

func (collectingAlignedBarriersUnaligned) String() string { return "CollectingBarriers" }

// collectingBarriersUnaligned: the checkpoint was taken unaligned (at its
// first barrier, or when its alignment timed out) and its input channel
// state is being recorded until every barrier is in.
type collectingBarriersUnaligned struct{}

// barrierReceived completes the channel state of the barrier's channel. An
// aligned barrier that arrives now (sent before its sender switched, as in
// AlternatingCollectingBarriersUnaligned) has paused its channel: it stays
// blocked until the checkpoint ends.
func (s collectingBarriersUnaligned) barrierReceived(h *SingleCheckpointBarrierHandler, in Input) barrierHandlerState {
	h.out.add(Action{Kind: StopRecording, Channel: in.Channel, Checkpoint: in.Checkpoint})
	if !in.Unaligned && h.numAligned < h.target {
		h.out.add(Action{Kind: Block, Channel: in.Channel, Checkpoint: in.Checkpoint})
	}
	if h.allBarriersReceived() {
		return h.finishUnaligned()
	}
	return s
}

func (s collectingBarriersUnaligned) endOfPartitionReceived(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	if h.allBarriersReceived() {
		return h.finishUnaligned()
	}
	return s
}

// alignmentTimeout: an unaligned checkpoint cannot time out
// (AlternatingCollectingBarriersUnaligned ignores it).
func (s collectingBarriersUnaligned) alignmentTimeout(*SingleCheckpointBarrierHandler) barrierHandlerState {
	return s
}

func (collectingBarriersUnaligned) String() string { return "CollectingBarriersUnaligned" }

// startUnaligned takes the pending checkpoint unaligned now: on its first
// barrier, taken from channel ch, or when its alignment timed out (ch -1).
// The records the barrier overtook on ch are its channel state; every
// other channel still waiting for its barrier is recorded up to it, and
// its barrier, if queued behind data, jumps ahead. While an input still
// reads recovered channel state the start fails instead: checkpointStarted
// of a RecoveredInputChannel throws CHECKPOINT_DECLINED_TASK_NOT_READY,
// and SingleCheckpointBarrierHandler.markCheckpointAlignedAndTransformState
// aborts the checkpoint (abortInternal) before it is triggered.
func (h *SingleCheckpointBarrierHandler) startUnaligned(ch int) barrierHandlerState {
	n := h.current
	if h.recovering {
		h.abort(n, TaskNotReady)
		return h.waiting
	}
	h.snapshot(true)
	if ch >= 0 {
		h.out.add(Action{Kind: StartRecording, Channel: ch, Checkpoint: n})
		h.out.add(Action{Kind: StopRecording, Channel: ch, Checkpoint: n})
	}
	for j, done := range h.aligned {
		if !done && !h.ended[j] {
			h.out.add(Action{Kind: StartRecording, Channel: j, Checkpoint: n})
			h.out.add(Action{Kind: Prioritize, Channel: j, Checkpoint: n})
		}
	}
	if h.allBarriersReceived() {
		return h.finishUnaligned()
	}
	return collectingBarriersUnaligned{}
}

// finishUnaligned ends an unaligned checkpoint with its last barrier: its
// input channel state is complete, every channel is unblocked, and the
// task's part is done.
func (h *SingleCheckpointBarrierHandler) finishUnaligned() barrierHandlerState {
	n := h.current
	h.lastDone = n
	h.out.add(Action{Kind: AlignmentEnd, Checkpoint: n, Bytes: h.alignBytes})
	h.out.add(Action{Kind: UnblockAll, Checkpoint: n})
	h.out.add(Action{Kind: Acknowledge, Checkpoint: n})
	return h.waiting
}
