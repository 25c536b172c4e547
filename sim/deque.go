package sim

import "math/bits"

// deque is a growable ring buffer: a FIFO with insertions at the front,
// such as the event queue's, a channel's data buffers, or the chunks of
// its items (itemQueue). Its capacity is a power of two, so that
// positions wrap with a mask.
//
// A pooled deque (pushBackIn, popFrontTo) takes its ring from a pool and
// gives it back as soon as it is empty: a big job's channels are empty
// most of the time, and a ring of their own each, grown to the longest
// queue the channel ever had, would hold memory in proportion to the
// channels rather than to what is queued on them. The pool is an argument
// rather than a field, so that a channel's deques take 32 bytes each,
// half a cache line.
type deque[T any] struct {
	buf  []T
	head int32
	n    int32
}

func (d *deque[T]) len() int { return int(d.n) }

// at returns the i-th item from the front.
func (d *deque[T]) at(i int) *T { return &d.buf[(int(d.head)+i)&(len(d.buf)-1)] }

// grow doubles the ring when it is full, taking the new one from p.
func (d *deque[T]) grow(p *ringPool[T]) {
	if int(d.n) < len(d.buf) {
		return
	}
	nb := p.get(max(2, 2*len(d.buf)))
	for i := range d.len() {
		nb[i] = *d.at(i)
	}
	if d.buf != nil {
		clear(d.buf)
		p.put(d.buf)
	}
	d.buf, d.head = nb, 0
}

// pushBack adds x at the back; the ring is made, and kept when empty.
func (d *deque[T]) pushBack(x T) { d.pushBackIn(nil, x) }

// pushBackIn adds x at the back of a deque whose rings come from p.
func (d *deque[T]) pushBackIn(p *ringPool[T], x T) {
	d.grow(p)
	d.buf[(int(d.head)+int(d.n))&(len(d.buf)-1)] = x
	d.n++
}

func (d *deque[T]) pushFront(x T) { d.pushFrontIn(nil, x) }

// pushFrontIn adds x at the front of a deque whose rings come from p.
func (d *deque[T]) pushFrontIn(p *ringPool[T], x T) {
	d.grow(p)
	d.head = (d.head - 1) & int32(len(d.buf)-1)
	d.buf[d.head] = x
	d.n++
}

// popFront removes and returns the front item.
func (d *deque[T]) popFront() T {
	x := d.buf[d.head]
	var zero T
	d.buf[d.head] = zero
	d.head = (d.head + 1) & int32(len(d.buf)-1)
	d.n--
	return x
}

// popFrontTo removes and returns the front item of a deque whose rings
// come from p, giving the ring back to p once it is empty.
func (d *deque[T]) popFrontTo(p *ringPool[T]) T {
	x := d.popFront()
	if d.n == 0 && p != nil {
		p.put(d.buf) // every slot popped, so all zero
		d.buf, d.head = nil, 0
	}
	return x
}

// stack is a LIFO kept in blocks that are never copied, a pool's list of
// what is free: it grows to the most rings or chunks ever free at once
// (hundreds of thousands in a big job), and a slice appended to would
// allocate about five times that, regrown by a quarter at a time, all of
// it but the last copy garbage. Emptied blocks stay for the next pushes.
type stack[E any] struct {
	blocks [][]E // those before top are full, those after it empty
	top    int   // the block being filled
}

// stackBlock is the most entries a block of a stack holds; the first
// ones are smaller, so that a small run's pools stay small.
const stackBlock = 4096

func (s *stack[E]) push(x E) {
	if len(s.blocks) == 0 {
		s.blocks = append(s.blocks, make([]E, 0, 16))
	}
	b := s.blocks[s.top]
	if len(b) == cap(b) {
		if s.top++; s.top == len(s.blocks) {
			s.blocks = append(s.blocks, make([]E, 0, min(2*cap(b), stackBlock)))
		}
		b = s.blocks[s.top]
	}
	s.blocks[s.top] = append(b, x)
}

// pop removes and returns the last entry pushed; ok is false when the
// stack is empty.
func (s *stack[E]) pop() (x E, ok bool) {
	if len(s.blocks) == 0 {
		return x, false
	}
	b := s.blocks[s.top]
	if len(b) == 0 {
		if s.top == 0 {
			return x, false
		}
		s.top--
		b = s.blocks[s.top]
	}
	x = b[len(b)-1]
	var zero E
	b[len(b)-1] = zero
	s.blocks[s.top] = b[:len(b)-1]
	return x, true
}

// ringPoolClasses is the number of ring sizes a ringPool keeps: 2 to 2^16
// slots; larger rings are left to the garbage collector.
const ringPoolClasses = 16

// ringPool keeps the zeroed rings that deques gave back, by size, for the
// next deque that needs one: a run's channels share as many rings as they
// have non-empty queues at once. A nil pool makes every ring.
type ringPool[T any] struct {
	free [ringPoolClasses]stack[[]T] // free[k] holds rings of 2<<k slots
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
	if k := ringClass(n); k >= 0 {
		if b, ok := p.free[k].pop(); ok {
			return b
		}
	}
	return make([]T, n)
}

// put keeps the zeroed ring b for a later get.
func (p *ringPool[T]) put(b []T) {
	if p == nil {
		return
	}
	if k := ringClass(len(b)); k >= 0 {
		p.free[k].push(b)
	}
}
