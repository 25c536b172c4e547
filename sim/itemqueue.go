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
type itemQueue struct {
	chunks deque[*itemChunk] // the chunks of the items, in order; its ring stays
	pool   *chunkPool        // nil: chunks are made, and dropped when empty
	head   int32             // position of the first item in chunks.at(0)
	n      int32
}

// chunkItems is the number of items in a chunk: two, since most queues
// hold one or two items.
const chunkItems = 2

// itemChunk is a piece of a queue's storage.
type itemChunk [chunkItems]item

// chunkPool keeps the zeroed chunks that queues gave back.
type chunkPool struct{ free []*itemChunk }

// get returns a zeroed chunk.
func (p *chunkPool) get() *itemChunk {
	if p == nil || len(p.free) == 0 {
		return new(itemChunk)
	}
	c := p.free[len(p.free)-1]
	p.free[len(p.free)-1] = nil
	p.free = p.free[:len(p.free)-1]
	return c
}

// put keeps the zeroed chunk c for a later get.
func (p *chunkPool) put(c *itemChunk) {
	if p != nil {
		p.free = append(p.free, c)
	}
}

// clone returns a copy of q with chunks of its own, from p.
func (q *itemQueue) clone(p *chunkPool) itemQueue {
	c := itemQueue{head: q.head, n: q.n, pool: p}
	for i := range q.chunks.len() {
		ch := p.get()
		*ch = **q.chunks.at(i)
		c.chunks.pushBack(ch)
	}
	return c
}

func (q *itemQueue) len() int { return int(q.n) }

// at returns the i-th item from the front.
func (q *itemQueue) at(i int) *item {
	j := int(q.head) + i
	return &(*q.chunks.at(j / chunkItems))[j%chunkItems]
}

func (q *itemQueue) pushBack(x item) {
	j := int(q.head) + int(q.n)
	if j == q.chunks.len()*chunkItems {
		q.chunks.pushBack(q.pool.get())
	}
	(*q.chunks.at(j / chunkItems))[j%chunkItems] = x
	q.n++
}

func (q *itemQueue) pushFront(x item) {
	if q.head == 0 {
		q.chunks.pushFront(q.pool.get())
		q.head = chunkItems
	}
	q.head--
	(*q.chunks.at(0))[q.head] = x
	q.n++
}

func (q *itemQueue) popFront() item {
	c := *q.chunks.at(0)
	x := c[q.head]
	c[q.head] = item{}
	q.head++
	q.n--
	if q.head == chunkItems || q.n == 0 {
		q.pool.put(q.chunks.popFront()) // every item taken, so all zero
		q.head = 0
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
