package sim

import (
	"fmt"
	"maps"

	"github.com/ckptsim/ckptsim/topology"
)

// reference is the failure-free reference of keyed state: it feeds the
// source log, partition by partition up to a checkpoint's offsets, through
// the stateless operators into the aggregates, without time, channels or
// barriers. A completed exactly-once checkpoint without channel state must
// hold exactly this state. Only aggregates with no aggregate upstream are
// compared: the input of a downstream aggregate depends on the order in
// which its upstream saw records, which a reference without time cannot
// reproduce (the cut checker covers those).
type reference struct {
	offsets []int64
	state   [][]map[int64]int64 // by operator, by subtask index; nil if unchecked
	logs    []*sourceLog        // by partition
	srcOp   []int               // operator of each partition
	outs    [][]flowEdge        // by operator: the edges it emits on, in the graph's order
	maxPar  []int               // max parallelism of each operator
	checked int                 // checkpoints compared
	bad     int                 // checkpoints that differed
	detail  string
}

// flowEdge is an edge of the logical graph as flow follows it: the
// receiving operator and how many copies of a record it receives (its
// parallelism behind a broadcast edge, else one).
type flowEdge struct {
	to, copies int
}

func (s *Sim) initReference() {
	g := s.cfg.Graph
	r := &s.ref
	r.state = make([][]map[int64]int64, len(g.Operators))
	order, _ := g.Order()
	from, to := g.EdgeEnds()
	inputs := make([][]int, len(g.Operators))
	r.outs = make([][]flowEdge, len(g.Operators))
	for i, e := range g.Edges {
		inputs[to[i]] = append(inputs[to[i]], from[i])
		copies := 1
		if e.Partitioning == topology.Broadcast {
			copies = g.Operators[to[i]].Parallelism
		}
		r.outs[from[i]] = append(r.outs[from[i]], flowEdge{to: to[i], copies: copies})
	}
	r.maxPar = make([]int, len(g.Operators))
	for op := range g.Operators {
		r.maxPar[op] = g.MaxParallelismOf(op)
	}
	tainted := make([]bool, len(g.Operators)) // has an aggregate upstream (or is one)
	for _, op := range order {
		for _, from := range inputs[op] {
			tainted[op] = tainted[op] || tainted[from]
		}
		if g.Operators[op].Kind == topology.Aggregate {
			if !tainted[op] {
				r.state[op] = make([]map[int64]int64, g.Operators[op].Parallelism)
				for i := range r.state[op] {
					r.state[op][i] = map[int64]int64{}
				}
			}
			tainted[op] = true
		}
	}
	r.logs = s.logs
	r.offsets = make([]int64, len(s.logs))
	for op := range g.Operators {
		if g.Operators[op].Kind == topology.Source {
			for range g.Operators[op].PartitionsOf() {
				r.srcOp = append(r.srcOp, op)
			}
		}
	}
}

// advance feeds partition p of the log up to offset into the reference.
func (s *Sim) advanceReference(p int, offset int64) {
	r := &s.ref
	for ; r.offsets[p] < offset; r.offsets[p]++ {
		key, value := r.logs[p].record(r.offsets[p])
		s.propagate(r.srcOp[p], key, value)
	}
}

// propagate feeds a record emitted by operator op into the reference
// state of the first-level aggregates it reaches.
func (s *Sim) propagate(op int, key, value int64) {
	s.flow(op, key, value, func(to int, key, value int64) bool {
		o := &s.cfg.Graph.Operators[to]
		if st := s.ref.state[to]; st != nil {
			m := st[topology.KeyOwner(key, s.ref.maxPar[to], o.Parallelism)]
			if o.Func == topology.Sum {
				m[key] += value
			} else {
				m[key]++
			}
		}
		return false
	})
}

// flow sends a record emitted by operator op through the logical graph
// without time or channels: maps transform it, filters may drop it,
// broadcast edges copy it to every receiver. reach is called for every
// aggregate and sink a copy reaches, and the flow goes on past an
// aggregate when reach returns true (with the record's value: what the
// aggregate emits depends on the order of its input).
func (s *Sim) flow(op int, key, value int64, reach func(op int, key, value int64) bool) {
	for _, e := range s.ref.outs[op] {
		to := e.to
		o := &s.cfg.Graph.Operators[to]
		for range e.copies {
			switch o.Kind {
			case topology.Map:
				s.flow(to, key, value*o.Multiply+o.Add, reach)
			case topology.Filter:
				if keeps(o, key, value) {
					s.flow(to, key, value, reach)
				}
			case topology.Aggregate:
				if reach(to, key, value) {
					s.flow(to, key, value, reach)
				}
			case topology.Sink:
				reach(to, key, value)
			}
		}
	}
}

// checkReference compares the keyed state of a completed checkpoint with
// the reference at the checkpoint's source offsets.
func (s *Sim) checkReference(cs *CheckpointStats) {
	if s.cfg.Checkpoint.Mode == AtLeastOnce || cs.PersistedRecords > 0 {
		return
	}
	r := &s.ref
	for p, off := range cs.Offsets {
		if off < 0 { // the source had finished: its whole log
			off = r.logs[p].spec.Records
		}
		if off < r.offsets[p] {
			return // the reference cannot go back; only forward cuts are compared
		}
		s.advanceReference(p, off)
	}
	r.checked++
	for i := range s.tasks {
		t := &s.tasks[i]
		st := r.state[t.opIdx]
		if st == nil {
			continue
		}
		want := st[s.eg.Subtasks[i].Index]
		got := cs.states[i]
		if !maps.Equal(want, got) {
			r.bad++
			if r.detail == "" {
				r.detail = fmt.Sprintf("checkpoint %d, %s: snapshot holds %d keys, the reference at its offsets %d keys%s",
					cs.ID, s.eg.Subtasks[i].Name, len(got), len(want), firstDiff(want, got))
			}
			return
		}
	}
}

// firstDiff describes the smallest key on which two states differ.
func firstDiff(want, got map[int64]int64) string {
	var key int64
	found := false
	for k, v := range want {
		if gv, ok := got[k]; (!ok || gv != v) && (!found || k < key) {
			key, found = k, true
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && (!found || k < key) {
			key, found = k, true
		}
	}
	if !found {
		return ""
	}
	return fmt.Sprintf(" (key %d: snapshot %d, reference %d)", key, got[key], want[key])
}
