package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// scanInput is the choice of the next input by a scan of every input
// channel, as the engine made it before it kept its input set: the
// reference the incremental set must agree with.
func scanInput(s *Sim, t *task) *channel {
	var best *channel
	for _, id := range t.inputs {
		c := &s.chans[id]
		if c.in().len() == 0 {
			continue
		}
		h := c.in().at(0)
		if h.arrival > s.now {
			continue
		}
		if h.priority && h.kind == itemBarrier {
			return c
		}
		if c.blocked && c.passable == 0 || t.backpressured {
			continue
		}
		if best == nil || h.arrival < best.in().at(0).arrival {
			best = c
		}
	}
	return best
}

// scanFull reports by a scan whether any output of t is over-full.
func scanFull(s *Sim, t *task) bool {
	for _, g := range t.outputs {
		if g.held >= g.pool {
			return true
		}
		for _, c := range g.chans {
			if int(s.chans[c].held) >= s.cfg.Channels.MaxBuffersPerChannel {
				return true
			}
		}
	}
	return false
}

// TestPropertyInputSetMatchesScan: in random jobs of every mode, with and
// without faults, after every event each task's incremental choice of its
// next input and its over-full output count agree with a scan.
func TestPropertyInputSetMatchesScan(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				cfg := genConfig(rt, pm, rapid.Bool().Draw(rt, "bounded"))
				cfg.Recovery = recoveryWith(genRestart(rt))
				probe, err := New(cfg)
				require.NoError(rt, err)
				if rapid.Bool().Draw(rt, "faults?") {
					cfg.Faults = genFaults(rt, probe, 2e9)
				}
				// Partitions and delay spikes move the arrival of items
				// already on the wire.
				eg := probe.eg
				for i := range rapid.IntRange(0, 3).Draw(rt, "partitions") {
					c := eg.ChannelName(rapid.IntRange(0, len(eg.Channels)-1).Draw(rt, fmt.Sprintf("partition%d", i)))
					from := ms(rt, 0, 1000, "from")
					kind := rapid.SampledFrom([]FaultKind{Partition, DelaySpike}).Draw(rt, "kind")
					f := Fault{Kind: kind, Channel: c, At: from, Until: from + ms(rt, 1, 500, "length")}
					if kind == DelaySpike {
						f.Delay = ms(rt, 1, 50, "delay")
					}
					cfg.Faults = append(cfg.Faults, f)
				}
				s, err := New(cfg)
				require.NoError(rt, err)
				for step := 0; step < 30_000 && s.Step(); step++ {
					for i := range s.tasks {
						tk := &s.tasks[i]
						want, got := scanInput(s, tk), s.nextInput(tk)
						if want != got {
							rt.Fatalf("event %d at %d: task %d: the scan picks %v, the input set %v", s.fired, s.now, i, chanID(want), chanID(got))
						}
						if scanFull(s, tk) != s.outputFull(tk) {
							rt.Fatalf("event %d: task %d: over-full outputs counted %d, the scan says %v", s.fired, i, tk.fullOutputs, scanFull(s, tk))
						}
					}
				}
			})
		})
	}
}

func chanID(c *channel) int32 {
	if c == nil {
		return -1
	}
	return c.id
}
