package protocol

// alignedState is Flink's AbstractAlignedBarrierHandlerState, the
// behaviour of both states of aligned checkpoints (WaitingForFirstBarrier
// and CollectingBarriers): every barrier blocks its channel, the last one
// triggers the checkpoint, and then every channel is unblocked.
type alignedState struct{}

func (alignedState) barrierReceived(h *SingleCheckpointBarrierHandler, in Input) barrierHandlerState {
	return alignedBarrierReceived(h, in, collectingBarriers{})
}

// endOfPartitionReceived: CollectingBarriers.endOfPartitionReceived, the
// ended channel counts as aligned.
func (alignedState) endOfPartitionReceived(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	return alignedEndOfPartition(h)
}

// alignmentTimeout never happens: aligned checkpoints set no timer.
func (alignedState) alignmentTimeout(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	return h.state
}

// waitingForFirstBarrier: no aligned checkpoint is collecting barriers.
type waitingForFirstBarrier struct{ alignedState }

func (waitingForFirstBarrier) String() string { return "WaitingForFirstBarrier" }

// collectingBarriers: an aligned checkpoint has blocked the channels of the
// barriers it took and waits for the others.
type collectingBarriers struct{ alignedState }

func (collectingBarriers) String() string { return "CollectingBarriers" }

// alignedBarrierReceived is AbstractAlignedBarrierHandlerState.
// barrierReceived: the barrier's channel is blocked, the last barrier's
// too; with every barrier in, the checkpoint triggers and the channels are
// unblocked, else the alignment goes on in state collecting.
func alignedBarrierReceived(h *SingleCheckpointBarrierHandler, in Input, collecting barrierHandlerState) barrierHandlerState {
	h.out.add(Action{Kind: Block, Channel: in.Channel, Checkpoint: in.Checkpoint})
	if h.allBarriersReceived() {
		return h.triggerGlobalCheckpoint()
	}
	return collecting
}

// alignedEndOfPartition triggers the checkpoint if the ended channel was
// the last one it waited for.
func alignedEndOfPartition(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	if h.allBarriersReceived() {
		return h.triggerGlobalCheckpoint()
	}
	return h.state
}
