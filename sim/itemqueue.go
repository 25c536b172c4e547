package sim

// itemQueue is the FIFO of a channel's items, stored in chunks of
// chunkItems items that all channels of a run share through a chunkPool:
// a queue holds the chunks its items are in and gives each back as soon
// as its items are taken. Rings of their own, sized to powers of two,
// would be kept by size: after the alignment of a checkpoint, when a
// burst of long queues follows one of short ones, the rings of the short
// ones cannot serve the long ones, and a big job's channels would hold the
// sum of both bursts (about 90 MiB of its 187,500 channels) rather than
// the larger one.
//
// The first chunk is in the queue itself, and so in the channel: a short
// queue's items, which are most of a big job's, are then at an address
// known from the channel's own, read together with its other lines
// rather than after them through a pointer. On the big job, whose time
// goes to misses to memory, their miss no longer waits for the
// channel's.
type itemQueue struct {
	// first holds the first items, rest the chunks after it, in order.
	first itemChunk
	rest  deque[*itemChunk] // its ring from the pool's rings
	pool  *chunkPool        // nil: chunks and rings are made, and dropped when empty
	head  int32             // position of the first item: in first, or in rest's first chunk after it
	n     int32
}

// chunkItems is the number of items in a chunk: two, since most queues
// hold one or two items.
const chunkItems = 2

// itemChunk is a piece of a queue's storage.
type itemChunk [chunkItems]item

// chunkPool keeps the zeroed chunks that queues gave back, and the rings
// of their rest: a ring of its own, grown to the longest queue the
// channel ever had, would hold memory in proportion to the channels (6
// MiB of the big job's).
type chunkPool struct {
	free  stack[*itemChunk]
	rings ringPool[*itemChunk]
}

// restRings is the pool of the rings of queues' rest (nil: none).
func (p *chunkPool) restRings() *ringPool[*itemChunk] {
	if p == nil {
		return nil
	}
	return &p.rings
}

// get returns a zeroed chunk.
func (p *chunkPool) get() *itemChunk {
	if p != nil {
		if c, ok := p.free.pop(); ok {
			return c
		}
	}
	return new(itemChunk)
}

// put keeps the zeroed chunk c for a later get.
func (p *chunkPool) put(c *itemChunk) {
	if p != nil {
		p.free.push(c)
	}
}

// clone returns a copy of q with chunks of its own, from p.
func (q *itemQueue) clone(p *chunkPool) itemQueue {
	c := itemQueue{first: q.first, head: q.head, n: q.n, pool: p}
	for i := range q.rest.len() {
		x := p.get()
		*x = **q.rest.at(i)
		c.rest.pushBackIn(p.restRings(), x)
	}
	return c
}

func (q *itemQueue) len() int { return int(q.n) }

// chunk is the k-th chunk of q.
func (q *itemQueue) chunk(k int) *itemChunk {
	if k == 0 {
		return &q.first
	}
	return *q.rest.at(k - 1)
}

// at returns the i-th item from the front.
func (q *itemQueue) at(i int) *item {
	j := int(q.head) + i
	return &q.chunk(j / chunkItems)[j%chunkItems]
}

func (q *itemQueue) pushBack(x item) {
	j := int(q.head) + int(q.n)
	if j == (1+q.rest.len())*chunkItems {
		q.rest.pushBackIn(q.pool.restRings(), q.pool.get())
	}
	q.chunk(j / chunkItems)[j%chunkItems] = x
	q.n++
}

func (q *itemQueue) pushFront(x item) {
	if q.head == 0 {
		if q.n > 0 {
			c := q.pool.get()
			*c = q.first
			q.rest.pushFrontIn(q.pool.restRings(), c)
			q.first = itemChunk{}
		}
		q.head = chunkItems
	}
	q.head--
	*q.at(0) = x
	q.n++
}

// popFront takes the first item. Once first is used up, the items go on
// in the chunks of rest, which are not moved into it: a long queue's
// first stays empty until the queue is.
func (q *itemQueue) popFront() item {
	p := q.at(0)
	x := *p
	*p = item{}
	q.head++
	q.n--
	switch {
	case q.n == 0:
		q.head = 0 // every item taken, so first and rest all zero
		for q.rest.len() > 0 {
			q.pool.put(q.rest.popFrontTo(q.pool.restRings()))
		}
	case q.head == 2*chunkItems:
		// The first chunk of rest is used up too (and first before it).
		q.pool.put(q.rest.popFrontTo(q.pool.restRings()))
		q.head = chunkItems
	}
	return x
}

// insert puts x at position i, shifting the items from there on forward
// by one.
func (q *itemQueue) insert(i int, x item) {
	q.pushBack(x)
	for j := q.len() - 1; j > i; j-- {
		*q.at(j) = *q.at(j - 1)
	}
	*q.at(i) = x
}

// remove takes out the i-th item, shifting the ones before it back by one.
func (q *itemQueue) remove(i int) item {
	x := *q.at(i)
	for j := i; j > 0; j-- {
		*q.at(j) = *q.at(j - 1)
	}
	q.popFront()
	return x
}

// bufQueue is a FIFO of network buffers whose first buffer is in the
// queue itself, as an itemQueue's first items are: a receiver mostly has
// one buffer of a channel at a time, and finds it beside the channel's
// other lines rather than behind a pointer to a ring.
type bufQueue struct {
	first netBuf
	rest  deque[netBuf] // the buffers after first, its ring from a pool
	n     int32
}

func (q *bufQueue) len() int { return int(q.n) }

// at returns the i-th buffer from the front.
func (q *bufQueue) at(i int) *netBuf {
	if i == 0 {
		return &q.first
	}
	return q.rest.at(i - 1)
}

// pushBackIn adds b at the back, taking a ring from p when first is taken.
func (q *bufQueue) pushBackIn(p *ringPool[netBuf], b netBuf) {
	if q.n == 0 {
		q.first = b
	} else {
		q.rest.pushBackIn(p, b)
	}
	q.n++
}

// popFrontTo removes and returns the front buffer, giving the ring back
// to p once it is empty.
func (q *bufQueue) popFrontTo(p *ringPool[netBuf]) netBuf {
	b := q.first
	q.first = netBuf{}
	if q.rest.len() > 0 {
		q.first = q.rest.popFrontTo(p)
	}
	q.n--
	return b
}
