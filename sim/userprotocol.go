package sim

import (
	"fmt"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// A user's own snapshot protocol (CheckpointConfig.Protocol): the
// engine makes one per task with the user's factory and steps it as it
// steps Flink's handlers (driver.go), through userProtocol, which keeps
// the engine safe from it:
//
//   - Clone: a protocol that is a protocol.Cloner copies itself; one that
//     is not is made afresh by the factory and fed again every input the
//     original took (a pure state machine given the same inputs is in the
//     same state), so a copy of the run (Sim.Clone, the terminal UI's
//     stepping back) never shares a protocol with the original.
//   - Actions that name an input channel the task does not have are
//     dropped; nothing else a protocol answers can break the engine (a
//     snapshot taken twice, an acknowledgement without a snapshot or a
//     checkpoint nobody triggered are ignored where they arrive).
//   - The newest checkpoint it heard of (the Floor of the protocol that
//     replaces it when its task restarts) is the newest id of its inputs.

// userProtocol is a task's protocol made by the user's factory.
type userProtocol struct {
	p    protocol.Protocol // nil: the factory made none, the task does nothing
	mk   func(protocol.Spec) protocol.Protocol
	spec protocol.Spec
	// log holds every input p took when p is not a protocol.Cloner: Clone
	// replays it.
	log    []protocol.Input
	replay bool
	// heard is the newest checkpoint of an input (or Spec.Floor).
	heard int64
	out   []protocol.Action // the valid actions of a Ready that had invalid ones
}

// newUserProtocol makes the protocol of a task with spec by mk.
func newUserProtocol(mk func(protocol.Spec) protocol.Protocol, spec protocol.Spec) *userProtocol {
	p := mk(spec)
	_, cloner := p.(protocol.Cloner)
	return &userProtocol{p: p, mk: mk, spec: spec, replay: p != nil && !cloner, heard: spec.Floor}
}

// Step implements protocol.Protocol.
func (u *userProtocol) Step(in protocol.Input) protocol.Ready {
	if u.p == nil {
		return protocol.Ready{}
	}
	if in.Kind != protocol.Record && in.Kind != protocol.EndOfPartition {
		u.heard = max(u.heard, in.Checkpoint)
	}
	if u.replay {
		u.log = append(u.log, in)
	}
	return u.valid(u.p.Step(in))
}

// valid is r without the actions that name an input the task does not
// have (r itself when there are none: the user's buffer is not written).
func (u *userProtocol) valid(r protocol.Ready) protocol.Ready {
	for i := range r.Actions {
		if u.validAction(&r.Actions[i]) {
			continue
		}
		u.out = append(u.out[:0], r.Actions[:i]...)
		for j := i + 1; j < len(r.Actions); j++ {
			if u.validAction(&r.Actions[j]) {
				u.out = append(u.out, r.Actions[j])
			}
		}
		return protocol.Ready{Actions: u.out}
	}
	return r
}

func (u *userProtocol) validAction(a *protocol.Action) bool {
	switch a.Kind {
	case protocol.Block, protocol.Resume, protocol.StartRecording, protocol.StopRecording, protocol.Prioritize:
		return a.Channel >= 0 && a.Channel < u.spec.Inputs
	}
	return true
}

// Clone implements protocol.Cloner: the copy is the protocol's own Clone,
// or a fresh protocol of the factory that took the same inputs.
func (u *userProtocol) Clone() protocol.Cloner {
	c := *u
	c.out = nil
	switch p := u.p.(type) {
	case nil:
	case protocol.Cloner:
		c.p = p.Clone()
	default:
		c.p = u.mk(u.spec)
		c.log = append([]protocol.Input(nil), u.log...)
		for _, in := range c.log {
			if c.p != nil {
				c.p.Step(in)
			}
		}
	}
	return &c
}

// checkUserProtocols refuses a run whose factory made no protocol for a
// task.
func (s *Sim) checkUserProtocols() error {
	for i := range s.tasks {
		if u, ok := s.tasks[i].proto.(*userProtocol); ok && u.p == nil {
			return fmt.Errorf("checkpoint: the Protocol factory returned nil for subtask %s", s.eg.Subtasks[i].Name)
		}
	}
	return nil
}
