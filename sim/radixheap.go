package sim

import (
	"fmt"
	"math/bits"
	"slices"
)

// radixHeap holds the queue's events that no FIFO of it takes, once there
// are many (queue.radix): a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan,
// 1990) with a sorted run at its bottom. It relies on what a
// discrete-event queue guarantees: no event is scheduled before the last
// one taken out of the queue. The run (bucket 0) holds the earliest
// events, sorted, from last to the time of its latest; bucket b > 0 the
// later ones whose time first differs from last's in bit b-1 (b =
// bits.Len64(at ^ last)), so that every event of a bucket is due before
// every event of a higher one. A push is an append, or an insertion into
// the run for an event due within it. When the run is used up, the first
// bucket with events becomes the run: sorted if it holds at most runMax
// events, else spread over the lower buckets by its earliest time, the new
// last (its events due then make the run). An event moves at most once
// per bit of its time, each time by an append: with jitter, a big job has
// hundreds of thousands of network messages out of order for the
// network's FIFO, and a binary or 4-ary heap of them sifts through cold
// memory on every push and pop.
type radixHeap struct {
	last  int64 // every event's at >= last
	n     int   // events held
	first int   // the events of bucket 0 before first were taken out
	// next is the bucket and index of the earliest event when bucket 0 is
	// used up (next[0] = 0: not known).
	next    [2]int
	buckets [65][]event
	// spare are the arrays of emptied buckets, for buckets that outgrow
	// theirs: the buckets fill and empty in turn, and each keeping the
	// array of its largest size would take several times the events held.
	spare [][]event
}

// bucketOf is the bucket of an event due at at.
func (r *radixHeap) bucketOf(at int64) int { return bits.Len64(uint64(at ^ r.last)) }

// reset empties the heap for events due no earlier than last; the buckets
// keep their arrays.
func (r *radixHeap) reset(last int64) {
	for b := range r.buckets {
		r.buckets[b] = r.buckets[b][:0]
	}
	r.last, r.n, r.first, r.next = last, 0, 0, [2]int{}
}

// push adds e, due no earlier than the last event taken out of the queue.
func (r *radixHeap) push(e event) {
	if e.at < r.last {
		panic(fmt.Sprintf("sim: event %d scheduled in the past (%d < %d)", e.kind(), e.at, r.last))
	}
	r.n++
	if z := r.buckets[0]; r.first < len(z) && e.at <= z[len(z)-1].at {
		r.insert(e) // due within the run
		return
	}
	b := r.bucketOf(e.at)
	if b > 0 {
		r.add(b, e)
		// Every event of a lower bucket is due earlier, so an event
		// pushed below the next one's bucket is the next.
		if nb := r.next[0]; nb != 0 && (b < nb || (b == nb && before(&e, &r.buckets[nb][r.next[1]]))) {
			r.next = [2]int{b, len(r.buckets[b]) - 1}
		}
		return
	}
	r.insert(e)
}

// insert puts e into the run, in order.
func (r *radixHeap) insert(e event) {
	z := append(r.buckets[0], e)
	i := len(z) - 1
	for i > r.first && before(&e, &z[i-1]) {
		z[i] = z[i-1]
		i--
	}
	z[i] = e
	r.buckets[0] = z
}

// min returns the earliest event (by time, then schedule order), nil if
// there is none.
func (r *radixHeap) min() *event {
	if r.first < len(r.buckets[0]) {
		return &r.buckets[0][r.first]
	}
	if r.n == 0 {
		return nil
	}
	if r.next[0] == 0 {
		b := 1
		for len(r.buckets[b]) == 0 {
			b++
		}
		m := 0
		for i := 1; i < len(r.buckets[b]); i++ {
			if before(&r.buckets[b][i], &r.buckets[b][m]) {
				m = i
			}
		}
		r.next = [2]int{b, m}
	}
	return &r.buckets[r.next[0]][r.next[1]]
}

// pop removes and returns the earliest event, which must be the queue's
// next.
func (r *radixHeap) pop() event {
	if r.first == len(r.buckets[0]) {
		r.refill()
	}
	e := r.buckets[0][r.first]
	r.first++
	r.n--
	return e
}

// runMax is the most events a bucket may hold to become the run at once.
const runMax = 64

// refill makes the run of the next event's bucket: that bucket sorted if
// it is small, else its events due at its earliest time, the new last, its
// others spread over the lower buckets.
func (r *radixHeap) refill() {
	r.min()
	b := r.next[0]
	from := r.buckets[b]
	r.last = from[r.next[1]].at
	z := r.buckets[0][:0]
	r.buckets[0] = nil
	if len(from) <= runMax {
		z = append(z, from...)
		slices.SortFunc(z, func(a, b event) int { return lessBit(&b, &a) - lessBit(&a, &b) })
		r.buckets[b] = from[:0]
		r.buckets[0], r.first, r.next = z, 0, [2]int{}
		return
	}
	for _, e := range from {
		if to := r.bucketOf(e.at); to > 0 {
			r.add(to, e)
		} else {
			z = append(z, e)
		}
	}
	r.buckets[b] = nil
	r.spare = append(r.spare, from[:0])
	if len(z) > 1 {
		slices.SortFunc(z, func(a, b event) int { return lessBit(&b, &a) - lessBit(&a, &b) })
	}
	r.buckets[0], r.first, r.next = z, 0, [2]int{}
}

// add appends e to bucket b. A full bucket moves to the smallest spare
// array of at least twice its size, or to a new one, and leaves its own
// array spare.
func (r *radixHeap) add(b int, e event) {
	z := r.buckets[b]
	if len(z) == cap(z) {
		want, best := max(16, 2*len(z)), -1
		for i, a := range r.spare {
			if cap(a) >= want && (best < 0 || cap(a) < cap(r.spare[best])) {
				best = i
			}
		}
		var nz []event
		if best >= 0 {
			nz = r.spare[best]
			r.spare[best] = r.spare[len(r.spare)-1]
			r.spare = r.spare[:len(r.spare)-1]
		} else {
			nz = make([]event, 0, want)
		}
		nz = append(nz, z...)
		if cap(z) > 0 {
			r.spare = append(r.spare, z[:0])
		}
		z = nz
	}
	r.buckets[b] = append(z, e)
}

// drain appends every event to out, in no particular order, and empties
// the heap.
func (r *radixHeap) drain(out []event) []event {
	out = append(out, r.buckets[0][r.first:]...)
	for b := 1; b < len(r.buckets); b++ {
		out = append(out, r.buckets[b]...)
	}
	r.reset(r.last)
	return out
}

// clone returns an independent copy.
func (r *radixHeap) clone() radixHeap {
	c := *r
	for b := range r.buckets {
		c.buckets[b] = append([]event(nil), r.buckets[b]...)
	}
	c.spare = nil
	return c
}
