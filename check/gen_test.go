package check

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// within fails unless cfg is valid and stays within b.
func within(t require.TestingT, b Bounds, cfg sim.Config) {
	require.NoError(t, cfg.Validate())
	in := func(r Range, v int, what string) {
		assert.True(t, v >= r.Min && v <= r.Max, "%s %d outside %d..%d", what, v, r.Min, r.Max)
	}
	inDur := func(r DurationRange, v time.Duration, what string) {
		assert.True(t, v >= r.Min && v <= r.Max, "%s %v outside %v..%v", what, v, r.Min, r.Max)
	}
	count := map[topology.Kind]int{}
	bounded := false
	for _, op := range cfg.Graph.Operators {
		count[op.Kind]++
		in(b.Parallelism, op.Parallelism, op.Name+" parallelism")
		switch op.Kind {
		case topology.Source:
			inDur(b.SourceCost, op.Cost, op.Name+" cost")
			in(b.Rate, int(op.Source.Rate), op.Name+" rate")
			in(b.Keys, op.Source.Keys, op.Name+" keys")
			if op.Source.Records > 0 {
				bounded = true
				in(b.Records, int(op.Source.Records), op.Name+" records")
			}
			if b.Zipf == Never {
				assert.Equal(t, topology.Uniform, op.Source.Distribution)
			}
		case topology.Sink:
			assert.Zero(t, op.Cost)
		default:
			inDur(b.Cost, op.Cost, op.Name+" cost")
		}
		for _, c := range op.SubtaskCost {
			inDur(b.SlowCost, c, op.Name+" slow cost")
		}
	}
	in(b.Sources, count[topology.Source], "sources")
	in(b.Stateless, count[topology.Map]+count[topology.Filter], "stateless operators")
	in(b.Aggregates, count[topology.Aggregate], "aggregates")
	in(b.Sinks, count[topology.Sink], "sinks")
	for _, e := range cfg.Graph.Edges {
		if cfg.Graph.Operators[cfg.Graph.Index(e.To)].Kind != topology.Aggregate && e.Partitioning != topology.Rebalance {
			assert.Contains(t, b.Partitionings, e.Partitioning)
		}
	}
	switch b.Bounded {
	case Always:
		assert.True(t, bounded)
	case Never:
		assert.False(t, bounded)
	}
	if bounded {
		assert.Zero(t, cfg.Until)
	} else {
		inDur(b.Until, cfg.Until, "until")
	}
	ch, ck := cfg.Channels, cfg.Checkpoint
	inDur(b.Latency, ch.Latency, "latency")
	assert.True(t, ch.Jitter <= b.Jitter.Max, "jitter")
	in(b.Capacity, ch.Capacity, "capacity")
	in(b.OutputBuffer, ch.OutputBuffer, "output buffer")
	assert.Contains(t, b.Modes, ck.Mode)
	inDur(b.Interval, ck.Interval, "interval")
	assert.True(t, ck.MinPause <= b.MinPause.Max, "min pause")
	assert.True(t, ck.AlignedCheckpointTimeout <= b.AlignedTimeout.Max, "aligned timeout")
	in(b.MaxConcurrent, ck.MaxConcurrent, "max concurrent")
	inDur(b.Timeout, ck.Timeout, "timeout")
	in(b.NumRetained, ck.NumRetained, "num retained")
	assert.Equal(t, b.MaxEvents, cfg.MaxEvents)
}

// TestConfigsValid: generated configs are valid and within their bounds,
// for the default bounds and for tightened ones.
func TestConfigsValid(t *testing.T) {
	tight := DefaultBounds()
	tight.Sources, tight.Stateless, tight.Aggregates, tight.Sinks = Range{2, 2}, Range{0, 0}, Range{1, 1}, Range{1, 1}
	tight.Parallelism = Range{2, 2}
	tight.Partitionings = []topology.Partitioning{topology.Broadcast}
	tight.Modes = []sim.Mode{sim.Unaligned}
	tight.AlignedTimeoutChoice = Always
	tight.Bounded, tight.Zipf, tight.SlowSubtask = Always, Never, Always
	tight.Records = Range{5, 10}
	wide := DefaultBounds()
	wide.Sources, wide.Stateless, wide.Aggregates, wide.Sinks = Range{1, 4}, Range{0, 5}, Range{0, 4}, Range{1, 3}
	wide.Parallelism = Range{1, 8}
	for name, b := range map[string]Bounds{"default": DefaultBounds(), "tight": tight, "wide": wide} {
		t.Run(name, rapid.MakeCheck(func(t *rapid.T) {
			within(t, b, Configs(b).Draw(t, "config"))
		}))
	}
	t.Run("parts", rapid.MakeCheck(func(t *rapid.T) {
		b := DefaultBounds()
		require.NoError(t, Graphs(b).Draw(t, "graph").Validate())
		w := Workloads(b, true).Draw(t, "workload")
		assert.True(t, w.Records >= 1)
		c := sim.Config{Graph: Graphs(b).Draw(t, "graph"), Channels: ChannelConfigs(b).Draw(t, "channels"),
			Checkpoint: CheckpointConfigs(b).Draw(t, "checkpoint"), Until: time.Second}
		require.NoError(t, c.Validate())
	}))
}

// TestConfigsCoverage: the default bounds reach every mode, partitioning
// and operator kind, the aligned checkpoint timeout, bounded and unbounded
// sources, zipf keys, a slow subtask and jitter.
func TestConfigsCoverage(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 300; seed++ {
		cfg := Scenario(DefaultBounds(), seed)
		seen[string(cfg.Checkpoint.Mode)] = true
		for _, e := range cfg.Graph.Edges {
			seen[string(e.Partitioning)] = true
		}
		for _, op := range cfg.Graph.Operators {
			seen[string(op.Kind)] = true
			if op.SubtaskCost != nil {
				seen["slow"] = true
			}
			if op.Source != nil && op.Source.Distribution == topology.Zipf {
				seen["zipf"] = true
			}
		}
		seen["bounded"] = seen["bounded"] || cfg.Until == 0
		seen["unbounded"] = seen["unbounded"] || cfg.Until > 0
		seen["aligned timeout"] = seen["aligned timeout"] || cfg.Checkpoint.AlignedCheckpointTimeout > 0
		seen["jitter"] = seen["jitter"] || cfg.Channels.Jitter > 0
		seen["min pause"] = seen["min pause"] || cfg.Checkpoint.MinPause > 0
		seen["concurrent"] = seen["concurrent"] || cfg.Checkpoint.MaxConcurrent > 1
	}
	for _, want := range []string{"aligned", "unaligned", "at-least-once", "forward", "rebalance", "hash", "broadcast",
		"source", "map", "filter", "aggregate", "sink", "slow", "zipf", "bounded", "unbounded", "aligned timeout", "jitter", "min pause", "concurrent"} {
		assert.True(t, seen[want], "no generated scenario has %s", want)
	}
}

// TestScenarioIsAFunctionOfTheSeed: the same seed gives the same
// scenario, in this process and in a fresh generator; seeds differ.
func TestScenarioIsAFunctionOfTheSeed(t *testing.T) {
	b := DefaultBounds()
	var prev sim.Config
	for seed := uint64(1); seed <= 20; seed++ {
		a, c := Scenario(b, seed), Scenario(b, seed)
		require.True(t, reflect.DeepEqual(a, c), "seed %d", seed)
		assert.Equal(t, seed, a.Seed)
		assert.Equal(t, ScenarioName(seed), a.Name)
		assert.False(t, reflect.DeepEqual(a, prev))
		prev = a
	}
	// A large seed is a valid one too.
	within(t, b, Scenario(b, 1<<63+12345))
}

// TestBoundsValidate: bounds no scenario satisfies are refused.
func TestBoundsValidate(t *testing.T) {
	require.NoError(t, func() *Bounds { b := DefaultBounds(); return &b }().Validate())
	cases := map[string]func(b *Bounds){
		"empty range":  func(b *Bounds) { b.Parallelism = Range{3, 2} },
		"no source":    func(b *Bounds) { b.Sources = Range{0, 1} },
		"no mode":      func(b *Bounds) { b.Modes = nil },
		"unknown mode": func(b *Bounds) { b.Modes = []sim.Mode{"exactly"} },
		"short until":  func(b *Bounds) { b.Until = DurationRange{0, time.Second} },
		"interval":     func(b *Bounds) { b.Interval = DurationRange{0, time.Second} },
		"partitioning": func(b *Bounds) { b.Partitionings = []topology.Partitioning{"round-robin"} },
		"budget":       func(b *Bounds) { b.MaxEvents = 0 },
		"choice":       func(b *Bounds) { b.Zipf = 7 },
	}
	for name, f := range cases {
		b := DefaultBounds()
		f(&b)
		assert.Error(t, b.Validate(), name)
		assert.Panics(t, func() { Configs(b) }, name)
	}
	assert.True(t, slices.Equal(DefaultBounds().Modes, sim.Modes))
}
