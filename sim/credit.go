package sim

// The receiver's side of a channel: Flink's credit-based flow control
// (RemoteInputChannel, BufferManager, CreditBasedPartitionRequestClientHandler).
// Each input channel owns buffers-per-channel exclusive buffers; each input
// gate shares floating-buffers-per-gate floating ones among its channels.
// A buffer arriving on a channel takes one of its free buffers, floating
// first (AvailableBufferQueue.takeBuffer); with it comes the sender's
// backlog, and the channel asks the gate for floating buffers until it has
// backlog + exclusive ones (onSenderBacklog, requestFloatingBuffers), or
// waits for one to be recycled. Every free buffer the channel gains is a
// credit, announced to the sender one latency later (AddCredit). A
// consumed buffer is recycled: an exclusive one returns to its channel (or
// frees a floating one it no longer needs), a floating one to the gate,
// which hands it to the first channel waiting for one. A sender with a
// backlog and no credit announces the backlog (BacklogAnnouncement,
// FLINK-16641), so a channel without exclusive buffers gets floating ones.

// inGate is one input gate of a task: the channels of one input edge and
// their shared floating buffers.
type inGate struct {
	free    int          // floating buffers in the gate's pool
	waiters deque[int32] // channels waiting for a floating buffer, in order
	chans   []int32      // its channels
	inUse   int          // buffers in use (getBuffersInUseCount), for the debloater
	bytes   int64        // bytes consumed since the debloater's last sample
	size    int32        // the buffer size last announced to the senders
	ema     float64      // BufferSizeEMA's lastBufferSize
	// throughput is the last throughput measured, in bytes per second.
	throughput float64
}

// reset gives gate g all its floating buffers back, at full size.
func (g *inGate) reset(ch *ChannelConfig) {
	g.free, g.waiters, g.inUse, g.bytes, g.throughput = ch.FloatingBuffersPerGate, deque[int32]{}, 0, 0, 0
	g.size, g.ema = int32(ch.SegmentSize), float64(ch.SegmentSize)
}

// initChannel gives a new (or reset) channel its initial state: the
// receiver's exclusive buffers, announced to the sender as its initial
// credit, and the gate's current buffer size.
func (s *Sim) initChannel(c *channel) {
	s.poolQueues(c)
	e := int32(s.cfg.Channels.BuffersPerChannel)
	c.exclusive, c.required, c.credit = e, e, e
	c.bufSize = int32(s.cfg.Channels.SegmentSize)
	if gs := s.tasks; len(gs) > int(c.to) && len(gs[c.to].gates) > 0 {
		c.bufSize = gs[c.to].gates[c.gate].size
	}
}

// poolQueues makes c's item queue take its chunks from the run's pool.
func (s *Sim) poolQueues(c *channel) { c.items.pool = &s.chunks }

// deliverRecovered puts a record on c that is available to the receiver
// at once without a credit: replayed channel state
// (RecoveredInputChannel) or a script's input.
func (s *Sim) deliverRecovered(c *channel, it item) {
	c.in().pushBack(it)
	c.inBufs.pushBackIn(&s.bufs, netBuf{arrival: it.arrival, recs: 1, bytes: it.bytes, recovered: true})
	c.inRecs++
	s.inFlight++
	s.refreshInput(c)
}

// landArrived lands every data buffer on c that has reached the receiver
// (RemoteInputChannel.onBuffer), in order: each takes a free buffer and
// brings the sender's backlog with it. A buffer lands when its arrival
// event fires, or earlier in the same instant when the task reaches its
// records first.
func (s *Sim) landArrived(c *channel) {
	for int(c.landed) < c.inBufs.len() {
		b := c.inBufs.at(int(c.landed))
		if b.arrival > s.now {
			break
		}
		c.landed++
		if c.local || b.recovered {
			continue
		}
		if c.floating > 0 {
			c.floating--
			b.floating = true
		} else {
			c.exclusive--
		}
		s.inUse(c, 1)
		s.onSenderBacklog(c, int(b.backlog)) // called for every backlog >= 0
	}
	s.recycleEmpty(c)
}

// availableBuffers is the size of c's AvailableBufferQueue.
func (c *channel) availableBuffers() int32 { return c.exclusive + c.floating }

// onSenderBacklog asks the gate for floating buffers until c has
// backlog + exclusive ones, and announces what it got as credit.
func (s *Sim) onSenderBacklog(c *channel, backlog int) {
	if c.blocked && s.cfg.Channels.BuffersPerChannel == 0 {
		return // no floating buffer for a channel that transmits nothing
	}
	g := &s.tasks[c.to].gates[c.gate]
	s.setRequired(c, backlog+s.cfg.Channels.BuffersPerChannel)
	got := 0
	for c.availableBuffers() < c.required && !c.waiting {
		if g.free == 0 {
			c.waiting = true
			g.waiters.pushBack(c.id)
			break
		}
		g.free--
		c.floating++
		got++
	}
	s.grantCredit(c, got)
}

// setRequired sets c's numRequiredBuffers, keeping the gate's count of
// buffers in use, which counts the required floating ones.
func (s *Sim) setRequired(c *channel, n int) {
	e := s.cfg.Channels.BuffersPerChannel
	s.inUse(c, max(0, n-e)-max(0, int(c.required)-e))
	c.required = int32(n)
}

// inUse changes c's gate's count of buffers in use by d.
func (s *Sim) inUse(c *channel, d int) {
	if d != 0 {
		s.tasks[c.to].gates[c.gate].inUse += d
	}
}

// grantCredit announces n new credits of c to its sender, which gets them
// one latency later.
func (s *Sim) grantCredit(c *channel, n int) {
	if n > 0 {
		s.deliver(c, s.delay(c), evCredit, int64(c.creditGen)<<32|int64(n))
	}
}

// consumed is the receiver taking a record from c: the buffer it was in
// is recycled once its last record is taken.
func (s *Sim) consumed(c *channel, bytes int32) {
	s.landArrived(c)
	c.inRecs--
	s.inFlight--
	s.tasks[c.to].gates[c.gate].bytes += int64(bytes)
	b := c.inBufs.at(0)
	if b.recs--; b.recs == 0 {
		s.recycle(c)
		s.recycleEmpty(c)
	}
}

// recycleEmpty recycles the buffers at the head of c that carry no record
// (the first parts of a spanning record, copied out by the deserializer)
// once they have landed.
func (s *Sim) recycleEmpty(c *channel) {
	for c.landed > 0 && c.inBufs.at(0).recs == 0 {
		s.recycle(c)
	}
}

// recycle returns the buffer at the head of c: to the sender's pool for a
// local channel; otherwise to the channel (exclusive) or the gate
// (floating), as BufferManager.recycle and LocalBufferPool.recycle do.
func (s *Sim) recycle(c *channel) {
	b := c.inBufs.popFrontTo(&s.bufs)
	c.landed--
	c.recycled++
	switch {
	case b.recovered:
	case c.local:
		s.setHeld(c, -1)
		s.tasks[c.from].maybeResume(s)
	case b.floating:
		s.inUse(c, -1)
		s.giveFloating(c.to, c.gate)
	default:
		s.inUse(c, -1)
		c.exclusive++
		if c.availableBuffers() > c.required && c.floating > 0 {
			c.floating-- // AvailableBufferQueue.addExclusiveBuffer
			s.giveFloating(c.to, c.gate)
			return
		}
		s.grantCredit(c, 1)
	}
}

// giveFloating returns a floating buffer to gate gi of task to
// (LocalBufferPool.recycle), which hands it to the first channel still
// waiting for one (BufferManager.notifyBufferAvailable), or keeps it.
func (s *Sim) giveFloating(to, gi int32) {
	g := &s.tasks[to].gates[gi]
	for g.waiters.len() > 0 {
		w := &s.chans[g.waiters.popFront()]
		if !w.waiting {
			continue
		}
		if w.availableBuffers() >= w.required {
			w.waiting = false
			continue
		}
		w.floating++
		s.grantCredit(w, 1)
		if w.availableBuffers() >= w.required {
			w.waiting = false
		} else {
			g.waiters.pushBack(w.id) // BUFFER_USED_NEED_MORE: it listens again
		}
		return
	}
	g.free++
}

// releaseBlocked gives the free floating buffers of a blocked channel back
// to its gate when the channel has no exclusive buffers: a blocked channel
// transmits nothing, and its floating buffers could otherwise starve the
// channels whose barriers the alignment waits for
// (RemoteInputChannel.onBlockingUpstream, FLINK-16641). Its sender drops
// the credits it had when consumption resumes (see resumed).
func (s *Sim) releaseBlocked(c *channel) {
	if c.local || s.cfg.Channels.BuffersPerChannel > 0 {
		return
	}
	// What arrived before the barrier lands first: its buffers are not
	// free. (A barrier that jumped the queue can be taken in the instant
	// the data behind it arrives, before that data landed.)
	s.landArrived(c)
	s.setRequired(c, 0)
	c.waiting = false
	c.creditGen++
	for ; c.floating > 0; c.floating-- {
		s.giveFloating(c.to, c.gate)
	}
}

// credited is an AddCredit of generation gen reaching the sender of c:
// credits of a voided generation are dropped.
func (s *Sim) credited(c *channel, gen uint32, n int) {
	switch {
	case gen < c.sendGen:
		return
	case gen > c.sendGen:
		c.credit, c.sendGen = 0, gen
	}
	c.credit += int32(n)
	s.transmit(c)
}

// announceBacklog sends c's backlog to the receiver when the sender has
// finished buffers and no credit, and the receiver has no exclusive
// buffers, whose recycling would bring credit
// (CreditBasedSequenceNumberingViewReader.needAnnounceBacklog): once per
// backlog the sender has not announced yet since its last buffer, which
// carried the backlog itself. The announcement travels on the channel's
// connection, behind the buffers sent before it.
func (s *Sim) announceBacklog(c *channel) {
	if n := int32(c.outBufs.len()); s.cfg.Channels.BuffersPerChannel == 0 && n != c.announced {
		c.announced = n
		c.lastArr = max(c.lastArr, s.delay(c))
		s.deliver(c, c.lastArr, evBacklog, int64(n))
	}
}

// backlogAnnounced is a BacklogAnnouncement reaching the receiver of c.
func (s *Sim) backlogAnnounced(c *channel, backlog int) { s.onSenderBacklog(c, backlog) }
