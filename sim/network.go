package sim

import "time"

// The sender's side of a channel: records are serialized into network
// buffers, as Flink's RecordWriter and BufferWritingResultPartition do.
// The buffer being filled (a BufferBuilder, whose BufferConsumer is the
// last of the subpartition's queue from the moment it is requested) is
// finished when it is full or ahead of an event, which always goes out
// behind the data before it. The output flusher (RecordWriter.
// OutputFlusher every buffer timeout, or after every record with a
// timeout of 0) finishes nothing: PipelinedSubpartition.flush only sets
// flushRequested, and the next pollBuffer sends a slice of the buffer
// being filled, its bytes written since the last slice
// (BufferConsumer.build), while the builder goes on filling the same
// segment. Every buffer sent, a slice or a finished one, is one
// BufferResponse and needs one credit of the receiver; without one it
// waits in the subpartition's backlog (PipelinedSubpartition), and a
// sender whose buffer pool is used up is backpressured (see setHeld).

// netBuf is one network buffer of data: the records that end in it and
// its size in bytes. A record larger than the space left spans buffers
// (SpanningRecordSerializer); it belongs to the buffer its last byte is
// in, so a buffer may carry bytes and no record. A buffer is a slice of
// its segment: the output flusher may send a segment in several.
type netBuf struct {
	arrival int64 // when it reaches the receiver; set on transmission
	recs    int32
	bytes   int32
	backlog int32 // the sender's backlog after it (BufferResponse.backlog)
	// floating: the receiver holds it in one of the gate's floating
	// buffers rather than an exclusive one.
	floating bool
	// recovered: replayed channel state or a script's input, which took
	// no credit and returns none.
	recovered bool
	// last: the last slice of its segment, from a finished builder; the
	// segment returns to the sender's pool once it is recycled (the
	// builder, its consumer and every slice release the segment's
	// reference count, NetworkBuffer.recycleBuffer).
	last bool
}

// NoBufferTimeout is the buffer timeout that never flushes a buffer
// before it is full (Flink's -1, execution.buffer-timeout.enabled: false).
const NoBufferTimeout = time.Duration(-1)

// send writes an item to channel c: a record into the buffer being
// filled, an event behind the data before it.
func (s *Sim) send(c *channel, it item) {
	if it.kind != itemRecord {
		s.finishOpen(c)
		c.out().pushBack(it)
		s.transmit(c)
		return
	}
	it.ck = int64(c.epoch)
	c.out().pushBack(it)
	c.outRecs++
	c.outBytes += int64(it.bytes)
	s.inFlight++
	if c.openBytes == 0 {
		s.flushable(c) // a new buffer, or the last slice took all of it
	}
	s.appendRecord(c, it.bytes)
	if s.cfg.Channels.BufferTimeout == 0 {
		s.flushSub(c) // RecordWriter.emit: flushAlways
	}
	if c.outBufs.len() > 0 {
		// Only a finished buffer can go out now (a slice went out in
		// flush): with none, transmit would stop at the record in the
		// buffer being filled (an event ahead of it waits only while c is
		// paused), and c's sender, which only took a buffer, cannot be
		// released by it.
		s.transmit(c)
	}
}

// appendRecord appends a record of n bytes to c's buffer being filled, as
// BufferWritingResultPartition.emitRecord does: into the builder there
// is, or a new one; a builder the record fills is finished, and the rest
// of the record goes on in the next.
func (s *Sim) appendRecord(c *channel, n int32) {
	for {
		if c.room == 0 {
			s.openBuffer(c, n)
		}
		w := min(n, c.room)
		c.openBytes += w
		c.room -= w
		if n -= w; n == 0 {
			c.openRecs++
		}
		if c.room == 0 {
			s.finishOpen(c) // full buffer
		}
		if n == 0 {
			return
		}
	}
}

// openBuffer starts a new buffer on c for a record (or the rest of one)
// of n bytes: it takes one of the sender's pool, a whole segment, and is
// trimmed to the buffer size the receiver last announced, but never below
// what the record needs (BufferWritingResultPartition.addToSubpartition:
// BufferBuilder.trim(max(record, desirable size)), within the segment).
// A new size therefore applies from the next buffer on: the one being
// filled keeps its capacity.
func (s *Sim) openBuffer(c *channel, n int32) {
	s.setHeld(c, 1)
	c.room = min(int32(s.cfg.Channels.SegmentSize), max(n, c.bufSize))
}

// flushable puts c on its sender's list of channels for the output
// flusher, which it scheduled, when c gets data to flush and is not on
// it yet.
func (s *Sim) flushable(c *channel) {
	if s.cfg.Channels.BufferTimeout <= 0 || c.dirty {
		return
	}
	c.dirty = true
	t := &s.tasks[c.from]
	t.dirty = append(t.dirty, c.id)
	if t.flushAt < 0 {
		d := int64(s.cfg.Channels.BufferTimeout)
		t.flushAt = later(s.now-s.now%d, d)
		s.schedule(t, t.flushAt, evFlush, 0)
	}
}

// finishOpen finishes the buffer being filled on c (BufferBuilder.finish):
// what it holds since its last slice joins the backlog as the last slice
// of its segment, empty when a slice already took everything.
func (s *Sim) finishOpen(c *channel) {
	if c.room == 0 && c.openBytes == 0 {
		return // no buffer is being filled
	}
	c.outBufs.pushBackIn(&s.bufs, netBuf{recs: c.openRecs, bytes: c.openBytes, last: true})
	c.openRecs, c.openBytes, c.room = 0, 0, 0
}

// flushOutputs is the output flusher firing at task t
// (RecordWriter.flushAll): it flushes every channel that got data since.
func (s *Sim) flushOutputs(t *task) {
	t.flushAt = -1
	dirty := t.dirty
	t.dirty = t.dirty[:0]
	for _, id := range dirty {
		c := &s.chans[id]
		c.dirty = false
		s.flushSub(c)
	}
}

// flushSub is PipelinedSubpartition.flush on c: unless a flush is pending,
// it requests one when the queue holds more than one buffer or its only
// one has data to read, and notifies the reader only in the latter case
// (with more, the reader was notified when the second was added).
func (s *Sim) flushSub(c *channel) {
	if c.flushReq {
		return
	}
	n := s.queued(c)
	if n == 0 {
		return
	}
	readable := n == 1 && (c.openBytes > 0 || c.outBufs.len() == 1 && c.outBufs.at(0).bytes > 0 || c.out().len() > int(c.outRecs))
	c.flushReq = n > 1 || readable
	if readable {
		s.transmit(c)
	}
}

// queued is the length of c's subpartition queue: its finished buffers,
// the buffer being filled and the events not yet sent.
func (s *Sim) queued(c *channel) int {
	n := c.outBufs.len() + c.out().len() - int(c.outRecs)
	if c.room > 0 {
		n++
	}
	return n
}

// polled clears c's flush request once its queue is drained
// (PipelinedSubpartition.pollBuffer clears flushRequested when it takes
// the last buffer of the queue).
func (s *Sim) polled(c *channel) {
	if c.room == 0 && c.outBufs.len() == 0 && c.out().len() == int(c.outRecs) {
		c.flushReq = false
	}
}

// backlog is the backlog c's sender reports
// (PipelinedSubpartition.getBuffersInBacklogUnsafe): its data buffers,
// the one being filled among them, less one when the last of the queue is
// a data buffer and no flush is pending; Flink takes that last one to be
// the buffer being filled, not yet to be sent, even when it is a finished
// one. Nothing while paused after a blocking barrier.
func (s *Sim) backlog(c *channel) int {
	n := c.outBufs.len()
	lastData := c.room > 0
	if lastData {
		n++
	} else if l := c.out().len(); l > 0 {
		lastData = c.out().at(l-1).kind == itemRecord
	}
	if c.paused || n == 0 {
		return 0
	}
	if lastData && !c.flushReq {
		return n - 1
	}
	return n
}

// transmit sends what the head of c's queue allows, as the reader's
// pollBuffer takes it (PipelinedSubpartition.pollBuffer, by
// CreditBasedSequenceNumberingViewReader or LocalInputChannel): events at
// once, finished buffers and, once a flush is requested, a slice of the
// buffer being filled while there is credit (a local channel needs none),
// all of it only while the sender is not paused after a blocking barrier
// and once the receiver requested the subpartition (requestPartitions).
func (s *Sim) transmit(c *channel) {
	s.landLazy(c)
	starved := false
loop:
	for !c.paused && !c.unrequested {
		var b netBuf
		switch {
		case c.outBufs.len() > 0 && c.outBufs.at(0).bytes == 0:
			if !s.dropEmpty(c) {
				starved = true
				break loop
			}
			continue
		case c.out().len() == 0:
			break loop
		case c.out().at(0).kind != itemRecord:
			s.wire(c, c.out().remove(0))
			s.polled(c)
			continue
		case c.outBufs.len() > 0:
			if !s.mayTransmit(c) {
				starved = true
				break loop
			}
			b = c.outBufs.popFrontTo(&s.bufs)
			s.polled(c)
		case c.flushReq && c.openBytes > 0:
			// The head records are in the buffer being filled, which is
			// then the only one in the queue: a slice of it goes.
			if !s.mayTransmit(c) {
				starved = true
				break loop
			}
			b = netBuf{recs: c.openRecs, bytes: c.openBytes}
			c.openRecs, c.openBytes, c.flushReq = 0, 0, false
		default:
			break loop // the head records wait in the buffer being filled
		}
		c.announced = 0
		if !c.local {
			c.credit--
			b.backlog = int32(s.backlog(c))
			if b.last {
				s.setHeld(c, -1) // written to the network, the segment is recycled
			}
		}
		s.wireBuffer(c, b)
	}
	s.starve(c, starved)
	// Freed buffers may release a backpressured sender.
	s.tasks[c.from].maybeResume(s)
}

// mayTransmit reports whether c's sender may send a data buffer now: a
// local channel always, a remote one with credit; without, it announces
// its backlog.
func (s *Sim) mayTransmit(c *channel) bool {
	if c.local || c.credit > 0 {
		return true
	}
	s.announceBacklog(c)
	return false
}

// dropEmpty takes the empty buffer at the head of c's backlog, which a
// builder finished after a slice took all it held, and reports whether it
// was taken. The reader polls it only when it could take a data buffer
// (with credit); pollBuffer then closes it, the segment returns to the
// sender's pool, and it goes on to the event behind it, except that a
// receiver without exclusive buffers gets it as an empty buffer, which
// takes a credit, to release the buffer it allocated for it.
// LocalInputChannel drops empty buffers.
func (s *Sim) dropEmpty(c *channel) bool {
	if !s.mayTransmit(c) {
		return false
	}
	b := c.outBufs.popFrontTo(&s.bufs)
	s.polled(c)
	s.setHeld(c, -1)
	if !c.local && s.cfg.Channels.BuffersPerChannel == 0 {
		c.announced = 0
		c.credit--
		b.backlog = int32(s.backlog(c))
		s.wireBuffer(c, b)
	}
	return true
}

// wireBuffer puts a data buffer on the network: its records arrive
// together, after the channel's latency, never before what was sent
// earlier on c.
func (s *Sim) wireBuffer(c *channel, b netBuf) {
	b.arrival = max(c.lastArr, s.delay(c))
	c.lastArr = b.arrival
	was := c.in().len()
	for range b.recs {
		it := c.transmitHead()
		c.outRecs--
		c.outBytes -= int64(it.bytes)
		it.arrival = b.arrival
		c.inRecs++
		if !s.untraced() {
			s.emitTrace(TraceEvent{Kind: RecordSent, Subtask: c.from, Channel: c.id, Key: it.key, Value: it.value})
		}
	}
	c.inBufs.pushBackIn(&s.bufs, b)
	if was == 0 && b.recs > 0 {
		s.refreshInput(c)
	}
	s.deliver(c, b.arrival, evBuffer, 0)
}

// wire puts an event on the network: it arrives after the channel's
// latency, never before an item sent earlier on the same channel.
func (s *Sim) wire(c *channel, it item) {
	it.arrival = max(c.lastArr, s.delay(c))
	c.lastArr = it.arrival
	if it.kind == itemBarrier {
		c.paused = c.paused || it.blocking
		if it.priority {
			c.prio++
		}
		if it.timeoutable {
			s.timeoutableSent(c, it.ck)
			s.deliver(c, it.arrival, evAnnounce, it.ck)
		}
	}
	c.in().pushBack(it)
	if c.in().len() == 1 {
		s.refreshInput(c)
	}
	s.deliver(c, it.arrival, evArrive, it.ck)
}

// setHeld changes by d the buffers c's sender holds for it and keeps the
// sender's count of exhausted outputs, so that outputFull needs no scan.
// An output is exhausted when one subpartition holds
// MaxBuffersPerChannel buffers (LocalBufferPool's maxBuffersPerChannel,
// against data skew) or the partition's pool is used up; the task then
// processes nothing until buffers return (its RecordWriter is
// unavailable), which is how backpressure travels upstream.
func (s *Sim) setHeld(c *channel, d int) {
	t := &s.tasks[c.from]
	lim := int32(s.cfg.Channels.MaxBuffersPerChannel)
	was := c.held >= lim
	c.held += int32(d)
	if full := c.held >= lim; full != was {
		t.fullOutputs += fullDelta(full)
	}
	g := &t.outputs[c.outGate]
	wasG := g.held >= g.pool
	g.held += d
	if full := g.held >= g.pool; full != wasG {
		t.fullOutputs += fullDelta(full)
	}
}

func fullDelta(full bool) int {
	if full {
		return 1
	}
	return -1
}

// outputFull reports whether the task's output has no buffer for its next
// record.
func (s *Sim) outputFull(t *task) bool { return t.fullOutputs > 0 }

// outputPool is the size of a result partition's buffer pool with n
// subpartitions: the maximum of NettyShuffleUtils.
// getMinMaxNetworkBuffersPerResultPartition for a pipelined partition,
// n × buffers-per-channel + floating-buffers-per-gate, and at least n + 1.
func (ch *ChannelConfig) outputPool(n int) int {
	return max(n+1, n*ch.BuffersPerChannel+ch.FloatingBuffersPerGate)
}
