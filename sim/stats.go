package sim

import "iter"

// Status is a checkpoint's state, as Flink's web UI names it.
type Status uint8

// The checkpoint statuses.
const (
	InProgress Status = iota
	Completed
	Expired
	Aborted
)

var statusNames = [...]string{"IN_PROGRESS", "COMPLETED", "EXPIRED", "ABORTED"}

// String is the status in Flink's upper-case spelling.
func (st Status) String() string { return statusNames[st] }

// CheckpointStats are the figures Flink's web UI shows for one checkpoint.
// Times are virtual nanoseconds.
type CheckpointStats struct {
	// ID is the checkpoint id, counting from 1; after a resubmission the
	// ids of the new execution continue after the restored checkpoint's.
	ID int64
	// Execution counts the job's submissions: 0 for the first, n after
	// the n-th manual restore.
	Execution int
	// Status of the checkpoint.
	Status Status
	// Reason a checkpoint was aborted or expired.
	Reason Reason
	// TriggerAt is the trigger time; EndAt the completion or abort time
	// (0 while in progress).
	TriggerAt, EndAt int64
	// Acked subtasks out of Total.
	Acked, Total int
	// StateBytes is the full size of the checkpoint's state (the web UI's
	// Full Checkpoint Data Size, without the channel state).
	StateBytes int64
	// CheckpointedBytes is what this checkpoint uploaded (the web UI's
	// Checkpointed Data Size): less than StateBytes only with a backend
	// that uploads less than the full state.
	CheckpointedBytes int64
	// ProcessedBytes is the data the subtasks processed during their
	// alignments, first to last barrier (the web UI's Processed in-flight
	// data), summed over the acknowledged subtasks.
	ProcessedBytes int64
	// PersistedRecords and PersistedBytes are the in-flight data persisted
	// as channel state (unaligned checkpoints).
	PersistedRecords, PersistedBytes int64
	// MissingRecords and ExtraRecords are the cut checker's counts for a
	// completed checkpoint: records from before the cut in neither the
	// state nor the channel state, and records from after the cut in the
	// state (expected only in at-least-once mode).
	MissingRecords, ExtraRecords int64
	// Offsets are the source offsets of the snapshot, by source partition
	// (global index, in operator order; -1 for a partition whose source
	// subtask had finished).
	Offsets []int64
	// Subtasks has one row per subtask, by subtask ID.
	Subtasks []SubtaskStats

	// InStorage reports whether the checkpoint is still in checkpoint
	// storage: a savepoint once completed, a checkpoint until it leaves
	// the store (num-retained) or the job's end deletes it (the
	// externalized checkpoint retention).
	InStorage bool

	// Savepoint reports whether this is a savepoint (always aligned, not
	// counted against max concurrent checkpoints, kept apart from the
	// retained checkpoints).
	Savepoint bool
	// Synchronous reports whether this is the synchronous savepoint of a
	// stop-with-savepoint (CheckpointProperties.isSynchronous): the job
	// ends once it completes, and unlike an intermediate savepoint it
	// subsumes older checkpoints and is notified, so sinks commit on it.
	Synchronous bool

	// What recovery needs while the checkpoint is retained: each
	// acknowledged subtask's keyed state and pending sink transactions, by
	// subtask ID, and the persisted channel state.
	readAtTrigger, readAtEnd int64 // source records read so far
	states                   []map[int64]int64
	txns                     [][]*txn
	// splits are each source subtask's list state: the partitions of its
	// splits not at their end, in order (their offsets are in Offsets).
	splits [][]int32
	// inState and outState are the persisted input and output channel
	// state, one list per subtask's acknowledgement in the order of the
	// acks (a restore replays them in that order): the subtasks' own
	// lists, never changed once acknowledged, rather than one copy of them
	// all. A big job's unaligned checkpoint persists hundreds of
	// thousands of records, and a copy doubled them.
	inState, outState [][]persistedRecord
	// files are each subtask's shared state files (backend.go) and
	// privateBytes the size of the files only this checkpoint owns.
	files        [][]stateFile
	privateBytes int64
	// followed reports whether a checkpoint was triggered after this one,
	// readAtNext the source records read by then.
	followed   bool
	readAtNext int64
	// unreadable marks a checkpoint whose state cannot be read back (a
	// corrupt-checkpoint fault).
	unreadable bool
	// deleted says why the checkpoint left checkpoint storage.
	deleted string
}

// allRecords yields the records of a checkpoint's channel state
// (CheckpointStats.inState or outState), in the order of the acks.
func allRecords(lists [][]persistedRecord) iter.Seq[*persistedRecord] {
	return func(yield func(*persistedRecord) bool) {
		for _, list := range lists {
			for i := range list {
				if !yield(&list[i]) {
					return
				}
			}
		}
	}
}

// discard deletes a checkpoint from checkpoint storage, with what only
// recovery needs. Savepoints are never deleted.
func (c *CheckpointStats) discard(why string) {
	if c.Savepoint {
		return
	}
	c.InStorage, c.deleted = false, why
	c.states, c.txns, c.inState, c.outState, c.files = nil, nil, nil, nil, nil
}

// EndToEnd is the trigger-to-end duration, or 0 while in progress.
func (c *CheckpointStats) EndToEnd() int64 {
	if c.Status == InProgress {
		return 0
	}
	return c.EndAt - c.TriggerAt
}

// MaxAlignment is the longest alignment of any subtask.
func (c *CheckpointStats) MaxAlignment() int64 {
	var m int64
	for i := range c.Subtasks {
		m = max(m, c.Subtasks[i].Alignment)
	}
	return m
}

// SubtaskStats are one subtask's figures for one checkpoint.
type SubtaskStats struct {
	// Subtask ID.
	Subtask int
	// Acked reports whether the subtask acknowledged; Finished that it had
	// finished and counted as acknowledged.
	Acked, Finished bool
	// AckAt is when the acknowledgement arrived.
	AckAt int64
	// FirstBarrierAt is when the first barrier was taken (for a source:
	// when it triggered), -1 before.
	FirstBarrierAt int64
	// StartDelay is trigger to first barrier; Alignment is first barrier
	// to last, in every mode, as the web UI reports it (0 for sources and
	// subtasks with one input); Sync and Async are the snapshot phases
	// (Async ends with the acknowledgement).
	StartDelay, Alignment, Sync, Async int64
	// Unaligned reports whether the subtask took the checkpoint unaligned.
	Unaligned bool
	// StateBytes is the snapshotted state size (Full Checkpoint Data
	// Size) and CheckpointedBytes what the subtask uploaded of it
	// (Checkpointed Data Size).
	StateBytes, CheckpointedBytes int64
	// OperatorStateBytes is StateBytes by operator of the subtask's
	// chain, head first (ExecutionGraph.Chain), for a chain of several
	// operators; nil otherwise. It is shared: do not modify it.
	OperatorStateBytes []int64
	// ProcessedBytes is the data the subtask processed between its first
	// and its last barrier.
	ProcessedBytes int64
	// PersistedRecords and PersistedBytes are its persisted in-flight data.
	PersistedRecords, PersistedBytes int64

	syncStart int64
}
