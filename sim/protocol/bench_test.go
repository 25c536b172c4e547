package protocol_test

import (
	"fmt"
	"testing"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// BenchmarkBarrier is the cost of one barrier Step per handler and number
// of inputs: every checkpoint takes one barrier from each input in turn.
// The per-barrier cost must not grow with the inputs.
func BenchmarkBarrier(b *testing.B) {
	makers := []struct {
		name string
		mk   func(protocol.Spec) protocol.Protocol
	}{
		{"aligned", func(s protocol.Spec) protocol.Protocol { return protocol.NewAligned(s) }},
		{"unaligned", func(s protocol.Spec) protocol.Protocol { return protocol.NewUnaligned(s) }},
		{"at-least-once", func(s protocol.Spec) protocol.Protocol { return protocol.NewCheckpointBarrierTracker(s) }},
		{"chandy-lamport", func(s protocol.Spec) protocol.Protocol { return protocol.NewChandyLamport(s) }},
	}
	for _, m := range makers {
		for _, inputs := range []int{2, 64, 1024} {
			b.Run(fmt.Sprintf("%s/inputs=%d", m.name, inputs), func(b *testing.B) {
				p := m.mk(protocol.Spec{Inputs: inputs, Outputs: 1})
				in := protocol.Input{Kind: protocol.Barrier, Unaligned: m.name == "unaligned"}
				for i := range b.N {
					in.Channel, in.Checkpoint = i%inputs, int64(i/inputs)+1
					p.Step(in)
				}
			})
		}
	}
}
