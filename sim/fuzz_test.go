package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/topology"
)

// The budget of one fuzzed run: small, so that the fuzzer runs many.
const (
	engineFuzzEvents = 20_000
	engineFuzzUntil  = 2 * time.Second
)

// edgeDuration draws a duration: mostly a modest one, often one at an edge
// of its range (0, 1ns, the horizon and just below it).
func edgeDuration(lo time.Duration) *rapid.Generator[time.Duration] {
	return rapid.Custom(func(t *rapid.T) time.Duration {
		switch rapid.IntRange(0, 3).Draw(t, "shape") {
		case 0:
			return rapid.SampledFrom([]time.Duration{lo, lo + 1, Horizon - 1, Horizon}).Draw(t, "edge")
		case 1:
			return time.Duration(rapid.Int64Range(int64(lo), int64(Horizon)).Draw(t, "any"))
		}
		return time.Duration(rapid.Int64Range(int64(lo), int64(lo+20*time.Millisecond)).Draw(t, "modest"))
	})
}

// edgeInt draws an integer in [lo, hi], often lo or hi.
func edgeInt(lo, hi int64) *rapid.Generator[int64] {
	return rapid.OneOf(rapid.SampledFrom([]int64{lo, hi}), rapid.Int64Range(lo, min(hi, lo+100)), rapid.Int64Range(lo, hi))
}

// edgeFactor draws a factor in (0, MaxFactor], often at an edge.
var edgeFactor = rapid.OneOf(rapid.SampledFrom([]float64{1e-9, 1, MaxFactor}), rapid.Float64Range(1e-9, MaxFactor))

// fuzzGraph draws a valid job: a source, up to three operators in a line
// and a sink, with partitionings each edge allows.
func fuzzGraph(t *rapid.T) *topology.Graph {
	par := func(name string) int { return rapid.IntRange(1, 3).Draw(t, name) }
	spec := &topology.SourceSpec{
		Rate:         rapid.OneOf(rapid.SampledFrom([]float64{MinRate, 1e9}), rapid.Float64Range(MinRate, 1e5)).Draw(t, "rate"),
		Records:      rapid.SampledFrom([]int64{0, 1, 50, 1 << 62}).Draw(t, "records"),
		Keys:         int(edgeInt(1, 1<<20).Draw(t, "keys")),
		Distribution: rapid.SampledFrom([]topology.Distribution{topology.Uniform, topology.Zipf}).Draw(t, "distribution"),
		ZipfS:        rapid.Float64Range(0.01, 10).Draw(t, "zipf_s"),
		MaxValue:     edgeInt(1, 1<<62).Draw(t, "max_value"),
		RecordBytes:  int(edgeInt(1, MaxRecordBytes).Draw(t, "record_bytes")),
	}
	g := &topology.Graph{Operators: []topology.Operator{{Name: "src", Kind: topology.Source, Parallelism: par("src p"), Source: spec}}}
	cost := edgeDuration(0)
	for i := range rapid.IntRange(0, 3).Draw(t, "middle") {
		op := topology.Operator{Name: fmt.Sprintf("op%d", i), Parallelism: par("p"), Cost: cost.Draw(t, "cost"),
			Kind: rapid.SampledFrom([]topology.Kind{topology.Map, topology.Filter, topology.Aggregate}).Draw(t, "kind")}
		switch op.Kind {
		case topology.Map:
			op.Multiply, op.Add = rapid.Int64().Draw(t, "multiply"), rapid.Int64().Draw(t, "add")
		case topology.Filter:
			op.KeepPercent = rapid.IntRange(0, 100).Draw(t, "keep")
		case topology.Aggregate:
			op.Func = rapid.SampledFrom([]topology.AggregateFunc{topology.Count, topology.Sum}).Draw(t, "func")
			op.StateBytesPerKey = int(edgeInt(0, MaxStateBytesPerKey).Draw(t, "state bytes"))
		}
		if rapid.Bool().Draw(t, "subtask cost?") {
			op.SubtaskCost = map[int]time.Duration{op.Parallelism - 1: cost.Draw(t, "subtask cost")}
		}
		op.OutputBytes = int(edgeInt(0, MaxRecordBytes).Draw(t, "output bytes"))
		g.Operators = append(g.Operators, op)
	}
	g.Operators = append(g.Operators, topology.Operator{Name: "sink", Kind: topology.Sink, Parallelism: par("sink p"),
		SinkMode: rapid.SampledFrom(append([]topology.SinkMode{""}, topology.SinkModes...)).Draw(t, "sink mode")})
	for i := 1; i < len(g.Operators); i++ {
		from, to := &g.Operators[i-1], &g.Operators[i]
		parts := []topology.Partitioning{topology.Hash}
		if to.Kind != topology.Aggregate {
			parts = append(parts, topology.Rebalance, topology.Broadcast)
			if from.Parallelism == to.Parallelism {
				parts = append(parts, topology.Forward)
			}
		}
		g.Edges = append(g.Edges, topology.Edge{From: from.Name, To: to.Name, Partitioning: rapid.SampledFrom(parts).Draw(t, "partitioning")})
	}
	return g
}

// fuzzFaults draws up to four faults on the subtasks and channels of eg.
// A job chained into one task has no channel for a delay spike or a
// partition to strike.
func fuzzFaults(t *rapid.T, eg *topology.ExecutionGraph) []Fault {
	kinds := FaultKinds
	if len(eg.Channels) == 0 {
		kinds = slices.DeleteFunc(slices.Clone(kinds), func(k FaultKind) bool { return k == DelaySpike || k == Partition })
	}
	var faults []Fault
	for range rapid.IntRange(0, 4).Draw(t, "faults") {
		f := Fault{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"),
			Subtask: eg.Subtasks[rapid.IntRange(0, len(eg.Subtasks)-1).Draw(t, "subtask")].Name,
			At:      edgeDuration(0).Draw(t, "at"), Checkpoint: edgeInt(1, 1<<62).Draw(t, "checkpoint"),
			Factor: edgeFactor.Draw(t, "factor"), Delay: edgeDuration(1).Draw(t, "delay"), MTBF: edgeDuration(1).Draw(t, "mtbf"),
			MachineLost: rapid.Bool().Draw(t, "machine lost")}
		if len(eg.Channels) > 0 {
			f.Channel = eg.ChannelName(rapid.IntRange(0, len(eg.Channels)-1).Draw(t, "channel"))
		}
		if rapid.Bool().Draw(t, "window?") {
			f.Until = f.At + time.Duration(rapid.Int64Range(0, int64(Horizon-f.At)).Draw(t, "length"))
		}
		if f.Kind == Crash {
			f.Phase = rapid.SampledFrom(Phases).Draw(t, "phase")
			if f.Phase != AtTime {
				f.Checkpoint = edgeInt(1, 20).Draw(t, "checkpoint")
			}
		}
		faults = append(faults, f)
	}
	return faults
}

// fuzzConfig draws a valid Config whose every value may sit at its bound.
func fuzzConfig(t *rapid.T) Config {
	cfg := Config{Name: "fuzz", Seed: rapid.Uint64().Draw(t, "seed"), Graph: fuzzGraph(t),
		Until: engineFuzzUntil, MaxEvents: engineFuzzEvents}
	ck := DefaultCheckpointConfig()
	ck.Mode = rapid.SampledFrom(Modes).Draw(t, "mode")
	ck.Interval = rapid.OneOf(rapid.Just(time.Duration(0)), edgeDuration(time.Millisecond)).Draw(t, "interval")
	if ck.Mode == Unaligned {
		ck.AlignedCheckpointTimeout = edgeDuration(0).Draw(t, "aligned checkpoint timeout")
	}
	ck.MinPause, ck.Timeout = edgeDuration(0).Draw(t, "min pause"), edgeDuration(time.Millisecond).Draw(t, "timeout")
	ck.SyncDuration, ck.AsyncBase = edgeDuration(0).Draw(t, "sync"), edgeDuration(0).Draw(t, "async")
	ck.MaxConcurrent = int(edgeInt(1, MaxCheckpoints).Draw(t, "max concurrent"))
	if ck.Mode == Unaligned {
		ck.MaxConcurrent = 1 // Flink refuses more (CheckpointCoordinatorConfiguration)
	}
	ck.NumRetained = int(edgeInt(1, MaxCheckpoints).Draw(t, "num retained"))
	ck.StorageBandwidth = edgeInt(1, MaxBandwidth).Draw(t, "storage bandwidth")
	cfg.Checkpoint = ck
	cfg.Channels = ChannelConfig{Latency: edgeDuration(0).Draw(t, "latency"), Jitter: edgeDuration(0).Draw(t, "jitter"),
		SegmentSize:            int(edgeInt(SegmentSizeMin, SegmentSizeMax).Draw(t, "segment size")),
		BuffersPerChannel:      int(edgeInt(1, 1000).Draw(t, "buffers per channel")),
		FloatingBuffersPerGate: int(edgeInt(0, 1000).Draw(t, "floating buffers per gate")),
		MaxBuffersPerChannel:   int(edgeInt(1, 1000).Draw(t, "max buffers per channel")),
		BufferTimeout:          edgeDuration(0).Draw(t, "buffer timeout"),
		Debloat:                DebloatConfig{Enabled: rapid.Bool().Draw(t, "debloat")}}
	r := DefaultRecoveryConfig()
	r.Restart.Kind = rapid.SampledFrom(RestartKinds).Draw(t, "restart")
	r.Restart.Attempts = int(edgeInt(0, 1<<30).Draw(t, "attempts"))
	r.Restart.Delay, r.Restart.MaxDelay = edgeDuration(1).Draw(t, "delay"), edgeDuration(0).Draw(t, "max delay")
	r.Restart.Interval, r.Restart.ResetThreshold = edgeDuration(1).Draw(t, "interval"), edgeDuration(0).Draw(t, "reset")
	// Above 1: ExponentialDelayRestartBackoffTimeStrategy refuses 1.
	above1 := math.Nextafter(1, 2)
	r.Restart.Multiplier = rapid.OneOf(rapid.SampledFrom([]float64{above1, MaxFactor}), rapid.Float64Range(above1, MaxFactor)).Draw(t, "multiplier")
	r.Restart.Jitter = rapid.Float64Range(0, 1).Draw(t, "jitter")
	r.Failover = rapid.SampledFrom([]Failover{FullFailover, RegionFailover}).Draw(t, "failover")
	r.TolerableFailures = int(edgeInt(-1, 1<<30).Draw(t, "tolerable"))
	r.LocalRecovery = rapid.Bool().Draw(t, "local recovery")
	r.RestoreBase = edgeDuration(0).Draw(t, "restore base")
	r.RemoteBandwidth, r.LocalBandwidth = edgeInt(1, MaxBandwidth).Draw(t, "remote"), edgeInt(1, MaxBandwidth).Draw(t, "local")
	if rapid.Bool().Draw(t, "savepoint?") {
		r.Savepoints = []time.Duration{edgeDuration(0).Draw(t, "savepoint")}
	}
	if rapid.Bool().Draw(t, "cancel?") {
		r.CancelAt = edgeDuration(1).Draw(t, "cancel at")
	}
	cfg.Recovery = r
	if rapid.Bool().Draw(t, "until 0?") {
		cfg.Until = 0 // the horizon ends it, or the event budget
	}
	eg, err := topology.Expand(cfg.Graph)
	if err != nil {
		t.Fatalf("generated an invalid graph: %v", err)
	}
	cfg.Faults = fuzzFaults(t, eg)
	cfg.StateBackend = fuzzBackend(t)
	return cfg
}

// fuzzBackend draws a state backend with values at their bounds.
func fuzzBackend(t *rapid.T) StateBackendConfig {
	size := func(label string) int64 { return edgeInt(MinFileSize, MaxStateBackendFile).Draw(t, label) }
	b := StateBackendConfig{Type: rapid.SampledFrom(StateBackendTypes).Draw(t, "backend"), Incremental: rapid.Bool().Draw(t, "incremental"),
		WriteBufferSize: size("write buffer"), TargetFileSize: size("target file"), FlushBandwidth: edgeInt(1, MaxBandwidth).Draw(t, "flush bandwidth"),
		Level0Trigger: int(edgeInt(1, MaxLevel0Trigger).Draw(t, "l0 trigger")), LevelMultiplier: int(edgeInt(2, MaxLevelMultiplier).Draw(t, "multiplier"))}
	b.LevelBase = edgeInt(b.TargetFileSize, MaxStateBackendFile).Draw(t, "level base")
	if rapid.Bool().Draw(t, "changelog") {
		b.Changelog = ChangelogConfig{Enabled: true, MaterializationInterval: edgeDuration(time.Millisecond).Draw(t, "materialization"), PersistSize: size("persist size")}
	}
	return b
}

// FuzzEngine builds a valid Config from the fuzz bytes, with values at
// their bounds, so that every exec runs the engine: the run must not
// panic, must stop within its budget and the horizon, and every invariant
// must hold. Run it with -fuzzminimizetime 0 (see README, Reliability).
func FuzzEngine(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		cfg := fuzzConfig(t)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("generated an invalid config: %v", err)
		}
		s, err := New(cfg)
		require.NoError(t, err)
		r := s.Run()
		require.NotEqual(t, Running, r.Stop)
		require.LessOrEqual(t, r.Events, int64(engineFuzzEvents))
		require.LessOrEqual(t, r.VirtualEnd, int64(Horizon))
		if cfg.Until > 0 {
			require.LessOrEqual(t, r.VirtualEnd, int64(cfg.Until))
		}
		sm := r.Summary
		require.Equal(t, len(r.Checkpoints)+r.History.Evicted, sm.Completed+sm.Expired+sm.Aborted+sm.InProgress)
		for _, inv := range r.Invariants {
			require.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
		}
	}))
}
