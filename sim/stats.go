package sim

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
	// ID is the checkpoint id, counting from 1.
	ID int64
	// Status of the checkpoint.
	Status Status
	// Reason a checkpoint was aborted or expired.
	Reason Reason
	// TriggerAt is the trigger time; EndAt the completion or abort time
	// (0 while in progress).
	TriggerAt, EndAt int64
	// Acked subtasks out of Total.
	Acked, Total int
	// StateBytes is the checkpointed state size (without channel state).
	StateBytes int64
	// PersistedRecords and PersistedBytes are the in-flight data persisted
	// as channel state (unaligned checkpoints).
	PersistedRecords, PersistedBytes int64
	// Offsets are the source offsets of the snapshot, by source partition
	// (-1 for a partition whose source had finished).
	Offsets []int64
	// Subtasks has one row per subtask, by subtask ID.
	Subtasks []SubtaskStats

	// states holds each acknowledged subtask's keyed state, by subtask ID,
	// while the checkpoint is retained.
	states []map[int64]int64
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
	// StartDelay is trigger to first barrier; Alignment is how long the
	// subtask held inputs back (first barrier to snapshot: 0 for sources,
	// at-least-once and unaligned checkpoints); Sync and Async are the
	// snapshot phases (Async ends with the acknowledgement).
	StartDelay, Alignment, Sync, Async int64
	// Unaligned reports whether the subtask took the checkpoint unaligned.
	Unaligned bool
	// StateBytes is the snapshotted state size.
	StateBytes int64
	// PersistedRecords and PersistedBytes are its persisted in-flight data.
	PersistedRecords, PersistedBytes int64

	syncStart int64
}
