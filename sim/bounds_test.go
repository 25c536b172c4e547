package sim

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

func TestSaturatingTime(t *testing.T) {
	assert.Equal(t, int64(5), later(2, 3))
	assert.Equal(t, int64(never), later(never, never))
	assert.Equal(t, int64(never), later(int64(Horizon), never))
	for _, tc := range []struct {
		f    float64
		want int64
	}{
		{-1, 0}, {0, 0}, {1.9, 1}, {float64(Horizon), int64(Horizon)},
		{1e300, never}, {math.Inf(1), never}, {math.NaN(), never},
	} {
		assert.Equal(t, tc.want, nanos(tc.f), "nanos(%g)", tc.f)
	}
}

// TestSourceAtTheLowestRate: the time of any offset is finite, however
// slow the source.
func TestSourceAtTheLowestRate(t *testing.T) {
	l := newSourceLog(&topology.SourceSpec{Rate: MinRate, Keys: 1, MaxValue: 1}, 1, 0, zipfTables{})
	assert.Equal(t, int64(1e15), l.available(1))
	assert.Equal(t, int64(never), l.available(math.MaxInt64))
}

// atTheBounds are configs with values at their bounds, several stacked
// where the engine adds or multiplies them: none may overflow virtual
// time.
var atTheBounds = []struct {
	name string
	set  func(c *Config)
}{
	{"durations", func(c *Config) {
		ck := &c.Checkpoint
		ck.Interval, ck.MinPause, ck.Timeout, ck.SyncDuration, ck.AsyncBase = Horizon, Horizon, Horizon, Horizon, Horizon
	}},
	{"latency, jitter and three delay spikes", func(c *Config) {
		c.Channels.Latency, c.Channels.Jitter = Horizon, Horizon
		for range 3 {
			c.Faults = append(c.Faults, Fault{Kind: DelaySpike, Channel: "src[0]->count[0]", Delay: Horizon})
		}
	}},
	{"partition and delay spikes", func(c *Config) {
		c.Faults = []Fault{{Kind: Partition, Channel: "src[0]->count[0]"},
			{Kind: DelaySpike, Channel: "src[0]->count[0]", Delay: Horizon}, {Kind: DelaySpike, Channel: "src[0]->count[0]", Delay: Horizon}}
	}},
	{"stacked slow factors", func(c *Config) {
		c.Graph.Operators[1].Cost = Horizon
		for range 3 {
			c.Faults = append(c.Faults, Fault{Kind: Slow, Subtask: "count[0]", Factor: MaxFactor})
		}
	}},
	{"stacked slow uploads", func(c *Config) {
		c.Checkpoint.Interval, c.Checkpoint.AsyncBase = 10*time.Millisecond, Horizon
		for range 200 {
			c.Faults = append(c.Faults, Fault{Kind: SlowUpload, Factor: MaxFactor})
		}
	}},
	{"state and bandwidth", func(c *Config) {
		c.Graph.Operators[0].Source.Keys = 1 << 20
		c.Graph.Operators[1].StateBytesPerKey = MaxStateBytesPerKey
		c.Checkpoint.StorageBandwidth = 1
		c.Checkpoint.Interval = 10 * time.Millisecond
	}},
	{"unaligned with the longest aligned timeout", func(c *Config) {
		c.Checkpoint.Mode, c.Checkpoint.AlignedCheckpointTimeout = Unaligned, Horizon
	}},
	{"exponential restarts", func(c *Config) {
		c.Recovery = DefaultRecoveryConfig()
		c.Recovery.Restart.MaxDelay, c.Recovery.Restart.Multiplier, c.Recovery.Restart.Jitter = Horizon, MaxFactor, 1
		c.Recovery.RestoreBase, c.Recovery.RemoteBandwidth = Horizon, 1
		for i := range 5 {
			c.Faults = append(c.Faults, crashAt("count[0]", time.Duration(i+1)*100*time.Millisecond))
		}
	}},
	{"random crashes", func(c *Config) {
		c.Faults = []Fault{{Kind: RandomCrashes, MTBF: Horizon}, {Kind: Crash, Subtask: "count[1]", At: Horizon}}
		c.Recovery.Savepoints, c.Recovery.CancelAt = []time.Duration{Horizon}, Horizon
	}},
	{"slowest source", func(c *Config) {
		c.Graph.Operators[0].Source.Rate = MinRate
	}},
}

func TestRunsAtTheBounds(t *testing.T) {
	for _, tc := range atTheBounds {
		t.Run(tc.name, func(t *testing.T) {
			for _, until := range []time.Duration{5 * time.Second, 0} {
				cfg := pipeline()
				tc.set(&cfg)
				cfg.Until, cfg.MaxEvents = until, 50_000
				require.NoError(t, cfg.Validate())
				r := newSim(t, cfg).Run()
				assert.NotEqual(t, Running, r.Stop)
				assert.LessOrEqual(t, r.VirtualEnd, int64(Horizon))
			}
		})
	}
}

// TestHorizonEndsARun: without an end time, a run whose next event lies
// past the horizon ends there.
func TestHorizonEndsARun(t *testing.T) {
	cfg := pipeline()
	cfg.Graph.Operators[0].Source.Rate = MinRate
	cfg.Checkpoint.Interval = 0
	cfg.Until = 0
	r := newSim(t, cfg).Run()
	assert.Equal(t, EndTime, r.Stop)
	assert.Equal(t, int64(Horizon), r.VirtualEnd)
}

// TestBoundErrors: a library user gets a *BoundError naming the field of
// every value beyond its bound.
func TestBoundErrors(t *testing.T) {
	beyond := Horizon + 1
	for _, tc := range []struct {
		field string
		set   func(c *Config)
	}{
		{"Checkpoint.Interval", func(c *Config) { c.Checkpoint.Interval = beyond }},
		{"Checkpoint.Timeout", func(c *Config) { c.Checkpoint.Timeout = beyond }},
		{"Checkpoint.MinPause", func(c *Config) { c.Checkpoint.MinPause = beyond }},
		{"Checkpoint.SyncDuration", func(c *Config) { c.Checkpoint.SyncDuration = beyond }},
		{"Checkpoint.AsyncBase", func(c *Config) { c.Checkpoint.AsyncBase = beyond }},
		{"Checkpoint.StorageBandwidth", func(c *Config) { c.Checkpoint.StorageBandwidth = MaxBandwidth + 1 }},
		{"Checkpoint.MaxConcurrent", func(c *Config) { c.Checkpoint.MaxConcurrent = MaxCheckpoints + 1 }},
		{"Checkpoint.NumRetained", func(c *Config) { c.Checkpoint.NumRetained = MaxCheckpoints + 1 }},
		{"Channels.Latency", func(c *Config) { c.Channels.Latency = beyond }},
		{"Channels.Jitter", func(c *Config) { c.Channels.Jitter = beyond }},
		{"Channels.SegmentSize", func(c *Config) { c.Channels.SegmentSize = math.MaxInt }},
		{"Channels.BuffersPerChannel", func(c *Config) { c.Channels.BuffersPerChannel = MaxChannelBuffers + 1 }},
		{"Channels.FloatingBuffersPerGate", func(c *Config) { c.Channels.FloatingBuffersPerGate = MaxChannelBuffers + 1 }},
		{"Channels.MaxBuffersPerChannel", func(c *Config) { c.Channels.MaxBuffersPerChannel = math.MaxInt }},
		{"Channels.BufferTimeout", func(c *Config) { c.Channels.BufferTimeout = beyond }},
		{"Until", func(c *Config) { c.Until = beyond }},
		{"MaxEvents", func(c *Config) { c.MaxEvents = MaxEventBudget + 1 }},
		{"Recovery.Restart.Delay", func(c *Config) { c.Recovery.Restart.Delay = beyond }},
		{"Recovery.Restart.MaxDelay", func(c *Config) { c.Recovery.Restart.MaxDelay = beyond }},
		{"Recovery.Restart.Interval", func(c *Config) { c.Recovery.Restart.Interval = beyond }},
		{"Recovery.Restart.ResetThreshold", func(c *Config) { c.Recovery.Restart.ResetThreshold = beyond }},
		{"Recovery.Restart.Multiplier", func(c *Config) { c.Recovery.Restart.Multiplier = 1e23 }},
		{"Recovery.RestoreBase", func(c *Config) { c.Recovery.RestoreBase = beyond }},
		{"Recovery.RemoteBandwidth", func(c *Config) { c.Recovery.RemoteBandwidth = math.MaxInt64 }},
		{"Recovery.LocalBandwidth", func(c *Config) { c.Recovery.LocalBandwidth = math.MaxInt64 }},
		{"Recovery.CancelAt", func(c *Config) { c.Recovery.CancelAt = beyond }},
		{"Recovery.Savepoints[1]", func(c *Config) { c.Recovery.Savepoints = []time.Duration{time.Second, beyond} }},
		{"Faults[1].At", func(c *Config) { c.Faults = []Fault{crashAt("count[0]", 0), crashAt("count[0]", beyond)} }},
		{"Faults[0].Until", func(c *Config) { c.Faults = []Fault{{Kind: Slow, Subtask: "count[0]", Factor: 2, Until: beyond}} }},
		{"Faults[0].Factor", func(c *Config) { c.Faults = []Fault{{Kind: Slow, Subtask: "count[0]", Factor: 1e23}} }},
		{"Faults[0].Delay", func(c *Config) { c.Faults = []Fault{{Kind: DelaySpike, Channel: "src[0]->count[0]", Delay: beyond}} }},
		{"Faults[0].MTBF", func(c *Config) { c.Faults = []Fault{{Kind: RandomCrashes, MTBF: beyond}} }},
		{"Graph.Operators[1].Cost", func(c *Config) { c.Graph.Operators[1].Cost = beyond }},
		{"Graph.Operators[1].SubtaskCost[1]", func(c *Config) { c.Graph.Operators[1].SubtaskCost = map[int]time.Duration{0: 1, 1: beyond} }},
		{"Graph.Operators[1].StateBytesPerKey", func(c *Config) { c.Graph.Operators[1].StateBytesPerKey = math.MaxInt }},
		{"Graph.Operators[1].OutputBytes", func(c *Config) { c.Graph.Operators[1].OutputBytes = MaxRecordBytes + 1 }},
		{"Graph.Operators[0].Source.RecordBytes", func(c *Config) { c.Graph.Operators[0].Source.RecordBytes = MaxRecordBytes + 1 }},
		{"Graph.Operators[0].Source.Rate", func(c *Config) { c.Graph.Operators[0].Source.Rate = 1e-300 }},
		{"Graph.Operators[6].Source.Keys", func(c *Config) { // the fifth table of 2^20 keys
			s := c.Graph.Operators[0].Source
			s.Keys, s.Distribution, s.ZipfS = 1<<20, topology.Zipf, 1
			for i, skew := range []float64{1.1, 1.2, 1.3, 1.4} {
				op := topology.Operator{Name: "z" + string(rune('a'+i)), Kind: topology.Source, Parallelism: 1}
				op.Source = &topology.SourceSpec{Rate: 1, Keys: 1 << 20, Distribution: topology.Zipf, ZipfS: skew, MaxValue: 1, RecordBytes: 1}
				c.Graph.Operators = append(c.Graph.Operators, op)
				c.Graph.Edges = append(c.Graph.Edges, topology.Edge{From: op.Name, To: "count", Partitioning: topology.Hash})
			}
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := pipeline()
			tc.set(&cfg)
			var be *BoundError
			err := cfg.Validate()
			require.True(t, errors.As(err, &be), "%v", err)
			assert.Equal(t, tc.field, be.Field)
		})
	}
}
