package sim

import "time"

// The sender's side of a channel: records are serialized into network
// buffers, as Flink's RecordWriter and BufferWritingResultPartition do,
// and a buffer leaves for the receiver when it is finished: full (it
// reached the channel's buffer size), flushed by the output flusher every
// buffer timeout (RecordWriter.OutputFlusher; with a timeout of 0 after
// every record), or ahead of an event, which always goes out behind the
// data before it. A finished buffer needs a credit of the receiver to be
// transmitted; without one it waits in the subpartition's backlog
// (PipelinedSubpartition), and a sender whose buffer pool is used up is
// backpressured (see setHeld).

// netBuf is one network buffer of data: the records that end in it and
// its size in bytes. A record larger than the space left spans buffers
// (SpanningRecordSerializer); it belongs to the buffer its last byte is
// in, so a buffer may carry bytes and no record.
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
	it.ck = c.epoch
	c.out().pushBack(it)
	c.outRecs++
	c.outBytes += int64(it.bytes)
	s.inFlight++
	if c.openRecs == 0 && c.openBytes == 0 {
		s.openBuffer(c)
	}
	rem := it.bytes
	for rem >= c.bufSize-c.openBytes {
		rem -= c.bufSize - c.openBytes
		c.openBytes = c.bufSize
		if rem == 0 {
			c.openRecs++
			s.finishOpen(c)
			s.transmit(c)
			return
		}
		s.finishOpen(c) // the record goes on in the next buffer
		s.openBuffer(c)
	}
	c.openRecs++
	c.openBytes += rem
	if s.cfg.Channels.BufferTimeout == 0 {
		s.finishOpen(c) // flush after every record
	}
	if c.outBufs.len() > 0 {
		// Only a finished buffer can go out now: with none, transmit
		// would stop at the record in the buffer being filled (an event
		// ahead of it waits only while c is paused), and c's sender,
		// which only took a buffer, cannot be released by it.
		s.transmit(c)
	}
}

// openBuffer starts a new buffer on c: it takes one of the sender's pool
// and, with a buffer timeout, puts c on the output flusher's list.
func (s *Sim) openBuffer(c *channel) {
	s.setHeld(c, 1)
	if s.cfg.Channels.BufferTimeout > 0 && !c.dirty {
		c.dirty = true
		t := &s.tasks[c.from]
		t.dirty = append(t.dirty, c.id)
		if t.flushAt < 0 {
			d := int64(s.cfg.Channels.BufferTimeout)
			t.flushAt = later(s.now-s.now%d, d)
			s.schedule(t, t.flushAt, evFlush, 0)
		}
	}
}

// finishOpen finishes the buffer being filled on c, which joins the
// backlog.
func (s *Sim) finishOpen(c *channel) {
	if c.openRecs == 0 && c.openBytes == 0 {
		return
	}
	c.outBufs.pushBackIn(&s.bufs, netBuf{recs: c.openRecs, bytes: c.openBytes})
	c.openRecs, c.openBytes = 0, 0
}

// flushOutputs is the output flusher firing at task t: every channel with data in
// the buffer being filled sends it.
func (s *Sim) flushOutputs(t *task) {
	t.flushAt = -1
	dirty := t.dirty
	t.dirty = t.dirty[:0]
	for _, id := range dirty {
		c := &s.chans[id]
		c.dirty = false
		s.finishOpen(c)
		s.transmit(c)
	}
}

// transmit sends what the head of c's queue allows: events at once,
// finished buffers while there is credit (a local channel needs none), all
// of it only while the sender is not paused after a blocking barrier and
// once the receiver requested the subpartition (requestPartitions).
func (s *Sim) transmit(c *channel) {
	s.landLazy(c)
	starved := false
	for c.out().len() > 0 && !c.paused && !c.unrequested {
		if c.out().at(0).kind != itemRecord {
			s.wire(c, c.out().remove(0))
			continue
		}
		if c.outBufs.len() == 0 {
			break // the head records are in the buffer being filled
		}
		if !c.local && c.credit <= 0 {
			s.announceBacklog(c)
			starved = true
			break
		}
		b := c.outBufs.popFrontTo(&s.bufs)
		c.announced = 0
		if !c.local {
			c.credit--
			b.backlog = int32(c.outBufs.len())
			s.setHeld(c, -1) // written to the network, the buffer is recycled
		}
		s.wireBuffer(c, b)
	}
	s.starve(c, starved)
	// Freed buffers may release a backpressured sender.
	s.tasks[c.from].maybeResume(s)
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
