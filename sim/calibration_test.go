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
// saturated channel persists the buffers its barrier overtook: the
// receiver's 10 (its exclusive buffers, the one being read among them) and
// the sender's backlog of up to 10 (max_buffers_per_channel, the one being
// filled among them), each with its readable bytes and the 4-byte header
// of ChannelStateSerializerImpl.writeData. The readable bytes are the
// records' bytes (32.768 records of 1000 bytes to a buffer): all but the
// consumed part of the one being read and the empty part of the one
// being filled.
func TestCalibrationUnalignedPersistsBuffers(t *testing.T) {
	cfg := pipe(20_000, 200*time.Microsecond)
	cfg.Checkpoint.Mode = Unaligned
	cfg.Checkpoint.Interval = 500 * time.Millisecond
	r := newSim(t, cfg).Run()
	require.Greater(t, len(r.Checkpoints), 2)
	seg := int64(cfg.Channels.SegmentSize)
	bufs := int64(cfg.Channels.BuffersPerChannel + cfg.Channels.FloatingBuffersPerGate + cfg.Channels.MaxBuffersPerChannel)
	for _, c := range r.Checkpoints[1:3] { // the channel is saturated
		require.Equal(t, Completed, c.Status)
		data := c.PersistedRecords * 1000
		headers := c.PersistedBytes - data
		assert.Zero(t, headers%BufferHeaderBytes)
		assert.InDelta(t, bufs-1, headers/BufferHeaderBytes, 1, "checkpoint %d: a header per buffer of both ends", c.ID)
		assert.GreaterOrEqual(t, data, (bufs-2)*seg, "checkpoint %d: all but the two partial buffers are full", c.ID)
		assert.LessOrEqual(t, data, bufs*seg, "checkpoint %d: at most every buffer of both ends", c.ID)
	}
}

// TestPersistedBuffers: persisted in-flight data counts whole buffers,
// each with its readable bytes and its header: a record of exactly one
// segment fills a buffer, so each persisted record adds its bytes and a
// header, flushed after every record or not (a flush adds no buffer to a
// full one); records of exactly three segments fill three buffers
// each, so each adds three headers, but for the first one of each end: at
// the sender its first buffers may be on the wire already (the receiver
// persists them), at the receiver the deserializer may hold its first
// bytes, copied out of buffers it recycled (no header in the model).
func TestPersistedBuffers(t *testing.T) {
	for _, tc := range []struct {
		name              string
		record            int
		timeout           time.Duration
		perRecord, missed int64 // headers per persisted record, at most missed fewer
	}{
		{"a buffer per record", 32 << 10, 0, 1, 0},
		{"records of three buffers", 3 * 32 << 10, NoBufferTimeout, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := pipe(20_000, 200*time.Microsecond)
			cfg.Graph.Operators[0].Source.RecordBytes = tc.record
			cfg.Channels.BufferTimeout = tc.timeout
			cfg.Checkpoint.Mode = Unaligned
			cfg.Checkpoint.Interval = 300 * time.Millisecond
			r := newSim(t, cfg).Run()
			require.Greater(t, len(r.Checkpoints), 3)
			for _, c := range r.Checkpoints[1:] {
				if c.Status != Completed {
					continue
				}
				require.Positive(t, c.PersistedRecords, "checkpoint %d", c.ID)
				headers := (c.PersistedBytes - c.PersistedRecords*int64(tc.record)) / BufferHeaderBytes
				assert.LessOrEqual(t, headers, tc.perRecord*c.PersistedRecords, "checkpoint %d", c.ID)
				assert.GreaterOrEqual(t, headers, tc.perRecord*c.PersistedRecords-tc.missed, "checkpoint %d", c.ID)
			}
		})
	}
}
