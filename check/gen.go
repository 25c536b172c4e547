package check

import (
	"fmt"
	"math"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// The generators below draw every part of a scenario within Bounds. Each
// one is an ordinary rapid generator: use it with Draw inside rapid.Check,
// or with Example(seed) for a deterministic value outside a test. Their
// draws are ordered so that rapid's shrinking (which moves every draw
// towards its minimum) yields small scenarios: few operators, parallelism
// 1, forward or rebalance edges, few records, short runs, no jitter, no
// minimum pause, one concurrent checkpoint. Values that the scenario
// format defaults (zipf_s, max_value, record_bytes, state_bytes_per_key)
// are left at their defaults so that a written scenario stays short.

// mustValid panics on bounds that no scenario satisfies: a programming
// error of the caller, reported where the generator is built.
func mustValid(b *Bounds) {
	if err := b.Validate(); err != nil {
		panic("check: " + err.Error())
	}
}

// Configs generates complete runs: a job with its workload, channel
// settings and a checkpoint configuration, a seed, and an end (Until for
// unbounded sources, quiescence for bounded ones). Every generated Config
// passes sim's validation and can be written with scenarios.Marshal.
func Configs(b Bounds) *rapid.Generator[sim.Config] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.Config {
		return drawConfig(t, &b)
	})
}

func drawConfig(t *rapid.T, b *Bounds) sim.Config {
	bounded := drawChoice(t, b.Bounded, "bounded")
	cfg := sim.Config{
		Name:       "check",
		Seed:       rapid.Uint64().Draw(t, "seed"),
		Graph:      drawGraph(t, b, bounded),
		Channels:   drawChannels(t, b),
		Checkpoint: drawCheckpoint(t, b),
		MaxEvents:  b.MaxEvents,
	}
	if tol := drawInt(t, b.TolerableFailures, "tolerable failed checkpoints"); tol != 0 {
		cfg.Recovery = sim.DefaultRecoveryConfig()
		cfg.Recovery.TolerableFailures = tol
	}
	if !bounded {
		cfg.Until = drawDur(t, b.Until, time.Millisecond, "until")
	}
	return cfg
}

// Graphs generates job graphs with their workloads: sources, map, filter
// and aggregate operators and sinks in a random DAG with random
// parallelism and partitionings. With bounded sources every partition ends
// after a drawn number of records.
func Graphs(b Bounds) *rapid.Generator[*topology.Graph] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) *topology.Graph {
		return drawGraph(t, &b, drawChoice(t, b.Bounded, "bounded"))
	})
}

// Workloads generates the workload of one source operator; records is
// drawn from Bounds.Records when bounded, else 0 (unbounded).
func Workloads(b Bounds, bounded bool) *rapid.Generator[*topology.SourceSpec] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) *topology.SourceSpec {
		return drawWorkload(t, &b, bounded, "")
	})
}

// ChannelConfigs generates the network settings of a run.
func ChannelConfigs(b Bounds) *rapid.Generator[sim.ChannelConfig] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.ChannelConfig { return drawChannels(t, &b) })
}

// CheckpointConfigs generates checkpoint configurations: every mode in
// Bounds.Modes (unaligned with or without an aligned checkpoint timeout)
// and every knob of Flink's CheckpointConfig.
func CheckpointConfigs(b Bounds) *rapid.Generator[sim.CheckpointConfig] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.CheckpointConfig { return drawCheckpoint(t, &b) })
}

// drawChoice draws whether an optional feature is on.
func drawChoice(t *rapid.T, c Choice, label string) bool {
	switch c {
	case Never:
		return false
	case Always:
		return true
	}
	return rapid.Bool().Draw(t, label)
}

func drawInt(t *rapid.T, r Range, label string) int {
	return rapid.IntRange(r.Min, r.Max).Draw(t, label)
}

// drawDur draws a duration in r in steps of unit (rounding the range
// inwards; a range narrower than one unit yields its minimum).
func drawDur(t *rapid.T, r DurationRange, unit time.Duration, label string) time.Duration {
	lo := (r.Min + unit - 1) / unit
	hi := r.Max / unit
	if hi < lo {
		return r.Min
	}
	return time.Duration(rapid.Int64Range(int64(lo), int64(hi)).Draw(t, label)) * unit
}

// drawOptDur draws 0 or a positive duration in r: a knob that is off by
// default. A range with Min > 0 is always on.
func drawOptDur(t *rapid.T, r DurationRange, unit time.Duration, label string) time.Duration {
	switch {
	case r.Max <= 0:
		return 0
	case r.Min > 0:
		return drawDur(t, r, unit, label)
	case !rapid.Bool().Draw(t, label+"?"):
		return 0
	}
	return drawDur(t, DurationRange{max(unit, r.Min), r.Max}, unit, label)
}

// drawLogDur draws a duration log-uniformly in r (at least 1ms), rounded
// to milliseconds: short and very long values are equally likely.
func drawLogDur(t *rapid.T, r DurationRange, label string) time.Duration {
	lo, hi := float64(max(r.Min, time.Millisecond)), float64(max(r.Max, time.Millisecond))
	x := float64(rapid.IntRange(0, 1000).Draw(t, label)) / 1000
	d := time.Duration(lo * math.Pow(hi/lo, x)).Round(time.Millisecond)
	return min(max(d, r.Min, time.Millisecond), r.Max)
}

// opName names the i-th operator of a kind: src1, map2, agg1, sink1.
func opName(k topology.Kind, i int) string {
	short := map[topology.Kind]string{topology.Source: "src", topology.Aggregate: "agg"}[k]
	if short == "" {
		short = string(k)
	}
	return fmt.Sprintf("%s%d", short, i)
}

func drawGraph(t *rapid.T, b *Bounds, bounded bool) *topology.Graph {
	nSrc := drawInt(t, b.Sources, "sources")
	nStateless := drawInt(t, b.Stateless, "stateless")
	nAgg := drawInt(t, b.Aggregates, "aggregates")
	nSink := drawInt(t, b.Sinks, "sinks")
	g := &topology.Graph{}
	count := map[topology.Kind]int{}
	add := func(op topology.Operator) {
		count[op.Kind]++
		op.Name = opName(op.Kind, count[op.Kind])
		op.Parallelism = drawInt(t, b.Parallelism, op.Name+".parallelism")
		g.Operators = append(g.Operators, op)
	}
	for range nSrc {
		add(topology.Operator{Kind: topology.Source})
		op := &g.Operators[len(g.Operators)-1]
		op.Cost = drawDur(t, b.SourceCost, time.Microsecond, op.Name+".cost")
		op.Source = drawWorkload(t, b, bounded, op.Name+".")
	}
	for s, a := nStateless, nAgg; s+a > 0; {
		aggregate := s == 0 || (a > 0 && rapid.Bool().Draw(t, "aggregate next"))
		op := topology.Operator{}
		if aggregate {
			a--
			op.Kind, op.Func, op.StateBytesPerKey = topology.Aggregate, topology.Count, scenarios.DefaultStateBytesPerKey
			if rapid.Bool().Draw(t, "sum") {
				op.Func = topology.Sum
			}
		} else {
			s--
			op.Kind = rapid.SampledFrom([]topology.Kind{topology.Map, topology.Filter}).Draw(t, "stateless kind")
			if op.Kind == topology.Map {
				op.Multiply = int64(rapid.IntRange(1, 3).Draw(t, "multiply"))
				op.Add = int64(rapid.IntRange(0, 10).Draw(t, "add"))
			} else {
				op.KeepPercent = rapid.IntRange(0, 100).Draw(t, "keep percent")
			}
		}
		add(op)
		o := &g.Operators[len(g.Operators)-1]
		o.Cost = drawDur(t, b.Cost, time.Microsecond, o.Name+".cost")
	}
	for range nSink {
		add(topology.Operator{Kind: topology.Sink})
		o := &g.Operators[len(g.Operators)-1]
		o.SinkMode = rapid.SampledFrom(b.SinkModes).Draw(t, o.Name+".mode")
	}
	drawEdges(t, b, g, nSrc)
	if drawChoice(t, b.SlowSubtask, "slow subtask") {
		op := &g.Operators[rapid.IntRange(0, len(g.Operators)-1).Draw(t, "slow operator")]
		idx := rapid.IntRange(0, op.Parallelism-1).Draw(t, "slow index")
		op.SubtaskCost = map[int]time.Duration{idx: drawDur(t, b.SlowCost, time.Microsecond, "slow cost")}
	}
	return g
}

// drawEdges connects the operators, which are in a topological order
// (sources first, sinks last): every non-source gets one or two inputs
// from earlier non-sinks, then every non-sink without an output feeds a
// later operator.
func drawEdges(t *rapid.T, b *Bounds, g *topology.Graph, nSrc int) {
	ops := g.Operators
	has := map[[2]int]bool{}
	outs := make([]int, len(ops))
	connect := func(from, to int) {
		if has[[2]int{from, to}] {
			return
		}
		has[[2]int{from, to}] = true
		outs[from]++
		g.Edges = append(g.Edges, topology.Edge{From: ops[from].Name, To: ops[to].Name,
			Partitioning: drawPartitioning(t, b, &ops[from], &ops[to])})
	}
	firstSink := len(ops)
	for i := range ops {
		if ops[i].Kind == topology.Sink {
			firstSink = i
			break
		}
	}
	for to := nSrc; to < len(ops); to++ {
		preds := min(to, firstSink) // operators 0..preds-1 may feed `to`
		connect(rapid.IntRange(0, preds-1).Draw(t, ops[to].Name+".input"), to)
		if preds > 1 && rapid.Bool().Draw(t, ops[to].Name+".second input?") {
			connect(rapid.IntRange(0, preds-1).Draw(t, ops[to].Name+".second input"), to)
		}
	}
	for from := range firstSink {
		if outs[from] == 0 {
			lo := max(from+1, nSrc)
			connect(from, rapid.IntRange(lo, len(ops)-1).Draw(t, ops[from].Name+".output"))
		}
	}
}

// drawPartitioning picks a partitioning valid from one operator to another
// among the allowed ones.
func drawPartitioning(t *rapid.T, b *Bounds, from, to *topology.Operator) topology.Partitioning {
	if to.Kind == topology.Aggregate {
		return topology.Hash
	}
	var opts []topology.Partitioning
	for _, p := range topology.Partitionings { // forward, rebalance, hash, broadcast
		if p == topology.Forward && from.Parallelism != to.Parallelism {
			continue
		}
		for _, q := range b.Partitionings {
			if p == q {
				opts = append(opts, p)
			}
		}
	}
	if len(opts) == 0 {
		return topology.Rebalance
	}
	return rapid.SampledFrom(opts).Draw(t, from.Name+"->"+to.Name)
}

func drawWorkload(t *rapid.T, b *Bounds, bounded bool, prefix string) *topology.SourceSpec {
	w := &topology.SourceSpec{
		Rate:         float64(drawInt(t, b.Rate, prefix+"rate")),
		Keys:         drawInt(t, b.Keys, prefix+"keys"),
		Distribution: topology.Uniform,
		ZipfS:        scenarios.DefaultZipfS,
		MaxValue:     scenarios.DefaultMaxValue,
		RecordBytes:  scenarios.DefaultRecordBytes,
	}
	if drawChoice(t, b.Zipf, prefix+"zipf") {
		w.Distribution = topology.Zipf
	}
	if bounded {
		w.Records = int64(drawInt(t, b.Records, prefix+"records"))
	}
	return w
}

func drawChannels(t *rapid.T, b *Bounds) sim.ChannelConfig {
	return sim.ChannelConfig{
		Latency:      drawDur(t, b.Latency, time.Microsecond, "latency"),
		Jitter:       drawOptDur(t, b.Jitter, time.Microsecond, "jitter"),
		Capacity:     drawInt(t, b.Capacity, "capacity"),
		OutputBuffer: drawInt(t, b.OutputBuffer, "output buffer"),
	}
}

func drawCheckpoint(t *rapid.T, b *Bounds) sim.CheckpointConfig {
	c := sim.CheckpointConfig{
		Mode:             rapid.SampledFrom(b.Modes).Draw(t, "mode"),
		Interval:         drawDur(t, b.Interval, time.Millisecond, "interval"),
		MinPause:         drawOptDur(t, b.MinPause, time.Millisecond, "min pause"),
		MaxConcurrent:    drawInt(t, b.MaxConcurrent, "max concurrent"),
		Timeout:          drawLogDur(t, b.Timeout, "timeout"),
		NumRetained:      drawInt(t, b.NumRetained, "num retained"),
		SyncDuration:     drawDur(t, b.SyncDuration, time.Microsecond, "sync duration"),
		AsyncBase:        drawDur(t, b.AsyncBase, time.Millisecond, "async base"),
		StorageBandwidth: int64(drawInt(t, b.StorageBandwidthMiBs, "storage bandwidth")) << 20,
	}
	if c.Mode == sim.Unaligned && b.AlignedTimeoutChoice != Never {
		r := b.AlignedTimeout
		if b.AlignedTimeoutChoice == Always {
			r.Min = max(r.Min, time.Millisecond)
		}
		c.AlignedCheckpointTimeout = drawOptDur(t, r, time.Millisecond, "aligned checkpoint timeout")
	}
	return c
}
