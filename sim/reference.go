package sim

import (
	"fmt"
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// reference is the failure-free reference of keyed state: it feeds the
// source log, partition by partition up to a checkpoint's offsets, through
// the stateless operators into the aggregates, without time, channels or
// barriers. A completed exactly-once checkpoint without channel state must
// hold exactly this state (snapshot-state). Only aggregates with no
// aggregate upstream are compared: the input of a downstream aggregate
// depends on the order in which its upstream saw records, which a
// reference without time cannot reproduce (the cut checker covers those).
// It is an observer (observer.go) of completed checkpoints and rescales,
// and the end checker (endcheck.go) reads it too.
type reference struct {
	g           *topology.Graph // the job graph as deployed (a rescale changes parallelisms)
	atLeastOnce bool            // mode AtLeastOnce: snapshots are not compared
	offsets     []int64
	state       [][]*keyedState // by operator, by subtask index; nil if unchecked
	logs        []*sourceLog    // by partition
	srcOp       []int           // operator of each partition
	outs        [][]flowEdge    // by operator: the edges it emits on, in the graph's order
	maxPar      []int           // max parallelism of each operator
	owners      []*ownerTable   // by operator: who owns a key, for the compared aggregates
	checked     int             // checkpoints compared
	bad         int             // checkpoints that differed
	detail      string
}

// flowEdge is an edge of the logical graph as flow follows it: the
// receiving operator and how many copies of a record it receives (its
// parallelism behind a broadcast edge, else one).
type flowEdge struct {
	to, copies int
}

// newReference is the reference of job graph g over the source logs by
// partition, at offset 0 of each.
func newReference(g *topology.Graph, logs []*sourceLog, atLeastOnce bool) reference {
	r := reference{g: g, atLeastOnce: atLeastOnce}
	r.state = make([][]*keyedState, len(g.Operators))
	order, _ := g.Order()
	from, to := g.EdgeEnds()
	inputs := operatorInputs(g)
	r.outs = make([][]flowEdge, len(g.Operators))
	for i, e := range g.Edges {
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
				r.state[op] = make([]*keyedState, g.Operators[op].Parallelism)
			}
			tainted[op] = true
		}
	}
	r.owners = r.ownerTables()
	for op, st := range r.state {
		for i := range st {
			st[i] = newKeyedState(r.owners[op], i)
		}
	}
	r.logs = logs
	r.offsets = make([]int64, len(logs))
	for op := range g.Operators {
		if g.Operators[op].Kind == topology.Source {
			for range g.Operators[op].PartitionsOf() {
				r.srcOp = append(r.srcOp, op)
			}
		}
	}
	return r
}

// operatorInputs lists, by operator of g, the operators its input edges
// come from, in the graph's order.
func operatorInputs(g *topology.Graph) [][]int {
	from, to := g.EdgeEnds()
	inputs := make([][]int, len(g.Operators))
	for i := range g.Edges {
		inputs[to[i]] = append(inputs[to[i]], from[i])
	}
	return inputs
}

// advance feeds partition p of the log up to offset into the reference.
func (r *reference) advance(p int, offset int64) {
	for ; r.offsets[p] < offset; r.offsets[p]++ {
		key, value := r.logs[p].record(r.offsets[p])
		r.propagate(r.srcOp[p], key, value)
	}
}

// advanceAll feeds every partition p of the log up to offsets[p] into the
// reference. A reference past one of them (a checkpoint compared earlier
// lies beyond the end: a job stopped with a savepoint after a failover
// that found no checkpoint to restore read its input again from the
// start, since Flink 1.15 does not restore a savepoint on a failover)
// starts again from offset 0.
func (r *reference) advanceAll(offsets []int64) {
	for p := range r.offsets {
		if r.offsets[p] > offsets[p] {
			r.rewind()
			break
		}
	}
	for p, off := range offsets {
		r.advance(p, off)
	}
}

// rewind puts the reference back at offset 0 of every partition, with
// empty state.
func (r *reference) rewind() {
	clear(r.offsets)
	for op, st := range r.state {
		for i := range st {
			st[i] = newKeyedState(r.owners[op], i)
		}
	}
}

// propagate feeds a record emitted by operator op into the reference
// state of the first-level aggregates it reaches.
func (r *reference) propagate(op int, key, value int64) {
	r.flow(op, key, value, func(to int, key, value int64) bool {
		o := &r.g.Operators[to]
		if st := r.state[to]; st != nil {
			inc := int64(1)
			if o.Func == topology.Sum {
				inc = value
			}
			st[r.owners[to].of(key)].add(key, inc)
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
func (r *reference) flow(op int, key, value int64, reach func(op int, key, value int64) bool) {
	for _, e := range r.outs[op] {
		to := e.to
		o := &r.g.Operators[to]
		for range e.copies {
			switch o.Kind {
			case topology.Map:
				r.flow(to, key, value*o.Multiply+o.Add, reach)
			case topology.Filter:
				if keeps(o, key, value) {
					r.flow(to, key, value, reach)
				}
			case topology.Aggregate:
				if reach(to, key, value) {
					r.flow(to, key, value, reach)
				}
			case topology.Sink:
				reach(to, key, value)
			}
		}
	}
}

// copies counts how many times a record of operator op reaches a sink in
// a failure-free run.
func (r *reference) copies(op int, key, value int64) int64 {
	var n int64
	r.flow(op, key, value, func(to int, _, _ int64) bool {
		if r.g.Operators[to].Kind == topology.Sink {
			n++
		}
		return true
	})
	return n
}

// completed compares the keyed state of completed checkpoint cs, taken
// by the subtasks of eg, with the reference at the checkpoint's source
// offsets.
func (r *reference) completed(cs *CheckpointStats, eg *topology.ExecutionGraph) {
	if r.atLeastOnce || cs.PersistedRecords > 0 {
		return
	}
	for p, off := range cs.Offsets {
		if off < 0 { // the source had finished: its whole log
			off = r.logs[p].spec.Records
		}
		if off < r.offsets[p] {
			return // the reference cannot go back; only forward cuts are compared
		}
		r.advance(p, off)
	}
	r.checked++
	for i := range eg.Subtasks {
		st := r.state[eg.Subtasks[i].Operator]
		if st == nil {
			continue
		}
		want := st[eg.Subtasks[i].Index]
		got := cs.states[i]
		if !want.equal(got) {
			r.bad++
			if r.detail == "" {
				r.detail = fmt.Sprintf("checkpoint %d, %s: snapshot holds %d keys, the reference at its offsets %d keys%s",
					cs.ID, eg.Subtasks[i].Name, len(got), want.len(), firstDiff(want.toMap(), got))
			}
			return
		}
	}
}

// rescaled splits the reference state anew by key group, for job graph g.
func (r *reference) rescaled(g *topology.Graph) {
	r.g = g
	r.owners = r.ownerTables()
	for op, subs := range r.state {
		if subs == nil {
			continue
		}
		old := make([]map[int64]int64, len(subs))
		for i, ks := range subs {
			old[i] = ks.toMap()
		}
		r.state[op] = make([]*keyedState, g.Operators[op].Parallelism)
		for i, m := range splitByKeyGroup(old, g.MaxParallelismOf(op), g.Operators[op].Parallelism) {
			r.state[op][i] = newKeyedState(r.owners[op], i)
			r.state[op][i].load(m)
		}
	}
}

// ownerTables builds the key-owner tables of the compared aggregates of
// r's graph (a new list: clones share the old one).
func (r *reference) ownerTables() []*ownerTable {
	owners := make([]*ownerTable, len(r.g.Operators))
	for op, st := range r.state {
		if st != nil {
			t := newOwnerTable(ownerKeys(r.g), r.maxPar[op], r.g.Operators[op].Parallelism)
			owners[op] = &t
		}
	}
	return owners
}

// report appends the invariant snapshot-state (none in mode AtLeastOnce).
func (r *reference) report(_ *runView, res *Result) {
	if r.atLeastOnce {
		return
	}
	d := fmt.Sprintf("keyed state of %d checkpoint(s) equals the failure-free reference at their source offsets", r.checked)
	if r.bad > 0 {
		d = fmt.Sprintf("%d of %d checkpoint(s) differ from the reference: %s", r.bad, r.checked, r.detail)
	}
	res.Invariants = append(res.Invariants, Invariant{Name: "snapshot-state", OK: r.bad == 0, Detail: d})
}

// clone returns a deep copy; the graph and the logs are never changed.
func (r *reference) clone() reference {
	x := *r
	x.offsets = slices.Clone(r.offsets)
	x.state = slices.Clone(r.state)
	for op, subs := range x.state {
		if subs == nil {
			continue
		}
		x.state[op] = slices.Clone(subs)
		for i, ks := range subs {
			x.state[op][i] = ks.clone()
		}
	}
	return x
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
