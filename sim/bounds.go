package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// The bounds of a Config. Every duration, point in time, size, rate,
// factor and budget a Config holds has an upper bound (and a rate a lower
// one), which Validate enforces, so that the engine's arithmetic on
// virtual time (int64 nanoseconds, which end after 292 years) and on byte
// counts cannot overflow, and a run's work and memory stay bounded.
const (
	// Horizon is the virtual horizon, 100 years of 365 days: every
	// duration and point in time of a Config is at most Horizon, and a run
	// ends at the horizon at the latest (StopReason EndTime), also with
	// Until 0.
	Horizon = 100 * 365 * 24 * time.Hour
	// MinRate is the lowest source rate in records per second per
	// partition (one record in about 11.6 days), so that the time of an
	// offset is finite.
	MinRate = 1e-6
	// MaxFactor bounds the factor of a Slow or SlowUpload fault and the
	// multiplier of exponential-delay restarts.
	MaxFactor = 1e6
	// MaxRecordBytes bounds a record's size (SourceSpec.RecordBytes,
	// Operator.OutputBytes): 1 GiB.
	MaxRecordBytes = 1 << 30
	// MaxStateBytesPerKey bounds Operator.StateBytesPerKey: 1 MiB, so that
	// the state of every key of 10,000 operators still counts in an int64.
	MaxStateBytesPerKey = 1 << 20
	// MaxBandwidth bounds every bandwidth, in bytes per second: 1 PiB/s.
	MaxBandwidth = 1 << 50
	// SegmentSizeMin and SegmentSizeMax bound ChannelConfig.SegmentSize,
	// as Flink bounds taskmanager.memory.segment-size (a power of two is
	// not required here).
	SegmentSizeMin = 256
	SegmentSizeMax = 1 << 30
	// MaxChannelBuffers bounds ChannelConfig.BuffersPerChannel,
	// FloatingBuffersPerGate and MaxBuffersPerChannel.
	MaxChannelBuffers = 100_000
	// MaxInFlightRecords bounds the records the job's channels hold at
	// once, about 1.6 GB: a run that would hold more stops
	// (StopReason InFlightBudget), as a run that would fire more events
	// than its budget stops.
	MaxInFlightRecords = 20_000_000
	// MaxRecordsPerEvent bounds the steps of a task's loop within one
	// event, each a record, barrier or other input taken (records that
	// cost nothing finish inline, and a source reads on while its records
	// are due): past it the task goes on in an event
	// of its own at the same instant, so that the event budget bounds a
	// run's work too. A source of 10^9 records/s behind buffers of 460,000
	// 4-byte records read millions in an event: a run of 20,000 events
	// took a minute.
	MaxRecordsPerEvent = 4096
	// MaxCheckpoints bounds CheckpointConfig.MaxConcurrent and
	// CheckpointConfig.NumRetained: each pending or retained checkpoint
	// holds a copy of the job's keyed state.
	MaxCheckpoints = 100
	// MaxHistory bounds CheckpointConfig.History, and MaxHistoryRows the
	// per-subtask rows a history longer than DefaultHistory may hold,
	// History × subtasks (about 1.3 GB).
	MaxHistory     = 10_000
	MaxHistoryRows = 10_000_000
	// MaxEventBudget bounds Config.MaxEvents: a run's work.
	MaxEventBudget = 1_000_000_000
	// MaxZipfKeys bounds the setup work of Zipf sources: the keys of all
	// distinct (keys, zipf_s) pairs, one cumulative distribution table of
	// that many entries each.
	MaxZipfKeys = 1 << 22
)

// never is a time past the horizon: an event at never does not fire. Every
// time and delay the engine computes is at most never, so that the sum of
// two of them still fits an int64 (see later).
const never = math.MaxInt64 / 2

// later is t + d saturated at never; t and d must be in [0, never].
func later(t, d int64) int64 { return min(t+d, never) }

// nanos converts a duration computed in floating point to nanoseconds,
// saturated to [0, never] (NaN, from an infinite product, is never).
func nanos(f float64) int64 {
	switch {
	case f <= 0:
		return 0
	case !(f < never):
		return never
	}
	return int64(f)
}

// BoundError reports a value of a Config beyond its documented bound.
type BoundError struct {
	// Field is the path of the value in the Config, with Go field names:
	// "Checkpoint.Timeout", "Graph.Operators[2].Source.Rate",
	// "Faults[0].Delay", "Recovery.Savepoints[3]".
	Field string
	// Msg says what is wrong and what is allowed.
	Msg string
}

func (e *BoundError) Error() string { return e.Msg }

// bounds checks values against their bounds and keeps the first problem.
type bounds struct{ err error }

func (b *bounds) fail(field, format string, args ...any) {
	if b.err == nil {
		b.err = &BoundError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
}

// duration checks a duration or point in time against the horizon.
func (b *bounds) duration(field, name string, d time.Duration) {
	if d > Horizon {
		b.fail(field, "%s %v is beyond the virtual horizon (at most %v, 100 years)", name, d, Horizon)
	}
}

// atMost checks a size or count against its bound.
func (b *bounds) atMost(field, name string, v, hi int64, unit string) {
	if v > hi {
		b.fail(field, "%s %d is too large (at most %d%s)", name, v, hi, unit)
	}
}

// factor checks a factor against MaxFactor.
func (b *bounds) factor(field, name string, v float64) {
	if v > MaxFactor {
		b.fail(field, "%s %g is too large (at most %g)", name, v, float64(MaxFactor))
	}
}

// checkBounds enforces the bounds above on every value of c; the rest of
// Validate has checked signs, kinds and the graph.
func (c *Config) checkBounds(g *topology.Graph) error {
	var b bounds
	ck := &c.Checkpoint
	b.duration("Checkpoint.Interval", "checkpoint interval", ck.Interval)
	b.duration("Checkpoint.AlignedCheckpointTimeout", "aligned checkpoint timeout", ck.AlignedCheckpointTimeout)
	b.duration("Checkpoint.MinPause", "min pause between checkpoints", ck.MinPause)
	b.duration("Checkpoint.Timeout", "checkpoint timeout", ck.Timeout)
	b.duration("Checkpoint.SyncDuration", "sync duration", ck.SyncDuration)
	b.duration("Checkpoint.AsyncBase", "async base", ck.AsyncBase)
	b.atMost("Checkpoint.StorageBandwidth", "storage bandwidth", ck.StorageBandwidth, MaxBandwidth, " bytes/s")
	b.atMost("Checkpoint.MaxConcurrent", "max concurrent checkpoints", int64(ck.MaxConcurrent), MaxCheckpoints, "")
	b.atMost("Checkpoint.NumRetained", "num retained checkpoints", int64(ck.NumRetained), MaxCheckpoints, "")
	b.atMost("Checkpoint.History", "checkpoint history", int64(ck.History), MaxHistory, " checkpoints")
	if rows := int64(ck.History) * int64(g.Subtasks()); b.err == nil && ck.History > DefaultHistory && rows > MaxHistoryRows {
		b.fail("Checkpoint.History", "a checkpoint history of %d checkpoints × %d subtasks is too many rows (at most %d in all beyond the default history of %d): lower the history",
			ck.History, g.Subtasks(), MaxHistoryRows, DefaultHistory)
	}
	ch := &c.Channels
	b.duration("Channels.Latency", "channel latency", ch.Latency)
	b.duration("Channels.Jitter", "channel jitter", ch.Jitter)
	b.atMost("Channels.SegmentSize", "segment size", int64(ch.SegmentSize), SegmentSizeMax, " bytes")
	b.atMost("Channels.BuffersPerChannel", "buffers per channel", int64(ch.BuffersPerChannel), MaxChannelBuffers, "")
	b.atMost("Channels.FloatingBuffersPerGate", "floating buffers per gate", int64(ch.FloatingBuffersPerGate), MaxChannelBuffers, "")
	b.atMost("Channels.MaxBuffersPerChannel", "max buffers per channel", int64(ch.MaxBuffersPerChannel), MaxChannelBuffers, "")
	b.duration("Channels.BufferTimeout", "buffer timeout", ch.BufferTimeout)
	b.duration("Channels.Debloat.Target", "debloat target", ch.Debloat.Target)
	b.duration("Channels.Debloat.Period", "debloat period", ch.Debloat.Period)
	b.atMost("Channels.Debloat.Samples", "debloat samples", int64(ch.Debloat.Samples), MaxChannelBuffers, "")
	b.duration("Until", "run length", c.Until)
	b.atMost("MaxEvents", "event budget", c.MaxEvents, MaxEventBudget, " events")
	c.StateBackend.checkBounds(&b)
	c.Recovery.checkBounds(&b)
	for i := range c.Faults {
		c.Faults[i].checkBounds(&b, i)
	}
	for i, r := range c.Restores {
		b.duration(fmt.Sprintf("Restores[%d].At", i), "restore time", r.At)
	}
	checkGraphBounds(&b, g)
	if sc := c.Script; sc != nil {
		b.duration("Script.Cost", "script cost", sc.Cost)
		for i, st := range sc.Steps {
			b.duration(fmt.Sprintf("Script.Steps[%d].At", i), fmt.Sprintf("script step %d time", i+1), st.At)
		}
	}
	return b.err
}

func (r *RecoveryConfig) checkBounds(b *bounds) {
	rs := &r.Restart
	b.duration("Recovery.Restart.Delay", "restart delay", rs.Delay)
	b.duration("Recovery.Restart.Interval", "failure-rate interval", rs.Interval)
	b.duration("Recovery.Restart.MaxDelay", "restart max delay", rs.MaxDelay)
	b.duration("Recovery.Restart.ResetThreshold", "restart reset threshold", rs.ResetThreshold)
	b.factor("Recovery.Restart.Multiplier", "restart multiplier", rs.Multiplier)
	b.duration("Recovery.RestoreBase", "restore base", r.RestoreBase)
	b.atMost("Recovery.RemoteBandwidth", "remote bandwidth", r.RemoteBandwidth, MaxBandwidth, " bytes/s")
	b.atMost("Recovery.LocalBandwidth", "local bandwidth", r.LocalBandwidth, MaxBandwidth, " bytes/s")
	b.duration("Recovery.CancelAt", "cancel time", r.CancelAt)
	b.duration("Recovery.Stop.At", "stop-with-savepoint time", r.Stop.At)
	for i, at := range r.Savepoints {
		b.duration(fmt.Sprintf("Recovery.Savepoints[%d]", i), "savepoint time", at)
	}
}

func (f *Fault) checkBounds(b *bounds, i int) {
	field := func(name string) string { return fmt.Sprintf("Faults[%d].%s", i, name) }
	name := func(key string) string { return fmt.Sprintf("fault %d (%s): %s", i+1, f.Kind, key) }
	b.duration(field("At"), name("at"), f.At)
	b.duration(field("Until"), name("until"), f.Until)
	b.duration(field("Delay"), name("delay"), f.Delay)
	b.duration(field("MTBF"), name("mtbf"), f.MTBF)
	b.factor(field("Factor"), name("factor"), f.Factor)
}

// checkGraphBounds checks the operators' durations, sizes and rates, and
// the setup work of their Zipf tables.
func checkGraphBounds(b *bounds, g *topology.Graph) {
	var tables []zipfShape
	zipfKeys := 0
	for i := range g.Operators {
		op := &g.Operators[i]
		field := func(name string) string { return fmt.Sprintf("Graph.Operators[%d].%s", i, name) }
		name := func(key string) string { return fmt.Sprintf("operator %q: %s", op.Name, key) }
		b.duration(field("Cost"), name("cost"), op.Cost)
		for _, idx := range slices.Sorted(maps.Keys(op.SubtaskCost)) {
			b.duration(field(fmt.Sprintf("SubtaskCost[%d]", idx)), name(fmt.Sprintf("subtask_cost of subtask %d", idx)), op.SubtaskCost[idx])
		}
		b.atMost(field("OutputBytes"), name("output_bytes"), int64(op.OutputBytes), MaxRecordBytes, " bytes")
		if r := op.RecordSizes; r != nil {
			for _, p := range []struct {
				key string
				v   int
			}{{"Min", r.Min}, {"Max", r.Max}, {"Mean", r.Mean}, {"Stddev", r.Stddev}} {
				b.atMost(field("RecordSizes."+p.key), name("record_size "+strings.ToLower(p.key)), int64(p.v), MaxRecordBytes, " bytes")
			}
		}
		b.atMost(field("StateBytesPerKey"), name("state_bytes_per_key"), int64(op.StateBytesPerKey), MaxStateBytesPerKey, " bytes")
		src := op.Source
		if src == nil {
			continue
		}
		if src.Rate < MinRate {
			b.fail(field("Source.Rate"), "%s %g is too low (at least %g records/s per partition)", name("rate"), src.Rate, MinRate)
		}
		b.atMost(field("Source.RecordBytes"), name("record_bytes"), int64(src.RecordBytes), MaxRecordBytes, " bytes")
		if t := (zipfShape{src.Keys, src.ZipfS}); src.Distribution == topology.Zipf && !slices.Contains(tables, t) {
			tables = append(tables, t)
			if zipfKeys += src.Keys; zipfKeys > MaxZipfKeys {
				b.fail(field("Source.Keys"), "%s: the zipf sources of the job need tables of %d keys in all (at most %d, one table per distinct keys and zipf_s)",
					name("keys"), zipfKeys, MaxZipfKeys)
			}
		}
	}
}
