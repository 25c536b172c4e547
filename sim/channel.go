package sim

// itemKind is what travels on a channel.
type itemKind uint8

const (
	itemRecord    itemKind = iota
	itemBarrier            // checkpoint barrier
	itemCancel             // CancelCheckpointMarker
	itemEOP                // end of partition
	itemEndOfData          // EndOfData: the sender's last record came before it
)

// item is a record or an event on a channel. It is 64 bytes, a cache line,
// two to a chunk of the queues (itemqueue.go): a big job has hundreds of
// thousands of records on its channels, and most of its time goes to
// reading them from memory. Fields only a barrier needs share the room of
// a record's (see trigger and overtook).
type item struct {
	arrival int64 // when it reaches the receiver; set on transmission
	// key and value are a record's; a barrier keeps its trigger time in
	// value and what it overtook in key and off.
	key   int64
	value int64
	// ck is the checkpoint id of a barrier or cancel marker; for a record,
	// its epoch: the id of the last barrier its sender had emitted on the
	// channel before it. A record with epoch < n is before the cut of
	// checkpoint n on its channel.
	ck int64
	// part and off are the record's origin: the source partition and
	// offset it derives from (its lineage, for the end-to-end checks).
	off  int64
	part int32
	// persistedFrom..persistedTo are the ids of the checkpoints whose
	// channel state holds the record (0..0: none). A record waiting in an
	// output queue can be overtaken by the barriers of several successive
	// unaligned checkpoints and is then in the channel state of each.
	// (Checkpoint ids stay far below 2^31: each takes events, and a run's
	// events are bounded.)
	persistedFrom, persistedTo int32
	bytes                      int32
	kind                       itemKind
	// jumped marks a priority barrier that already overtook the data
	// queued at the receiver.
	jumped bool
	// priority marks an unaligned barrier: it overtakes queued data and
	// needs no credit.
	priority bool
	// timeoutable marks an aligned barrier of a checkpoint with an aligned
	// checkpoint timeout: it turns into a priority barrier if it is still
	// queued at the sender when the timeout passes.
	timeoutable bool
	// blocking marks an aligned exactly-once barrier: once transmitted,
	// the sender stops sending on the channel until the receiver resumes
	// consumption after alignment (Flink's isBlockingUpstream).
	blocking bool
}

// barrierItem is the barrier of checkpoint n triggered at trigger.
func barrierItem(n, trigger int64) item {
	return item{kind: itemBarrier, ck: n, value: trigger}
}

// trigger is a barrier's checkpoint trigger time (Flink's barrier
// timestamp), from which the aligned checkpoint timeout is measured.
func (it *item) trigger() int64 { return it.value }

// overtook counts the records a priority barrier jumped at the receiver
// (they follow it in the queue).
func (it *item) overtook() int32 { return int32(it.key) }

// setOvertook records that a priority barrier jumped n records, and
// items in all (records and events).
func (it *item) setOvertook(n, items int32) { it.key, it.off = int64(n), int64(items) }

// jumpedItems counts the items a priority barrier jumped at the receiver.
func (it *item) jumpedItems() int32 { return int32(it.off) }

// channel is one subpartition of a sender's result partition and the
// input channel that reads it, with Flink's network buffers and
// credit-based flow control (network.go, credit.go). Records are written
// into the buffer being filled (the BufferBuilder) at the tail of the
// sender's queue (out); a finished buffer waits there, in the
// subpartition's backlog, for a credit; events (barriers, markers, end of
// partition) travel in buffers of their own and need no credit. What is
// transmitted (in) travels with the channel's latency and queues at the
// receiver, in the buffer it took from its buffer manager, until the task
// consumes it; the recycled buffer becomes a credit again, announced to
// the sender one latency later.
type channel struct {
	// The fields are int32 where they can be and laid out in seven cache
	// lines by who reads them (a big job has hundreds of thousands of
	// channels, and the engine's time goes to reading them from memory):
	// the first two hold the first items, line 2 the rest of the queue;
	// a record written touches lines 2 and 3 and the line of its item, a
	// record taken lines 2, 4 and 5 and the line of its item, a buffer
	// transmitted line 6 too. All of them are at offsets from the
	// channel's address, so their misses overlap. TestChannelLayout keeps
	// it so.

	// Lines 0 to 2, both ends. items are the receiver's queue (in: the
	// first nIn, what was transmitted) followed by the sender's (out), in
	// one ring: a transmission moves the boundary rather than the items.
	items  itemQueue
	nIn    int32
	inRecs int32 // records in `in` (in flight or queued at the receiver)
	// epoch is the id of the last barrier the sender emitted here
	// (checkpoint ids stay far below 2^31, see item.persistedFrom).
	epoch   int32
	outRecs int32 // records in out

	// Line 3, the sender writing records. outBufs are the finished data
	// buffers in out, oldest first.
	outBufs  deque[netBuf]
	outBytes int64 // bytes of records in out
	// The buffer being filled (the BufferBuilder): room is what it can
	// still take (getWritableBytes), 0 when there is none (a full one is
	// finished at once); openRecs and openBytes are what was written to
	// it since the output flusher last sent a slice of it (the readable
	// part of its BufferConsumer, from the reader index), whose records
	// are the last openRecs records of out.
	openRecs, openBytes, room int32
	// bufSize is the size the sender's next buffer is trimmed to: the
	// segment size, or the size the receiver's buffer debloater last
	// announced (the buffer being filled keeps its own).
	bufSize int32
	// held counts the sender's buffers of this subpartition that its
	// buffer pool has handed out (LocalBufferPool.subpartitionBuffersCount):
	// the buffer being filled, the backlog, and for a local channel the
	// buffers the receiver has not recycled yet.
	held  int32
	dirty bool // on its sender's list of channels for the output flusher
	// flushReq is PipelinedSubpartition.flushRequested: the output flusher
	// asked for the buffer being filled to be sent, and the backlog counts
	// it, until the subpartition's queue is drained to it.
	flushReq bool

	// Line 4, the receiver's buffers: data buffers transmitted and not
	// yet recycled.
	inBufs bufQueue

	// Line 5, the receiver taking records.
	landed int32 // the first landed of inBufs have reached the receiver
	// recycled counts the receiver's recycled buffers, modulo 2^32:
	// inBufs.at(j) is the channel's buffer recycled+j. The input channel
	// state being recorded holds its buffers up to framed (see
	// persistedBuffers).
	recycled uint32
	// The receiver's BufferManager: free exclusive and floating buffers
	// (its AvailableBufferQueue), numRequiredBuffers, and whether it
	// waits for a floating buffer of the gate.
	exclusive, floating int32
	required            int32
	gate                int32 // the receiver's input gate (one per input edge)
	to                  int32
	input               int32 // index among the receiver's inputs
	id                  int32
	attempt             uint32 // incarnation: a restart resets the channel
	// creditGen is the receiver's generation of credits, sendGen the one
	// the sender's credit belongs to: blocking a channel without exclusive
	// buffers voids the credits granted before (releaseBlocked).
	creditGen uint32
	// lazy: a credit announced to the sender is kept aside in Sim.lazy
	// rather than scheduled (see grantCredit); starved: the sender has a
	// finished buffer waiting for credit, so a credit that reaches it must
	// be an event.
	lazy, starved bool
	// local: both ends run in one TaskManager, so the receiver reads the
	// sender's subpartition directly (LocalInputChannel): no latency, no
	// credits; the buffers stay the sender's until the receiver recycles
	// them.
	local   bool
	blocked bool // the receiver holds the channel back (alignment)
	waiting bool
	ended   bool // the receiver consumed end of partition

	// Line 6, the rest (from, outGate and credit at the end of line 5).
	from      int32
	outGate   int32  // the sender's output gate (result partition)
	credit    int32  // buffers the sender may still transmit
	announced int32  // the backlog the sender last announced, 0 after a buffer
	sendGen   uint32 // the generation of credits the sender's credit belongs to
	framed    uint32
	prio      int32 // priority barriers in `in` that have not yet jumped the queue
	lastArr   int64 // arrival time of the last transmitted item (FIFO)
	// heal is when the latest partition of the channel heals (0: none
	// struck), struck the schedule order at its strike: the messages of
	// the sender scheduled before it and due by heal were on the wire,
	// and the partition holds them (Sim.heldByPartition).
	heal   int64
	struck uint64
	// owed is the checkpoint of the blocking barrier whose resumption the
	// receiver owes the paused sender (resumeOwed).
	owed       int64
	paused     bool       // the sender stopped after a blocking barrier
	resumption resumption // the receiver's resumeConsumption to the paused sender
	dataEnded  bool       // the receiver consumed EndOfData (or end of partition)
	// unrequested: the receiver has not requested the subpartition yet
	// (its input gate still reads recovered channel state, see
	// requestPartitions), so nothing leaves the sender's queue.
	unrequested bool

	// passable counts the items at the head of `in` that the receiver
	// takes although it blocked the channel: those a priority barrier
	// jumped, sent before it. Blocking is the sender's (it pauses after the
	// barrier, PipelinedSubpartition.isBlockingUpstream); Flink's input
	// gate reads what arrived before it.
	passable int32

	// Padding to whole lines, so that every channel of a run's array
	// starts on one (TestChannelLayout).
	_ [8]byte
}

// resumption is where the receiver's resumeConsumption to a sender paused
// after a blocking barrier stands.
type resumption uint8

const (
	// resumeNone: nothing to resume, or the barrier that paused the sender
	// is still on its way (the receiver resumes the sender only after it
	// took that barrier).
	resumeNone resumption = iota
	// resumeOwed: the receiver took the blocking barrier that paused the
	// sender and owes it a resumeConsumption, which the end of the
	// alignment sends.
	resumeOwed
	// resumeSent: the resumeConsumption is on its way to the sender.
	resumeSent
)

// inQueue is the receiver's queue of a channel: what was transmitted and
// not yet taken, in order, each item with its arrival.
type inQueue struct{ c *channel }

// outQueue is the sender's queue of a channel: what it wrote and did not
// yet transmit, in order.
type outQueue struct{ c *channel }

// in is the receiver's queue of c.
func (c *channel) in() inQueue { return inQueue{c} }

// out is the sender's queue of c.
func (c *channel) out() outQueue { return outQueue{c} }

func (q inQueue) len() int         { return int(q.c.nIn) }
func (q inQueue) at(i int) *item   { return q.c.items.at(i) }
func (q inQueue) pushFront(x item) { q.c.items.pushFront(x); q.c.nIn++ }

func (q inQueue) popFront() item {
	q.c.nIn--
	return q.c.items.popFront()
}

// pushBack adds x at the end of the receiver's queue, ahead of what waits
// at the sender.
func (q inQueue) pushBack(x item) {
	q.c.items.insert(int(q.c.nIn), x)
	q.c.nIn++
}

// remove takes out the i-th item, shifting the ones before it back by one.
func (q inQueue) remove(i int) item {
	q.c.nIn--
	return q.c.items.remove(i)
}

func (q outQueue) len() int        { return q.c.items.len() - int(q.c.nIn) }
func (q outQueue) at(i int) *item  { return q.c.items.at(int(q.c.nIn) + i) }
func (q outQueue) pushBack(x item) { q.c.items.pushBack(x) }

// remove takes out the i-th item.
func (q outQueue) remove(i int) item { return q.c.items.remove(int(q.c.nIn) + i) }

// transmitHead moves the item at the head of the sender's queue to the
// end of the receiver's, where it already is in the ring, and returns it.
func (c *channel) transmitHead() *item {
	c.nIn++
	return c.items.at(int(c.nIn) - 1)
}

// latency draws one item's network delay.
func (s *Sim) latency() int64 {
	l := int64(s.cfg.Channels.Latency)
	if j := int64(s.cfg.Channels.Jitter); j > 0 {
		l = later(l, s.rng.Int64N(j))
	}
	return l
}

// delay is when something sent on c now reaches the other end: at once
// on a local channel, after a network latency otherwise.
func (s *Sim) delay(c *channel) int64 {
	if c.local {
		return s.channelDelay(c, s.now)
	}
	return s.channelDelay(c, later(s.now, s.latency()))
}

// sendPriority sends an unaligned barrier of the sender t at once, ahead
// of the first n items waiting in the output queue, whose records become
// output channel state of the checkpoint; while the subpartition is not
// requested yet, or paused after a blocking barrier with the receiver's
// resumeConsumption on its way, it waits at the head of the queue instead
// (queuePriority). When it overtakes the whole
// queue, the buffer being filled is finished first, as
// BufferWritingResultPartition.broadcastEvent finishes every buffer
// builder before it adds an event.
func (s *Sim) sendPriority(t *task, c *channel, it item, n int) {
	if n == c.out().len() && (c.room > 0 || c.openBytes > 0) {
		s.finishOpen(c)
		s.starve(c, true) // a buffer waits, sent by the next transmit
	}
	// The overtaken records are in the finished buffers at the head of
	// the backlog (an event finishes the buffer before it), each buffer
	// persisted with its header once (processPriorityBuffer copies every
	// buffer of the queue behind the priority event).
	j, left := 0, int32(0)
	for i := range n {
		r := c.out().at(i)
		if r.kind != itemRecord {
			continue
		}
		bufs := 0
		for ; left == 0; j++ {
			left = c.outBufs.at(j).recs
			bufs++
		}
		left--
		s.persist(t, c, r, it.ck, bufs)
	}
	it.priority, it.blocking, it.timeoutable = true, false, false
	// A subpartition blocked after an aligned barrier sends nothing,
	// priority events included (PipelinedSubpartition.pollBuffer returns
	// null while isBlocked, and addPriorityElement does not notify the
	// reader), so the barrier waits for the receiver's resumeConsumption:
	// modelled once that is on its way. Not modelled yet: while the
	// receiver still holds the channel back for its alignment, the barrier
	// goes out at once. Held back there too, it let stuck alignments hold
	// a barrier of every later checkpoint at the sender (103,104 in one
	// run), a wait the deadlock analysis (deadlock.go) does not know, so
	// simulate check could not tell it from an engine bug
	// (docs/flink-semantics.md, section 4).
	if c.unrequested || c.paused && c.resumption == resumeSent {
		s.queuePriority(c, it)
		return
	}
	s.wire(c, it)
	// The priority event makes the subpartition available
	// (PipelinedSubpartition.notifyPriorityEvent), so the reader polls it
	// and then the finished buffers behind it while there is credit: a
	// credit that reached the sender while the buffer was still being
	// filled sends it now, rather than waiting for the next record.
	s.transmit(c)
}

// resume lets the sender transmit again after alignment. The receiver
// stops holding the channel back at once, but a remote channel's
// resumeConsumption is a message to the producer
// (RemoteInputChannel.resumeConsumption), so the sender transmits again
// one network latency later.
func (s *Sim) resume(c *channel) {
	s.setBlocked(c, false)
	switch {
	case c.paused && c.resumption != resumeSent:
		c.resumption = resumeSent
		s.deliver(c, s.delay(c), evResume, 0)
	case c.resumption == resumeOwed:
		c.resumption = resumeNone
	}
}

// resumed is resumeConsumption reaching the sender, which transmits again.
// Without exclusive buffers the credits it had are void: the receiver gave
// their floating buffers back when it blocked the channel
// (CreditBasedSequenceNumberingViewReader.resumeConsumption).
func (s *Sim) resumed(c *channel) {
	c.resumption = resumeNone
	if c.paused {
		c.paused = false
		s.landLazy(c)
		if c.sendGen != c.creditGen {
			c.credit, c.sendGen = 0, c.creditGen
		}
		s.transmit(c)
	}
}
