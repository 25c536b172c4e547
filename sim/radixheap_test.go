package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/topology"
)

// TestRadixHeap: whatever the pushes and pops, the radix heap pops its
// events by time, then by schedule order, as a sort of everything pushed
// would: with hundreds of events spread over every bit of their times, so
// that buckets outgrow runMax and spread down, many due at once, events
// due within the run, and orders reserved before the push (lazy credits).
// A clone pops as the original, and a drain returns every event left.
func TestRadixHeap(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var r radixHeap
		var want []event // pushed, not yet popped
		var now int64
		var seq uint64
		reserved := []uint64{} // orders reserved and not yet used
		for i := range rapid.IntRange(1, 3000).Draw(rt, "ops") {
			if len(want) > 0 && rapid.IntRange(0, 2).Draw(rt, "pop") == 0 {
				first := 0
				for j := range want {
					if before(&want[j], &want[first]) {
						first = j
					}
				}
				require.Equal(rt, want[first], *r.min())
				e := r.pop()
				require.Equal(rt, want[first], e)
				now = e.at
				want = slices.Delete(want, first, first+1)
				require.Equal(rt, len(want), r.n)
				continue
			}
			var at int64
			switch rapid.IntRange(0, 3).Draw(rt, "spread") {
			case 0:
				at = now
			case 1:
				at = now + rapid.Int64Range(0, 8).Draw(rt, "near")
			case 2:
				at = now + rapid.Int64Range(0, 1<<rapid.IntRange(1, 40).Draw(rt, "bits")).Draw(rt, "far")
			default:
				at = now + 1000 + rapid.Int64Range(0, 200).Draw(rt, "jitter")
			}
			ord := seq << 8
			seq++
			if len(reserved) > 0 && rapid.Bool().Draw(rt, "reserved") {
				ord, reserved = reserved[0], reserved[1:]
			} else if rapid.IntRange(0, 9).Draw(rt, "reserve") == 0 {
				reserved = append(reserved, ord)
				continue
			}
			e := event{at: at, ord: ord, a: int32(i)}
			r.push(e)
			want = append(want, e)
		}
		c := r.clone()
		rest := c.drain(nil)
		require.ElementsMatch(rt, want, rest, "a drain returns every event")
		require.Nil(rt, c.min())
		c = r.clone()
		slices.SortFunc(want, func(a, b event) int { return lessBit(&b, &a) - lessBit(&a, &b) })
		for _, e := range want {
			require.Equal(rt, e, r.pop())
			require.Equal(rt, e, c.pop(), "a clone pops as the original")
		}
	})
}

// jitterJob is a job whose network messages, with jitter, fill the queue's
// radix heap with hundreds of events.
func jitterJob() Config {
	ch := DefaultChannelConfig()
	ch.Jitter = 500 * time.Microsecond
	ch.BufferTimeout = time.Millisecond
	return Config{
		Name: "jitter", Seed: 3,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 32, 3000, 0), agg("count", 32, 10*time.Microsecond), sink("sink", 8)},
			Edges: []topology.Edge{
				{From: "src", To: "count", Partitioning: topology.Hash},
				{From: "count", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels:   ch,
		Checkpoint: testCheckpoint(),
		Until:      300 * time.Millisecond,
	}
}

// TestRadixHeapInARun: a run whose queue holds hundreds of events in its
// radix heap (radixMin lowered) gives the same trace every time, and from any clone of it,
// taken while the heap is big, as the way a UI travels in time.
func TestRadixHeapInARun(t *testing.T) {
	defer func(n int) { radixMin = n }(radixMin)
	radixMin = 2 * runMax
	cfg := jitterJob()
	want, _, _ := runHashed(t, cfg)
	s := newSim(t, cfg)
	var clones []*Sim
	most := 0
	for s.Step() {
		most = max(most, s.q.rh.n)
		if s.Events()%3001 == 0 && s.q.radix {
			clones = append(clones, s.Clone())
		}
	}
	require.Greater(t, most, 4*runMax, "the radix heap held few events")
	require.NotEmpty(t, clones)
	for _, c := range []*Sim{clones[len(clones)/4], clones[len(clones)/2], clones[3*len(clones)/4]} {
		ref := newSim(t, cfg)
		h, sum := ref.TraceHasher()
		ref.Tracer = h
		for ref.Events() < c.Events() && ref.Step() {
		}
		c.Tracer = h
		for c.Step() {
		}
		require.Equal(t, want, sum(), "a clone taken at event %d", c.Events())
	}
}
