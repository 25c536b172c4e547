package sim

import (
	"math/bits"
	"slices"
)

// event is one scheduled happening. It is a 32-byte value, two to a cache
// line, so that the queue holds events inline, without pointers or
// interface boxing: the engine's hot path allocates nothing per event.
type event struct {
	at  int64  // virtual time, ns (never negative)
	ord uint64 // schedule order << 8 | kind: breaks ties between equal times
	b   int64  // checkpoint id or generation
	a   int32  // subtask or channel
	gen uint32 // the subtask's or channel's incarnation: stale after a restart
}

// kind is what the event does when it fires.
func (e *event) kind() eventKind { return eventKind(e.ord) }

// eventKind says what an event does when it fires.
type eventKind uint8

const (
	evSourceNext        eventKind = iota // a source subtask may emit its next record
	evArrive                             // an item reaches the receiver of channel a
	evProcessDone                        // subtask a finished processing its record
	evSyncDone                           // subtask a finished the sync phase of checkpoint b
	evAsyncDone                          // subtask a finished the async phase of checkpoint b
	evPeriodicTrigger                    // the coordinator's periodic timer (b = generation)
	evExpire                             // checkpoint b times out
	evAlignTimeout                       // subtask a: aligned checkpoint timeout of checkpoint b
	evOutputTimeout                      // channel a: a timeoutable barrier b queued at the sender times out
	evWake                               // subtask a may continue (credit came back)
	evScript                             // script step a becomes available
	evAnnounce                           // a timeoutable barrier b reaches the receiver of channel a
	evFault                              // fault a strikes
	evRestart                            // the job (or a region) is redeployed; b = failover number
	evRestored                           // subtask a finished restoring its state
	evSavepoint                          // a savepoint is triggered
	evCancel                             // the job is cancelled
	evResume                             // channel a: the receiver's resumeConsumption reaches the sender
	evStopWithSavepoint                  // the user stops the job with a savepoint
	evResubmit                           // the user resubmits the job (a manual restore)
	evMaterialize                        // subtask a's changelog backend materializes
	evMaterialized                       // subtask a's materialization is uploaded
	evBuffer                             // a data buffer reaches the receiver of channel a
	evCredit                             // channel a: credits reach the sender (AddCredit); b = generation<<32 | credits
	evBacklog                            // channel a: the sender's backlog b reaches the receiver (BacklogAnnouncement)
	evFlush                              // subtask a: the output flusher fires
	evBufferSize                         // channel a: the receiver's new buffer size b reaches the sender
	evDebloat                            // subtask a: the buffer debloater samples its gates
	evTokenSend                          // token job: send a of the workload happens
	evTokenSnapshot                      // token job: initiation a of the workload happens
	evTokenRule                          // token job: a round of the seeded sends
	evTokenArrive                        // token job: the head message of channel a arrives
	evPartitionRequest                   // channel a: the receiver's partition request reaches the sender
)

// queue holds the scheduled events in the order they fire: by time, then
// by the order they were scheduled (at, ord). The events that no FIFO
// below takes are in a heap. While it holds at most smallMax events (a
// typical job has two to six there: the sources' next records, the ends of
// processing), it is a list sorted latest first: popping the last of a
// short sorted list, or inserting into it, costs less than any heap's
// sifting. Up to radixMin events it is a 4-ary min-heap, written out
// rather than built on container/heap so that events stay values and
// comparisons inline; four children share one or two cache lines, and the
// heap is half as deep as a binary one. Beyond, where such a heap no
// longer fits the nearest caches and every sift waits for memory, it is a
// radix heap (radixheap.go), whose pushes are appends. FIFOs keep events
// out of it whose order is known without one:
//
//   - now: events due at the current instant (the time of the last pop),
//     such as a wake-up when credit comes back. They were scheduled after
//     every event elsewhere, so only the others due now fire before them.
//   - timers: events scheduled far ahead in the order they fall due, such
//     as checkpoint timeouts (trigger time plus a fixed timeout), most of
//     them stale by then: in the heap, hundreds of them would make every
//     pop sift deeper.
//   - net: messages on the network, due one channel latency after they
//     were sent. With a fixed latency they are scheduled in the order they
//     fall due, so a big job's hundreds of thousands of buffers and
//     credits in flight queue in a FIFO rather than in a heap that would
//     be deep and out of cache (jitter, a delay spike or a local channel
//     sends some to the heap or the FIFO of now instead).
//   - lanes: one per kind of event that every subtask schedules the same
//     way, so that they mostly come in the order they fall due: a
//     source's next record (sources of one rate read in step), the end of
//     a record's processing (the operator's fixed cost after now), the
//     output flusher (the next multiple of the buffer timeout). A big
//     job's thousand subtasks would otherwise keep about 1,100 events in
//     the heap, and its pops took 17 % of the job's instructions. A small
//     job's few such events are cheaper in the sorted list than in FIFOs
//     that every pop has to look at, so the lanes open only once the heap
//     outgrew smallMax, and stay open.
//
// An event that would put a FIFO out of (at, ord) order goes to the heap
// instead. Which FIFO an event is in never changes when it fires: pop
// takes the earliest (at, ord) of all of them.
type queue struct {
	heap  []event                // a 4-ary min-heap if big, else sorted latest first
	big   bool                   // heap is a heap (it outgrew smallMax)
	radix bool                   // the heap's events are in rh instead (they outgrew radixMin)
	rh    radixHeap              // the heap once radix
	now   deque[event]           // due at the time of the last pop, in schedule order
	fifos [numFIFOs]deque[event] // each ascending (at, ord)
	lanes bool                   // the lanes are open
	at    int64                  // the time of the last pop
	seq   uint64                 // the next schedule order
}

// The FIFOs of later events (queue.fifos).
const (
	fifoTimers = iota
	fifoNet
	fifoSource  // evSourceNext
	fifoProcess // evProcessDone
	fifoFlush   // evFlush
	numFIFOs
)

// laneOf is the FIFO that push puts an event of each kind in, -1 for the
// heap.
var laneOf = func() (l [256]int8) {
	for k := range l {
		l[k] = -1
	}
	l[evSourceNext], l[evProcessDone], l[evFlush] = fifoSource, fifoProcess, fifoFlush
	return l
}()

// arity is the 4-ary heap's number of children per node.
const arity = 4

// A heap of more than smallMax events is a 4-ary heap, one of at most
// smallMax/2 sorted again (the gap keeps a length near the bound from
// switching at every push and pop).
const smallMax = 16

// A heap of more than radixMin events is a radix heap, one of at most
// radixMin/2 a 4-ary heap again: 4,096 events take 128 KiB. A variable so
// that tests can lower it (to more than smallMax).
var radixMin = 4096

// push schedules an event; its schedule order is assigned here.
func (q *queue) push(at int64, kind eventKind, a int32, b int64, gen uint32) {
	e := event{at: at, ord: q.reserve(kind), a: a, b: b, gen: gen}
	switch {
	case at == q.at:
		q.now.pushBack(e)
	case q.lanes && laneOf[kind] >= 0:
		q.pushOrdered(&q.fifos[laneOf[kind]], e)
	default:
		q.pushHeap(e)
	}
}

// pushTimer schedules an event like push, into the timers FIFO when it
// falls due no earlier than every event already there.
func (q *queue) pushTimer(at int64, kind eventKind, a int32, b int64, gen uint32) {
	q.pushFIFO(&q.fifos[fifoTimers], at, kind, a, b, gen)
}

// pushNet schedules a network message like push, into the net FIFO when it
// falls due no earlier than every message already there.
func (q *queue) pushNet(at int64, kind eventKind, a int32, b int64, gen uint32) {
	q.pushFIFO(&q.fifos[fifoNet], at, kind, a, b, gen)
}

// pushFIFO schedules an event like push, into f when it keeps f in (at,
// ord) order.
func (q *queue) pushFIFO(f *deque[event], at int64, kind eventKind, a int32, b int64, gen uint32) {
	e := event{at: at, ord: q.reserve(kind), a: a, b: b, gen: gen}
	if at == q.at {
		q.now.pushBack(e)
		return
	}
	q.pushOrdered(f, e)
}

// pushOrdered puts e, scheduled now, into f if that keeps f in (at, ord)
// order (its order is the latest yet), else into the heap.
func (q *queue) pushOrdered(f *deque[event], e event) {
	if f.n > 0 && e.at < f.at(f.len()-1).at {
		q.pushHeap(e)
		return
	}
	f.pushBack(e)
}

// reserve takes the next schedule order for an event of kind: push and
// pushFIFO stamp an event with it, and an event that is not scheduled now
// but kept aside (a lazy credit, credit.go) keeps it, so that it gets the
// order it would have had, and every event scheduled after it the order
// it would have had too.
func (q *queue) reserve(kind eventKind) uint64 {
	ord := q.seq<<8 | uint64(kind)
	q.seq++
	return ord
}

// pushReserved schedules e, whose order was reserved earlier: into the
// net FIFO when it keeps that FIFO in (at, ord) order, else into the heap.
// Never into the FIFO of now, whose events were all scheduled after it.
func (q *queue) pushReserved(e event) {
	if net := &q.fifos[fifoNet]; net.n == 0 || !before(&e, net.at(net.len()-1)) {
		net.pushBack(e)
		return
	}
	q.pushHeap(e)
}

// pushHeap adds e to the heap, or inserts it into the sorted list, which
// becomes a heap when it outgrows smallMax (sorted earliest first, it is
// one already), or pushes it into the radix heap, which takes the heap's
// events once they outgrow radixMin.
func (q *queue) pushHeap(e event) {
	if q.big && q.radix {
		q.rh.push(e)
		return
	}
	h := append(q.heap, e)
	q.heap = h
	if q.big {
		siftUp(h, len(h)-1, e)
		if len(h) > radixMin {
			q.rh.reset(q.at) // nothing is scheduled before the last event taken out
			for _, e := range h {
				q.rh.push(e)
			}
			q.heap, q.radix = h[:0], true
		}
		return
	}
	i := len(h) - 1
	for i > 0 && before(&h[i-1], &e) {
		h[i] = h[i-1]
		i--
	}
	h[i] = e
	if len(h) > smallMax {
		slices.Reverse(h)
		q.big, q.lanes = true, true
	}
}

// siftUp moves the hole at i of heap h up to where e belongs and puts e
// there: moving a hole rather than swapping halves the copies of events.
func siftUp(h []event, i int, e event) {
	for i > 0 {
		p := (i - 1) / arity
		if !before(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// The places an event can be in (see queue): the heap, the FIFO of now,
// or FIFO f of the later events at inFIFO+f.
const (
	inHeap int8 = iota
	inNow
	inFIFO
)

// head returns the next event and where it is (nil: the queue is
// empty). The earliest of the heads of the heap and of the FIFOs of later
// events fires first, unless none of them is due at the current instant,
// when the events scheduled during it, in the FIFO of now, come first.
func (q *queue) head() (*event, int8) {
	var first *event
	from := inHeap
	if n := len(q.heap); n > 0 {
		if q.big {
			first = &q.heap[0]
		} else {
			first = &q.heap[n-1]
		}
	} else if q.radix {
		first = q.rh.min()
	}
	first, from = earlier(&q.fifos[fifoTimers], first, from, inFIFO+fifoTimers)
	first, from = earlier(&q.fifos[fifoNet], first, from, inFIFO+fifoNet)
	if q.lanes {
		first, from = earlier(&q.fifos[fifoSource], first, from, inFIFO+fifoSource)
		first, from = earlier(&q.fifos[fifoProcess], first, from, inFIFO+fifoProcess)
		first, from = earlier(&q.fifos[fifoFlush], first, from, inFIFO+fifoFlush)
	}
	if q.now.n > 0 && (first == nil || first.at != q.at) {
		return q.now.at(0), inNow
	}
	return first, from
}

// earlier returns the head of FIFO f and where it is, at, if f has one
// before first (nil: none), else first and from.
func earlier(f *deque[event], first *event, from, at int8) (*event, int8) {
	if f.n > 0 && (first == nil || before(&f.buf[f.head], first)) {
		return &f.buf[f.head], at
	}
	return first, from
}

// take removes and returns the next event, which head said is in from.
func (q *queue) take(from int8) event {
	switch from {
	case inNow:
		return q.now.popFront()
	case inHeap:
		return q.popHeap()
	}
	e := q.fifos[from-inFIFO].popFront()
	q.at = e.at
	return e
}

// pop removes and returns the next event; the queue must not be empty.
func (q *queue) pop() event {
	_, from := q.head()
	return q.take(from)
}

// popHeap removes and returns the heap's earliest event: the last of the
// sorted list of a small heap, the radix heap's, or the 4-ary heap's root.
// A big heap's hole left at the root sinks along the earliest children to
// the bottom, each level's earliest of four children chosen without a
// branch, and the last event rises into it from there (Floyd's bottom-up
// variant): the last event belongs near the bottom, so this saves the
// unpredictable comparison with it at every level.
func (q *queue) popHeap() event {
	if len(q.heap) == 0 { // radix
		top := q.rh.pop()
		q.at = top.at
		if q.rh.n <= radixMin/2 {
			// Sorted earliest first, the events are a 4-ary heap.
			q.heap = q.rh.drain(q.heap[:0])
			slices.SortFunc(q.heap, func(a, b event) int { return lessBit(&b, &a) - lessBit(&a, &b) })
			q.radix = false
		}
		return top
	}
	h := q.heap
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	q.heap = h
	if !q.big {
		q.at = last.at
		return last
	}
	top := h[0]
	q.at = top.at
	if n <= smallMax/2 {
		q.big = false
		h[0] = last
		slices.SortFunc(h, func(a, b event) int { return lessBit(&a, &b) - lessBit(&b, &a) })
		return top
	}
	i := 0
	for {
		c := arity*i + 1
		if c+arity > n {
			if c < n { // the last parent, with fewer than four children
				m := c
				for j := c + 1; j < n; j++ {
					m += (j - m) * lessBit(&h[j], &h[m])
				}
				h[i] = h[m]
				i = m
			}
			break
		}
		m0 := c + lessBit(&h[c+1], &h[c])
		m1 := c + 2 + lessBit(&h[c+3], &h[c+2])
		m := m0 + (m1-m0)*lessBit(&h[m1], &h[m0])
		h[i] = h[m]
		i = m
	}
	siftUp(h, i, last)
	return top
}

// before orders events by time, then by the order they were scheduled.
func before(a, b *event) bool { return lessBit(a, b) == 1 }

// lessBit is 1 if a comes before b, else 0: (at, ord) compared as one
// 128-bit number, without a branch.
func lessBit(a, b *event) int {
	_, borrow := bits.Sub64(a.ord, b.ord, 0)
	_, borrow = bits.Sub64(uint64(a.at), uint64(b.at), borrow)
	return int(borrow)
}

func (q *queue) len() int {
	n := len(q.heap) + q.rh.n + q.now.len()
	for f := range q.fifos {
		n += q.fifos[f].len()
	}
	return n
}

// peekTime is the time of the next event; the queue must not be empty.
func (q *queue) peekTime() int64 {
	e, _ := q.head()
	return e.at
}

// clone returns an independent copy.
func (q *queue) clone() queue {
	c := *q
	c.heap = append([]event(nil), q.heap...)
	c.rh = q.rh.clone()
	c.now.buf = append([]event(nil), q.now.buf...)
	for f := range q.fifos {
		c.fifos[f].buf = append([]event(nil), q.fifos[f].buf...)
	}
	return c
}
