package sim

import (
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestQueueOrder: whatever the mix of pushes and pops, the queue pops
// events by time, then in the order they were pushed, as a plain sort
// of everything pushed would, through the FIFOs of events due now, of
// timers, of the network and the lanes of a kind (open once the heap grew
// big) as through the heap, small (a sorted list), big (a 4-ary heap) or
// radix (a radix heap, once past radixMin, lowered here),
// and events whose order was reserved before they were pushed (lazy
// credits) among them. Delays of zero and ties are frequent, as in the
// engine.
func TestQueueOrder(t *testing.T) {
	defer func(n int) { radixMin = n }(radixMin)
	radixMin = smallMax + 4                 // the rapid runs' heaps pass it
	const numKinds = evPartitionRequest + 1 // every kind, those with a lane too
	// How an event is pushed: into the heap or the FIFO of now, the
	// timers' FIFO, or the network's, each with delays of its own kind.
	lanes := []struct {
		label  string
		delays []int64
		push   func(q *queue, at int64, kind eventKind, a int32, b int64, gen uint32)
	}{
		{"delay", []int64{0, 0, 1, 2, 5, 1000}, (*queue).push}, // into a lane for some kinds
		{"timeout", []int64{0, 5, 1000, 1000, 3000}, (*queue).pushTimer},
		{"latency", []int64{0, 2, 2, 2, 7}, (*queue).pushNet},
		// A lazy credit: its order is reserved now, and it is pushed later
		// (pushReserved), here just before the next pop.
		{"reserved", []int64{1, 2, 2, 7, 1000}, nil},
	}
	rapid.Check(t, func(rt *rapid.T) {
		var q queue
		type ref struct {
			at  int64
			seq int32
		}
		var want []ref // pushed and not yet popped
		var now int64
		var pushed int32
		var reserved []event // orders reserved, not yet pushed
		for i := range rapid.IntRange(1, 1200).Draw(rt, "ops") {
			// Phases of 150 operations fill the queue (two pushes to a pop)
			// and drain it (one to two), so that the heap grows past
			// smallMax and radixMin and shrinks back.
			push := rapid.IntRange(0, 2).Draw(rt, "op") > 0
			if (i/150)%2 == 1 {
				push = !push
			}
			if len(want) == 0 || push {
				l := lanes[rapid.IntRange(0, len(lanes)-1).Draw(rt, "fifo")]
				at := now + rapid.SampledFrom(l.delays).Draw(rt, l.label)
				if kind := eventKind(i % int(numKinds)); l.push != nil {
					l.push(&q, at, kind, pushed, int64(i), uint32(i))
				} else {
					reserved = append(reserved, event{at: at, ord: q.reserve(kind), a: pushed, b: int64(i), gen: uint32(i)})
				}
				want = append(want, ref{at, pushed})
				pushed++
				continue
			}
			for _, e := range reserved {
				q.pushReserved(e)
			}
			reserved = reserved[:0]
			first := slices.IndexFunc(want, func(r ref) bool {
				for _, o := range want {
					if o.at < r.at || (o.at == r.at && o.seq < r.seq) {
						return false
					}
				}
				return true
			})
			require.Equal(rt, len(want), q.len())
			require.Equal(rt, want[first].at, q.peekTime())
			e := q.pop()
			require.Equal(rt, want[first].at, e.at)
			require.Equal(rt, want[first].seq, e.a, "ties pop in push order")
			require.Equal(rt, eventKind(e.b%int64(numKinds)), e.kind())
			require.Equal(rt, uint32(e.b), e.gen)
			now = e.at
			want = slices.Delete(want, first, first+1)
		}
		for _, e := range reserved {
			q.pushReserved(e)
		}
		c := q.clone()
		for range want {
			require.Equal(rt, q.pop(), c.pop(), "a clone pops as the original")
		}
	})
}

// TestQueueLanes: the lanes open once the heap outgrew smallMax and then
// take the events of their kinds that come in order, and only those; the
// heap keeps the rest. A small job's events stay in the sorted list.
func TestQueueLanes(t *testing.T) {
	var q queue
	q.push(5, evProcessDone, 0, 0, 0)
	require.Len(t, q.heap, 1, "lanes closed: in the heap")
	for i := range smallMax {
		q.push(int64(100+i), evExpire, 0, 0, 0)
	}
	require.True(t, q.lanes, "the heap outgrew smallMax")
	q.push(10, evProcessDone, 1, 0, 0)
	q.push(20, evProcessDone, 2, 0, 0)
	q.push(15, evProcessDone, 3, 0, 0) // before the lane's last: to the heap
	q.push(30, evSourceNext, 4, 0, 0)
	q.push(40, evFlush, 5, 0, 0)
	require.Equal(t, 2, q.fifos[fifoProcess].len())
	require.Equal(t, 1, q.fifos[fifoSource].len())
	require.Equal(t, 1, q.fifos[fifoFlush].len())
	require.Len(t, q.heap, smallMax+2)
	var order []int32
	for q.len() > 0 {
		if e := q.pop(); e.kind() != evExpire {
			order = append(order, e.a)
		}
	}
	require.Equal(t, []int32{0, 1, 3, 2, 4, 5}, order)
}

// TestItemIsACacheLine: an item fills one 64-byte cache line, and a chunk
// of the queues two (the engine's memory traffic on a big job).
func TestItemIsACacheLine(t *testing.T) {
	require.EqualValues(t, 64, unsafe.Sizeof(item{}))
	require.EqualValues(t, 128, unsafe.Sizeof(itemChunk{}))
}

// TestChannelLayout: a channel is seven cache lines, its fields grouped by
// who reads them (see channel).
func TestChannelLayout(t *testing.T) {
	var c channel
	require.EqualValues(t, 448, unsafe.Sizeof(c))
	line := func(off uintptr) uintptr { return off / 64 }
	for _, f := range []struct {
		name string
		off  uintptr
		line uintptr
	}{
		{"items.first", unsafe.Offsetof(c.items) + unsafe.Offsetof(c.items.first), 0},
		{"items.rest", unsafe.Offsetof(c.items) + unsafe.Offsetof(c.items.rest), 2},
		{"items.n", unsafe.Offsetof(c.items) + unsafe.Offsetof(c.items.n), 2}, {"outRecs", unsafe.Offsetof(c.outRecs), 2},
		{"outBufs", unsafe.Offsetof(c.outBufs), 3}, {"flushReq", unsafe.Offsetof(c.flushReq), 3},
		{"inBufs.first", unsafe.Offsetof(c.inBufs), 4}, {"inBufs.n", unsafe.Offsetof(c.inBufs) + unsafe.Offsetof(c.inBufs.n), 4},
		{"landed", unsafe.Offsetof(c.landed), 5}, {"ended", unsafe.Offsetof(c.ended), 5},
		{"id", unsafe.Offsetof(c.id), 5}, {"attempt", unsafe.Offsetof(c.attempt), 5}, {"starved", unsafe.Offsetof(c.starved), 5},
		{"lastArr", unsafe.Offsetof(c.lastArr), 6}, {"dataEnded", unsafe.Offsetof(c.dataEnded), 6},
	} {
		require.Equal(t, f.line, line(f.off), f.name)
	}
}

// TestBufQueue: a channel's queue of buffers holds what a slice would,
// whatever the mix of pushes and pops, with its first buffer in the
// queue itself, and once empty it holds no buffer and no ring.
func TestBufQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var pool ringPool[netBuf]
		var q bufQueue
		var model []int32
		next := int32(0)
		for range rapid.IntRange(0, 100).Draw(t, "ops") {
			if len(model) == 0 || rapid.Bool().Draw(t, "push") {
				next++
				q.pushBackIn(&pool, netBuf{recs: next})
				model = append(model, next)
			} else {
				require.Equal(t, model[0], q.popFrontTo(&pool).recs)
				model = model[1:]
			}
			require.Equal(t, len(model), q.len())
			for i, r := range model {
				require.Equal(t, r, q.at(i).recs, "buffer %d", i)
			}
			if len(model) > 0 {
				require.Same(t, &q.first, q.at(0), "the first buffer is not in the queue")
			} else {
				require.Zero(t, q.first, "a buffer stayed with the empty queue")
				require.Nil(t, q.rest.buf, "a ring stayed with the empty queue")
			}
		}
	})
}

// TestStack: a pool's free list pops what was pushed last first, across
// its blocks, is empty once all is popped (with every slot cleared, so
// that it holds no chunk or ring the pool handed out again), and fills
// the blocks it emptied before it makes new ones.
func TestStack(t *testing.T) {
	for _, n := range []int{0, 1, 16, 17, 48, 49, 3*stackBlock + 5} {
		var s stack[int]
		var blocks []*int // the blocks' arrays
		for round := range 2 {
			for i := range n {
				s.push(i + 1)
			}
			s.push(-1)
			x, ok := s.pop()
			require.True(t, ok)
			require.Equal(t, -1, x)
			arrays := make([]*int, len(s.blocks))
			for i, b := range s.blocks {
				arrays[i] = unsafe.SliceData(b)
			}
			if round == 0 {
				blocks = arrays
			}
			require.Equal(t, blocks, arrays, "n=%d: round %d made blocks", n, round)
			for i := n; i > 0; i-- {
				x, ok := s.pop()
				require.True(t, ok, "n=%d", n)
				require.Equal(t, i, x, "n=%d", n)
			}
			_, ok = s.pop()
			require.False(t, ok, "n=%d", n)
			for _, b := range s.blocks {
				require.Empty(t, b)
				require.Zero(t, slices.Max(append(b[:cap(b)], 0)), "n=%d: a popped slot is not cleared", n)
			}
		}
	}
}

// TestItemQueue: a channel's item queue holds what a slice would,
// whatever the mix of pushes at both ends, pops, insertions and
// removals, and once empty it holds no item and no ring: all went back
// to the pool, which the next items take them from.
func TestItemQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var pool chunkPool
		q := itemQueue{pool: &pool}
		var model []int64
		next := int64(0)
		for range rapid.IntRange(0, 200).Draw(t, "ops") {
			next++
			switch op := rapid.IntRange(0, 4).Draw(t, "op"); {
			case op == 0 || len(model) == 0 && op >= 2:
				q.pushBack(item{key: next})
				model = append(model, next)
			case op == 1:
				q.pushFront(item{key: next})
				model = slices.Insert(model, 0, next)
			case op == 2:
				require.Equal(t, model[0], q.popFront().key)
				model = model[1:]
			case op == 3:
				i := rapid.IntRange(0, len(model)).Draw(t, "at")
				q.insert(i, item{key: next})
				model = slices.Insert(model, i, next)
			default:
				i := rapid.IntRange(0, len(model)-1).Draw(t, "at")
				require.Equal(t, model[i], q.remove(i).key)
				model = slices.Delete(model, i, i+1)
			}
			require.Equal(t, len(model), q.len())
			for i, k := range model {
				require.Equal(t, k, q.at(i).key, "item %d", i)
			}
			if q.len() == 0 {
				require.Zero(t, q.first, "an item stayed with the empty queue")
				require.Nil(t, q.rest.buf, "a ring stayed with the empty queue")
			}
		}
	})
}
