package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTaskNetwork: on a saturated channel the network views read as
// Flink's metrics would: the receiver uses all its buffers but the one
// just recycled, whose credit is on its way (inPoolUsage 90-100%, the
// rest queued), the sender's pool is
// used up by the subpartition's max-buffers-per-channel (outPoolUsage
// 100%, backpressured) with a backlog and no credit; a local channel has
// no buffers of the receiver's and counts in no input usage.
func TestTaskNetwork(t *testing.T) {
	cfg := pipe(20_000, 200*time.Microsecond)
	cfg.Checkpoint.Interval = 0
	s := newSim(t, cfg)
	for s.Now() < int64(time.Second) && s.Step() {
	}
	src, snk := int(subtaskID(t, s, "src[0]")), int(subtaskID(t, s, "sink[0]"))
	in, out := s.TaskNetwork(snk), s.TaskNetwork(src)
	assert.InDelta(t, 0.95, in.InPoolUsage, 0.05)
	assert.Equal(t, in.InPoolUsage, in.InputExclusiveBuffersUsage, "exclusive buffers only")
	assert.Zero(t, in.InputFloatingBuffersUsage, "no floating buffers")
	assert.InDelta(t, 10, in.InputQueueLength, 1, "the ten exclusive buffers hold data (one may be on the wire)")
	assert.Equal(t, 1.0, out.OutPoolUsage)
	assert.True(t, out.Backpressured)
	c := s.ChannelView(0)
	nw := c.Network
	assert.Zero(t, c.Credit)
	assert.Equal(t, 10, nw.Held)
	assert.Equal(t, nw.Held, nw.Backlog+min(1, nw.FillingRoom), "the pool's buffers are the backlog and the one being filled")
	assert.Equal(t, nw.Backlog+min(1, nw.FillingRoom), out.OutputQueueLength, "outputQueueLength counts the buffer being filled (PipelinedSubpartition's queue holds its BufferConsumer)")
	assert.LessOrEqual(t, nw.ExclusiveFree+nw.FloatingFree, 1, "the free buffers are the credit the receiver grants")
	assert.Equal(t, nw.Queued, in.InputQueueLength)
	assert.Equal(t, 10, nw.Queued+nw.ExclusiveFree, "an exclusive buffer is free until the data its credit brought lands")
	assert.Equal(t, 32<<10, nw.BufferSize)
	assert.False(t, nw.Local)

	local := cfg
	local.Placement = Placement{TaskManagers: 1, SlotsPerTaskManager: 1}
	s = newSim(t, local)
	for s.Now() < int64(time.Second) && s.Step() {
	}
	require.True(t, s.ChannelView(0).Network.Local)
	assert.Zero(t, s.TaskNetwork(snk).InPoolUsage, "a LocalInputChannel has no buffers of its own")
	assert.Zero(t, s.ChannelView(0).Network.Exclusive)
}

// TestQueueLengthsCountEvents: Flink's queue lengths count an event as a
// buffer of its own (a barrier is a BufferConsumer in the subpartition's
// queue and a Buffer in RemoteInputChannel's receivedBuffers), so a
// barrier waiting behind the backlog at the sender, and one arrived and
// waiting behind data at the receiver, each add one.
func TestQueueLengthsCountEvents(t *testing.T) {
	cfg := pipe(20_000, 200*time.Microsecond)
	cfg.Checkpoint.Interval = 50 * time.Millisecond
	s := newSim(t, cfg)
	src, snk := int(subtaskID(t, s, "src[0]")), int(subtaskID(t, s, "sink[0]"))
	var atSender, atReceiver bool
	for s.Now() < int64(2*time.Second) && s.Step() && !(atSender && atReceiver) {
		c := s.ChannelView(0)
		var arrived int
		for _, q := range s.AppendQueued(nil, 0) {
			if q.Kind != QueuedRecord && !q.InFlight && !q.AtSender {
				arrived++
			}
		}
		events := c.AtSender - c.SenderRecords
		out, in := s.TaskNetwork(src), s.TaskNetwork(snk)
		require.Equal(t, c.Network.Backlog+min(1, c.Network.FillingRoom)+events, out.OutputQueueLength)
		require.Equal(t, c.Network.Queued+arrived, in.InputQueueLength)
		atSender = atSender || events > 0
		atReceiver = atReceiver || arrived > 0
	}
	assert.True(t, atSender, "a barrier waited at the sender")
	assert.True(t, atReceiver, "a barrier waited at the receiver")
}
