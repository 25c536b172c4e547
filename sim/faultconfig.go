package sim

import (
	"fmt"
	"slices"
	"time"
)

// RestartKind is a restart strategy (restart-strategy.type).
type RestartKind string

// The restart strategies, with Flink's names.
const (
	// NoRestart fails the job on the first failure.
	NoRestart RestartKind = "none"
	// FixedDelay restarts up to Attempts times, Delay after each failure.
	FixedDelay RestartKind = "fixed-delay"
	// FailureRate restarts Delay after a failure unless MaxFailures
	// failures happened within Interval.
	FailureRate RestartKind = "failure-rate"
	// ExponentialDelay restarts after a backoff that starts at Delay and
	// grows by Multiplier up to MaxDelay, with Jitter, and resets after the
	// job ran ResetThreshold without failing.
	ExponentialDelay RestartKind = "exponential-delay"
)

// RestartKinds lists the restart strategies.
var RestartKinds = []RestartKind{NoRestart, FixedDelay, FailureRate, ExponentialDelay}

// RestartStrategy configures how the job reacts to a failure
// (restart-strategy.*).
type RestartStrategy struct {
	// Kind of strategy.
	Kind RestartKind
	// Attempts is fixed-delay's restart-strategy.fixed-delay.attempts.
	Attempts int
	// Delay is the fixed or failure-rate delay, and exponential-delay's
	// initial backoff.
	Delay time.Duration
	// MaxFailures and Interval are failure-rate's
	// max-failures-per-interval and failure-rate-interval.
	MaxFailures int
	Interval    time.Duration
	// MaxDelay, Multiplier, ResetThreshold and Jitter are
	// exponential-delay's max-backoff, backoff-multiplier,
	// reset-backoff-threshold and jitter-factor.
	MaxDelay       time.Duration
	Multiplier     float64
	ResetThreshold time.Duration
	Jitter         float64
	// AttemptsBeforeReset is exponential-delay's
	// attempts-before-reset-backoff: the restarts allowed in a row, before
	// the job has run ResetThreshold and the backoff resets; the next
	// failure fails the job. 0 means Flink's default, Integer.MAX_VALUE.
	AttemptsBeforeReset int
}

// DefaultRestartStrategy is Flink's default with checkpointing enabled
// (since 1.19): exponential delay, 1s initial, 1min max, x1.5, reset after
// 1h, jitter 0.1.
func DefaultRestartStrategy() RestartStrategy {
	return RestartStrategy{Kind: ExponentialDelay, Delay: time.Second, MaxDelay: time.Minute,
		Multiplier: 1.5, ResetThreshold: time.Hour, Jitter: 0.1, Attempts: 1, MaxFailures: 1, Interval: time.Minute}
}

// Failover is the failover strategy (jobmanager.execution.failover-strategy).
type Failover string

// The failover strategies.
const (
	// FullFailover restarts every subtask.
	FullFailover Failover = "full"
	// RegionFailover restarts the pipelined region of the failed subtask:
	// the subtasks connected to it by channels. In streaming every edge is
	// pipelined, so an all-to-all edge joins both operators into one region.
	RegionFailover Failover = "region"
)

// Externalized says what happens to the retained checkpoints when the job
// reaches a terminal state (ExternalizedCheckpointRetention, formerly
// ExternalizedCheckpointCleanup). Every mode deletes them when the job
// FINISHES.
type Externalized string

// The externalized checkpoint retention modes.
const (
	// NoExternalized deletes the checkpoints on every terminal state
	// (NO_EXTERNALIZED_CHECKPOINTS, Flink's default).
	NoExternalized Externalized = "none"
	// RetainOnCancellation keeps them when the job is CANCELED or FAILED.
	RetainOnCancellation Externalized = "retain-on-cancellation"
	// DeleteOnCancellation keeps them when the job FAILED and deletes
	// them when it is CANCELED.
	DeleteOnCancellation Externalized = "delete-on-cancellation"
)

// RecoveryConfig configures failures and recovery.
type RecoveryConfig struct {
	// Restart is the restart strategy.
	Restart RestartStrategy
	// Failover is the failover strategy.
	Failover Failover
	// TolerableFailures is tolerableCheckpointFailureNumber: how many
	// consecutive checkpoint failures (expired, declined, storage errors)
	// the job tolerates before it fails over; -1 tolerates any number.
	TolerableFailures int
	// PreferCheckpointForRecovery restores the latest checkpoint even when
	// a savepoint is newer.
	PreferCheckpointForRecovery bool
	// LocalRecovery keeps a task-local copy of each subtask's latest
	// snapshot, restored at LocalBandwidth unless the subtask's machine
	// was lost.
	LocalRecovery bool
	// RestoreBase is the fixed part of a subtask's restore.
	RestoreBase time.Duration
	// RemoteBandwidth and LocalBandwidth are bytes per second read from
	// checkpoint storage and from the local copy.
	RemoteBandwidth, LocalBandwidth int64
	// Savepoints are times at which a savepoint is triggered.
	Savepoints []time.Duration
	// CancelAt, if > 0, cancels the job at that time.
	CancelAt time.Duration
	// Stop, if Stop.At > 0, stops the job with a savepoint at that time.
	Stop StopWithSavepoint
	// Externalized is what becomes of the retained checkpoints when the
	// job ends.
	Externalized Externalized
}

// DefaultRecoveryConfig is Flink's defaults: exponential-delay restarts,
// region failover, no tolerated checkpoint failure, no local recovery.
func DefaultRecoveryConfig() RecoveryConfig {
	return RecoveryConfig{
		Restart:         DefaultRestartStrategy(),
		Failover:        RegionFailover,
		RestoreBase:     10 * time.Millisecond,
		RemoteBandwidth: 50 << 20,
		LocalBandwidth:  1 << 30,
		Externalized:    NoExternalized,
	}
}

// FaultKind is a kind of injected fault.
type FaultKind string

// The fault kinds.
const (
	// Crash fails a subtask: at a time, or in a phase of a checkpoint
	// (Phase, Checkpoint), or while the job recovers (Phase "restoring").
	Crash FaultKind = "crash"
	// RandomCrashes fail random subtasks with mean time between failures
	// MTBF, from At until Until.
	RandomCrashes FaultKind = "random-crashes"
	// Slow multiplies a subtask's processing cost by Factor from At until
	// Until.
	Slow FaultKind = "slow"
	// DelaySpike adds Delay to every item sent on a channel from At until
	// Until.
	DelaySpike FaultKind = "delay-spike"
	// Partition stops a channel's delivery from At until Until.
	Partition FaultKind = "partition"
	// FailUpload makes a subtask's upload of checkpoint Checkpoint fail:
	// the subtask declines it.
	FailUpload FaultKind = "fail-upload"
	// SlowUpload multiplies the async phase of a subtask (or of every
	// subtask when Subtask is empty) by Factor from At until Until.
	SlowUpload FaultKind = "slow-upload"
	// CorruptCheckpoint makes completed checkpoint Checkpoint unreadable at
	// restore time.
	CorruptCheckpoint FaultKind = "corrupt-checkpoint"
)

// FaultKinds lists the fault kinds.
var FaultKinds = []FaultKind{Crash, RandomCrashes, Slow, DelaySpike, Partition, FailUpload, SlowUpload, CorruptCheckpoint}

// Phase is when, relative to a checkpoint, a crash happens.
type Phase string

// The phases.
const (
	// AtTime crashes at Fault.At.
	AtTime Phase = ""
	// Aligning crashes when the subtask starts aligning the checkpoint.
	Aligning Phase = "aligning"
	// SyncPhase crashes when the subtask starts the sync phase.
	SyncPhase Phase = "sync"
	// AsyncPhase crashes when the subtask starts the async phase.
	AsyncPhase Phase = "async"
	// Restoring crashes when the subtask starts restoring (after the n-th
	// failover, n = Fault.Checkpoint, counting from 1).
	Restoring Phase = "restoring"
)

// Phases lists the phases.
var Phases = []Phase{AtTime, Aligning, SyncPhase, AsyncPhase, Restoring}

// Fault is one injected fault.
type Fault struct {
	// Kind of fault.
	Kind FaultKind
	// Subtask names a subtask as "operator[index]" (Crash, Slow,
	// FailUpload, SlowUpload; empty means any subtask for RandomCrashes).
	Subtask string
	// Channel names a channel as "from[i]->to[j]" (DelaySpike, Partition).
	Channel string
	// At and Until bound the fault in virtual time (Until 0: forever).
	At, Until time.Duration
	// Phase and Checkpoint place a crash in a checkpoint's life, and name
	// the checkpoint of FailUpload and CorruptCheckpoint.
	Phase      Phase
	Checkpoint int64
	// Factor multiplies a cost (Slow, SlowUpload).
	Factor float64
	// Delay is added by a DelaySpike.
	Delay time.Duration
	// MTBF is the mean time between RandomCrashes.
	MTBF time.Duration
	// MachineLost makes a Crash also lose the subtask's local state copy.
	MachineLost bool
}

func (f *Fault) validate(i int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("fault %d (%s): %s", i+1, f.Kind, fmt.Sprintf(format, args...))
	}
	switch {
	case f.At < 0 || f.Until < 0:
		return bad("times must not be negative")
	case f.Until > 0 && f.Until < f.At:
		return bad("until %v is before at %v", f.Until, f.At)
	}
	switch f.Kind {
	case Crash:
		if f.Subtask == "" {
			return bad("needs a subtask")
		}
		if f.Phase != AtTime && f.Phase != Restoring && f.Checkpoint < 1 {
			return bad("a crash in phase %s needs a checkpoint id", f.Phase)
		}
	case RandomCrashes:
		if f.MTBF <= 0 {
			return bad("needs a positive mtbf")
		}
	case Slow, SlowUpload:
		if f.Factor <= 0 {
			return bad("needs a positive factor")
		}
		if f.Kind == Slow && f.Subtask == "" {
			return bad("needs a subtask")
		}
	case DelaySpike, Partition:
		if f.Channel == "" {
			return bad("needs a channel")
		}
		if f.Kind == DelaySpike && f.Delay <= 0 {
			return bad("needs a positive delay")
		}
	case FailUpload:
		if f.Subtask == "" || f.Checkpoint < 1 {
			return bad("needs a subtask and a checkpoint id")
		}
	case CorruptCheckpoint:
		if f.Checkpoint < 1 {
			return bad("needs a checkpoint id")
		}
	default:
		return fmt.Errorf("fault %d: unknown kind %q", i+1, f.Kind)
	}
	return nil
}

// withDefaults fills the zero fields of r with DefaultRecoveryConfig's.
func (r RecoveryConfig) withDefaults() RecoveryConfig {
	d := DefaultRecoveryConfig()
	if r.Restart.Kind == "" && r.Failover == "" && r.RemoteBandwidth == 0 && r.LocalBandwidth == 0 &&
		r.RestoreBase == 0 && r.Externalized == "" {
		// An unset RecoveryConfig is the default one, with the fields
		// that do not take part in that test.
		d.TolerableFailures, d.PreferCheckpointForRecovery, d.LocalRecovery = r.TolerableFailures, r.PreferCheckpointForRecovery, r.LocalRecovery
		d.Savepoints, d.CancelAt, d.Stop = r.Savepoints, r.CancelAt, r.Stop
		return d
	}
	if r.Restart.Kind == "" {
		r.Restart = d.Restart
	}
	if r.Failover == "" {
		r.Failover = d.Failover
	}
	if r.RemoteBandwidth == 0 {
		r.RemoteBandwidth = d.RemoteBandwidth
	}
	if r.LocalBandwidth == 0 {
		r.LocalBandwidth = d.LocalBandwidth
	}
	if r.Externalized == "" {
		r.Externalized = d.Externalized
	}
	return r
}

func (r *RecoveryConfig) validate() error {
	v := r.withDefaults()
	rs := &v.Restart
	switch {
	case !slices.Contains(RestartKinds, rs.Kind):
		return fmt.Errorf("unknown restart strategy %q (allowed: none, fixed-delay, failure-rate, exponential-delay)", rs.Kind)
	case rs.Delay < 0 || rs.MaxDelay < 0 || rs.Interval < 0 || rs.ResetThreshold < 0:
		return fmt.Errorf("restart strategy durations must not be negative")
	case rs.Kind == FixedDelay && rs.Attempts < 0:
		return fmt.Errorf("restart attempts must not be negative")
	case rs.Kind == FailureRate && (rs.MaxFailures < 1 || rs.Interval <= 0):
		return fmt.Errorf("failure-rate restarts need max failures >= 1 and a positive interval")
	case rs.Kind == ExponentialDelay && !(rs.Multiplier > 1):
		// ExponentialDelayRestartBackoffTimeStrategy's checkArgument.
		return fmt.Errorf("exponential-delay restarts: Backoff multiplier must be greater than 1. Found: %v", rs.Multiplier)
	case rs.Kind == ExponentialDelay && rs.AttemptsBeforeReset < 0:
		return fmt.Errorf("exponential-delay restarts: The attemptsBeforeResetBackoff must be at least 1. Found: %d", rs.AttemptsBeforeReset)
	case rs.Kind == ExponentialDelay && (rs.Jitter < 0 || rs.Jitter > 1 || rs.Delay <= 0):
		return fmt.Errorf("exponential-delay restarts need a positive initial delay and a jitter in 0..1")
	case v.Failover != FullFailover && v.Failover != RegionFailover:
		return fmt.Errorf("unknown failover strategy %q (allowed: full, region)", v.Failover)
	case v.TolerableFailures < -1:
		return fmt.Errorf("tolerable checkpoint failures must be -1 (unlimited) or more")
	case v.RestoreBase < 0 || v.RemoteBandwidth < 1 || v.LocalBandwidth < 1:
		return fmt.Errorf("restore base must not be negative and bandwidths must be at least 1 byte/s")
	case v.Stop.At < 0:
		return fmt.Errorf("stop-with-savepoint time must not be negative")
	case v.CancelAt < 0:
		return fmt.Errorf("cancel time must not be negative")
	case v.Externalized != NoExternalized && v.Externalized != RetainOnCancellation && v.Externalized != DeleteOnCancellation:
		return fmt.Errorf("unknown externalized checkpoint cleanup %q (allowed: none, retain-on-cancellation, delete-on-cancellation)", v.Externalized)
	}
	for _, at := range v.Savepoints {
		if at < 0 {
			return fmt.Errorf("savepoint times must not be negative")
		}
	}
	return nil
}
