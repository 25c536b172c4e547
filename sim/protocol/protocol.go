package protocol

// Protocol is one task's snapshot protocol: a pure state machine that the
// executor (ckptsim's engine, a test harness, a token-passing network)
// steps with what happens at the task and whose answer it carries out.
// It holds no pointer into the executor, reads no clock (Input.Now is the
// executor's virtual time) and draws no random numbers, so the same inputs
// always give the same actions.
type Protocol interface {
	// Step feeds one input and returns the actions it causes, in the
	// order the executor must carry them out. The returned Ready is valid
	// until the next call of Step.
	Step(in Input) Ready
}

// Cloner is a Protocol that copies itself: an executor that keeps
// copies of a run (ckptsim's Sim.Clone, which the terminal UI steps back
// with) copies it with Clone. Every protocol of this package is one. A
// user's protocol need not be: Sim.Clone then makes a fresh one with the
// factory and replays the inputs the original took.
type Cloner interface {
	Protocol
	// Clone returns an independent copy: stepping one leaves the other
	// as it was.
	Clone() Cloner
}

// Spec is what a protocol knows of its task when it is created.
type Spec struct {
	// Inputs is the number of input channels, numbered 0..Inputs-1.
	Inputs int
	// Outputs is the number of output channels (informative: markers and
	// barriers are always forwarded on every output).
	Outputs int
	// Floor: every checkpoint with an id up to Floor is over for the task
	// when the protocol starts (a redeployed task: its new barrier handler
	// only sees the checkpoints triggered after its restore). 0 for a task
	// that starts with the job.
	Floor int64
}

// InputKind is what happened at the task.
type InputKind uint8

// The input kinds.
const (
	// Record: the task took a record from input Channel.
	Record InputKind = iota
	// Barrier: the task took the barrier (a marker, in Chandy-Lamport's
	// words) of Checkpoint from input Channel.
	Barrier
	// Announcement: the barrier of Checkpoint reached input Channel's
	// queue behind data (Flink's EventAnnouncement, sent as a priority
	// event ahead of an aligned barrier that may time out).
	Announcement
	// Cancel: the task took a cancel marker of Checkpoint from input
	// Channel (Flink's CancelCheckpointMarker).
	Cancel
	// EndOfPartition: input Channel ended; it delivers nothing more.
	EndOfPartition
	// Trigger: the coordinator (or the scenario, for Chandy-Lamport's
	// initiators) starts Checkpoint at this task.
	Trigger
	// Abort: the coordinator aborted Checkpoint.
	Abort
	// Timer: the timer the protocol set for Checkpoint fired.
	Timer
)

var inputNames = [...]string{"record", "barrier", "announcement", "cancel", "end of partition", "trigger", "abort", "timer"}

// String names the input kind.
func (k InputKind) String() string { return inputNames[k] }

// Input is one thing that happened at the task.
type Input struct {
	// Kind of input.
	Kind InputKind
	// Channel is the input channel of a Record, Barrier, Announcement,
	// Cancel or EndOfPartition.
	Channel int
	// Checkpoint is the checkpoint (snapshot) id of a Barrier,
	// Announcement, Cancel, Trigger, Abort or Timer.
	Checkpoint int64
	// Now is the executor's virtual time, in nanoseconds.
	Now int64
	// Bytes is the serialized size of a Record, counted into the bytes
	// processed during an alignment (CheckpointBarrierHandler.
	// addProcessedBytes).
	Bytes int64
	// Triggered is when the coordinator triggered Checkpoint (Flink's
	// CheckpointBarrier.getTimestamp), for a Barrier, Announcement or
	// Trigger.
	Triggered int64
	// Unaligned: the Barrier is an unaligned (priority) barrier that
	// overtook the data ahead of it; its sender did not pause the channel
	// after it (CheckpointOptions.isUnalignedCheckpoint).
	Unaligned bool
	// Prioritized: the Barrier is an aligned barrier that overtook the
	// data ahead of it because the task prioritized it (Prioritize, when
	// its alignment timed out); unlike an unaligned one, its sender paused
	// the channel after sending it.
	Prioritized bool
	// Savepoint: Checkpoint is a savepoint, always aligned.
	Savepoint bool
	// ForcedAligned: the Barrier's edge does not support unaligned
	// checkpoints (Flink's StreamGraphGenerator marks every input edge of
	// an operator so once one is pointwise or broadcast, FLINK-21945,
	// FLINK-22815), so it comes forced aligned (CheckpointOptions.
	// withUnalignedUnsupported): it is aligned in unaligned mode too, and
	// the checkpoint it starts never times out.
	ForcedAligned bool
	// Recovering: an input gate of the task still reads the input channel
	// state of a restore (its channels are RecoveredInputChannels, whose
	// checkpointStarted throws CHECKPOINT_DECLINED_TASK_NOT_READY), so a
	// checkpoint this input would start unaligned is declined instead.
	// The executor sets it on every input while the task recovers.
	Recovering bool
}

// Ready is a protocol's answer to one input: the actions to carry out, in
// order (etcd-io/raft's Ready, without the channel: the caller steps the
// machine and handles its Ready synchronously).
type Ready struct {
	// Actions, in order.
	Actions []Action
}

// ActionKind is what the executor must do.
type ActionKind uint8

// The action kinds.
const (
	// Block input Channel: take nothing from it until it is unblocked.
	Block ActionKind = iota
	// UnblockAll blocked input channels, in channel order, and resume
	// every channel whose sender paused after an aligned barrier (Flink's
	// ChannelState.unblockAllChannels).
	UnblockAll
	// Resume input Channel after an obsolete aligned barrier, prioritized
	// or not: its sender paused after it and may send again
	// (CheckpointableInput.resumeConsumption).
	Resume
	// StartRecording input Channel for Checkpoint: every record taken from
	// it from now on belongs to Checkpoint's channel state, until
	// StopRecording.
	StartRecording
	// StopRecording input Channel for Checkpoint: its channel state is
	// complete with the records the barrier of Checkpoint overtook on it
	// (still queued, taken later; none for an aligned barrier or a
	// marker).
	StopRecording
	// Prioritize the barrier of Checkpoint queued on input Channel: it
	// overtakes the data ahead of it (an aligned barrier turned unaligned
	// when the alignment timed out).
	Prioritize
	// Forward the barrier (marker) of Checkpoint on every output channel,
	// ahead of the queued output data when Priority.
	Forward
	// PersistOutput: the data queued on the output channels becomes part
	// of Checkpoint's output channel state (unaligned checkpoints).
	PersistOutput
	// Snapshot the task's state for Checkpoint now (Flink's synchronous
	// phase; Chandy-Lamport's "record the local state").
	Snapshot
	// Acknowledge Checkpoint: the task's part of it is complete (its
	// state and every channel state it records).
	Acknowledge
	// Decline Checkpoint for Reason: the task aborts it, declines it to
	// the coordinator and sends a cancel marker on every output (Flink's
	// abortInternal and notifyAbort).
	Decline
	// SetTimer for Checkpoint to fire at At.
	SetTimer
	// AlignmentStart of Checkpoint: its first barrier was taken (metrics:
	// CheckpointBarrierHandler.markAlignmentStart).
	AlignmentStart
	// AlignmentEnd of Checkpoint: its last barrier was taken
	// (markAlignmentEnd).
	AlignmentEnd
	// TimedOut: the aligned Checkpoint timed out and continues unaligned.
	TimedOut
	// Started: the task learned of Checkpoint, from its first barrier or
	// announcement, and starts aligning it (after declining the older
	// pending one it subsumes, before setting its timer; Flink's
	// checkNewCheckpoint).
	Started
)

var actionNames = [...]string{"block", "unblock all", "resume", "start recording", "stop recording", "prioritize", "forward", "persist output", "snapshot", "acknowledge", "decline", "set timer", "alignment start", "alignment end", "timed out", "started"}

// String names the action kind.
func (k ActionKind) String() string { return actionNames[k] }

// Action is one thing the executor must do. Its small fields come first,
// so that it takes 48 bytes rather than 64: a handler keeps the buffer of
// its actions, which at an unaligned start holds two for each input.
type Action struct {
	// Kind of action.
	Kind ActionKind
	// Priority: Forward sends the barrier ahead of the queued output data.
	Priority bool
	// Unaligned: Snapshot starts an unaligned checkpoint (its channel
	// state is being recorded).
	Unaligned bool
	// Reason of a Decline.
	Reason Reason
	// Channel is the input channel of Block, Resume, StartRecording,
	// StopRecording and Prioritize.
	Channel int
	// Checkpoint the action is about.
	Checkpoint int64
	// Triggered is the checkpoint's trigger time, carried by a Forward
	// barrier.
	Triggered int64
	// At is when a SetTimer fires.
	At int64
	// Bytes of an AlignmentEnd: the bytes of the records taken since the
	// checkpoint's first barrier (CheckpointBarrierHandler.
	// bytesProcessedDuringAlignment).
	Bytes int64
}

// Reason says why a task declines a checkpoint, with Flink's
// CheckpointFailureReason.
type Reason uint8

// The decline reasons.
const (
	// Subsumed: a newer checkpoint's barrier arrived first
	// (CHECKPOINT_DECLINED_SUBSUMED).
	Subsumed Reason = iota + 1
	// Cancelled: a cancel marker arrived
	// (CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER).
	Cancelled
	// TaskNotReady: the checkpoint would start unaligned while an input
	// still reads recovered channel state (Input.Recovering;
	// CHECKPOINT_DECLINED_TASK_NOT_READY).
	TaskNotReady
)

// String is the reason as ckptsim's trace writes it.
func (r Reason) String() string {
	switch r {
	case Subsumed:
		return "subsumed"
	case Cancelled:
		return "cancelled"
	case TaskNotReady:
		return "task not ready"
	}
	return "none"
}

// actions collects the Ready of one Step; its buffer is reused from one
// step to the next.
type actions struct{ buf []Action }

func (a *actions) reset() { a.buf = a.buf[:0] }

func (a *actions) add(act Action) { a.buf = append(a.buf, act) }

func (a *actions) ready() Ready { return Ready{Actions: a.buf} }
