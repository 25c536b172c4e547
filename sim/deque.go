package sim

import "math/bits"

// deque is a growable ring buffer: a FIFO with insertions at the front,
// such as the event queue's, a channel's data buffers, or the chunks of
// its items (itemQueue). Its capacity is a power of two, so that
// positions wrap with a mask.
//
// A deque with a pool takes its ring from the pool and gives it back as
// soon as it is empty: a big job's channels are empty most of the time,
// and a ring of their own each, grown to the longest queue the channel
// ever had, would hold memory in proportion to the channels rather than
// to what is queued on them.
type deque[T any] struct {
	buf  []T
	pool *ringPool[T] // nil: the ring is made, and kept when empty
	head int32
	n    int32
}

func (d *deque[T]) len() int { return int(d.n) }

// at returns the i-th item from the front.
func (d *deque[T]) at(i int) *T { return &d.buf[(int(d.head)+i)&(len(d.buf)-1)] }

func (d *deque[T]) grow() {
	if int(d.n) < len(d.buf) {
		return
	}
	nb := d.pool.get(max(2, 2*len(d.buf)))
	for i := range d.len() {
		nb[i] = *d.at(i)
	}
	if d.buf != nil {
		clear(d.buf)
		d.pool.put(d.buf)
	}
	d.buf, d.head = nb, 0
}

func (d *deque[T]) pushBack(x T) {
	d.grow()
	d.buf[(int(d.head)+int(d.n))&(len(d.buf)-1)] = x
	d.n++
}

func (d *deque[T]) pushFront(x T) {
	d.grow()
	d.head = (d.head - 1) & int32(len(d.buf)-1)
	d.buf[d.head] = x
	d.n++
}

func (d *deque[T]) popFront() T {
	x := d.buf[d.head]
	var zero T
	d.buf[d.head] = zero
	d.head = (d.head + 1) & int32(len(d.buf)-1)
	d.n--
	if d.n == 0 && d.pool != nil {
		d.pool.put(d.buf) // every slot popped, so all zero
		d.buf, d.head = nil, 0
	}
	return x
}

// ringPoolClasses is the number of ring sizes a ringPool keeps: 2 to 2^16
// slots; larger rings are left to the garbage collector.
const ringPoolClasses = 16

// ringPool keeps the zeroed rings that deques gave back, by size, for the
// next deque that needs one: a run's channels share as many rings as they
// have non-empty queues at once. A nil pool makes every ring.
type ringPool[T any] struct {
	free [ringPoolClasses][][]T // free[k] holds rings of 2<<k slots
}

// ringClass is the index in ringPool.free of rings of n slots (a power of
// two >= 2), or -1 when the pool keeps none of that size.
func ringClass(n int) int {
	if k := bits.Len(uint(n)) - 2; k < ringPoolClasses {
		return k
	}
	return -1
}

// get returns a zeroed ring of n slots, n a power of two >= 2.
func (p *ringPool[T]) get(n int) []T {
	if p == nil {
		return make([]T, n)
	}
	k := ringClass(n)
	if k < 0 || len(p.free[k]) == 0 {
		return make([]T, n)
	}
	f := p.free[k]
	b := f[len(f)-1]
	f[len(f)-1] = nil
	p.free[k] = f[:len(f)-1]
	return b
}

// put keeps the zeroed ring b for a later get.
func (p *ringPool[T]) put(b []T) {
	if p == nil {
		return
	}
	if k := ringClass(len(b)); k >= 0 {
		p.free[k] = append(p.free[k], b)
	}
}
