package tokens

import (
	"container/heap"
	"math/rand/v2"
)

// ckptsimNet is ckptsim's own deterministic network for the token
// workload: every link is a FIFO channel whose messages take 1 to maxDelay
// ticks, drawn from one seeded PCG source (a message never arrives before
// the one sent ahead of it on its link), and at every tick each message
// due is delivered, in the order of (due tick, send).
type ckptsimNet struct {
	rnd      *rand.Rand
	maxDelay int64
	seq      int64
	heads    headHeap // the head message of every non-empty link
}

func newCkptsimNet(seed uint64, maxDelay int64) *ckptsimNet {
	if maxDelay <= 0 {
		maxDelay = 5
	}
	return &ckptsimNet{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), maxDelay: maxDelay}
}

func (n *ckptsimNet) send(r *run, l int, m message) {
	lk := &r.links[l]
	m.due = max(r.now+1+n.rnd.Int64N(n.maxDelay), lk.lastDue)
	m.seq = n.seq
	n.seq++
	lk.lastDue = m.due
	lk.queue = append(lk.queue, m)
	if len(lk.queue) == 1 {
		heap.Push(&n.heads, head{due: m.due, seq: m.seq, link: l})
	}
}

func (n *ckptsimNet) tick(r *run) {
	for len(n.heads) > 0 && n.heads[0].due <= r.now {
		l := heap.Pop(&n.heads).(head).link
		r.deliver(l)
		if q := r.links[l].queue; len(q) > 0 {
			heap.Push(&n.heads, head{due: q[0].due, seq: q[0].seq, link: l})
		}
	}
}

// head is a link's head message in the heap.
type head struct {
	due, seq int64
	link     int
}

// headHeap orders the heads by (due, seq).
type headHeap []head

func (h headHeap) Len() int { return len(h) }
func (h headHeap) Less(i, j int) bool {
	return h[i].due < h[j].due || (h[i].due == h[j].due && h[i].seq < h[j].seq)
}
func (h headHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push implements heap.Interface.
func (h *headHeap) Push(x any) { *h = append(*h, x.(head)) }

// Pop implements heap.Interface.
func (h *headHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
