package scenarios_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// TestMarshalBundled: the bundled scenarios survive a round trip.
func TestMarshalBundled(t *testing.T) {
	written := 0
	for _, name := range scenarios.Bundled() {
		sc, err := scenarios.Load(name)
		require.NoError(t, err)
		data, err := scenarios.Marshal(sc.Config, sc.Name, sc.Description)
		if len(sc.Config.Faults) > 0 {
			assert.ErrorContains(t, err, "faults", name)
			continue
		}
		require.NoError(t, err)
		written++
		back, err := scenarios.Parse(name+".yaml", data)
		require.NoError(t, err, "%s", data)
		assert.Equal(t, sc.Config, back.Config, name)
		assert.Equal(t, sc.Description, back.Description, name)
	}
	assert.GreaterOrEqual(t, written, 3)
}

// TestMarshalShape: a small scenario reads like a hand-written one:
// defaults left out, one operator or edge per line.
func TestMarshalShape(t *testing.T) {
	cfg := sim.Config{
		Seed: 7,
		Graph: &topology.Graph{
			Operators: []topology.Operator{
				{Name: "src", Kind: topology.Source, Parallelism: 2, Source: &topology.SourceSpec{Rate: 1000, Records: 4, Keys: 3,
					Distribution: topology.Uniform, ZipfS: scenarios.DefaultZipfS, MaxValue: 100, RecordBytes: 100}},
				{Name: "count", Kind: topology.Aggregate, Parallelism: 1, Cost: 50 * time.Microsecond, Func: topology.Count, StateBytesPerKey: 64,
					SubtaskCost: map[int]time.Duration{0: 1500 * time.Microsecond}},
				{Name: "sink", Kind: topology.Sink, Parallelism: 1},
			},
			Edges: []topology.Edge{{From: "src", To: "count", Partitioning: topology.Hash}, {From: "count", To: "sink", Partitioning: topology.Forward}},
		},
		Channels:   sim.DefaultChannelConfig(),
		Checkpoint: sim.DefaultCheckpointConfig(),
	}
	cfg.Checkpoint.Mode = sim.AtLeastOnce
	cfg.Checkpoint.Interval = 20 * time.Millisecond
	cfg.Checkpoint.StorageBandwidth = 8 << 20
	data, err := scenarios.Marshal(cfg, "shape", "Two lines\nof text.")
	require.NoError(t, err)
	assert.Equal(t, `name: shape
description: |-
  Two lines
  of text.
seed: 7
until: 0s
operators:
  - {name: src, kind: source, parallelism: 2, rate: 1000, records: 4, keys: 3}
  - {name: count, kind: aggregate, subtask_cost: {0: 1.5ms}, function: count}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: forward}
checkpoint:
  interval: 20ms
  mode: at-least-once
  storage_bandwidth: 8MiB/s
`, string(data))
}

// TestMarshalRefuses: what the format cannot express is an error, not a
// file that replays differently.
func TestMarshalRefuses(t *testing.T) {
	base := func() sim.Config {
		sc, err := scenarios.Load("minimal")
		require.NoError(t, err)
		return sc.Config
	}
	cases := []struct {
		name   string
		change func(c *sim.Config)
		want   string
	}{
		{"invalid", func(c *sim.Config) { c.Checkpoint.MaxConcurrent = 0 }, "invalid"},
		{"zipf_s on uniform", func(c *sim.Config) { c.Graph.Operators[0].Source.ZipfS = 2 }, "zipf_s"},
		{"multiply on aggregate", func(c *sim.Config) { c.Graph.Operators[1].Multiply = 2 }, "multiply"},
		{"keep_percent on sink", func(c *sim.Config) { c.Graph.Operators[2].KeepPercent = 5 }, "keep_percent"},
		{"NaN rate", func(c *sim.Config) { c.Graph.Operators[0].Source.Rate = math.NaN() }, "NaN"},
		{"script", func(c *sim.Config) { c.Script = &sim.Script{} }, "script"},
		{"faults", func(c *sim.Config) { c.Faults = []sim.Fault{{}} }, "faults"},
		{"sink_mode on a map", func(c *sim.Config) { c.Graph.Operators[1].SinkMode = topology.TwoPhaseCommitSink }, "sink"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.change(&c)
			_, err := scenarios.Marshal(c, "x", "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := scenarios.Marshal(base(), " ", "")
	assert.ErrorContains(t, err, "name")
	_, err = scenarios.Marshal(base(), "x", "bad \xff")
	assert.ErrorContains(t, err, "UTF-8")
}
