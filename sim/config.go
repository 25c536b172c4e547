package sim

import (
	"fmt"
	"time"

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
)

// Modes lists every mode.
var Modes = []Mode{Aligned, Unaligned, AtLeastOnce}

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
	// once (setMaxConcurrentCheckpoints).
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
}

// ChannelConfig describes every channel between subtasks.
type ChannelConfig struct {
	// Latency is the fixed network delay of every item.
	Latency time.Duration
	// Jitter adds a uniformly random delay in [0, Jitter) per item, still
	// keeping each channel FIFO.
	Jitter time.Duration
	// Capacity is the receiver's buffer in records: the credits of Flink's
	// credit-based flow control. A sender transmits a record only while
	// fewer than Capacity records are in flight or queued at the receiver.
	Capacity int
	// OutputBuffer is how many records a sender may hold per channel while
	// it waits for credit; past that it is backpressured and stops
	// processing.
	OutputBuffer int
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

// DefaultChannelConfig returns a local-network channel: 1 ms latency, ten
// records of credit, two records of output buffer.
func DefaultChannelConfig() ChannelConfig {
	return ChannelConfig{Latency: time.Millisecond, Capacity: 10, OutputBuffer: 2}
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
	if c.FlinkVersion != (FlinkVersion{}) && !c.FlinkVersion.known() {
		return fmt.Errorf("Flink version %s is not modelled (allowed: %s)", c.FlinkVersion, versionList())
	}
	ck := &c.Checkpoint
	switch {
	case ck.Interval < 0:
		return fmt.Errorf("checkpoint interval must not be negative (0 disables checkpointing)")
	case ck.Interval > 0 && ck.Interval < time.Millisecond:
		return fmt.Errorf("checkpoint interval %v is below Flink's minimum of 1ms", ck.Interval)
	case ck.Mode != Aligned && ck.Mode != Unaligned && ck.Mode != AtLeastOnce:
		return fmt.Errorf("unknown checkpointing mode %q (allowed: aligned, unaligned, at-least-once)", ck.Mode)
	case ck.AlignedCheckpointTimeout < 0:
		return fmt.Errorf("aligned checkpoint timeout must not be negative")
	case ck.AlignedCheckpointTimeout > 0 && ck.Mode != Unaligned:
		return fmt.Errorf("aligned checkpoint timeout applies to unaligned mode only (mode is %s)", ck.Mode)
	case ck.MinPause < 0:
		return fmt.Errorf("min pause between checkpoints must not be negative")
	case ck.MaxConcurrent < 1:
		return fmt.Errorf("max concurrent checkpoints must be at least 1")
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
	ch := &c.Channels
	switch {
	case ch.Latency < 0 || ch.Jitter < 0:
		return fmt.Errorf("channel latency and jitter must not be negative")
	case ch.Capacity < 1:
		return fmt.Errorf("channel capacity must be at least 1 record")
	case ch.OutputBuffer < 0:
		return fmt.Errorf("channel output buffer must not be negative")
	case c.Until < 0:
		return fmt.Errorf("run length must not be negative")
	case c.MaxEvents < 0:
		return fmt.Errorf("event budget must not be negative")
	}
	return c.checkBounds(g)
}
