package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Range is an inclusive range of integers.
type Range struct{ Min, Max int }

// DurationRange is an inclusive range of durations.
type DurationRange struct{ Min, Max time.Duration }

// Choice says whether a generator draws something always, never or
// sometimes.
type Choice uint8

// The choices.
const (
	// Sometimes lets the generator draw either way.
	Sometimes Choice = iota
	// Never rules it out.
	Never
	// Always forces it.
	Always
)

// Bounds limit what the generators draw. Start from DefaultBounds and
// tighten fields: every generated scenario stays within them, and rapid's
// shrinking moves each drawn value towards its Min (or towards "off" for
// the optional knobs).
//
// Fault schedules will get their own fields here, drawing no fault by
// default so that existing callers keep fault-free runs.
type Bounds struct {
	// Topology. The job is a DAG: Sources source operators, then Stateless
	// map and filter operators and Aggregates keyed aggregates in random
	// order, each fed by one or two earlier operators, then Sinks sinks.
	Sources, Stateless, Aggregates, Sinks Range
	// Parallelism of every operator.
	Parallelism Range
	// Partitionings the generator may put on an edge where they are
	// valid: an aggregate's inputs are always hash, forward needs equal
	// parallelism on both sides (rebalance is used when nothing else fits).
	Partitionings []topology.Partitioning
	// Cost is the per-record processing cost of map, filter and aggregate
	// operators; SourceCost that of sources (sinks cost nothing).
	Cost, SourceCost DurationRange
	// SlowSubtask: one subtask may get a per-record cost drawn from
	// SlowCost (a slow machine that backpressures the job).
	SlowSubtask Choice
	SlowCost    DurationRange

	// Workload. Rate is records/s per source partition, Keys the distinct
	// keys of a source; Zipf allows Zipf-skewed keys.
	Rate, Keys Range
	Zipf       Choice
	// Bounded sources end after Records records per partition and the run
	// lasts until quiescence; unbounded runs last Until of virtual time.
	Bounded Choice
	Records Range
	Until   DurationRange

	// Channels.
	Latency, Jitter        DurationRange
	Capacity, OutputBuffer Range

	// Checkpointing. Modes are the checkpointing modes to draw from;
	// unaligned checkpoints get an aligned checkpoint timeout from
	// AlignedTimeout unless AlignedTimeoutChoice is Never (Min 0 lets
	// rapid shrink towards "unaligned from the start").
	Modes                []sim.Mode
	AlignedTimeoutChoice Choice
	AlignedTimeout       DurationRange
	// Interval, MinPause (0 allowed), MaxConcurrent, Timeout (drawn
	// log-uniformly, so both expiring and never-expiring checkpoints
	// come up) and NumRetained are Flink's CheckpointConfig knobs.
	Interval, MinPause   DurationRange
	MaxConcurrent        Range
	Timeout              DurationRange
	NumRetained          Range
	SyncDuration         DurationRange
	AsyncBase            DurationRange
	StorageBandwidthMiBs Range

	// SinkModes are the sink modes drawn for sinks ("" is the format's
	// default, at-least-once).
	SinkModes []topology.SinkMode
	// TolerableFailures is Flink's tolerable-failed-checkpoints (-1:
	// unlimited). Flink's default, 0, fails the job over when one
	// checkpoint expires; the default bounds tolerate any number, so that
	// generated runs have no failover, which the properties of fault-free
	// runs assume (they do not apply to runs with a failover).
	TolerableFailures Range

	// MaxEvents is the event budget of every generated run: a safety net
	// against a run that does not stop, not a bound that shapes it.
	MaxEvents int64
}

// DefaultBounds are small jobs that a property check runs in a few
// milliseconds each (about a thousand records and a few dozen
// checkpoints), yet wide enough for backpressure, alignment, overtaking,
// expiry, queued triggers and subsumption to happen.
func DefaultBounds() Bounds {
	return Bounds{
		Sources:       Range{1, 2},
		Stateless:     Range{0, 2},
		Aggregates:    Range{0, 2},
		Sinks:         Range{1, 2},
		Parallelism:   Range{1, 3},
		Partitionings: slices.Clone(topology.Partitionings),
		Cost:          DurationRange{0, 300 * time.Microsecond},
		SourceCost:    DurationRange{0, 50 * time.Microsecond},
		SlowCost:      DurationRange{500 * time.Microsecond, 3 * time.Millisecond},

		Rate:    Range{100, 2000},
		Keys:    Range{1, 50},
		Records: Range{1, 500},
		Until:   DurationRange{200 * time.Millisecond, 2 * time.Second},

		Latency:      DurationRange{0, 2 * time.Millisecond},
		Jitter:       DurationRange{0, time.Millisecond},
		Capacity:     Range{1, 20},
		OutputBuffer: Range{0, 5},

		Modes:                slices.Clone(sim.Modes),
		AlignedTimeout:       DurationRange{0, 30 * time.Millisecond},
		Interval:             DurationRange{10 * time.Millisecond, 300 * time.Millisecond},
		MinPause:             DurationRange{0, 50 * time.Millisecond},
		MaxConcurrent:        Range{1, 3},
		Timeout:              DurationRange{20 * time.Millisecond, 10 * time.Minute},
		NumRetained:          Range{1, 3},
		SyncDuration:         DurationRange{0, 2 * time.Millisecond},
		AsyncBase:            DurationRange{0, 30 * time.Millisecond},
		StorageBandwidthMiBs: Range{1, 100},

		SinkModes:         []topology.SinkMode{"", topology.TwoPhaseCommitSink, topology.UpsertSink},
		TolerableFailures: Range{-1, -1},

		MaxEvents: 5_000_000,
	}
}

// Validate reports the first field that no valid scenario can satisfy.
func (b *Bounds) Validate() error {
	ints := []struct {
		name   string
		r      Range
		lo, hi int
	}{
		{"Sources", b.Sources, 1, 20},
		{"Stateless", b.Stateless, 0, 20},
		{"Aggregates", b.Aggregates, 0, 20},
		{"Sinks", b.Sinks, 1, 20},
		{"Parallelism", b.Parallelism, 1, 1024},
		{"Rate", b.Rate, 1, 1e9},
		{"Keys", b.Keys, 1, 1 << 20},
		{"Records", b.Records, 1, 1 << 40},
		{"Capacity", b.Capacity, 1, 1 << 30},
		{"OutputBuffer", b.OutputBuffer, 0, 1 << 30},
		{"MaxConcurrent", b.MaxConcurrent, 1, 1 << 20},
		{"NumRetained", b.NumRetained, 1, 1 << 20},
		{"StorageBandwidthMiBs", b.StorageBandwidthMiBs, 1, 1 << 30},
		{"TolerableFailures", b.TolerableFailures, -1, 1 << 20},
	}
	for _, f := range ints {
		if f.r.Min > f.r.Max || f.r.Min < f.lo || f.r.Max > f.hi {
			return fmt.Errorf("bounds: %s %d..%d is empty or outside %d..%d", f.name, f.r.Min, f.r.Max, f.lo, f.hi)
		}
	}
	durs := []struct {
		name string
		r    DurationRange
		lo   time.Duration
	}{
		{"Cost", b.Cost, 0},
		{"SourceCost", b.SourceCost, 0},
		{"SlowCost", b.SlowCost, 0},
		{"Until", b.Until, time.Millisecond},
		{"Latency", b.Latency, 0},
		{"Jitter", b.Jitter, 0},
		{"AlignedTimeout", b.AlignedTimeout, 0},
		{"Interval", b.Interval, time.Millisecond},
		{"MinPause", b.MinPause, 0},
		{"Timeout", b.Timeout, time.Millisecond},
		{"SyncDuration", b.SyncDuration, 0},
		{"AsyncBase", b.AsyncBase, 0},
	}
	for _, f := range durs {
		if f.r.Min > f.r.Max || f.r.Min < f.lo {
			return fmt.Errorf("bounds: %s %v..%v is empty or below %v", f.name, f.r.Min, f.r.Max, f.lo)
		}
	}
	if len(b.Modes) == 0 {
		return fmt.Errorf("bounds: no checkpointing mode allowed")
	}
	for _, m := range b.Modes {
		if !slices.Contains(sim.Modes, m) {
			return fmt.Errorf("bounds: unknown mode %q", m)
		}
	}
	for _, p := range b.Partitionings {
		if !slices.Contains(topology.Partitionings, p) {
			return fmt.Errorf("bounds: unknown partitioning %q", p)
		}
	}
	if len(b.SinkModes) == 0 {
		return fmt.Errorf("bounds: no sink mode allowed")
	}
	for _, m := range b.SinkModes {
		if m != "" && !slices.Contains(topology.SinkModes, m) {
			return fmt.Errorf("bounds: unknown sink mode %q", m)
		}
	}
	for _, c := range []Choice{b.SlowSubtask, b.Zipf, b.Bounded, b.AlignedTimeoutChoice} {
		if c > Always {
			return fmt.Errorf("bounds: unknown choice %d", c)
		}
	}
	if b.MaxEvents < 1 {
		return fmt.Errorf("bounds: MaxEvents must be at least 1")
	}
	return nil
}
