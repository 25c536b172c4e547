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

// item is a record or an event on a channel.
type item struct {
	arrival int64 // when it reaches the receiver; set on transmission
	key     int64
	value   int64
	// ck is the checkpoint id of a barrier or cancel marker; for a record,
	// its epoch: the id of the last barrier its sender had emitted on the
	// channel before it. A record with epoch < n is before the cut of
	// checkpoint n on its channel.
	ck int64
	// trigger is a barrier's checkpoint trigger time (Flink's barrier
	// timestamp), from which the aligned checkpoint timeout is measured.
	trigger int64
	// persistedFrom..persistedTo are the ids of the checkpoints whose
	// channel state holds the record (0..0: none). A record waiting in an
	// output queue can be overtaken by the barriers of several successive
	// unaligned checkpoints and is then in the channel state of each.
	persistedFrom, persistedTo int64
	// part and off are the record's origin: the source partition and
	// offset it derives from (its lineage, for the end-to-end checks).
	part int32
	off  int64
	// overtook counts the records a priority barrier jumped at the
	// receiver (they follow it in the queue).
	overtook int32
	bytes    int32
	kind     itemKind
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

// channel is a FIFO connection from one subtask to another with Flink's
// credit-based flow control. Items first wait in the sender's output queue
// (out); a record is transmitted only with a credit, events need none.
// Transmitted items (in) travel with latency and queue at the receiver
// until it consumes them; consuming a record returns its credit.
type channel struct {
	id        int32
	attempt   uint32 // incarnation: a restart resets the channel
	from, to  int32
	input     int // index among the receiver's inputs
	out       deque[item]
	in        deque[item]
	outRecs   int   // records in out
	credit    int   // records that may still be transmitted
	lastArr   int64 // arrival time of the last transmitted item (FIFO)
	epoch     int64 // id of the last barrier the sender emitted here
	paused    bool  // the sender stopped after a blocking barrier
	resuming  bool  // the receiver's resumeConsumption is on its way to the sender
	blocked   bool  // the receiver holds the channel back (alignment)
	ended     bool  // the receiver consumed end of partition
	dataEnded bool  // the receiver consumed EndOfData (or end of partition)
	inRecs    int   // records in `in` (in flight or queued at the receiver)
	prio      int   // priority barriers in `in` that have not yet jumped the queue
	outBytes  int64 // bytes of records in out
}

// transmit moves items from the sender's output queue onto the wire while
// credit and the pause allow.
func (s *Sim) transmit(c *channel) {
	for c.out.len() > 0 && !c.paused {
		head := c.out.at(0)
		if head.kind == itemRecord && c.credit <= 0 {
			break
		}
		it := c.out.popFront()
		if it.kind == itemRecord {
			c.credit--
			s.addOutRecs(c, -1)
			c.outBytes -= int64(it.bytes)
		}
		s.wire(c, it)
	}
	// Freed output space may release a backpressured sender.
	s.tasks[c.from].maybeResume(s)
}

// wire puts an item on the network: it arrives after the channel's latency,
// never before an item sent earlier on the same channel.
func (s *Sim) wire(c *channel, it item) {
	it.arrival = max(c.lastArr, s.channelDelay(c, later(s.now, s.latency())))
	c.lastArr = it.arrival
	if it.kind == itemRecord {
		c.inRecs++
		s.trace(TraceEvent{Kind: RecordSent, Subtask: c.from, Channel: c.id, Key: it.key, Value: it.value})
	}
	if it.kind == itemBarrier {
		c.paused = c.paused || it.blocking
		if it.priority {
			c.prio++
		}
		if it.timeoutable {
			s.timeoutableSent(c, it.ck)
			s.scheduleOn(c, it.arrival, evAnnounce, it.ck)
		}
	}
	c.in.pushBack(it)
	if c.in.len() == 1 {
		s.refreshInput(c)
	}
	s.scheduleOn(c, it.arrival, evArrive, it.ck)
}

// latency draws one item's network delay.
func (s *Sim) latency() int64 {
	l := int64(s.cfg.Channels.Latency)
	if j := int64(s.cfg.Channels.Jitter); j > 0 {
		l = later(l, s.rng.Int64N(j))
	}
	return l
}

// send transmits an item, or appends it to the sender's output queue when
// it cannot go yet: behind queued items, after a blocking barrier, or (a
// record) without credit. The output queue holds what waits for credit
// or for the end of a pause; an item for an idle channel would leave it at
// once, so it goes straight onto the wire: the same transmission, at the
// same instant, without the queue.
func (s *Sim) send(c *channel, it item) {
	rec := it.kind == itemRecord
	if rec {
		it.ck = c.epoch
	}
	if c.out.len() == 0 && !c.paused && (!rec || c.credit > 0) {
		if rec {
			c.credit--
		}
		s.wire(c, it)
		s.tasks[c.from].maybeResume(s)
		return
	}
	if rec {
		s.addOutRecs(c, 1)
		c.outBytes += int64(it.bytes)
	}
	c.out.pushBack(it)
	s.transmit(c)
}

// sendPriority sends an unaligned barrier of the sender t at once, ahead
// of the first n records waiting in the output queue, which become output
// channel state of the checkpoint.
func (s *Sim) sendPriority(t *task, c *channel, it item, n int) {
	for i := range n {
		if r := c.out.at(i); r.kind == itemRecord {
			s.persist(t, c, r, it.ck)
		}
	}
	it.priority, it.blocking, it.timeoutable = true, false, false
	s.wire(c, it)
}

// resume lets the sender transmit again after alignment. The receiver
// stops holding the channel back at once, but a remote channel's
// resumeConsumption is a message to the producer
// (RemoteInputChannel.resumeConsumption), so the sender transmits again
// one network latency later.
func (s *Sim) resume(c *channel) {
	s.setBlocked(c, false)
	if c.paused && !c.resuming {
		c.resuming = true
		s.scheduleOn(c, s.channelDelay(c, later(s.now, s.latency())), evResume, 0)
	}
}

// resumed is resumeConsumption reaching the sender, which transmits again.
func (s *Sim) resumed(c *channel) {
	c.resuming = false
	if c.paused {
		c.paused = false
		s.transmit(c)
	}
}
