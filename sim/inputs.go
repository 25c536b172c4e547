package sim

// The inputs a task may read next are kept incrementally, so that choosing
// one costs O(log inputs) instead of a scan of every input channel per
// record (a keyed operator of parallelism 250 has 250 inputs). Every change
// of what nextInput looks at — the head of a channel's receiver queue, its
// arrival time, whether it is a priority barrier, whether the channel is
// blocked — goes through refreshInput, the one choke point: push and pop at
// the head, a priority barrier jumping the queue, block and unblock
// (setBlocked), a partition holding items back, a reset.

// Which of a task's input heaps holds an input.
const (
	inNone     int8 = -1
	inReady    int8 = iota - 1 // unblocked, head not a priority barrier: by (arrival, input)
	inPrioWait                 // head a priority barrier still on the wire: by (arrival, input)
	inPrio                     // head an arrived priority barrier: by input
)

// inputEntry is one input in a heap: its sort key, its index among the
// task's inputs, and its channel, so that the channel nextInput picks is
// one load away from the heap rather than two.
type inputEntry struct {
	at int64
	in int32
	ch int32
}

// inputSet is the set of a task's inputs whose head item nextInput may
// choose, in three binary min-heaps ordered by (at, input). It holds no
// pointers to channels, so it stays small and in cache.
type inputSet struct {
	heaps [3][]inputEntry
	which []int8  // per input: the heap holding it, or inNone
	pos   []int32 // per input: its position in that heap
}

func newInputSet(inputs int) inputSet {
	r := inputSet{which: make([]int8, inputs), pos: make([]int32, inputs)}
	for i := range r.which {
		r.which[i] = inNone
	}
	return r
}

// clone returns a deep copy.
func (r *inputSet) clone() inputSet {
	c := inputSet{which: append([]int8(nil), r.which...), pos: append([]int32(nil), r.pos...)}
	for i, h := range r.heaps {
		c.heaps[i] = append([]inputEntry(nil), h...)
	}
	return c
}

// top is the first entry of heap w; ok is false when it is empty.
func (r *inputSet) top(w int8) (e inputEntry, ok bool) {
	if h := r.heaps[w]; len(h) > 0 {
		return h[0], true
	}
	return inputEntry{}, false
}

// set puts input in, channel ch, into heap w with key at (w = inNone:
// into none).
func (r *inputSet) set(in, ch int32, w int8, at int64) {
	cur := r.which[in]
	if cur == w {
		if w != inNone {
			if i := int(r.pos[in]); r.heaps[w][i].at != at {
				r.heaps[w][i].at = at
				r.down(w, i)
				r.up(w, int(r.pos[in]))
			}
		}
		return
	}
	if cur != inNone {
		r.remove(cur, r.pos[in])
	}
	r.which[in] = w
	if w == inNone {
		return
	}
	h := append(r.heaps[w], inputEntry{at: at, in: in, ch: ch})
	r.heaps[w] = h
	r.up(w, len(h)-1)
}

func (r *inputSet) remove(w int8, i int32) {
	h := r.heaps[w]
	n := int32(len(h)) - 1
	if i != n {
		h[i] = h[n]
		r.pos[h[i].in] = i
	}
	r.heaps[w] = h[:n]
	if i != n {
		r.down(w, int(i))
		r.up(w, int(i))
	}
}

func less(a, b inputEntry) bool { return a.at < b.at || (a.at == b.at && a.in < b.in) }

func (r *inputSet) up(w int8, i int) {
	h := r.heaps[w]
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !less(e, h[p]) {
			break
		}
		h[i] = h[p]
		r.pos[h[i].in] = int32(i)
		i = p
	}
	h[i] = e
	r.pos[e.in] = int32(i)
}

func (r *inputSet) down(w int8, i int) {
	h := r.heaps[w]
	e := h[i]
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if l+1 < len(h) && less(h[l+1], h[l]) {
			m = l + 1
		}
		if !less(h[m], e) {
			break
		}
		h[i] = h[m]
		r.pos[h[i].in] = int32(i)
		i = m
	}
	h[i] = e
	r.pos[e.in] = int32(i)
}

// refreshInput files channel c in its receiver's input set after anything
// nextInput looks at changed: its head item, the head's arrival or
// priority, or whether c is blocked.
func (s *Sim) refreshInput(c *channel) {
	r := &s.tasks[c.to].readable
	in, ch := c.input, c.id
	if c.in().len() == 0 {
		r.set(in, ch, inNone, 0)
		return
	}
	switch h := c.in().at(0); {
	case h.priority && h.kind == itemBarrier && h.arrival <= s.now:
		r.set(in, ch, inPrio, 0)
	case h.priority && h.kind == itemBarrier:
		r.set(in, ch, inPrioWait, h.arrival)
	case c.blocked && c.passable == 0:
		r.set(in, ch, inNone, 0)
	default:
		r.set(in, ch, inReady, h.arrival)
	}
}

// setBlocked holds channel c back (alignment) or lets its receiver read
// it again. Every change of c.blocked goes through here.
func (s *Sim) setBlocked(c *channel, blocked bool) {
	if c.blocked != blocked {
		c.blocked = blocked
		if !blocked {
			c.passable = 0
		}
		s.refreshInput(c)
	}
}

// nextInput picks the channel whose head item the task takes next: a
// priority barrier first (the first input that has one), then the item
// that arrived earliest (ties by input order), skipping channels held back
// by alignment. A backpressured task takes only priority barriers: Flink
// processes priority events even when the output has no buffer.
func (s *Sim) nextInput(t *task) *channel {
	r := &t.readable
	for {
		e, ok := r.top(inPrioWait)
		if !ok || e.at > s.now {
			break
		}
		r.set(e.in, e.ch, inPrio, 0)
	}
	if e, ok := r.top(inPrio); ok {
		return &s.chans[e.ch]
	}
	if t.backpressured {
		return nil
	}
	if e, ok := r.top(inReady); ok && e.at <= s.now {
		return &s.chans[e.ch]
	}
	return nil
}
