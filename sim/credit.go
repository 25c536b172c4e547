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
//
// Credits are modelled lazily. An AddCredit that reaches a sender with no
// finished buffer waiting only adds to its credit
// (PartitionRequestQueue.addCreditOrResumeConsumption: the reader's
// addCredit, then enqueueAvailableReader, which does nothing for a reader
// with nothing available), and most of a big job's credits do just that.
// So a credit is not scheduled as an event unless its sender is starved
// (it has a finished buffer waiting for credit): it is kept aside on the
// channel (Sim.lazy, one per channel) with the time it reaches the sender
// and the schedule order its event would have had (queue.reserve), and
// applied when the sender's credit is next read (landLazy): in transmit
// and resumed, by the views and the deadlock analysis, always before the
// first event that comes after it in (time, order). A channel whose
// sender becomes starved while a credit is kept aside, a second credit
// while one is, a channel reset or the end of the run turn the kept
// credit into the event it would have been, with its time and order
// (scheduleLazy). Every other event keeps its order (the orders are taken
// as before), and no credit that stayed lazy would have done anything
// when it fired but add to the credit, which nothing read in between: the
// traces are those of a credit event each, with fewer events.

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
	// recovering: the gate's channels are still RecoveredInputChannels,
	// with recoveredLeft records of input channel state to take before
	// the gate requests its partitions (see requestPartitions).
	recovering    bool
	recoveredLeft int
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
		if s.announcing != nil {
			s.takeAnnouncements(c, c.recycled+uint32(c.landed))
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
// one latency later: as an event when the sender is starved, or one
// credit is kept aside already, else kept aside (see the top of the file).
func (s *Sim) grantCredit(c *channel, n int) {
	if n <= 0 {
		return
	}
	at := s.delay(c)
	if c.starved || c.lazy || at == s.now || n > maxLazyCredits || s.eagerCredits {
		s.deliver(c, at, evCredit, int64(c.creditGen)<<32|int64(n))
		return
	}
	s.lazy[c.id] = lazyCredit{at: at, ord: s.q.reserve(evCredit)&^0xff | uint64(n)}
	c.lazy = true
	s.lazyN++
}

// lazyCredit is a credit kept aside rather than scheduled (see the top of
// the file): when it reaches the sender and the order its event would have
// had, with its number of credits in place of the event kind. Its
// generation is the channel's creditGen: a new generation schedules
// it first (releaseBlocked).
type lazyCredit struct {
	at  int64
	ord uint64
}

// maxLazyCredits is the most credits a lazy credit holds.
const maxLazyCredits = 0xff

// landLazy applies the credit kept aside on c if it reached the sender
// before the event being handled (or the time the run is observed at,
// ObserveAt).
func (s *Sim) landLazy(c *channel) {
	if c.lazy {
		s.landDue(c)
	}
}

// landDue is landLazy for a channel with a credit kept aside.
func (s *Sim) landDue(c *channel) {
	l := &s.lazy[c.id]
	if l.at > s.seenAt || (l.at == s.seenAt && l.ord > s.seenOrd) {
		return
	}
	c.lazy = false
	s.lazyN--
	c.addCredit(c.creditGen, int(l.ord&maxLazyCredits))
}

// scheduleLazy schedules the credit kept aside on c, if one has not
// reached the sender yet, as the event it would have been.
func (s *Sim) scheduleLazy(c *channel) {
	s.landLazy(c)
	if !c.lazy {
		return
	}
	l := s.lazy[c.id]
	c.lazy = false
	s.lazyN--
	s.q.pushReserved(event{at: l.at, ord: l.ord&^0xff | uint64(evCredit), a: c.id,
		b: int64(c.creditGen)<<32 | int64(l.ord&maxLazyCredits), gen: c.attempt})
}

// scheduleAllLazy schedules the credits kept aside on every channel.
func (s *Sim) scheduleAllLazy() {
	for i := 0; s.lazyN > 0 && i < len(s.chans); i++ {
		s.scheduleLazy(&s.chans[i])
	}
}

// starve notes whether c's sender has a finished buffer waiting for
// credit: then a credit reaching it transmits, so it must be an event.
func (s *Sim) starve(c *channel, starved bool) {
	c.starved = starved
	if starved {
		s.scheduleLazy(c)
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
		// The receiver read the sender's segment: it returns to the pool
		// with its last slice.
		if b.last {
			s.setHeld(c, -1)
			s.tasks[c.from].maybeResume(s)
		}
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
	s.scheduleLazy(c) // of the generation it voids
	c.creditGen++
	s.returnFloating(c)
}

// releaseEnded gives the floating buffers of a channel whose receiver took
// its end of partition back to its gate: SingleInputGate, taking the
// EndOfPartitionEvent, calls the channel's releaseAllResources, whose
// BufferManager.releaseAllBuffers recycles them to the gate's pool
// (AvailableBufferQueue.releaseAll), which hands them to the channels
// waiting for one. Kept, they would be lost to the gate's other channels
// for good: seed 7574644 of simulate check --mode unaligned --faults
// always left a channel without exclusive buffers waiting for them.
func (s *Sim) releaseEnded(c *channel) {
	if !c.local {
		s.returnFloating(c)
	}
}

// returnFloating sets c's required buffers to none and returns its free
// floating buffers to its gate.
func (s *Sim) returnFloating(c *channel) {
	s.setRequired(c, 0)
	c.waiting = false
	for ; c.floating > 0; c.floating-- {
		s.giveFloating(c.to, c.gate)
	}
}

// credited is an AddCredit of generation gen reaching the sender of c:
// credits of a voided generation are dropped.
func (s *Sim) credited(c *channel, gen uint32, n int) {
	s.landLazy(c)
	if c.addCredit(gen, n) {
		s.transmit(c)
	}
}

// addCredit adds n credits of generation gen to the sender's; it reports
// false for credits of a voided generation, which are dropped.
func (c *channel) addCredit(gen uint32, n int) bool {
	switch {
	case gen < c.sendGen:
		return false
	case gen > c.sendGen:
		c.credit, c.sendGen = 0, gen
	}
	c.credit += int32(n)
	return true
}

// announceBacklog sends c's backlog to the receiver when the sender has
// data to send and no credit, and the receiver has no exclusive buffers,
// whose recycling would bring credit
// (CreditBasedSequenceNumberingViewReader.needAnnounceBacklog,
// PartitionRequestQueue.announceBacklog: a backlog above 0, as
// getBuffersInBacklogUnsafe counts it, so with a buffer being filled that
// a flush requested to send): once per backlog the sender has not
// announced yet since its last buffer, which carried the backlog itself.
// The announcement travels on the channel's connection, behind the
// buffers sent before it.
func (s *Sim) announceBacklog(c *channel) {
	if s.cfg.Channels.BuffersPerChannel > 0 {
		return
	}
	if n := int32(s.backlog(c)); n > 0 && n != c.announced {
		c.announced = n
		c.lastArr = max(c.lastArr, s.delay(c))
		s.annSeq++
		s.announcing[c.id].pushBackIn(&s.annRings, announcement{seq: s.annSeq,
			before: c.recycled + uint32(c.inBufs.len()), backlog: n})
		s.deliver(c, c.lastArr, evBacklog, int64(s.annSeq)<<32|int64(n))
	}
}

// announcement is a BacklogAnnouncement on its way to the receiver of a
// channel: seq is the id its event carries, before the number (modulo
// 2^32, as channel.recycled) of the first buffer sent after it. A
// channel's announcements are a FIFO of their own (Sim.announcing), so
// that what a buffer or an announcement does with them costs the same
// whatever the job's other channels have on their way.
type announcement struct {
	seq     uint32
	before  uint32
	backlog int32
}

// backlogAnnounced is BacklogAnnouncement b (its id << 32 | the backlog)
// reaching the receiver of c, unless it was taken already, before a
// buffer sent behind it (takeAnnouncements). Those sent before it on the
// connection came first (Netty delivers its messages in order).
func (s *Sim) backlogAnnounced(c *channel, b int64) {
	seq := uint32(b >> 32)
	s.takeAnnounced(c, func(a *announcement) bool { return int32(a.seq-seq) <= 0 })
}

// takeAnnouncements takes the announcements on c that were sent before
// its buffer number idx, which lands ahead of its event: on the channel's
// connection they come first (Netty delivers its messages in order).
// Without it a buffer that the task reached in the instant it arrived
// took its credit before the announcement sent ahead of it, whose late
// backlog then drew a floating buffer that no buffer would use, and with
// no exclusive buffers the gate's other channel waited for it for good
// (seed 11213272 of simulate check --faults always).
func (s *Sim) takeAnnouncements(c *channel, idx uint32) {
	s.takeAnnounced(c, func(a *announcement) bool { return int32(idx-a.before) >= 0 })
}

// takeAnnounced applies the announcements at the front of c's FIFO for
// which sent says they came before.
func (s *Sim) takeAnnounced(c *channel, sent func(*announcement) bool) {
	d := &s.announcing[c.id]
	for d.len() > 0 && sent(d.at(0)) {
		a := d.popFrontTo(&s.annRings)
		s.onSenderBacklog(c, int(a.backlog))
	}
}

// dropAnnouncements forgets the announcements on c, reset by a restart:
// their events are stale.
func (s *Sim) dropAnnouncements(c *channel) {
	for d := &s.announcing[c.id]; d.len() > 0; {
		d.popFrontTo(&s.annRings)
	}
}
