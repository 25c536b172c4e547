package sim

import (
	"fmt"
	"maps"
	"time"

	"testing"

	"github.com/ckptsim/ckptsim/topology"
	"pgregory.net/rapid"
)

// propMode is a checkpointing mode of the property tests; unaligned with an
// aligned checkpoint timeout is its own mode here.
type propMode struct {
	name    string
	mode    Mode
	timeout bool
}

var propModes = []propMode{
	{"aligned", Aligned, false},
	{"unaligned", Unaligned, false},
	{"unaligned+timeout", Unaligned, true},
	{"at-least-once", AtLeastOnce, false},
}

func ms(t *rapid.T, lo, hi int, label string) time.Duration {
	return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Millisecond
}

func us(t *rapid.T, lo, hi int, label string) time.Duration {
	return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Microsecond
}

// drawEdge picks a valid partitioning from an operator of parallelism pf to
// a non-aggregate of parallelism pt.
func drawEdge(t *rapid.T, pf, pt int, label string) topology.Partitioning {
	opts := []topology.Partitioning{topology.Rebalance, topology.Hash, topology.Broadcast}
	if pf == pt {
		opts = append(opts, topology.Forward)
	}
	return rapid.SampledFrom(opts).Draw(t, label)
}

// genGraph draws a small job: one or two sources, an optional map or
// filter, an aggregate fed by hash and a sink, with random parallelism,
// partitionings and costs, and possibly one slow subtask.
func genGraph(t *rapid.T, records int64) *topology.Graph {
	g := &topology.Graph{}
	nSrc := rapid.IntRange(1, 2).Draw(t, "sources")
	for i := range nSrc {
		name := fmt.Sprintf("s%d", i)
		op := src(name, rapid.IntRange(1, 3).Draw(t, name+".p"), float64(rapid.SampledFrom([]int{100, 300, 1000, 2000}).Draw(t, name+".rate")), records)
		op.Source.Keys = rapid.IntRange(1, 40).Draw(t, name+".keys")
		if rapid.Bool().Draw(t, name+".zipf") {
			op.Source.Distribution, op.Source.ZipfS = topology.Zipf, 1.1
		}
		op.Cost = us(t, 0, 100, name+".cost")
		g.Operators = append(g.Operators, op)
	}
	aggregate := agg("agg", rapid.IntRange(1, 3).Draw(t, "agg.p"), us(t, 0, 400, "agg.cost"))
	if rapid.Bool().Draw(t, "agg.sum") {
		aggregate.Func = topology.Sum
	}
	mid := rapid.SampledFrom([]string{"", "map", "filter"}).Draw(t, "mid")
	if mid != "" {
		op := topology.Operator{Name: "mid", Kind: topology.Kind(mid), Parallelism: rapid.IntRange(1, 3).Draw(t, "mid.p"), Cost: us(t, 0, 200, "mid.cost")}
		if mid == "map" {
			op.Multiply, op.Add = 2, 1
		} else {
			op.KeepPercent = rapid.IntRange(0, 100).Draw(t, "mid.keep")
		}
		g.Operators = append(g.Operators, op)
	}
	g.Operators = append(g.Operators, aggregate, sink("sink", rapid.IntRange(1, 3).Draw(t, "sink.p")))
	midP := 0
	if mid != "" {
		midP = g.Operators[nSrc].Parallelism
	}
	for i := range nSrc {
		s := &g.Operators[i]
		if mid != "" && (i == 0 || rapid.Bool().Draw(t, s.Name+".viaMid")) {
			g.Edges = append(g.Edges, topology.Edge{From: s.Name, To: "mid", Partitioning: drawEdge(t, s.Parallelism, midP, s.Name+".edge")})
		} else {
			g.Edges = append(g.Edges, topology.Edge{From: s.Name, To: "agg", Partitioning: topology.Hash})
		}
	}
	if mid != "" {
		g.Edges = append(g.Edges, topology.Edge{From: "mid", To: "agg", Partitioning: topology.Hash})
	}
	sinkP := g.Operators[len(g.Operators)-1].Parallelism
	g.Edges = append(g.Edges, topology.Edge{From: "agg", To: "sink", Partitioning: drawEdge(t, aggregate.Parallelism, sinkP, "sink.edge")})
	if rapid.Bool().Draw(t, "slow") {
		op := &g.Operators[rapid.IntRange(0, len(g.Operators)-1).Draw(t, "slow.op")]
		op.SubtaskCost = map[int]time.Duration{rapid.IntRange(0, op.Parallelism-1).Draw(t, "slow.idx"): us(t, 500, 3000, "slow.cost")}
	}
	return g
}

// genConfig draws a whole run: graph, channels and checkpointing.
func genConfig(t *rapid.T, pm propMode, bounded bool) Config {
	var records int64
	until := ms(t, 1000, 3000, "until")
	if bounded {
		records = int64(rapid.IntRange(1, 1500).Draw(t, "records"))
		until = 0
	}
	cfg := Config{
		Name:  "property",
		Seed:  rapid.Uint64().Draw(t, "seed"),
		Graph: genGraph(t, records),
		Channels: ChannelConfig{
			Latency:                us(t, 0, 2000, "latency"),
			SegmentSize:            rapid.IntRange(SegmentSizeMin, 4096).Draw(t, "segment size"),
			BuffersPerChannel:      rapid.IntRange(1, 4).Draw(t, "exclusive"),
			FloatingBuffersPerGate: rapid.IntRange(0, 8).Draw(t, "floating"),
			MaxBuffersPerChannel:   rapid.IntRange(2, 10).Draw(t, "max buffers"),
			BufferTimeout:          rapid.SampledFrom([]time.Duration{NoBufferTimeout, 0, time.Millisecond, 10 * time.Millisecond}).Draw(t, "buffer timeout"),
		},
		Checkpoint: CheckpointConfig{
			Interval:         ms(t, 10, 300, "interval"),
			Mode:             pm.mode,
			MaxConcurrent:    rapid.IntRange(1, 3).Draw(t, "maxConcurrent"),
			Timeout:          ms(t, 20, 2000, "timeout"),
			NumRetained:      rapid.IntRange(1, 3).Draw(t, "retained"),
			History:          rapid.IntRange(1, 12).Draw(t, "history"),
			SyncDuration:     us(t, 0, 2000, "sync"),
			AsyncBase:        ms(t, 0, 30, "async"),
			StorageBandwidth: int64(rapid.IntRange(1, 100).Draw(t, "bandwidthMB")) << 20,
		},
		// Checkpoint failures are tolerated: these properties are about
		// checkpoints, not failovers.
		Recovery:  RecoveryConfig{TolerableFailures: -1},
		Until:     until,
		MaxEvents: 5_000_000,
	}
	if rapid.Bool().Draw(t, "jitter?") {
		cfg.Channels.Jitter = us(t, 1, 1000, "jitter")
	}
	if rapid.Bool().Draw(t, "minPause?") {
		cfg.Checkpoint.MinPause = ms(t, 1, 50, "minPause")
	}
	if pm.timeout {
		cfg.Checkpoint.AlignedCheckpointTimeout = ms(t, 1, 30, "alignedTimeout")
	}
	if pm.mode == Unaligned {
		cfg.Checkpoint.MaxConcurrent = 1 // Flink refuses more
	}
	return cfg
}

// checkInvariants fails unless every invariant of the mode holds.
func checkInvariants(t *rapid.T, pm propMode, r *Result) {
	want := []string{"consistent-snapshot", "snapshot-state"}
	if pm.mode == AtLeastOnce {
		want = []string{"at-least-once-snapshot"}
	}
	if r.Job == JobFinished {
		// A drained run is also checked end to end.
		if pm.mode != AtLeastOnce {
			want = append(want, "exactly-once-state")
		}
		want = append(want, "no-loss", "end-to-end")
	}
	if len(r.Invariants) != len(want) {
		t.Fatalf("invariants %+v, want %v", r.Invariants, want)
	}
	for i, inv := range r.Invariants {
		if inv.Name != want[i] {
			t.Fatalf("invariant %d is %q, want %q", i, inv.Name, want[i])
		}
		if !inv.OK {
			t.Fatalf("invariant %s violated: %s\nsummary: %+v", inv.Name, inv.Detail, r.Summary)
		}
	}
}

// TestPropertyInvariants: on random jobs and settings, every completed
// checkpoint of an exactly-once mode is a consistent cut whose keyed state
// equals the failure-free reference, and an at-least-once checkpoint
// misses no record.
func TestPropertyInvariants(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := genConfig(t, pm, false)
				s, err := New(cfg)
				if err != nil {
					t.Fatalf("generated an invalid config: %v", err)
				}
				r := s.Run()
				if r.Stop != EndTime {
					t.Fatalf("run stopped by %s at %v, want end time", r.Stop, time.Duration(r.VirtualEnd))
				}
				checkInvariants(t, pm, r)
			})
		})
	}
}

// TestPropertyBoundedDrains: with bounded sources and no end time, a run
// ends quiescent after the sources read exactly their records, every record
// reaches the sinks as often as the topology routes it (no loss, no
// duplicate), the final keyed state equals the whole log's, and the
// invariants hold.
func TestPropertyBoundedDrains(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := genConfig(t, pm, true)
				s, err := New(cfg)
				if err != nil {
					t.Fatalf("generated an invalid config: %v", err)
				}
				r := s.Run()
				if r.Stop == Stalled {
					return // no checkpoint completes after the end of input: Flink's job waits too
				}
				if r.Deadlock != nil {
					return // the forced-alignment deadlock: Flink's job never finishes either
				}
				if r.Stop != JobEnded || r.Job != JobFinished {
					t.Fatalf("run stopped by %s at %v with the job %s, want a finished job", r.Stop, time.Duration(r.VirtualEnd), r.Job)
				}
				var want int64
				for _, op := range cfg.Graph.Operators {
					if op.Kind == topology.Source {
						want += int64(op.Parallelism) * op.Source.Records
					}
				}
				if r.Summary.RecordsIn != want {
					t.Fatalf("sources read %d records, want %d", r.Summary.RecordsIn, want)
				}
				sinkRecs, state := drainExpectation(s)
				if r.Summary.RecordsOut != sinkRecs {
					t.Fatalf("sinks received %d records, want %d", r.Summary.RecordsOut, sinkRecs)
				}
				got := map[int64]int64{}
				aggOp := cfg.Graph.Index("agg")
				for i := range s.tasks {
					tk := &s.tasks[i]
					if tk.opIdx != aggOp {
						continue
					}
					if !tk.finished {
						t.Fatalf("%s did not finish", s.eg.Subtasks[i].Name)
					}
					for k, v := range tk.state.toMap() {
						if o := topology.KeyOwner(k, cfg.Graph.MaxParallelismOf(aggOp), tk.op.Parallelism); o != s.eg.Subtasks[i].Index {
							t.Fatalf("key %d is in %s, but belongs to subtask %d", k, s.eg.Subtasks[i].Name, o)
						}
						got[k] = v
					}
				}
				if !maps.Equal(state, got) {
					t.Fatalf("final aggregate state %v, want %v", got, state)
				}
				checkInvariants(t, pm, r)
			})
		})
	}
}

// drainExpectation computes, without the engine's time, channels or
// barriers, how many records the sinks of a fully drained run receive and
// the aggregate's final state, by pushing every record of every source
// partition through the logical graph.
func drainExpectation(s *Sim) (sinkRecords int64, state map[int64]int64) {
	g := s.cfg.Graph
	state = map[int64]int64{}
	var push func(op int, key, value int64)
	push = func(op int, key, value int64) {
		for _, e := range g.Edges {
			if e.From != g.Operators[op].Name {
				continue
			}
			to := g.Index(e.To)
			o := &g.Operators[to]
			copies := 1
			if e.Partitioning == topology.Broadcast {
				copies = o.Parallelism
			}
			for range copies {
				switch o.Kind {
				case topology.Map:
					push(to, key, value*o.Multiply+o.Add)
				case topology.Filter:
					if keeps(o, key, value) {
						push(to, key, value)
					}
				case topology.Aggregate:
					if o.Func == topology.Sum {
						state[key] += value
					} else {
						state[key]++
					}
					push(to, key, state[key])
				case topology.Sink:
					sinkRecords++
				}
			}
		}
	}
	for p, l := range s.logs {
		for off := range l.spec.Records {
			key, value := l.record(off)
			push(s.checks.ref.srcOp[p], key, value)
		}
	}
	return sinkRecords, state
}
