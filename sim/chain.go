package sim

import (
	"fmt"

	"github.com/ckptsim/ckptsim/topology"
)

// link is one operator of a task's chain, an entry of Flink's
// OperatorChain: a record it emits goes to its network gates first, then
// to its chained operators by a method call (OperatorChain's
// createOutputCollector puts the RecordWriterOutputs before the chained
// outputs), all within the processing of the one record the task took.
type link struct {
	op    *topology.Operator
	opIdx int
	cost  int64 // processing cost of one record in this subtask
	// whole is the cost of a record entering the chain here, when no
	// filter it could reach can drop it (it does not depend on the
	// record), else -1 (chainCost).
	whole int64
	next  []int32 // chain positions of the operators chained to its output
	gates []int32 // the task's output gates it writes, indexes in task.outputs
	sizes recordSizer
}

// chainLayout is what every subtask of a vertex shares about its chain,
// computed once per run: each operator's position in its chain and the
// operators chained to its output.
type chainLayout struct {
	pos   []int32 // by operator
	next  [][]int32
	sizes []recordSizer // by operator
}

// newChainLayout is the chain layout of eg in a run of seed.
func newChainLayout(eg *topology.ExecutionGraph, seed uint64) chainLayout {
	g := eg.Graph
	cl := chainLayout{pos: make([]int32, len(g.Operators)), next: make([][]int32, len(g.Operators)), sizes: make([]recordSizer, len(g.Operators))}
	for i := range g.Operators {
		cl.sizes[i] = newRecordSizer(&g.Operators[i], i, seed)
	}
	for _, v := range eg.Vertices {
		for i, op := range v.Operators {
			cl.pos[op] = int32(i)
		}
	}
	from, to := g.EdgeEnds()
	for e, chained := range eg.Chained {
		if chained {
			cl.next[from[e]] = append(cl.next[from[e]], cl.pos[to[e]])
		}
	}
	return cl
}

// chain builds the chain of subtask st: its operators in chain order,
// their costs at the subtask's index, and which chained operator writes
// which of the task's output gates.
func (cl *chainLayout) chain(eg *topology.ExecutionGraph, st *topology.Subtask) []link {
	ops := eg.Chain(st.ID)
	chain := make([]link, len(ops))
	for i, op := range ops {
		o := &eg.Graph.Operators[op]
		chain[i] = link{op: o, opIdx: op, cost: int64(o.CostOf(st.Index)), next: cl.next[op], sizes: cl.sizes[op]}
	}
	for g, out := range st.Outputs {
		i := cl.pos[out.From]
		chain[i].gates = append(chain[i].gates, int32(g))
	}
	for i := range chain {
		chain[i].whole = wholeCost(chain, int32(i))
	}
	return chain
}

// wholeCost is the cost of a record entering chain at position i if no
// filter on its way can drop it, else -1: the sum of the costs of the
// operators it reaches, which a sink ends (it emits nothing).
func wholeCost(chain []link, i int32) int64 {
	l := &chain[i]
	if l.op.Kind == topology.Filter {
		return -1
	}
	cost := l.cost
	if l.op.Kind == topology.Sink {
		return cost
	}
	for _, j := range l.next {
		c := wholeCost(chain, j)
		if c < 0 {
			return -1
		}
		cost += c
	}
	return cost
}

// chainCost is the processing cost of record it entering the chain at
// position i: the sum of the costs of the operators it reaches (a filter
// that drops it spares the operators after it; without a filter on its
// way, the sum is the link's whole cost). Nothing changes: the
// operators apply it when its processing ends.
func (t *task) chainCost(i int32, it *item) int64 {
	l := &t.chain[i]
	if l.whole >= 0 {
		return l.whole // what the operators make of it does not matter
	}
	cost := l.cost
	if len(l.next) == 0 {
		return cost
	}
	if out, ok := t.transform(l, it); ok {
		for _, j := range l.next {
			cost += t.chainCost(j, &out)
		}
	}
	return cost
}

// transform is what operator l makes of record it, without side effects:
// the record it emits, ok false when it emits none.
func (t *task) transform(l *link, it *item) (out item, ok bool) {
	out = item{kind: itemRecord, key: it.key, value: it.value, bytes: it.bytes, part: it.part, off: it.off}
	if l.op.OutputBytes > 0 || l.sizes.sizes != nil {
		out.bytes = l.sizes.size(l.op.OutputBytes, it.part, it.off)
	}
	switch l.op.Kind {
	case topology.Map:
		out.value = it.value*l.op.Multiply + l.op.Add
	case topology.Filter:
		return out, keeps(l.op, it.key, it.value)
	case topology.Aggregate:
		if l.op.Func == topology.Sum {
			out.value = t.state.get(it.key) + it.value
		} else {
			out.value = t.state.get(it.key) + 1
		}
	case topology.Sink:
		return out, false
	}
	return out, true
}

// apply runs record it through the chain from position i: the operator
// applies it (an aggregate updates its keyed state, a sink writes), then
// what it emits goes to its gates and to its chained operators, depth
// first. A sink emits nothing, so what it would emit is not made.
func (s *Sim) apply(t *task, i int32, it *item) {
	l := &t.chain[i]
	if l.op.Kind == topology.Sink {
		t.sunk++
		s.write(t, l.opIdx, it)
		return
	}
	out, ok := t.transform(l, it)
	if l.op.Kind == topology.Aggregate {
		t.state.set(it.key, out.value)
		s.stateWritten(t, it.key)
	}
	if !ok {
		return
	}
	if len(l.gates) > 0 {
		s.emit(t, l, &out)
	}
	for _, j := range l.next {
		s.apply(t, j, &out)
	}
}

// emit routes a record operator l emits to the output channels of its
// gates.
func (s *Sim) emit(t *task, l *link, it *item) {
	for _, g := range l.gates {
		gt := &t.outputs[g]
		if gt.broadcast() {
			for _, c := range gt.chans {
				s.send(&s.chans[c], *it)
			}
			continue
		}
		s.send(&s.chans[gt.pick(it.key)], *it)
		if gt.part == topology.Rebalance {
			if gt.rr++; gt.rr == len(gt.chans) {
				gt.rr = 0
			}
		}
	}
	t.emitted++
	if s.cfg.Script != nil && t.id == s.scriptTask {
		s.script = append(s.script, fmt.Sprintf("emitted r%d", it.value))
	}
}

// hasSink reports whether the task runs a sink operator.
func (t *task) hasSink() bool {
	for i := range t.chain {
		if t.chain[i].op.Kind == topology.Sink {
			return true
		}
	}
	return false
}

// twoPhaseCommit reports whether the task runs a two-phase commit sink.
func (t *task) twoPhaseCommit() bool {
	for i := range t.chain {
		if op := t.chain[i].op; op.Kind == topology.Sink && op.SinkMode == topology.TwoPhaseCommitSink {
			return true
		}
	}
	return false
}

// operatorStateBytes is the size of each chained operator's state now,
// by chain position: a source's offset, an aggregate's keyed state (only a
// chain's head can be an aggregate: its input is hash partitioned, which
// never chains), nothing for the stateless operators and the sinks, whose
// transactions are not counted as state.
func (t *task) operatorStateBytes() []int64 {
	b := make([]int64, len(t.chain))
	for i := range t.chain {
		switch op := t.chain[i].op; op.Kind {
		case topology.Aggregate:
			b[i] = int64(t.state.len()) * int64(op.StateBytesPerKey)
		case topology.Source:
			b[i] = splitStateBytes * int64(len(t.splits))
		}
	}
	return b
}
