package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// pipe is one source feeding one sink over one remote channel with ten
// exclusive buffers of 32 KiB at the receiver, records of 1000 bytes
// (32.768 to a buffer) and the given sink cost.
func pipe(rate float64, cost time.Duration) Config {
	s := src("src", 1, rate, 0)
	s.Source.RecordBytes = 1000
	k := sink("sink", 1)
	k.Cost = cost
	return Config{
		Name:  "pipe",
		Seed:  1,
		Graph: &topology.Graph{Operators: []topology.Operator{s, k}, Edges: []topology.Edge{{From: "src", To: "sink", Partitioning: topology.Rebalance}}},
		// Full buffers only, so that every buffer carries a segment.
		Channels:   ChannelConfig{Latency: time.Millisecond, SegmentSize: 32 << 10, BuffersPerChannel: 10, FloatingBuffersPerGate: 0, MaxBuffersPerChannel: 10, BufferTimeout: NoBufferTimeout},
		Checkpoint: testCheckpoint(),
		Until:      2 * time.Second,
	}
}

// received counts the records the sink took in [from, to).
func received(evs []TraceEvent, sub int32, from, to time.Duration) int64 {
	var n int64
	for _, ev := range evs {
		if ev.Kind == RecordReceived && ev.Subtask == sub && ev.At >= int64(from) && ev.At < int64(to) {
			n++
		}
	}
	return n
}

// TestCalibrationThroughput: a channel whose receiver keeps up carries
// credits × buffer size per round trip: 10 exclusive buffers of 32 KiB
// every 2ms (the buffer's latency out, the credit's back) is 163.84 MB/s,
// 163,840 records of 1000 bytes a second, though the source could read
// 1,000,000. Floating buffers follow the backlog each buffer reports, and
// a recycled one returns to the gate and is asked for again with the next
// buffer, so the same ten buffers as 2 exclusive and 8 floating carry
// less: at most the bound, at least 70% of it.
func TestCalibrationThroughput(t *testing.T) {
	perSecond := func(cfg Config) (got, bound float64) {
		cfg.Checkpoint.Interval = 0
		evs, _, s := runTraced(t, cfg)
		credits := cfg.Channels.BuffersPerChannel + cfg.Channels.FloatingBuffersPerGate
		bound = float64(credits) * float64(cfg.Channels.SegmentSize) / 1000 / (2 * cfg.Channels.Latency.Seconds())
		return float64(received(evs, subtaskID(t, s, "sink[0]"), time.Second, 2*time.Second)), bound
	}
	got, want := perSecond(pipe(1e6, 0))
	assert.InEpsilon(t, want, got, 0.01, "records/s: want %.0f (credits × buffer / round trip), got %.0f", want, got)
	floating := pipe(1e6, 0)
	floating.Channels.BuffersPerChannel, floating.Channels.FloatingBuffersPerGate = 2, 8
	got, bound := perSecond(floating)
	assert.LessOrEqual(t, got, bound)
	assert.GreaterOrEqual(t, got, 0.7*bound)
}

// TestCalibrationBarrierBehindBacklog: an aligned barrier waits behind
// everything queued ahead of it on a saturated channel, so its start
// delay is the backlog's bytes over the drain rate: the records queued at
// the sender and the receiver when the source took the barrier, times the
// sink's cost per record.
func TestCalibrationBarrierBehindBacklog(t *testing.T) {
	const cost = 200 * time.Microsecond // 5,000 records/s at the sink
	cfg := pipe(20_000, cost)
	cfg.Checkpoint.Interval = 500 * time.Millisecond
	// The second checkpoint, when the backlog has built up.
	trigger := newSim(t, cfg).Run().Checkpoints[1].TriggerAt
	s, err := New(cfg)
	require.NoError(t, err)
	for s.Now() < trigger && s.Step() {
	}
	v := s.ChannelView(0)
	queued := int64(v.SenderRecords + v.ReceiverRecords)
	r := s.Run()
	row := r.Checkpoints[1].Subtasks[subtaskID(t, s, "sink[0]")]
	want := queued * int64(cost)
	assert.InDelta(t, want, row.StartDelay, float64(2*time.Millisecond+2*cost),
		"start delay: want %v (%d records queued × %v), got %v", time.Duration(want), queued, cost, time.Duration(row.StartDelay))
	// The backlog is what the buffers hold: the receiver's 10 and the
	// sender's 10, of 32.768 records each.
	assert.Greater(t, queued, int64(10*32768/1000))
	assert.LessOrEqual(t, queued, int64(20*32768/1000+2))
}

// TestCalibrationUnalignedPersistsBuffers: an unaligned checkpoint of a
// saturated channel persists what its barrier overtook: the receiver's
// full buffers (its exclusive and floating ones) and the sender's backlog,
// each buffer 32 KiB of records.
func TestCalibrationUnalignedPersistsBuffers(t *testing.T) {
	cfg := pipe(20_000, 200*time.Microsecond)
	cfg.Checkpoint.Mode = Unaligned
	cfg.Checkpoint.Interval = 500 * time.Millisecond
	r := newSim(t, cfg).Run()
	require.NotEmpty(t, r.Checkpoints)
	c := r.Checkpoints[1] // the second: the channel is saturated
	require.Equal(t, Completed, c.Status)
	seg := int64(cfg.Channels.SegmentSize)
	receiver := int64(cfg.Channels.BuffersPerChannel+cfg.Channels.FloatingBuffersPerGate) * seg
	sender := int64(cfg.Channels.MaxBuffersPerChannel) * seg
	assert.GreaterOrEqual(t, c.PersistedBytes, receiver*9/10, "at least the receiver's full buffers")
	assert.LessOrEqual(t, c.PersistedBytes, receiver+sender, "at most every buffer of both ends")
}
