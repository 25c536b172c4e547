package sim

import (
	"container/heap"
	"testing"
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// benchJob is a typical job: the pipeline with 5000 records/s per source
// partition for 2 s of virtual time.
func benchJob() Config {
	cfg := pipeline()
	cfg.Graph.Operators[0].Source.Rate = 5000
	cfg.Until = 2 * time.Second
	return cfg
}

// BenchmarkEngine runs the typical job without a tracer and reports
// engine events per second of wall time.
func BenchmarkEngine(b *testing.B) {
	cfg := benchJob()
	var events int64
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		events += s.Run().Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
}

// BenchmarkEngineTraced runs the same job hashing the JSONL form of every
// trace event, as determinism checks do.
func BenchmarkEngineTraced(b *testing.B) {
	cfg := benchJob()
	var events, traced int64
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		h, sum := s.TraceHasher()
		s.Tracer = func(ev TraceEvent) { traced++; h(ev) }
		events += s.Run().Events
		_ = sum()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(traced)/b.Elapsed().Seconds(), "trace-events/s")
}

// meanQueueLen runs the typical job and returns the mean length of the
// engine's event queue over all events.
func meanQueueLen(tb testing.TB) int {
	s := newSim(tb, benchJob())
	var sum, n int64
	for s.Step() {
		sum += int64(s.q.len())
		n++
	}
	return int(max(1, (sum+n/2)/n))
}

// heapEvent mirrors the engine's event: time and sequence number order it.
type heapEvent struct {
	at   int64
	seq  uint64
	kind uint8
	a    int32
	b    int64
}

type eventHeap []heapEvent

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(heapEvent)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BenchmarkHeapLimit is the bare cost of a discrete-event loop on
// container/heap at the engine's typical queue length: each op pops the
// earliest event and schedules one new event a little later (the "hold"
// model), with no simulation work at all. Its ops/s is the ceiling of an
// engine built on container/heap; compare BenchmarkEngine's events/s with
// it (the engine's own heap keeps events as values, without container/heap's
// interface boxing, so it may even exceed it).
func BenchmarkHeapLimit(b *testing.B) {
	size := meanQueueLen(b)
	h := make(eventHeap, 0, size+1)
	var seq uint64
	rnd := uint64(0x9e3779b97f4a7c15)
	next := func() int64 { // xorshift: a delay in [0, 1ms)
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int64(rnd % uint64(time.Millisecond))
	}
	for range size {
		heap.Push(&h, heapEvent{at: next(), seq: seq})
		seq++
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e := heap.Pop(&h).(heapEvent)
		heap.Push(&h, heapEvent{at: e.at + next(), seq: seq, kind: e.kind, a: e.a, b: e.b})
		seq++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(size), "queue-len")
}

// TestMeanQueueLen keeps the heap benchmark honest: the engine's queue on
// the typical job is small and non-empty.
func TestMeanQueueLen(t *testing.T) {
	n := meanQueueLen(t)
	if n < 2 || n > 10_000 {
		t.Fatalf("mean queue length %d", n)
	}
}

// fanJob is source(1) -rebalance-> map(n) -rebalance-> sink(1): the
// source has n outputs and the sink n inputs, while the records, the
// events and the engine's queue stay the same whatever n.
func fanJob(n int) Config {
	return Config{
		Name: "fan",
		Seed: 7,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 1, 50_000, 0), {Name: "map", Kind: topology.Map, Parallelism: n, Multiply: 1}, sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "src", To: "map", Partitioning: topology.Rebalance},
				{From: "map", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels:   DefaultChannelConfig(),
		Checkpoint: DefaultCheckpointConfig(),
		Until:      time.Second,
	}
}

// BenchmarkFanIn shows that the engine's work per event does not grow with
// a task's number of inputs or outputs: each iteration runs the fan job
// with 1 and with 1000 map subtasks (setup not timed) and reports the
// nanoseconds per event of both and their ratio, which should stay near 1.
func BenchmarkFanIn(b *testing.B) {
	widths := []int{1, 1000}
	cfgs := make([]Config, len(widths))
	for i, n := range widths {
		cfgs[i] = fanJob(n)
	}
	var ns [2]time.Duration
	var events [2]int64
	for b.Loop() {
		for i, cfg := range cfgs {
			b.StopTimer()
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			events[i] += s.Run().Events
			ns[i] += time.Since(start)
		}
	}
	per := func(i int) float64 { return float64(ns[i].Nanoseconds()) / float64(events[i]) }
	b.ReportMetric(per(0), "ns/event@1")
	b.ReportMetric(per(1), "ns/event@1000")
	b.ReportMetric(per(1)/per(0), "ratio")
}

// BenchmarkEngineVsHeap measures, in the same run, the engine on the
// typical job and a bare loop on the engine's own typed heap (queue) at
// the engine's mean queue length: each op pops the earliest event and
// schedules one a little later, with no simulation work. It reports the
// nanoseconds per event of both and their ratio, the engine's overhead
// over its event queue (setup not timed).
func BenchmarkEngineVsHeap(b *testing.B) {
	cfg := benchJob()
	size := meanQueueLen(b)
	var q queue
	rnd := uint64(0x9e3779b97f4a7c15)
	next := func() int64 { // xorshift: a delay in [0, 1ms)
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int64(rnd % uint64(time.Millisecond))
	}
	for range size {
		q.push(event{at: next()})
	}
	var engine, bare time.Duration
	var events int64
	for b.Loop() {
		b.StopTimer()
		s, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		n := s.Run().Events
		engine += time.Since(start)
		events += n
		start = time.Now()
		hold(&q, n, next)
		bare += time.Since(start)
	}
	perEngine := float64(engine.Nanoseconds()) / float64(events)
	perHeap := float64(bare.Nanoseconds()) / float64(events)
	b.ReportMetric(1e3/perEngine, "M-events/s")
	b.ReportMetric(perEngine, "ns/event")
	b.ReportMetric(perHeap, "heap-ns/op")
	b.ReportMetric(perEngine/perHeap, "ratio")
}

// hold runs n steps of the hold model on q: pop the earliest event,
// schedule it again a little later.
func hold(q *queue, n int64, next func() int64) {
	for range n {
		e := q.pop()
		e.at += next()
		q.push(e)
	}
}
