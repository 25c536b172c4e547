package protocol

// alternatingState is Flink's AbstractAlternatingAlignedBarrierHandlerState,
// the behaviour of both states of aligned checkpoints with a timeout
// (AlternatingWaitingForFirstBarrier and AlternatingCollectingBarriers): a
// checkpoint starts aligned and continues unaligned
// (collectingBarriersUnaligned) when its timer fires, or when a barrier
// comes after the deadline while others are still missing, or when an
// unaligned or prioritized barrier arrives.
type alternatingState struct{}

func (alternatingState) barrierReceived(h *SingleCheckpointBarrierHandler, in Input) barrierHandlerState {
	if !in.Savepoint && !in.ForcedAligned && (in.Unaligned || in.Prioritized || h.timedOut()) {
		return h.startUnaligned(in.Channel)
	}
	return alignedBarrierReceived(h, in, alternatingCollectingBarriers{})
}

func (alternatingState) endOfPartitionReceived(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	if h.timedOut() {
		return h.startUnaligned(-1)
	}
	return alignedEndOfPartition(h)
}

// alignmentTimeout is AlternatingCollectingBarriers.alignmentTimeout: the
// checkpoint is triggered unaligned; channels that delivered their barrier
// stay blocked and persist nothing.
func (alternatingState) alignmentTimeout(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	h.out.add(Action{Kind: TimedOut, Checkpoint: h.current})
	return h.startUnaligned(-1)
}

// alternatingWaitingForFirstBarrier: no checkpoint is collecting barriers.
type alternatingWaitingForFirstBarrier struct{ alternatingState }

func (alternatingWaitingForFirstBarrier) String() string { return "AlternatingWaitingForFirstBarrier" }

// alignmentTimeout of a checkpoint that was only announced, none of its
// barriers taken yet (AlternatingWaitingForFirstBarrier.
// alignedCheckpointTimeout): nothing is triggered; the announced barriers
// become priority barriers, and the first one taken starts the checkpoint
// unaligned.
func (s alternatingWaitingForFirstBarrier) alignmentTimeout(h *SingleCheckpointBarrierHandler) barrierHandlerState {
	h.out.add(Action{Kind: TimedOut, Checkpoint: h.current})
	for j := range h.aligned {
		if !h.ended[j] {
			h.out.add(Action{Kind: Prioritize, Channel: j, Checkpoint: h.current})
		}
	}
	return s
}

// alternatingCollectingBarriers: an aligned checkpoint that may still time
// out has blocked the channels of the barriers it took.
type alternatingCollectingBarriers struct{ alternatingState }

func (alternatingCollectingBarriers) String() string { return "AlternatingCollectingBarriers" }
