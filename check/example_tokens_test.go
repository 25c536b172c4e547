package check_test

import (
	"fmt"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// eagerSnapshot is a deliberately wrong snapshot protocol, written outside
// sim/ against the protocol.Protocol interface alone: like Chandy-Lamport
// it records its state at the first marker (or when it initiates) and
// sends the marker on, but it then declares its part done at once,
// without recording its other inputs until their markers arrive, so the
// tokens in flight at the cut are lost.
type eagerSnapshot struct {
	out  []protocol.Action
	seen map[int64]bool
}

func newEagerSnapshot(protocol.Spec) protocol.Protocol {
	return &eagerSnapshot{seen: map[int64]bool{}}
}

// Step implements protocol.Protocol.
func (p *eagerSnapshot) Step(in protocol.Input) protocol.Ready {
	p.out = p.out[:0]
	if (in.Kind == protocol.Trigger || in.Kind == protocol.Barrier) && !p.seen[in.Checkpoint] {
		p.seen[in.Checkpoint] = true
		p.out = append(p.out,
			protocol.Action{Kind: protocol.Snapshot, Checkpoint: in.Checkpoint},
			protocol.Action{Kind: protocol.Forward, Checkpoint: in.Checkpoint},
			protocol.Action{Kind: protocol.Acknowledge, Checkpoint: in.Checkpoint})
	}
	return protocol.Ready{Actions: p.out}
}

// A user's own snapshot protocol, checked on random token-passing systems:
// the sweep finds a system whose snapshot loses tokens and shrinks it to
// two processes, one send and one snapshot. The counterexample prints as
// the two files `simulate cl` replays. With Chandy-Lamport (Protocol nil)
// the same sweep finds nothing.
func ExampleTokenSweep() {
	c := check.TokenSweep(check.TokenOptions{Runs: 200, Protocol: newEagerSnapshot})
	fmt.Print(c)
	fmt.Println("Chandy-Lamport:", check.TokenSweep(check.TokenOptions{Runs: 200}) == nil)
	// Output:
	// run 1 (seed 1), delivery cos418: snapshot 0 records 0 tokens, the system holds 1: P1 0, P2 0; no recorded message
	// topology:
	//   2
	//   P1 1
	//   P2 0
	//   P1 P2
	//   P2 P1
	// events:
	//   snapshot P2
	//   send P1 P2 1
	// Chandy-Lamport: true
}
