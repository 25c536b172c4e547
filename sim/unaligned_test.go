package sim

import (
	"testing"
	"time"

	"github.com/ckptsim/ckptsim/topology"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backloggedJob is the two-input job with b flooding a slow aggregate, on
// Flink's buffers and credits with small segments of ten records: b's
// barrier queues behind the ten buffers of its backlog and the ten the
// aggregate holds for b, tens of milliseconds of records, so an aligned
// checkpoint aligns for that long, while a's barrier reaches the aggregate
// soon.
func backloggedJob(mode Mode, alignedTimeout time.Duration) Config {
	cfg := twoInputJob(src("a", 1, 200, 0), src("b", 1, 5000, 0), agg("agg", 1, 300*time.Microsecond))
	cfg.Channels = DefaultChannelConfig()
	cfg.Channels.SegmentSize, cfg.Channels.BufferTimeout = 1000, time.Millisecond
	cfg.Checkpoint.Interval = 200 * time.Millisecond
	cfg.Checkpoint.Mode = mode
	cfg.Checkpoint.AlignedCheckpointTimeout = alignedTimeout
	return cfg
}

// TestUnalignedSnapshotsOnFirstBarrier: with unaligned checkpoints a task
// snapshots on the first barrier (the barrier overtakes the queued data),
// blocks no channel, and persists the overtaken records as channel state;
// the checkpoints complete, much faster than aligned ones, and are
// consistent.
func TestUnalignedSnapshotsOnFirstBarrier(t *testing.T) {
	_, _, aligned := runHashed(t, backloggedJob(Aligned, 0))
	requireInvariants(t, aligned)
	evs, r, s := runTraced(t, backloggedJob(Unaligned, 0))
	requireInvariants(t, r, "consistent-snapshot", "snapshot-state")
	require.GreaterOrEqual(t, r.Summary.Completed, 5, describeCheckpoints(r))
	require.Zero(t, r.Summary.InProgress+r.Summary.Aborted+r.Summary.Expired-inProgressAtEnd(r), describeCheckpoints(r))
	aggID := subtaskID(t, s, "agg[0]")
	for _, ev := range evs {
		require.NotEqual(t, ChannelBlocked, ev.Kind, "unaligned blocked a channel at seq %d", ev.Seq)
	}
	overtook := 0
	for _, ev := range evs {
		if ev.Kind == BarrierOvertook {
			overtook++
		}
	}
	assert.Positive(t, overtook)
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		if c.Status != Completed {
			continue
		}
		for _, row := range c.Subtasks {
			assert.True(t, row.Acked)
			assert.True(t, row.Unaligned, "checkpoint %d, subtask %d", c.ID, row.Subtask)
		}
		// The alignment still spans the first barrier to the last, and
		// every record taken in between is processed data.
		f, l, processed := alignmentSpan(t, evs, aggID, c.ID)
		assert.Equal(t, evs[l].At-evs[f].At, c.Subtasks[aggID].Alignment, "checkpoint %d", c.ID)
		assert.Equal(t, processed, c.Subtasks[aggID].ProcessedBytes, "checkpoint %d", c.ID)
		// The first barrier at the aggregate triggers the snapshot at once.
		first := -1
		for j, ev := range evs {
			if ev.Subtask == aggID && ev.Checkpoint == c.ID && ev.Kind == BarrierReceived && first < 0 {
				first = j
			}
			if ev.Subtask == aggID && ev.Checkpoint == c.ID && ev.Kind == SnapshotSyncStart {
				require.GreaterOrEqual(t, first, 0)
				assert.Equal(t, evs[first].At, ev.At, "checkpoint %d: snapshot at the first barrier", c.ID)
				for _, between := range evs[first+1 : j] {
					assert.NotEqual(t, RecordProcessed, between.Kind, "checkpoint %d: processed a record before the snapshot", c.ID)
				}
				break
			}
		}
		assert.Positive(t, c.PersistedRecords, "checkpoint %d persisted no in-flight data", c.ID)
		assert.Equal(t, c.PersistedRecords, sumRows(c, func(r SubtaskStats) int64 { return r.PersistedRecords }))
	}
	assert.Less(t, r.Summary.MaxEndToEnd, aligned.Summary.MaxEndToEnd/2,
		"unaligned (%v) should be much faster than aligned (%v) under backpressure",
		time.Duration(r.Summary.MaxEndToEnd), time.Duration(aligned.Summary.MaxEndToEnd))
	assert.Positive(t, r.Summary.MaxAlignment)
	assert.Less(t, r.Summary.MaxAlignment, aligned.Summary.MaxAlignment/2, "the unaligned barriers overtake the backlog")
	// Aligned checkpoints also cost throughput: every sender pauses after
	// its barrier until the receiver's resumeConsumption reaches it.
	assert.Less(t, aligned.Summary.RecordsIn, r.Summary.RecordsIn)
}

func inProgressAtEnd(r *Result) int {
	return countStatus(r, InProgress)
}

func sumRows(c *CheckpointStats, f func(SubtaskStats) int64) int64 {
	var n int64
	for _, row := range c.Subtasks {
		n += f(row)
	}
	return n
}

// TestAlignedCheckpointTimeout: with an aligned checkpoint timeout a
// checkpoint starts aligned and switches to unaligned when it is still
// aligning Timeout after its trigger — measured from the trigger time the
// barrier carries (Flink >= 1.14), not from the first barrier at the task.
// A timeout longer than any alignment leaves every checkpoint aligned.
func TestAlignedCheckpointTimeout(t *testing.T) {
	// Longer than the aggregate takes to reach a's barrier behind b's
	// queued buffers, shorter than it takes to reach b's.
	const timeout = 40 * time.Millisecond
	t.Run("times-out", func(t *testing.T) {
		evs, r, s := runTraced(t, backloggedJob(Unaligned, timeout))
		requireInvariants(t, r, "consistent-snapshot", "snapshot-state")
		require.GreaterOrEqual(t, r.Summary.Completed, 5, describeCheckpoints(r))
		aggID := subtaskID(t, s, "agg[0]")
		cost := int64(300 * time.Microsecond)
		switched := 0
		for _, ev := range evs {
			if ev.Kind != AlignmentTimedOut {
				continue
			}
			switched++
			c := &r.Checkpoints[ev.Checkpoint-1]
			deadline := c.TriggerAt + int64(timeout)
			assert.Greater(t, ev.At, deadline, "checkpoint %d switched before its deadline", c.ID)
			// At the deadline, or when the record being processed then is done.
			assert.LessOrEqual(t, ev.At, deadline+1+cost, "checkpoint %d switched late", c.ID)
			if c.Status == Completed {
				row := c.Subtasks[ev.Subtask]
				assert.True(t, row.Unaligned)
				// The alignment spans the first barrier to the last, past
				// the switch to unaligned.
				f, l, _ := alignmentSpan(t, evs, ev.Subtask, c.ID)
				assert.Equal(t, evs[f].At, row.FirstBarrierAt)
				assert.Equal(t, evs[l].At-evs[f].At, row.Alignment)
				assert.Greater(t, row.Alignment, ev.At-row.FirstBarrierAt)
			}
		}
		require.Positive(t, switched, "no alignment timed out")
		// The aggregate blocked a channel first (aligned start).
		blocked := 0
		for _, ev := range evs {
			if ev.Kind == ChannelBlocked && ev.Subtask == aggID {
				blocked++
			}
		}
		assert.Positive(t, blocked)
		for i := range r.Checkpoints {
			c := &r.Checkpoints[i]
			if c.Status == Completed {
				assert.Less(t, c.Subtasks[aggID].Alignment, int64(timeout)+cost+1, "checkpoint %d aligned past the timeout", c.ID)
			}
		}
	})
	t.Run("never-times-out", func(t *testing.T) {
		evs, r, _ := runTraced(t, backloggedJob(Unaligned, time.Second))
		requireInvariants(t, r, "consistent-snapshot", "snapshot-state")
		require.GreaterOrEqual(t, r.Summary.Completed, 5)
		for _, ev := range evs {
			require.NotEqual(t, AlignmentTimedOut, ev.Kind)
		}
		for i := range r.Checkpoints {
			for _, row := range r.Checkpoints[i].Subtasks {
				assert.False(t, row.Unaligned)
			}
			assert.Zero(t, r.Checkpoints[i].PersistedRecords)
		}
		assert.Positive(t, r.Summary.MaxAlignment)
	})
}

// doublePersistJob is a job found by TestPropertyInvariants: under heavy
// backpressure (one credit per channel, a slow aggregate) a record stays in
// flight across two unaligned checkpoints, so it belongs to the channel
// state of both (first as the sender's output state, then as the
// receiver's input state).
func doublePersistJob() Config {
	s0 := src("s0", 1, 100, 0)
	s0.Source.Keys = 1
	s1 := src("s1", 3, 300, 0)
	s1.Source.Keys = 1
	return Config{
		Name: "double-persist",
		Graph: &topology.Graph{
			Operators: []topology.Operator{s0, s1, agg("agg", 1, 2*time.Millisecond), sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "s0", To: "agg", Partitioning: topology.Hash},
				{From: "s1", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels: ChannelConfig{Latency: 1012 * time.Microsecond, BuffersPerChannel: 1, MaxBuffersPerChannel: 3},
		Checkpoint: CheckpointConfig{Interval: 10 * time.Millisecond, Mode: Unaligned, AlignedCheckpointTimeout: time.Millisecond,
			MaxConcurrent: 1, Timeout: 20 * time.Millisecond, NumRetained: 1, History: testHistory, StorageBandwidth: 1 << 20},
		Until: time.Second,
	}
}

// TestUnalignedRecordInTwoChannelStates: a record persisted as channel
// state of checkpoint n-1 and again of checkpoint n, then processed after
// both snapshots, is in the channel state of both: both checkpoints are
// consistent cuts. (Regression: the cut checker used to remember only the
// newest checkpoint that persisted a record and reported it missing from
// the older one.)
func TestUnalignedRecordInTwoChannelStates(t *testing.T) {
	evs, r, _ := runTraced(t, doublePersistJob())
	// Find a record persisted for two consecutive completed checkpoints.
	type rec struct {
		ch           int32
		key, value   int64
		first, again int64
	}
	last := map[[3]int64]int64{}
	var twice []rec
	for _, ev := range evs {
		if ev.Kind != InFlightPersisted {
			continue
		}
		k := [3]int64{int64(ev.Channel), ev.Key, ev.Value}
		if prev, ok := last[k]; ok && prev == ev.Checkpoint-1 {
			twice = append(twice, rec{ev.Channel, ev.Key, ev.Value, prev, ev.Checkpoint})
		}
		last[k] = ev.Checkpoint
	}
	both := 0
	for _, rc := range twice {
		if r.Checkpoints[rc.first-1].Status == Completed && r.Checkpoints[rc.again-1].Status == Completed {
			both++
		}
	}
	require.Positive(t, both, "no record was persisted by two consecutive completed checkpoints")
	requireInvariants(t, r, "consistent-snapshot", "snapshot-state")
}
