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

// TestMarshalBundled: the bundled scenarios survive a round trip, those
// with faults, restart strategies, recovery settings and savepoints too.
func TestMarshalBundled(t *testing.T) {
	withFaults := 0
	for _, name := range scenarios.Bundled() {
		sc, err := scenarios.Load(name)
		require.NoError(t, err)
		data, err := scenarios.Marshal(sc.Config, sc.Name, sc.Description)
		require.NoError(t, err, name)
		if len(sc.Config.Faults) > 0 {
			withFaults++
		}
		back, err := scenarios.Parse(name+".yaml", data)
		require.NoError(t, err, "%s", data)
		assert.Equal(t, sc.Config, back.Config, name)
		assert.Equal(t, sc.Description, back.Description, name)
	}
	assert.GreaterOrEqual(t, withFaults, 3)
}

// TestMarshalFaults: faults are written one per line with the keys of
// their kind; a crash at time 0 keeps its at.
func TestMarshalFaults(t *testing.T) {
	sc, err := scenarios.Load("minimal")
	require.NoError(t, err)
	cfg := sc.Config
	cfg.Until = 0
	cfg.Graph.Operators[0].Source.Records = 50
	cfg.Faults = []sim.Fault{
		{Kind: sim.Crash, Subtask: "count[1]"},
		{Kind: sim.Crash, Subtask: "src[0]", Phase: sim.AsyncPhase, Checkpoint: 2, MachineLost: true},
		{Kind: sim.Crash, Subtask: "sink[0]", Phase: sim.Restoring, Checkpoint: 1},
		{Kind: sim.RandomCrashes, MTBF: 300 * time.Millisecond, At: 10 * time.Millisecond, Until: 2 * time.Second},
		{Kind: sim.Slow, Subtask: "count[0]", Factor: 2.5, At: time.Second, Until: 1500 * time.Millisecond},
		{Kind: sim.DelaySpike, Channel: "src[0]->count[1]", Delay: 3 * time.Millisecond, Until: 100 * time.Millisecond},
		{Kind: sim.Partition, Channel: "count[0]->sink[0]", At: 200 * time.Microsecond},
		{Kind: sim.FailUpload, Subtask: "count[0]", Checkpoint: 3},
		{Kind: sim.SlowUpload, Factor: 10},
		{Kind: sim.CorruptCheckpoint, Checkpoint: 1},
	}
	data, err := scenarios.Marshal(cfg, "faulty", "")
	require.NoError(t, err)
	assert.Contains(t, string(data), `faults:
  - {kind: crash, subtask: 'count[1]', at: 0s}
  - {kind: crash, subtask: 'src[0]', phase: async, checkpoint: 2, machine_lost: true}
  - {kind: crash, subtask: 'sink[0]', phase: restoring, checkpoint: 1}
  - {kind: random-crashes, at: 10ms, until: 2s, mtbf: 300ms}
  - {kind: slow, subtask: 'count[0]', at: 1s, until: 1.5s, factor: 2.5}
  - {kind: delay-spike, channel: 'src[0]->count[1]', until: 100ms, delay: 3ms}
  - {kind: partition, channel: 'count[0]->sink[0]', at: 200us}
  - {kind: fail-upload, subtask: 'count[0]', checkpoint: 3}
  - {kind: slow-upload, factor: 10}
  - {kind: corrupt-checkpoint, checkpoint: 1}
`)
	back, err := scenarios.Parse("faulty.yaml", data)
	require.NoError(t, err, "%s", data)
	cfg.Name = "faulty"
	assert.Equal(t, cfg, back.Config)
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
		{"fault without kind", func(c *sim.Config) { c.Faults = []sim.Fault{{}} }, "kind"},
		{"unknown subtask", func(c *sim.Config) { c.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[7]"}} }, "count[7]"},
		{"unknown channel", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.Partition, Channel: "sink[0]->src[0]", Until: time.Second}}
		}, "sink[0]->src[0]"},
		{"crash at a time and in a phase", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[0]", At: time.Second, Phase: sim.SyncPhase, Checkpoint: 1}}
		}, "not both"},
		{"checkpoint on a crash at a time", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[0]", At: time.Second, Checkpoint: 2}}
		}, "only with a phase"},
		{"factor on a crash", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[0]", Factor: 2}}
		}, "no factor"},
		{"until on a fail-upload", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.FailUpload, Subtask: "count[0]", Checkpoint: 1, Until: time.Second}}
		}, "no until"},
		{"restoring crash without failover number", func(c *sim.Config) {
			c.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[0]", Phase: sim.Restoring}}
		}, "needs a checkpoint"},
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
