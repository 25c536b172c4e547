package ownprotocol

import "github.com/ckptsim/ckptsim/sim/protocol"

// Eager is a barrier handler for Flink's checkpoint modes with the classic
// mistake of aligned checkpoints done wrong: like Flink's
// SingleCheckpointBarrierHandler it snapshots a checkpoint when its
// barrier arrives and sends the barrier on, but it does so at the first
// barrier, without waiting for the barriers of its other inputs nor
// blocking the inputs that delivered theirs. The records still ahead of
// the barriers on the other inputs are then processed after the snapshot
// although they belong before the cut: they are in neither the state nor
// the channel state of the checkpoint, and a recovery from it loses them.
// On a task with a single input it is right.
//
// It needs nothing from ckptsim but the types of package protocol. It is
// not a protocol.Cloner, so Sim.Clone copies it by replaying its inputs
// to a fresh one.
type Eager struct {
	current int64 // the newest checkpoint it snapshotted
	out     []protocol.Action
}

// NewEager is the factory to plug in as sim.CheckpointConfig.Protocol or
// check.Bounds.Protocol.
func NewEager(spec protocol.Spec) protocol.Protocol { return &Eager{current: spec.Floor} }

// Step implements protocol.Protocol.
func (h *Eager) Step(in protocol.Input) protocol.Ready {
	h.out = h.out[:0]
	switch in.Kind {
	case protocol.Trigger: // a source, or a task whose inputs all ended
		h.snapshot(in)
	case protocol.Barrier:
		h.snapshot(in) // the mistake: Flink waits for the barriers of every input
		// In the exactly-once modes the sender paused the channel after
		// its barrier; it may send again.
		h.out = append(h.out, protocol.Action{Kind: protocol.Resume, Channel: in.Channel, Checkpoint: in.Checkpoint})
	}
	return protocol.Ready{Actions: h.out}
}

// snapshot takes checkpoint in.Checkpoint unless it took it (or a newer
// one) already: the barrier goes on, the state is snapshotted, and the
// task's part is acknowledged once uploaded.
func (h *Eager) snapshot(in protocol.Input) {
	n := in.Checkpoint
	if n <= h.current {
		return
	}
	h.current = n
	h.out = append(h.out,
		protocol.Action{Kind: protocol.Forward, Checkpoint: n, Triggered: in.Triggered},
		protocol.Action{Kind: protocol.Snapshot, Checkpoint: n},
		protocol.Action{Kind: protocol.Acknowledge, Checkpoint: n})
}
