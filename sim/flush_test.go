package sim

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flushChannel is channel 0 of a pipe of 300-byte segments, before the run
// starts, with credit credits and buffersPerChannel exclusive buffers at
// the receiver.
func flushChannel(t *testing.T, credit, buffersPerChannel int, local bool) (*Sim, *channel) {
	cfg := pipe(1, 0)
	cfg.Channels.SegmentSize = 300
	cfg.Channels.BuffersPerChannel = buffersPerChannel
	cfg.Channels.FloatingBuffersPerGate = 2
	s := newSim(t, cfg)
	c := &s.chans[0]
	c.local, c.credit = local, int32(credit)
	return s, c
}

// TestOutputFlusherSlices: the output flusher finishes no buffer
// (PipelinedSubpartition.flush only requests a flush): the reader sends
// the bytes written to the buffer being filled since its last slice
// (BufferConsumer.build), each slice one buffer and one credit, and the
// builder goes on filling the same segment, which is finished only when
// full or ahead of an event, and returns to the sender's pool with its
// last slice. Steps: rN writes a record of N bytes, f fires the flusher,
// e sends an event, u an unaligned barrier that overtakes the whole
// queue, cN grants N credits, sN resizes the next buffers, R recycles the
// receiver's oldest buffer.
func TestOutputFlusherSlices(t *testing.T) {
	type buf struct{ bytes, recs int32 }
	for _, tc := range []struct {
		name        string
		credit, bpc int
		local       bool
		steps       []string
		sent        []buf // the buffers on the wire, in order
		credits     int32 // left at the sender
		held        int32 // segments the sender's pool handed out
		room        int32 // left in the buffer being filled
		unsent      int32 // its bytes no slice took yet
		backlog     int   // what the sender reports
		events      int   // still at the sender
	}{
		{name: "a slice, then the same segment fills on and spans",
			credit: 5, bpc: 2, steps: []string{"r90", "r90", "f", "r90", "r90"},
			// 180 bytes go at the flush; the third record fits in the same
			// segment (270 bytes), the fourth fills it (the 120 bytes
			// after the slice) and goes on in a new one.
			sent: []buf{{180, 2}, {120, 1}}, credits: 3, held: 1, room: 240, unsent: 60},
		{name: "a full buffer is finished without a flush",
			credit: 5, bpc: 2, steps: []string{"r300"},
			sent: []buf{{300, 1}}, credits: 4},
		{name: "without credit the slice waits, and what is written meanwhile joins it",
			credit: 0, bpc: 2, steps: []string{"r90", "f", "r90"},
			// The flush request makes the backlog count the buffer being
			// filled (getBuffersInBacklogUnsafe).
			held: 1, room: 120, unsent: 180, backlog: 1},
		{name: "the credit sends the slice with all of it",
			credit: 0, bpc: 2, steps: []string{"r90", "f", "r90", "c1"},
			sent: []buf{{180, 2}}, held: 1, room: 120},
		{name: "no flush, no slice: the backlog leaves out the buffer being filled",
			credit: 5, bpc: 2, steps: []string{"r90"},
			credits: 5, held: 1, room: 210, unsent: 90},
		{name: "a flush of nothing new sends no empty slice",
			credit: 5, bpc: 2, steps: []string{"r90", "f", "f"},
			sent: []buf{{90, 1}}, credits: 4, held: 1, room: 210},
		{name: "an event finishes the builder: what the slice left goes before it",
			credit: 5, bpc: 2, steps: []string{"r90", "f", "r90", "e"},
			sent: []buf{{90, 1}, {90, 1}}, credits: 3},
		{name: "an unaligned barrier finishes the builder, which goes behind it on the credit there",
			credit: 5, bpc: 2, steps: []string{"r90", "u"},
			// The priority event makes the subpartition available
			// (notifyPriorityEvent): the reader takes it, then the buffer
			// it finished, without waiting for another record.
			sent: []buf{{90, 1}}, credits: 4},
		{name: "an event after a slice took all: the empty buffer is dropped, no credit",
			credit: 5, bpc: 2, steps: []string{"r90", "f", "e"},
			sent: []buf{{90, 1}}, credits: 4},
		{name: "the empty buffer waits for a credit, and the event behind it",
			credit: 1, bpc: 2, steps: []string{"r90", "f", "e"},
			// The empty buffer is a data buffer in the backlog.
			sent: []buf{{90, 1}}, held: 1, backlog: 1, events: 1},
		{name: "a credit lets the event go past the empty buffer, keeping the credit",
			credit: 1, bpc: 2, steps: []string{"r90", "f", "e", "c1"},
			sent: []buf{{90, 1}}, credits: 1},
		{name: "without exclusive buffers the empty buffer goes, taking a credit",
			credit: 2, bpc: 0, steps: []string{"r90", "f", "e"},
			sent: []buf{{90, 1}, {0, 0}}},
		{name: "without exclusive buffers and credit a flush announces the slice",
			credit: 0, bpc: 0, steps: []string{"r90", "f"},
			held: 1, room: 210, unsent: 90, backlog: 1},
		{name: "a new buffer size applies to the next buffer, not the one being filled",
			credit: 5, bpc: 2, steps: []string{"r90", "s100", "r90", "r90", "r90"},
			// The segment of 300 stays open at 100; the fourth record's
			// 60 bytes left start a buffer trimmed to 100.
			sent: []buf{{300, 3}}, credits: 4, held: 1, room: 40, unsent: 60},
		{name: "a record larger than the new size trims the buffer to itself",
			credit: 5, bpc: 2, steps: []string{"s100", "r150"},
			sent: []buf{{150, 1}}, credits: 4},
		{name: "a local channel reads slices; the segment returns with the last",
			credit: 0, local: true, bpc: 2, steps: []string{"r90", "f", "r90", "f", "r90", "r90", "R", "R"},
			// Two slices and the finished rest of the first segment went;
			// recycling the slices frees nothing, the second segment is
			// being filled.
			sent: []buf{{120, 1}}, held: 2, room: 240, unsent: 60},
		{name: "a local channel: recycling the last slice frees the segment",
			credit: 0, local: true, bpc: 2, steps: []string{"r90", "f", "r90", "f", "r90", "r90", "R", "R", "R"},
			held: 1, room: 240, unsent: 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := flushChannel(t, tc.credit, tc.bpc, tc.local)
			for _, st := range tc.steps {
				n, _ := strconv.Atoi(st[1:])
				switch st[0] {
				case 'r':
					s.send(c, item{kind: itemRecord, bytes: int32(n)})
				case 'f':
					s.flushSub(c)
				case 'e':
					s.send(c, barrierItem(1, 0))
				case 'u':
					s.sendPriority(&s.tasks[c.from], c, barrierItem(1, 0), c.out().len())
				case 'c':
					c.credit += int32(n)
					s.transmit(c)
				case 's':
					s.resized(c, int32(n))
				case 'R':
					c.landed = int32(c.inBufs.len())
					s.recycle(c)
				}
			}
			var sent []buf
			for i := range c.inBufs.len() {
				sent = append(sent, buf{c.inBufs.at(i).bytes, c.inBufs.at(i).recs})
			}
			assert.Equal(t, tc.sent, sent, "the buffers sent")
			if !tc.local {
				assert.Equal(t, tc.credits, c.credit, "credits left")
			}
			assert.Equal(t, tc.held, c.held, "segments held")
			assert.Equal(t, tc.room, c.room, "room left in the buffer being filled")
			assert.Equal(t, tc.unsent, c.openBytes, "bytes not yet sent from it")
			assert.Equal(t, tc.backlog, s.backlog(c), "the backlog reported")
			events := c.out().len() - int(c.outRecs)
			require.Equal(t, tc.events, events, "events still at the sender")
			if tc.bpc == 0 && tc.backlog > 0 {
				assert.EqualValues(t, tc.backlog, c.announced, "the backlog announced")
			}
		})
	}
}
