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
// engine events per second of wall time and per source record.
func BenchmarkEngine(b *testing.B) {
	cfg := benchJob()
	var events, records int64
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		r := s.Run()
		events += r.Events
		records += r.Summary.RecordsIn
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(events)/float64(records), "events/record")
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

// boxedHeap is the engine's event on container/heap, which boxes every
// event pushed and popped in an interface.
type boxedHeap []event

func (h boxedHeap) Len() int           { return len(h) }
func (h boxedHeap) Less(i, j int) bool { return plainBefore(&h[i], &h[j]) }
func (h boxedHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *boxedHeap) Push(x any)        { *h = append(*h, x.(event)) }
func (h *boxedHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// plainBefore is the textbook order of events: by time, then by schedule
// order.
func plainBefore(a, b *event) bool {
	return a.at < b.at || (a.at == b.at && a.ord < b.ord)
}

// plainHeap is the baseline of the engine's queue: the engine's event in a
// plain typed binary min-heap (no container/heap, no boxing), sifting a
// hole rather than swapping.
type plainHeap struct {
	items []event
	seq   uint64
}

func (h *plainHeap) push(e event) {
	e.ord = h.seq<<8 | e.ord&0xff
	h.seq++
	h.items = append(h.items, e)
	items := h.items
	i := len(items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !plainBefore(&e, &items[p]) {
			break
		}
		items[i] = items[p]
		i = p
	}
	items[i] = e
}

func (h *plainHeap) pop() event {
	items := h.items
	top := items[0]
	n := len(items) - 1
	last := items[n]
	items = items[:n]
	h.items = items
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && plainBefore(&items[r], &items[l]) {
			m = r
		}
		if !plainBefore(&items[m], &last) {
			break
		}
		items[i] = items[m]
		i = m
	}
	if n > 0 {
		items[i] = last
	}
	return top
}

// delays is a xorshift generator of event delays in [0, 2^20 ns), about a
// millisecond: the hold model's work besides the queue, a few
// instructions.
type delays uint64

func (d *delays) next() int64 {
	x := uint64(*d)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*d = delays(x)
	return int64(x & (1<<20 - 1))
}

// BenchmarkHeapLimit is the bare cost of a discrete-event loop on
// container/heap at the engine's typical queue length: each op pops the
// earliest event and schedules one new event a little later (the "hold"
// model), with no simulation work at all. Its ops/s is the ceiling of an
// engine built on container/heap; compare BenchmarkEngine's events/s with
// it (the engine's own queue keeps events as values, without container/heap's
// interface boxing, so it may even exceed it).
func BenchmarkHeapLimit(b *testing.B) {
	size := meanQueueLen(b)
	h := make(boxedHeap, 0, size+1)
	var seq uint64
	d := delays(0x9e3779b97f4a7c15)
	for range size {
		heap.Push(&h, event{at: d.next(), ord: seq << 8})
		seq++
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e := heap.Pop(&h).(event)
		e.at += d.next()
		e.ord = seq<<8 | e.ord&0xff
		heap.Push(&h, e)
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
// typical job and two bare loops at the engine's mean queue length: the
// hold model (pop the earliest event, schedule it again a little later,
// no simulation work) on the engine's queue and on a plain typed binary
// heap of the same events (plainHeap). It reports the nanoseconds per
// event of each and the engine's ratio to the plain heap: the engine's
// overhead over a bare event loop (setup not timed).
func BenchmarkEngineVsHeap(b *testing.B) {
	cfg := benchJob()
	size := meanQueueLen(b)
	d := delays(0x9e3779b97f4a7c15)
	var q queue
	var h plainHeap
	for range size {
		at := d.next()
		q.push(at, evArrive, 0, 0, 0)
		h.push(event{at: at, ord: uint64(evArrive)})
	}
	var engine, own, plain time.Duration
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
		for range n {
			e := q.pop()
			q.push(e.at+d.next(), e.kind(), e.a, e.b, e.gen)
		}
		own += time.Since(start)
		start = time.Now()
		for range n {
			e := h.pop()
			e.at += d.next()
			h.push(e)
		}
		plain += time.Since(start)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(events) }
	b.ReportMetric(1e3/per(engine), "M-events/s")
	b.ReportMetric(per(engine), "ns/event")
	b.ReportMetric(per(own), "queue-ns/op")
	b.ReportMetric(per(plain), "heap-ns/op")
	b.ReportMetric(per(engine)/per(plain), "ratio")
}
