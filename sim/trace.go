package sim

import (
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// TraceKind is the type of a trace event.
type TraceKind uint8

// The trace event kinds. Subtask, Channel and Checkpoint of a TraceEvent are
// set where the kind's comment names them.
const (
	// RecordSent: Channel's sender transmitted a record (Key, Value).
	RecordSent TraceKind = iota
	// RecordReceived: Subtask took a record (Key, Value) from Channel and
	// starts processing it.
	RecordReceived
	// RecordProcessed: Subtask finished processing a record from Channel
	// (-1 for a source reading its log; N is the record's offset in its
	// partition then).
	RecordProcessed
	// BarrierInjected: source Subtask emitted barrier Checkpoint having
	// read N records of its splits (the sum of their offsets).
	BarrierInjected
	// BarrierReceived: Subtask took barrier Checkpoint from Channel.
	BarrierReceived
	// BarrierForwarded: Subtask emitted barrier Checkpoint on its N output
	// channels.
	BarrierForwarded
	// BarrierOvertook: an unaligned (priority) barrier Checkpoint jumped
	// ahead of N records on Channel.
	BarrierOvertook
	// ChannelBlocked: Subtask holds Channel back while aligning Checkpoint.
	ChannelBlocked
	// ChannelUnblocked: Subtask resumes reading Channel.
	ChannelUnblocked
	// Backpressured: Subtask has no credit to send and stopped processing.
	Backpressured
	// BackpressureReleased: Subtask got credit back and continues.
	BackpressureReleased
	// SnapshotSyncStart: Subtask started the sync phase of Checkpoint.
	SnapshotSyncStart
	// SnapshotSyncEnd: Subtask finished the sync phase; N is state bytes.
	SnapshotSyncEnd
	// SnapshotAsyncEnd: Subtask finished the async phase of Checkpoint.
	SnapshotAsyncEnd
	// CheckpointAcked: Subtask acknowledged Checkpoint to the coordinator.
	CheckpointAcked
	// CheckpointTriggered: the coordinator triggered Checkpoint.
	CheckpointTriggered
	// CheckpointCompleted: every subtask acknowledged Checkpoint.
	CheckpointCompleted
	// CheckpointExpired: Checkpoint exceeded the checkpoint timeout.
	CheckpointExpired
	// CheckpointAborted: the coordinator discarded Checkpoint (Reason).
	CheckpointAborted
	// TaskCheckpointAborted: Subtask aborted Checkpoint locally (Reason)
	// and declined it.
	TaskCheckpointAborted
	// CancelMarkerReceived: Subtask took a cancel marker for Checkpoint
	// from Channel.
	CancelMarkerReceived
	// EndOfPartition: Subtask's input Channel ended.
	EndOfPartition
	// InFlightPersisted: Subtask persisted a record (Key, Value) of Channel
	// as channel state of Checkpoint: input channel state when Subtask
	// receives on Channel, output channel state when it sends. N is what
	// it adds to the persisted data: its bytes, and the header of each
	// buffer it is the first persisted record of (BufferHeaderBytes).
	InFlightPersisted
	// AlignmentTimedOut: Subtask switched Checkpoint from aligned to
	// unaligned.
	AlignmentTimedOut
	// NotifyComplete: Subtask was notified that Checkpoint completed.
	NotifyComplete
	// SubtaskFinished: Subtask consumed all its input and finished.
	SubtaskFinished
	// BarrierAnnounced: barrier Checkpoint reached Subtask's input Channel
	// behind data and was announced ahead of it (aligned checkpoint
	// timeout).
	BarrierAnnounced
	// SubtaskFailed: Subtask was cancelled by a failover.
	SubtaskFailed
	// JobFailover: the job reacted to a failure; N subtasks restart.
	JobFailover
	// JobStatusChanged: the job's status became JobStatus(N) (in JSON
	// also by name, "status").
	JobStatusChanged
	// SubtaskRestoring: Subtask was redeployed and restores N bytes of
	// state from Checkpoint (0: none).
	SubtaskRestoring
	// SubtaskRestored: Subtask finished restoring and runs.
	SubtaskRestored
	// TransactionCommitted: a two-phase commit sink Subtask committed the
	// transaction of Checkpoint, N records.
	TransactionCommitted
	// JobResubmitted: the user resubmitted the job from Checkpoint (a
	// manual restore); N is the new execution's number.
	JobResubmitted
	// RestoreRefused: a manual restore found nothing to restore (of
	// Checkpoint, when it named one).
	RestoreRefused
	// EndOfData: Subtask took EndOfData from Channel: no record follows
	// on it, barriers still do (FLIP-147).
	EndOfData
	// EndOfInput: Subtask read its last record and waits for its final
	// checkpoint before it finishes (FLIP-147).
	EndOfInput
	// StopFailed: a stop-with-savepoint failed (its synchronous savepoint
	// Checkpoint was aborted for Reason, or the job was not running) and
	// the job goes on.
	StopFailed
	// MaterializationStarted: the changelog backend of Subtask started a
	// materialization that uploads N bytes (FLIP-158).
	MaterializationStarted
	// MaterializationCompleted: the materialization of Subtask, N bytes
	// of state, is uploaded; later checkpoints build on it.
	MaterializationCompleted
	// TokensRecorded: process Subtask recorded its state, N tokens, for
	// snapshot Checkpoint (mode chandy-lamport).
	TokensRecorded
	// RecordingStarted: Subtask records what its input Channel delivers
	// for snapshot Checkpoint (mode chandy-lamport).
	RecordingStarted
	// RecordingStopped: Subtask's recording of Channel for Checkpoint is
	// complete (mode chandy-lamport).
	RecordingStopped
	// InputRecovered: Subtask took the last record of the recovered input
	// channel state of its input gate and requested the gate's partitions
	// (SingleInputGate.requestPartitions); N gates still recover. At 0
	// the subtask is RUNNING.
	InputRecovered
	numTraceKinds
)

var traceKindNames = [numTraceKinds]string{
	"record_sent", "record_received", "record_processed",
	"barrier_injected", "barrier_received", "barrier_forwarded", "barrier_overtook",
	"channel_blocked", "channel_unblocked", "backpressured", "backpressure_released",
	"snapshot_sync_start", "snapshot_sync_end", "snapshot_async_end", "checkpoint_acked",
	"checkpoint_triggered", "checkpoint_completed", "checkpoint_expired", "checkpoint_aborted",
	"task_checkpoint_aborted", "cancel_marker_received", "end_of_partition",
	"in_flight_persisted", "alignment_timed_out", "notify_complete", "subtask_finished",
	"barrier_announced", "subtask_failed", "job_failover", "job_status_changed",
	"subtask_restoring", "subtask_restored", "transaction_committed",
	"job_resubmitted", "restore_refused", "end_of_data", "end_of_input", "stop_failed",
	"materialization_started", "materialization_completed",
	"tokens_recorded", "recording_started", "recording_stopped",
	"input_recovered",
}

// String is the kind's snake_case name, as in JSON traces.
func (k TraceKind) String() string {
	if k < numTraceKinds {
		return traceKindNames[k]
	}
	return "unknown"
}

// Reason says why a checkpoint was aborted, with Flink's failure reasons.
type Reason uint8

// The abort reasons.
const (
	NoReason Reason = iota
	// ReasonSubsumed: a newer checkpoint's barrier arrived first, or a newer
	// checkpoint completed (CHECKPOINT_DECLINED_SUBSUMED /
	// CHECKPOINT_SUBSUMED).
	ReasonSubsumed
	// ReasonCancelled: a cancel marker arrived (CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER).
	ReasonCancelled
	// ReasonExpired: the checkpoint timeout passed (CHECKPOINT_EXPIRED).
	ReasonExpired
	// ReasonDeclined: a subtask declined the checkpoint.
	ReasonDeclined
	// ReasonTaskNotReady: a subtask took a barrier that starts the
	// checkpoint unaligned while one of its input gates still read
	// recovered channel state (RecoveredInputChannel.checkpointStarted:
	// CHECKPOINT_DECLINED_TASK_NOT_READY). The coordinator triggers only
	// when every subtask is RUNNING (allRunning), so a run does not show
	// it; the barrier handler keeps Flink's guard.
	ReasonTaskNotReady
	// ReasonTaskClosing: the coordinator triggered it at a subtask that
	// was closing: its input had ended and its final checkpoint completed,
	// and it waited for its last uploads (CHECKPOINT_DECLINED_TASK_CLOSING).
	ReasonTaskClosing
	// ReasonSuspended: the coordinator's scheduler stopped
	// (CHECKPOINT_COORDINATOR_SUSPEND): the job left RUNNING, for a
	// failover (RESTARTING) or for good, or a stop-with-savepoint stopped
	// it before its synchronous savepoint.
	ReasonSuspended
)

var reasonNames = [...]string{"", "subsumed", "cancelled", "expired", "declined", "task not ready", "task closing", "suspended"}

// String is the reason's name.
func (r Reason) String() string { return reasonNames[r] }

// TraceEvent is one entry of a run's trace: a fixed-size value, cheap to
// emit and to store.
type TraceEvent struct {
	// Seq numbers trace events from 0 in emission order.
	Seq int64
	// At is the virtual time in nanoseconds.
	At int64
	// Kind of event.
	Kind TraceKind
	// Reason, for aborts.
	Reason Reason
	// Subtask and Channel IDs in the execution graph, or -1.
	Subtask, Channel int32
	// Checkpoint id, or 0.
	Checkpoint int64
	// Key and Value of a record.
	Key, Value int64
	// N is a count or size whose meaning depends on Kind.
	N int64
}

// AppendJSON appends ev as one JSON object (no newline), naming subtasks
// and channels as the execution graph does.
func (s *Sim) AppendJSON(b []byte, ev TraceEvent) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, ev.At, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, ev.Kind.String()...)
	b = append(b, '"')
	if ev.Subtask >= 0 {
		b = append(b, `,"subtask":`...)
		b = AppendJSONString(b, s.eg.Subtasks[ev.Subtask].Name)
	}
	if ev.Channel >= 0 {
		b = append(b, `,"channel":`...)
		// The channel's name (topology.ExecutionGraph.ChannelName),
		// written without making it.
		c := &s.eg.Channels[ev.Channel]
		b = append(b, '"')
		b = appendJSONChars(b, s.eg.Subtasks[c.From].Name)
		b = append(b, "->"...)
		b = appendJSONChars(b, s.eg.Subtasks[c.To].Name)
		b = append(b, '"')
	}
	if ev.Checkpoint != 0 {
		b = append(b, `,"checkpoint":`...)
		b = strconv.AppendInt(b, ev.Checkpoint, 10)
	}
	if ev.Reason != NoReason {
		b = append(b, `,"reason":"`...)
		b = append(b, ev.Reason.String()...)
		b = append(b, '"')
	}
	switch ev.Kind {
	case RecordSent, RecordReceived, RecordProcessed, InFlightPersisted:
		b = append(b, `,"key":`...)
		b = strconv.AppendInt(b, ev.Key, 10)
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, ev.Value, 10)
	}
	if ev.N != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, ev.N, 10)
	}
	if ev.Kind == JobStatusChanged {
		b = append(b, `,"status":"`...)
		b = append(b, JobStatus(ev.N).String()...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// AppendJSONString appends str as a JSON string, as traces write names
// (export writes them so too). Besides what JSON must
// escape, it escapes what termsafe finds unsafe on a terminal (\u001b), so
// a trace file is valid JSON and safe to print; bytes that are not UTF-8
// become U+FFFD, as with encoding/json.
func AppendJSONString(b []byte, str string) []byte {
	return append(appendJSONChars(append(b, '"'), str), '"')
}

// appendJSONChars appends str escaped as in a JSON string, without the
// quotes.
func appendJSONChars(b []byte, str string) []byte {
	for i := 0; i < len(str); {
		if c := str[i]; c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(str[i:]) // utf8.RuneError for a byte that is not UTF-8
		i += size
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r < 0x20 || termsafe.Unsafe(r):
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// JSONLWriter returns a tracer that writes every trace event of s as one
// JSON line to w, and a function that reports the first write error.
func (s *Sim) JSONLWriter(w io.Writer) (tracer func(TraceEvent), err func() error) {
	var buf []byte
	var first error
	return func(ev TraceEvent) {
			if first != nil {
				return
			}
			buf = append(s.AppendJSON(buf[:0], ev), '\n')
			_, first = w.Write(buf)
		}, func() error {
			return first
		}
}

// TraceHasher returns a tracer that hashes the JSONL form of every trace
// event, and a function returning the hash so far: two runs with equal
// hashes had byte-identical traces.
func (s *Sim) TraceHasher() (tracer func(TraceEvent), sum func() uint64) {
	var h hash.Hash64 = fnv.New64a()
	var buf []byte
	return func(ev TraceEvent) {
			buf = append(s.AppendJSON(buf[:0], ev), '\n')
			h.Write(buf)
		}, func() uint64 {
			return h.Sum64()
		}
}
