package ownprotocol_test

import (
	"fmt"
	"os"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// hasty is a snapshot protocol with a classic student mistake: like
// Chandy-Lamport it records its state at the first marker of a snapshot
// (or when it initiates one), sends the marker on every output and
// records each other input, but it declares its part done as soon as all
// markers but one have arrived. Whatever is in flight on the last input
// at the cut is lost. It needs nothing from ckptsim but the types of
// package protocol.
type hasty struct {
	inputs  int
	out     []protocol.Action
	running map[int64][]bool // by snapshot: the inputs whose marker arrived
	done    map[int64]bool
}

func newHasty(spec protocol.Spec) protocol.Protocol {
	return &hasty{inputs: spec.Inputs, running: map[int64][]bool{}, done: map[int64]bool{}}
}

// Step implements protocol.Protocol.
func (p *hasty) Step(in protocol.Input) protocol.Ready {
	p.out = p.out[:0]
	id := in.Checkpoint
	if (in.Kind != protocol.Trigger && in.Kind != protocol.Barrier) || p.done[id] {
		return protocol.Ready{}
	}
	seen, ok := p.running[id]
	if !ok { // the first marker, or the initiation: record the state
		seen = make([]bool, p.inputs)
		p.running[id] = seen
		p.add(protocol.Snapshot, id, 0)
		p.add(protocol.Forward, id, 0)
		for ch := range seen {
			if in.Kind == protocol.Trigger || ch != in.Channel {
				p.add(protocol.StartRecording, id, ch)
			}
		}
	} else {
		p.add(protocol.StopRecording, id, in.Channel)
	}
	if in.Kind == protocol.Barrier {
		seen[in.Channel] = true
	}
	missing := 0
	for _, s := range seen {
		if !s {
			missing++
		}
	}
	if missing <= 1 { // the mistake: Chandy-Lamport waits for missing == 0
		for ch, s := range seen {
			if !s {
				p.add(protocol.StopRecording, id, ch)
			}
		}
		p.add(protocol.Acknowledge, id, 0)
		p.done[id] = true
		delete(p.running, id)
	}
	return protocol.Ready{Actions: p.out}
}

func (p *hasty) add(kind protocol.ActionKind, id int64, ch int) {
	p.out = append(p.out, protocol.Action{Kind: kind, Checkpoint: id, Channel: ch})
}

// A user's own snapshot protocol on ckptsim: run on the bundled teaching
// scenario token-ring, the engine's token-conservation checker fails it;
// swept by package check over random token-passing systems on the
// engine, it is caught and shrunk to a counterexample of two processes
// (the initiator of the snapshot, with a single input, completes at once),
// which prints as the COS 418 files of simulate cl and as a scenario file
// of the same system. Chandy-Lamport passes both.
func Example() {
	sc, err := scenarios.Load("token-ring")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []struct {
		name string
		mk   func(protocol.Spec) protocol.Protocol
	}{{"Chandy-Lamport", nil}, {"hasty", newHasty}} {
		cfg := sc.Config
		cfg.Checkpoint.Protocol = p.mk // nil: protocol.ChandyLamport
		s, err := sim.New(cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		inv := s.Run().Invariants[0]
		fmt.Printf("token-ring with %s: %s ok=%v\n", p.name, inv.Name, inv.OK)
	}

	c := check.TokenSweep(check.TokenOptions{Runs: 300, Engine: true, Protocol: newHasty})
	fmt.Print(c)
	yaml, err := scenarios.Marshal(check.TokenConfig(c.Topology, c.Events, nil), "hasty-counterexample", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(yaml)
	fmt.Println("Chandy-Lamport:", check.TokenSweep(check.TokenOptions{Runs: 300, Engine: true}) == nil)
	// Output:
	// token-ring with Chandy-Lamport: token-conservation ok=true
	// token-ring with hasty: token-conservation ok=false
	// run 1 (seed 1), on the engine: snapshot 1 is not a consistent cut: it records 0 tokens (0 in process states, 0 in 0 messages on channels) but the system holds 1
	// topology:
	//   2
	//   P1 1
	//   P2 0
	//   P1 P2
	//   P2 P1
	// events:
	//   snapshot P2
	//   send P1 P2 1
	// name: hasty-counterexample
	// seed: 1
	// until: 0s
	// operators:
	//   - {name: P1, kind: process, tokens: 1}
	//   - {name: P2, kind: process, tokens: 0}
	// edges:
	//   - {from: P1, to: P2, partitioning: forward}
	//   - {from: P2, to: P1, partitioning: forward}
	// channels:
	//   jitter: 4ms
	// checkpoint:
	//   interval: 1s
	//   mode: chandy-lamport
	// tokens:
	//   sends:
	//     - {at: 1ns, from: P1, to: P2, tokens: 1}
	//   snapshots:
	//     - {at: 0s, process: P2}
	// Chandy-Lamport: true
}
