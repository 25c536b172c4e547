package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
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
// By default about half of the runs get a fault schedule (Faults); set
// Faults to Range{0, 0} for fault-free runs only, or Min to 1 for faults
// in every run.
type Bounds struct {
	// Topology. The job is a DAG: Sources source operators, then Stateless
	// map and filter operators and Aggregates keyed aggregates in random
	// order, each fed by one or two earlier operators, then Sinks sinks.
	Sources, Stateless, Aggregates, Sinks Range
	// Pipelines is the number of independent pipelines of the job (at most
	// Sources.Max and Sinks.Max): disjoint parts, each with its own
	// sources and sinks, that share the job's checkpoints but no channel,
	// so that each is a pipelined region of its own and region failover
	// restarts one while the others run on (forward edges between equal
	// parallelisms make more regions).
	Pipelines Range
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
	Latency, Jitter DurationRange
	// The network: segment sizes in bytes (small ones put few records in a
	// buffer), exclusive and floating buffers, the buffers a subpartition
	// may hold, the buffer timeout (BufferTimeoutChoice draws whether
	// there is one: Never leaves every buffer to fill up) and whether
	// buffer debloating is on.
	SegmentSize, Exclusive, Floating, MaxBuffers Range
	BufferTimeout                                DurationRange
	BufferTimeoutChoice, Debloat                 Choice

	// Checkpointing. Modes are the checkpointing modes to draw from;
	// unaligned checkpoints get an aligned checkpoint timeout from
	// AlignedTimeout unless AlignedTimeoutChoice is Never (Min 0 lets
	// rapid shrink towards "unaligned from the start").
	Modes []sim.Mode
	// Protocol, if set, is the snapshot protocol of every task of every
	// generated scenario (sim.CheckpointConfig.Protocol): a user's own
	// barrier handler, swept, judged and shrunk as Flink's are (the
	// pilot run of an aimed crash runs it too). nil is the mode's own,
	// Flink's. Set Modes to the modes it is written for.
	Protocol             func(protocol.Spec) protocol.Protocol
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

	// Backends are the state backends of the runs: a run gets the one its
	// seed picks (Seed modulo their number), so that the other draws of a
	// seed are what they were without backends; none leaves the default,
	// hashmap.
	Backends []sim.StateBackendConfig
	// Versions are the Flink releases whose rules the runs follow
	// (sim.Config.FlinkVersion): a run gets the one its seed picks (a hash
	// of the seed modulo their number, independent of the backend's
	// pick), so that the other draws of a seed are what they were without
	// versions (but for an aimed crash, which a pilot run of the release
	// places); none leaves the current release.
	Versions []sim.FlinkVersion
	// SharedTaskManagers is whether the runs place their subtasks in
	// TaskManagers of several slots (sim.Placement), so that the channels
	// between subtasks of one TaskManager are local (LocalInputChannel)
	// and a lost machine takes every subtask on it. A run that does gets
	// the placement its seed picks (drawPlacement), its other draws
	// unchanged as with Versions; Never, the default, gives every subtask
	// a TaskManager of its own.
	SharedTaskManagers Choice

	// SinkModes are the sink modes drawn for sinks ("" is the format's
	// default, at-least-once).
	SinkModes []topology.SinkMode
	// TolerableFailures is Flink's tolerable-failed-checkpoints (-1:
	// unlimited). Flink's default, 0, fails the job over when one
	// checkpoint expires; the default bounds tolerate any number, so that
	// generated runs have no failover, which the properties of fault-free
	// runs assume (they do not apply to runs with a failover).
	TolerableFailures Range

	// Faults is the number of faults in a run's schedule. With Min 0 a
	// run has no fault with probability 1/2 and otherwise 1..Max (so rapid
	// shrinks towards none, then one); Max 0 rules faults out and Min >= 1
	// gives every run a schedule. FaultKinds are the kinds drawn (every
	// schedule the generators draw ends: windows have an end, partitions
	// heal), CrashPhases where a crash strikes: at a time (sim.AtTime),
	// when a subtask starts aligning, its sync or async phase of a
	// checkpoint, or while it restores after a failover.
	Faults      Range
	FaultKinds  []sim.FaultKind
	CrashPhases []sim.Phase
	// FaultTimes bounds when a fault strikes or its window opens; a draw
	// also stays within the run's expected length (Until, or the longest
	// source partition's records / rate), so that faults strike while the
	// job runs. FaultWindow is the length of a window (random crashes,
	// slow, delay-spike, partition, slow-upload); the window of random
	// crashes lasts one to five MTBFs within it.
	FaultTimes, FaultWindow DurationRange
	// AimedCrashes: a crash at a time may be aimed instead (the first
	// one of a schedule, with region failover): a pilot run finds the
	// moments when every subtask of one pipelined region has
	// acknowledged a checkpoint that another region is still completing,
	// and the crash strikes a subtask of that region at one of them, so
	// that the failover aborts a checkpoint the region acknowledged and
	// the restart restores an older one (see aim.go).
	AimedCrashes Choice
	// FaultCheckpoint bounds the checkpoint of a crash in a phase, of a
	// failed upload and of a corrupt checkpoint (also kept within the
	// checkpoints the run can trigger), and the failover number of a crash
	// while restoring (at most 3).
	FaultCheckpoint Range
	// MTBF is the mean time between random crashes (drawn log-uniformly:
	// short and long ones are equally likely); SlowFactor the cost
	// multiplier of slow and slow-upload faults; SpikeDelay a delay
	// spike's extra delay; MachineLost whether a crash also loses the
	// machine with the subtask's local state copy.
	MTBF        DurationRange
	SlowFactor  Range
	SpikeDelay  DurationRange
	MachineLost Choice

	// Recovery, drawn for the runs with faults (fault-free runs keep
	// Flink's defaults, but for TolerableFailures). RestartKinds are the
	// restart strategies, each with enough restarts for any schedule the
	// generators draw (fixed-delay EnoughRestarts attempts, failure-rate
	// EnoughRestarts failures per interval; exponential-delay has no
	// limit), so that the job finishes when a checkpoint it needs is
	// readable; sim.NoRestart, if a caller allows it, fails the job at
	// its first failover. RestartDelay bounds the delays (the initial
	// backoff of exponential-delay). Failovers are the failover
	// strategies, LocalRecovery task-local recovery, Savepoints the number
	// of savepoints (at times within the run), PreferCheckpoint
	// prefer-checkpoint-for-recovery when there are savepoints.
	RestartKinds     []sim.RestartKind
	RestartDelay     DurationRange
	Failovers        []sim.Failover
	LocalRecovery    Choice
	Savepoints       Range
	PreferCheckpoint Choice

	// Restores: a run may end with the user's manual restore (flink run
	// -s; Sometimes: one run in three), drawn after everything else, so
	// that a run without one is the scenario these bounds drew before they
	// had restores. It resubmits
	// the job from the savepoint of a stop-with-savepoint (flink stop,
	// then the restore), from a savepoint taken while the job runs, or
	// from the latest retained checkpoint (retained on cancellation).
	// Rescale: the restore sets new parallelisms within Parallelism, for
	// every group of operators a forward edge joins (keyed operators,
	// sources and their splits, stateless operators and sinks), but not
	// for a receiver of a broadcast edge, whose parallelism sim keeps.
	Restores, Rescale Choice

	// MaxEvents is the event budget of every generated run: a safety net
	// against a run that does not stop, not a bound that shapes it.
	MaxEvents int64
}

// EnoughRestarts is the number of restarts the generated fixed-delay and
// failure-rate strategies allow: more than any generated schedule causes.
const EnoughRestarts = 1000

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
		Pipelines:     Range{1, 2},
		Parallelism:   Range{1, 3},
		Partitionings: slices.Clone(topology.Partitionings),
		Cost:          DurationRange{0, 300 * time.Microsecond},
		SourceCost:    DurationRange{0, 50 * time.Microsecond},
		SlowCost:      DurationRange{500 * time.Microsecond, 3 * time.Millisecond},

		Rate:    Range{100, 2000},
		Keys:    Range{1, 50},
		Records: Range{1, 500},
		Until:   DurationRange{200 * time.Millisecond, 2 * time.Second},

		Latency:             DurationRange{0, 2 * time.Millisecond},
		Jitter:              DurationRange{0, time.Millisecond},
		SegmentSize:         Range{256, 4096},
		Exclusive:           Range{0, 3},
		Floating:            Range{0, 8},
		MaxBuffers:          Range{2, 10},
		BufferTimeout:       DurationRange{0, 20 * time.Millisecond},
		BufferTimeoutChoice: Sometimes,
		Debloat:             Sometimes,

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

		SinkModes:          []topology.SinkMode{"", topology.TwoPhaseCommitSink, topology.UpsertSink},
		Backends:           Backends(),
		SharedTaskManagers: Never,
		TolerableFailures:  Range{-1, -1},

		Faults:          Range{0, 3},
		FaultKinds:      slices.Clone(sim.FaultKinds),
		CrashPhases:     slices.Clone(sim.Phases),
		FaultTimes:      DurationRange{0, 5 * time.Second},
		FaultWindow:     DurationRange{time.Millisecond, 300 * time.Millisecond},
		FaultCheckpoint: Range{1, 10},
		MTBF:            DurationRange{5 * time.Millisecond, 200 * time.Millisecond},
		SlowFactor:      Range{2, 20},
		SpikeDelay:      DurationRange{100 * time.Microsecond, 50 * time.Millisecond},

		RestartKinds: []sim.RestartKind{sim.ExponentialDelay, sim.FixedDelay, sim.FailureRate},
		RestartDelay: DurationRange{0, time.Second},
		Failovers:    []sim.Failover{sim.RegionFailover, sim.FullFailover},
		Savepoints:   Range{0, 2},

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
		{"Pipelines", b.Pipelines, 1, 20},
		{"Parallelism", b.Parallelism, 1, 1024},
		{"Rate", b.Rate, 1, 1e9},
		{"Keys", b.Keys, 1, 1 << 20},
		{"Records", b.Records, 1, 1 << 40},
		{"SegmentSize", b.SegmentSize, sim.SegmentSizeMin, sim.SegmentSizeMax},
		{"Exclusive", b.Exclusive, 0, sim.MaxChannelBuffers},
		{"Floating", b.Floating, 0, sim.MaxChannelBuffers},
		{"MaxBuffers", b.MaxBuffers, 1, sim.MaxChannelBuffers},
		{"MaxConcurrent", b.MaxConcurrent, 1, 1 << 20},
		{"NumRetained", b.NumRetained, 1, 1 << 20},
		{"StorageBandwidthMiBs", b.StorageBandwidthMiBs, 1, 1 << 30},
		{"TolerableFailures", b.TolerableFailures, -1, 1 << 20},
		{"Faults", b.Faults, 0, scenarios.MaxFaults},
		{"FaultCheckpoint", b.FaultCheckpoint, 1, 1 << 30},
		{"SlowFactor", b.SlowFactor, 1, 1 << 20},
		{"Savepoints", b.Savepoints, 0, scenarios.MaxSavepoints},
	}
	for _, f := range ints {
		if f.r.Min > f.r.Max || f.r.Min < f.lo || f.r.Max > f.hi {
			return fmt.Errorf("bounds: %s %d..%d is empty or outside %d..%d", f.name, f.r.Min, f.r.Max, f.lo, f.hi)
		}
	}
	if most := min(b.Sources.Max, b.Sinks.Max); b.Pipelines.Min > most {
		return fmt.Errorf("bounds: Pipelines.Min %d needs as many sources and sinks (at most %d)", b.Pipelines.Min, most)
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
		{"BufferTimeout", b.BufferTimeout, 0},
		{"AlignedTimeout", b.AlignedTimeout, 0},
		{"Interval", b.Interval, time.Millisecond},
		{"MinPause", b.MinPause, 0},
		{"Timeout", b.Timeout, time.Millisecond},
		{"SyncDuration", b.SyncDuration, 0},
		{"AsyncBase", b.AsyncBase, 0},
		{"FaultTimes", b.FaultTimes, 0},
		{"FaultWindow", b.FaultWindow, time.Microsecond},
		{"MTBF", b.MTBF, time.Millisecond},
		{"SpikeDelay", b.SpikeDelay, time.Microsecond},
		{"RestartDelay", b.RestartDelay, 0},
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
	if b.Faults.Max > 0 {
		if err := b.validateFaults(); err != nil {
			return err
		}
	}
	for _, c := range []Choice{b.SlowSubtask, b.Zipf, b.Bounded, b.AlignedTimeoutChoice, b.MachineLost, b.AimedCrashes, b.LocalRecovery, b.PreferCheckpoint, b.SharedTaskManagers} {
		if c > Always {
			return fmt.Errorf("bounds: unknown choice %d", c)
		}
	}
	for _, v := range b.Versions {
		if _, err := sim.ParseFlinkVersion(v.String()); err != nil {
			return fmt.Errorf("bounds: %v", err)
		}
	}
	if b.MaxEvents < 1 {
		return fmt.Errorf("bounds: MaxEvents must be at least 1")
	}
	return nil
}

// validateFaults checks the lists of the fault and recovery bounds, which
// matter only when runs may have faults.
func (b *Bounds) validateFaults() error {
	switch {
	case len(b.FaultKinds) == 0:
		return fmt.Errorf("bounds: no fault kind allowed")
	case len(b.RestartKinds) == 0:
		return fmt.Errorf("bounds: no restart strategy allowed")
	case len(b.Failovers) == 0:
		return fmt.Errorf("bounds: no failover strategy allowed")
	case slices.Contains(b.FaultKinds, sim.Crash) && len(b.CrashPhases) == 0:
		return fmt.Errorf("bounds: crashes allowed but no crash phase")
	}
	for _, k := range b.FaultKinds {
		if !slices.Contains(sim.FaultKinds, k) {
			return fmt.Errorf("bounds: unknown fault kind %q", k)
		}
	}
	for _, p := range b.CrashPhases {
		if !slices.Contains(sim.Phases, p) {
			return fmt.Errorf("bounds: unknown crash phase %q", p)
		}
	}
	for _, k := range b.RestartKinds {
		if !slices.Contains(sim.RestartKinds, k) {
			return fmt.Errorf("bounds: unknown restart strategy %q", k)
		}
	}
	for _, f := range b.Failovers {
		if f != sim.FullFailover && f != sim.RegionFailover {
			return fmt.Errorf("bounds: unknown failover strategy %q", f)
		}
	}
	return nil
}

// Backends are the state backends of the default bounds: Flink's default
// twice as often as each other, and RocksDB with small files, so that
// flushes and compactions happen in short runs.
func Backends() []sim.StateBackendConfig {
	small := func(b sim.StateBackendConfig) sim.StateBackendConfig {
		b.WriteBufferSize, b.TargetFileSize, b.LevelBase = 8<<10, 8<<10, 16<<10
		b.Changelog.PersistSize = 8 << 10
		return b
	}
	changelog := sim.ChangelogConfig{Enabled: true, MaterializationInterval: 100 * time.Millisecond}
	return []sim.StateBackendConfig{{}, {},
		small(sim.StateBackendConfig{Type: sim.RocksDB}),
		small(sim.StateBackendConfig{Type: sim.RocksDB, Incremental: true}),
		small(sim.StateBackendConfig{Type: sim.RocksDB, Incremental: true, Level0Trigger: 2}),
		small(sim.StateBackendConfig{Changelog: changelog}),
		small(sim.StateBackendConfig{Type: sim.RocksDB, Incremental: true, Changelog: changelog}),
	}
}
