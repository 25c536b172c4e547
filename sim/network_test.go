package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genNetwork draws a run of genConfig with a random network: no exclusive
// buffers (floating ones only, FLINK-16641) or a few, debloating, and a
// placement with local channels.
func genNetwork(t *rapid.T) Config {
	cfg := genConfig(t, rapid.SampledFrom(propModes).Draw(t, "mode"), false)
	ch := &cfg.Channels
	ch.BuffersPerChannel = rapid.IntRange(0, 3).Draw(t, "exclusive")
	ch.FloatingBuffersPerGate = rapid.IntRange(max(0, 1-ch.BuffersPerChannel), 6).Draw(t, "floating")
	if rapid.Bool().Draw(t, "debloat?") {
		ch.Debloat = DebloatConfig{Enabled: true, Target: ms(t, 1, 500, "target"), Period: ms(t, 1, 100, "period"),
			Samples: rapid.IntRange(1, 20).Draw(t, "samples"), ThresholdPercentage: rapid.IntRange(0, 100).Draw(t, "threshold"),
			MinSegmentSize: rapid.IntRange(1, ch.SegmentSize).Draw(t, "min segment")}
	}
	if rapid.Bool().Draw(t, "placement?") {
		cfg.Placement = Placement{TaskManagers: rapid.IntRange(1, 3).Draw(t, "taskmanagers"), SlotsPerTaskManager: 3}
	}
	return cfg
}

// checkBuffers fails unless every buffer of every remote channel's
// receiver is accounted for: each exclusive buffer is free or held by a
// landed buffer of data, and each floating buffer of a gate is in the
// gate's pool, free at one of its channels or held by landed data.
// held is scratch space: floating buffers held per task and gate.
func checkBuffers(t *rapid.T, s *Sim, held [][]int) {
	e, f := s.cfg.Channels.BuffersPerChannel, s.cfg.Channels.FloatingBuffersPerGate
	for ti := range held {
		clear(held[ti])
	}
	for i := range s.chans {
		c := &s.chans[i]
		if c.local {
			continue
		}
		if c.exclusive < 0 || c.floating < 0 {
			t.Fatalf("channel %d at %d: %d exclusive, %d floating buffers", c.id, s.now, c.exclusive, c.floating)
		}
		exclusive := c.exclusive
		held[c.to][c.gate] += c.floating
		for j := range c.landed {
			switch b := c.inBufs.at(j); {
			case b.recovered:
			case b.floating:
				held[c.to][c.gate]++
			default:
				exclusive++
			}
		}
		if exclusive != e {
			t.Fatalf("channel %d at %d: %d free + landed exclusive buffers, want %d", c.id, s.now, exclusive, e)
		}
	}
	for ti := range s.tasks {
		for gi := range s.tasks[ti].gates {
			g := &s.tasks[ti].gates[gi]
			if n := g.free + held[ti][gi]; g.free < 0 || n != f {
				t.Fatalf("task %d gate %d at %d: %d in the pool + %d at the channels, want %d", ti, gi, s.now, g.free, held[ti][gi], f)
			}
		}
	}
}

// TestPropertyBuffersConserved: after every step of a failure-free run, no
// receiver's buffer is lost or made up, whatever the network.
func TestPropertyBuffersConserved(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genNetwork(t)
		cfg.Until = ms(t, 300, 1500, "short until")
		s, err := New(cfg)
		require.NoError(t, err)
		held := make([][]int, len(s.tasks))
		for ti := range held {
			held[ti] = make([]int, len(s.tasks[ti].gates))
		}
		for s.Step() {
			checkBuffers(t, s, held)
		}
	})
}
