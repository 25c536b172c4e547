package sim

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/topology"
)

// Mode is the checkpointing mode: how a task treats barriers.
type Mode string

// The checkpointing modes, as Flink names them.
const (
	// Aligned is exactly-once with barrier alignment (Flink's default):
	// a task holds back every input that delivered barrier n until barrier
	// n arrived on all inputs, then snapshots.
	Aligned Mode = "aligned"
	// Unaligned is exactly-once with unaligned checkpoints: the first
	// barrier triggers the snapshot at once and overtakes in-flight data,
	// which is persisted with the checkpoint. With AlignedCheckpointTimeout
	// > 0 a checkpoint starts aligned and switches to unaligned when it
	// takes longer than the timeout.
	Unaligned Mode = "unaligned"
	// AtLeastOnce tracks barriers without blocking any input (Flink's
	// CheckpointBarrierTracker); records after a barrier may enter the
	// snapshot, so a replay can count them twice.
	AtLeastOnce Mode = "at-least-once"
	// ChandyLamport is the classic snapshot algorithm of Chandy and
	// Lamport (protocol.ChandyLamport) on the token-passing workload: a
	// job of Process operators, cycles allowed, whose processes initiate
	// snapshots at the times of Config.Tokens.Snapshots (see tokenjob.go).
	ChandyLamport Mode = "chandy-lamport"
)

// Modes lists Flink's checkpointing modes, those of a job of sources,
// operators and sinks.
var Modes = []Mode{Aligned, Unaligned, AtLeastOnce}

// AllModes lists every mode: Flink's, then ChandyLamport.
var AllModes = []Mode{Aligned, Unaligned, AtLeastOnce, ChandyLamport}

// CheckpointConfig holds the knobs of Flink's CheckpointConfig that the
// simulator models, with Flink's semantics.
type CheckpointConfig struct {
	// Interval between periodic checkpoint triggers (enableCheckpointing);
	// 0 disables checkpointing.
	Interval time.Duration
	// Mode is the checkpointing mode (setCheckpointingMode and
	// enableUnalignedCheckpoints).
	Mode Mode
	// AlignedCheckpointTimeout, in Unaligned mode, lets a checkpoint start
	// aligned and switch to unaligned when it exceeds the timeout
	// (setAlignedCheckpointTimeout); 0 means unaligned from the start.
	AlignedCheckpointTimeout time.Duration
	// MinPause is the minimum time from the completion of one checkpoint to
	// the trigger of the next (setMinPauseBetweenCheckpoints).
	MinPause time.Duration
	// MaxConcurrent is the number of checkpoints that may be in progress at
	// once (setMaxConcurrentCheckpoints); at most 1 with Unaligned, as
	// Flink requires.
	MaxConcurrent int
	// Timeout after which an incomplete checkpoint expires and is discarded
	// (setCheckpointTimeout).
	Timeout time.Duration
	// NumRetained is how many completed checkpoints are kept
	// (state.checkpoints.num-retained).
	NumRetained int
	// History is how many of the latest checkpoints keep their statistics
	// in full, per subtask, as Flink's web.checkpoints.history does for
	// its web UI (CheckpointStatsHistory); older ones are counted and
	// summarised only (CheckpointStatsCounts, CompletedCheckpointStatsSummary).
	// Whatever the engine still needs stays as well: the checkpoints in
	// progress, in checkpoint storage (retained ones and savepoints) and
	// the one the current execution was restored from.
	History int
	// SyncDuration models the synchronous snapshot phase, during which the
	// task processes nothing.
	SyncDuration time.Duration
	// AsyncBase is the fixed part of the asynchronous phase (an upload's
	// round trip).
	AsyncBase time.Duration
	// StorageBandwidth is bytes per second the async phase uploads to
	// checkpoint storage; the async phase lasts AsyncBase + bytes/bandwidth.
	StorageBandwidth int64
	// Protocol makes the snapshot protocol of every task (every process
	// in mode ChandyLamport), in place of the one Mode selects: a user's
	// own barrier handler, written outside sim against package protocol,
	// runs on the engine's channels and is judged by its checkers (the
	// consistent cut, the snapshot state). nil is the mode's own:
	// protocol.NewAligned, NewUnaligned, NewAlignedWithTimeout (unaligned
	// with AlignedCheckpointTimeout), NewCheckpointBarrierTracker
	// (at-least-once), NewChandyLamport. It is Go code, so the library
	// API only: a scenario file cannot name it (scenarios.Marshal refuses
	// a config that has one).
	//
	// The engine calls it when a task is deployed and again when it is
	// redeployed after a failover (Spec.Floor then is the newest
	// checkpoint over for it); it must not return nil. A protocol that is
	// not a protocol.Cloner is made afresh and fed every input again by
	// Sim.Clone, so it must be pure (the same inputs give the same
	// actions), and the engine keeps every input it took for that (56
	// bytes each, one per record taken): implement Cloner to copy it
	// cheaply and keep nothing. Actions that name an input channel the
	// task does not have are dropped.
	//
	// In the Flink modes a task's protocol gets (protocol.Input): Record
	// for every record it takes, Barrier for every barrier, Cancel for
	// every cancel marker and EndOfPartition for every input that ends,
	// each with its input Channel; Trigger when the coordinator triggers
	// a checkpoint at the task itself (a source, Spec.Inputs 0, or a task
	// whose inputs all ended); in unaligned mode with an aligned
	// checkpoint timeout, Announcement for a barrier that arrived behind
	// data; Timer when a timer it set fires. The engine carries out its
	// actions (protocol.Action): the first Forward or Snapshot of a
	// checkpoint starts the task's snapshot of it (at most one per
	// checkpoint); Forward sends the barrier on every output (ahead of
	// the output data with Priority); Snapshot takes the state (the sync
	// phase; Unaligned: its input channel state is still being recorded);
	// Acknowledge completes the task's part once its upload is done;
	// StartRecording and StopRecording bound an input's channel state;
	// Block holds an input back, Resume and UnblockAll let it go, Prioritize
	// lets a queued barrier overtake the data ahead of it; Decline aborts
	// the checkpoint; SetTimer, AlignmentStart, AlignmentEnd, TimedOut and
	// Started feed the timer and the statistics. The mode still decides
	// the network: in aligned and unaligned mode the sender of a barrier
	// without Priority pauses that channel until the receiver Resumes it
	// (or UnblockAll), as Flink's do (CheckpointableInput.
	// resumeConsumption); in at-least-once mode nothing pauses.
	Protocol func(protocol.Spec) protocol.Protocol
}

// ChannelConfig describes the network between subtasks, with Flink's
// names and defaults: network buffers of SegmentSize bytes, credit-based
// flow control with exclusive and floating buffers, the output flusher's
// buffer timeout and buffer debloating (see network.go, credit.go and
// debloat.go).
type ChannelConfig struct {
	// Latency is the fixed one-way network delay of every buffer, event
	// and credit announcement between TaskManagers.
	Latency time.Duration
	// Jitter adds a uniformly random delay in [0, Jitter) per message,
	// still keeping each channel FIFO.
	Jitter time.Duration
	// SegmentSize is the size of a network buffer
	// (taskmanager.memory.segment-size, 32 KiB; 0 means that default).
	SegmentSize int
	// BuffersPerChannel is the exclusive buffers of every input channel,
	// its initial credit (taskmanager.network.memory.buffers-per-channel,
	// 2); a result partition's pool has as many per subpartition.
	BuffersPerChannel int
	// FloatingBuffersPerGate is the floating buffers an input gate shares
	// among its channels, and a result partition adds to its pool
	// (taskmanager.network.memory.floating-buffers-per-gate, 8).
	FloatingBuffersPerGate int
	// MaxBuffersPerChannel is how many buffers one subpartition may hold
	// before its sender is backpressured
	// (taskmanager.network.memory.max-buffers-per-channel, 10; 0 means
	// that default).
	MaxBuffersPerChannel int
	// BufferTimeout is how often the output flusher has what the buffers
	// being filled hold sent as slices, finishing none
	// (execution.buffer-timeout, 100 ms); 0 flushes after every record,
	// NoBufferTimeout never (only finished buffers go).
	BufferTimeout time.Duration
	// Debloat configures buffer debloating (FLIP-183).
	Debloat DebloatConfig
}

// DebloatConfig is buffer debloating (taskmanager.network.memory.
// buffer-debloat.*): every Period each input gate measures its throughput
// and announces to its senders the buffer size at which its buffers in use
// hold Target of data (BufferDebloater). A zero Target, Period, Samples,
// ThresholdPercentage or MinSegmentSize means Flink's default.
type DebloatConfig struct {
	// Enabled turns it on (buffer-debloat.enabled, false).
	Enabled bool
	// Target is the time the in-flight data of a gate should take to
	// consume (buffer-debloat.target, 1 s).
	Target time.Duration
	// Period is how often the size is recomputed (buffer-debloat.period,
	// 200 ms).
	Period time.Duration
	// Samples is the number of samples of the size's moving average
	// (buffer-debloat.samples, 20).
	Samples int
	// ThresholdPercentage is the smallest change of the size, in percent,
	// that is announced (buffer-debloat.threshold-percentages, 25).
	ThresholdPercentage int
	// MinSegmentSize is the smallest buffer size
	// (taskmanager.network.memory.min-segment-size, 256 B).
	MinSegmentSize int
}

// Config is everything a run needs.
type Config struct {
	// Name of the scenario, for reports.
	Name string
	// FlinkVersion is the release whose rules the run follows where Flink
	// changed them (see FlinkVersion); zero means CurrentFlinkVersion.
	FlinkVersion FlinkVersion
	// Seed of the run's single random source.
	Seed uint64
	// Graph is the job.
	Graph *topology.Graph
	// Channels configures every channel.
	Channels ChannelConfig
	// Checkpoint configures the checkpoint coordinator and tasks.
	Checkpoint CheckpointConfig
	// StateBackend is the state backend of the stateful operators; its
	// zero value is Flink's default, hashmap.
	StateBackend StateBackendConfig
	// Until is the virtual end time of the run; 0 means until quiescence
	// or the Horizon, whichever comes first.
	Until time.Duration
	// MaxEvents is the event budget, at most MaxEventBudget; 0 means a
	// budget that scales with the records the job reads, at least
	// DefaultMaxEvents (see defaultBudget).
	MaxEvents int64
	// Recovery configures restarts, failover and restore; its zero value
	// means DefaultRecoveryConfig.
	Recovery RecoveryConfig
	// Faults are injected into the run.
	Faults []Fault
	// Restores are the user's manual restores (resubmissions), in any
	// order; at most MaxRestores.
	Restores []ManualRestore
	// Script, if set, replaces the workload (and Graph) with an exact
	// input sequence for one task.
	Script *Script
	// Placement puts the subtasks into the slots of TaskManagers; its zero
	// value puts every subtask on a TaskManager of its own, so that every
	// channel crosses the network.
	Placement Placement
	// Tokens is the token-passing workload of mode ChandyLamport: the
	// sends of tokens and the initiations of snapshots.
	Tokens TokenWorkload
}

// DefaultMaxEvents is the smallest default budget of a run whose Config
// sets none, and the budget of a job without an end (unbounded sources, no
// end time), which then still stops.
const DefaultMaxEvents = 50_000_000

// DefaultHistory is Flink's default web.checkpoints.history.
const DefaultHistory = 10

// DefaultCheckpointConfig returns Flink's defaults where Flink has one
// (timeout 10 min, 1 concurrent, no pause, 1 retained, aligned, a history
// of 10) and modest
// modelled durations for the snapshot phases.
func DefaultCheckpointConfig() CheckpointConfig {
	return CheckpointConfig{
		Interval:         time.Second,
		Mode:             Aligned,
		MaxConcurrent:    1,
		Timeout:          10 * time.Minute,
		NumRetained:      1,
		History:          DefaultHistory,
		SyncDuration:     time.Millisecond,
		AsyncBase:        5 * time.Millisecond,
		StorageBandwidth: 100 << 20,
	}
}

// DefaultChannelConfig returns Flink's network defaults on a 1 ms
// network: 32 KiB buffers, 2 exclusive buffers per channel, 8 floating
// per gate, at most 10 per subpartition, a 100 ms buffer timeout, no
// debloating.
func DefaultChannelConfig() ChannelConfig {
	return ChannelConfig{Latency: time.Millisecond, SegmentSize: 32 << 10, BuffersPerChannel: 2,
		FloatingBuffersPerGate: 8, MaxBuffersPerChannel: 10, BufferTimeout: 100 * time.Millisecond,
		Debloat: DefaultDebloatConfig()}
}

// withDefaults fills the knobs whose zero value means Flink's default.
func (ch ChannelConfig) withDefaults() ChannelConfig {
	d, dd := DefaultChannelConfig(), DefaultDebloatConfig()
	ch.SegmentSize = cmp.Or(ch.SegmentSize, d.SegmentSize)
	ch.MaxBuffersPerChannel = cmp.Or(ch.MaxBuffersPerChannel, d.MaxBuffersPerChannel)
	db := &ch.Debloat
	db.Target, db.Period, db.Samples = cmp.Or(db.Target, dd.Target), cmp.Or(db.Period, dd.Period), cmp.Or(db.Samples, dd.Samples)
	db.ThresholdPercentage = cmp.Or(db.ThresholdPercentage, dd.ThresholdPercentage)
	db.MinSegmentSize = cmp.Or(db.MinSegmentSize, min(dd.MinSegmentSize, ch.SegmentSize))
	return ch
}

// DefaultDebloatConfig returns Flink's debloating defaults, disabled.
func DefaultDebloatConfig() DebloatConfig {
	return DebloatConfig{Target: time.Second, Period: 200 * time.Millisecond, Samples: 20,
		ThresholdPercentage: 25, MinSegmentSize: 256}
}

// Validate checks the config, including the graph, and returns the first
// problem. Errors from the graph are *topology.Error; a value beyond its
// bound (bounds.go: the horizon, sizes, rates, factors, budgets) is a
// *BoundError.
func (c *Config) Validate() error {
	if c.Script != nil {
		if err := c.Script.validate(); err != nil {
			return err
		}
		if c.Checkpoint.Interval != 0 {
			return fmt.Errorf("a scripted run has no periodic checkpoints: its barriers come from the script (set checkpoint interval to 0)")
		}
		if c.Channels.BuffersPerChannel == 0 {
			return fmt.Errorf("a scripted run needs buffers per channel >= 1: its output channel waits for a credit that never comes")
		}
	}
	g := c.Graph
	if c.Script != nil {
		g = c.Script.Graph() // the script's job replaces Graph
	}
	if g == nil {
		return fmt.Errorf("no topology")
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if err := c.validateTokenJob(g); err != nil {
		return err
	}
	if c.FlinkVersion != (FlinkVersion{}) && !c.FlinkVersion.known() {
		return fmt.Errorf("Flink version %s is not modelled (allowed: %s)", c.FlinkVersion, versionList())
	}
	ck := &c.Checkpoint
	switch {
	case ck.Interval < 0:
		return fmt.Errorf("checkpoint interval must not be negative (0 disables checkpointing)")
	case ck.Interval > 0 && ck.Interval < time.Millisecond:
		return fmt.Errorf("checkpoint interval %v is below Flink's minimum of 1ms", ck.Interval)
	case !slices.Contains(AllModes, ck.Mode):
		return fmt.Errorf("unknown checkpointing mode %q (allowed: aligned, unaligned, at-least-once, chandy-lamport)", ck.Mode)
	case ck.AlignedCheckpointTimeout < 0:
		return fmt.Errorf("aligned checkpoint timeout must not be negative")
	case ck.AlignedCheckpointTimeout > 0 && ck.Mode != Unaligned:
		return fmt.Errorf("aligned checkpoint timeout applies to unaligned mode only (mode is %s)", ck.Mode)
	case ck.MinPause < 0:
		return fmt.Errorf("min pause between checkpoints must not be negative")
	case ck.MaxConcurrent < 1:
		return fmt.Errorf("max concurrent checkpoints must be at least 1")
	case ck.MaxConcurrent > 1 && ck.Mode == Unaligned:
		// CheckpointCoordinatorConfiguration's constructor (FLINK-17342,
		// Flink 1.11): checkArgument(!isUnalignedCheckpointsEnabled ||
		// maxConcurrentCheckpoints <= 1), so the job is refused.
		return fmt.Errorf("max concurrent checkpoints %d with unaligned checkpoints: Flink refuses the job (\"maxConcurrentCheckpoints can't be > 1 if UnalignedCheckpoints enabled\", CheckpointCoordinatorConfiguration); use 1, or mode aligned", ck.MaxConcurrent)
	case ck.Timeout < time.Millisecond:
		return fmt.Errorf("checkpoint timeout must be at least 1ms")
	case ck.NumRetained < 1:
		return fmt.Errorf("num retained checkpoints must be at least 1")
	case ck.History < 1:
		return fmt.Errorf("checkpoint history must keep at least 1 checkpoint")
	case ck.SyncDuration < 0 || ck.AsyncBase < 0:
		return fmt.Errorf("snapshot durations must not be negative")
	case ck.StorageBandwidth < 1:
		return fmt.Errorf("storage bandwidth must be at least 1 byte/s")
	}
	if err := c.StateBackend.validate(); err != nil {
		return err
	}
	if err := c.Recovery.validate(); err != nil {
		return err
	}
	if err := c.Placement.validate(g); err != nil {
		return err
	}
	for i := range c.Faults {
		if err := c.Faults[i].validate(i); err != nil {
			return err
		}
	}
	if len(c.Restores) > MaxRestores {
		return fmt.Errorf("%d manual restores, at most %d", len(c.Restores), MaxRestores)
	}
	for i := range c.Restores {
		if err := c.Restores[i].validate(i); err != nil {
			return err
		}
		if err := c.Restores[i].validateRescale(i, g); err != nil {
			return err
		}
	}
	if err := c.validateRescaledGraphs(g); err != nil {
		return err
	}
	chd := c.Channels.withDefaults()
	ch := &chd
	switch {
	case ch.Latency < 0 || ch.Jitter < 0:
		return fmt.Errorf("channel latency and jitter must not be negative")
	case ch.SegmentSize < SegmentSizeMin:
		return fmt.Errorf("segment size %d is too small (at least %d bytes)", ch.SegmentSize, SegmentSizeMin)
	case ch.BuffersPerChannel < 0 || ch.FloatingBuffersPerGate < 0:
		return fmt.Errorf("buffers per channel and floating buffers per gate must not be negative")
	case ch.BuffersPerChannel == 0 && ch.FloatingBuffersPerGate == 0:
		return fmt.Errorf("an input channel needs a buffer: buffers per channel or floating buffers per gate must be at least 1")
	case ch.MaxBuffersPerChannel < 1:
		return fmt.Errorf("max buffers per channel must be at least 1")
	case ch.BufferTimeout < NoBufferTimeout:
		return fmt.Errorf("buffer timeout %v must not be negative (0 flushes every record, -1 only full buffers)", ch.BufferTimeout)
	case ch.Debloat.Enabled && (ch.Debloat.Target < 0 || ch.Debloat.Period < time.Millisecond):
		return fmt.Errorf("buffer debloating needs a target >= 0 and a period of at least 1ms")
	case ch.Debloat.Enabled && (ch.Debloat.Samples < 1 || ch.Debloat.ThresholdPercentage < 0 || ch.Debloat.ThresholdPercentage > 100):
		return fmt.Errorf("buffer debloating needs samples >= 1 and a threshold percentage in 0..100")
	case ch.Debloat.Enabled && (ch.Debloat.MinSegmentSize < 1 || ch.Debloat.MinSegmentSize > ch.SegmentSize):
		return fmt.Errorf("min segment size %d must be in 1..segment size %d", ch.Debloat.MinSegmentSize, ch.SegmentSize)
	case c.Until < 0:
		return fmt.Errorf("run length must not be negative")
	case c.MaxEvents < 0:
		return fmt.Errorf("event budget must not be negative")
	}
	return c.checkBounds(g)
}
