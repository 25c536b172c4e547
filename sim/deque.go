package sim

// deque is a growable ring buffer: the FIFO of a channel's queued items,
// with the insertions at the front that priority (unaligned) barriers need.
// Its capacity is a power of two, so that positions wrap with a mask.
type deque[T any] struct {
	buf  []T
	head int
	n    int
}

func (d *deque[T]) len() int { return d.n }

// at returns the i-th item from the front.
func (d *deque[T]) at(i int) *T { return &d.buf[(d.head+i)&(len(d.buf)-1)] }

func (d *deque[T]) grow() {
	if d.n < len(d.buf) {
		return
	}
	nb := make([]T, max(2, 2*len(d.buf)))
	for i := range d.n {
		nb[i] = *d.at(i)
	}
	d.buf, d.head = nb, 0
}

func (d *deque[T]) pushBack(x T) {
	d.grow()
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = x
	d.n++
}

func (d *deque[T]) pushFront(x T) {
	d.grow()
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = x
	d.n++
}

func (d *deque[T]) popFront() T {
	x := d.buf[d.head]
	var zero T
	d.buf[d.head] = zero
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	return x
}

// remove takes out the i-th item, shifting the ones before it back by one.
func (d *deque[T]) remove(i int) T {
	x := *d.at(i)
	for j := i; j > 0; j-- {
		*d.at(j) = *d.at(j - 1)
	}
	d.popFront()
	return x
}
