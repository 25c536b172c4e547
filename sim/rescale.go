package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// A rescaling restore is a manual restore with new parallelisms (`flink
// run -s <savepoint> -p N`, or an operator's setParallelism changed
// before the resubmission). Flink's StateAssignmentOperation assigns the
// restored state to the new subtasks:
//
//   - keyed state by key group: the new subtask i of an operator owns the
//     key groups KeyGroupRangeAssignment gives it for the new parallelism
//     (computeKeyGroupRangeForOperatorIndex), with the max parallelism of
//     the restored state; a parallelism above it is refused
//     (checkParallelismPreconditions);
//   - operator (list) state, such as a two-phase commit sink's pending
//     transactions, by RoundRobinOperatorStateRepartitioner: the elements
//     of every old subtask, in order, split into contiguous, even runs;
//   - channel state of an unaligned checkpoint (rescalable since Flink
//     1.13, FLINK-17979) by re-routing each persisted record to the
//     channel its key (hash) or its old receiver index (the other
//     partitionings) selects in the new job.
//
// A source's splits (the partitions it reads, with their offsets) are its
// list state (SourceOperator's SourceReaderState, a plain list state, not
// a union one), so a source rescales like any list state: its splits move
// round robin and every partition resumes at its offset at exactly one
// subtask. An operator fed by a broadcast edge keeps its parallelism;
// Validate refuses to change it (docs/flink-semantics.md says why).

// GraphOf is the execution graph of execution exec (see
// CheckpointStats.Execution): a rescaling restore deploys a new one.
func (s *Sim) GraphOf(exec int) *topology.ExecutionGraph {
	if exec >= 0 && exec < len(s.graphs) {
		return s.graphs[exec]
	}
	return s.eg
}

// validateRescale checks the parallelisms of manual restore i against the
// job graph g: known operators, at least 1, no receiver of a broadcast
// edge.
func (r *ManualRestore) validateRescale(i int, g *topology.Graph) error {
	for _, name := range slices.Sorted(maps.Keys(r.Parallelism)) {
		op := g.Index(name)
		p := r.Parallelism[name]
		switch {
		case op < 0:
			return fmt.Errorf("restore %d: parallelism of unknown operator %q", i+1, name)
		case p < 1:
			return fmt.Errorf("restore %d: parallelism of %q must be at least 1", i+1, name)
		}
		for _, e := range g.Edges {
			if e.To == name && e.Partitioning == topology.Broadcast {
				return fmt.Errorf("restore %d: the parallelism of %q cannot change: rescaling the receiver of a broadcast edge is not modelled", i+1, name)
			}
		}
	}
	return nil
}

// rescaledGraphs are the job graphs the manual restores may deploy, in
// the order they happen, each with the parallelisms of every restore up
// to it; Validate checks them and their bounds.
func (c *Config) rescaledGraphs(g *topology.Graph) []*topology.Graph {
	order := make([]int, len(c.Restores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(c.Restores[a].At - c.Restores[b].At) })
	var out []*topology.Graph
	cur := g
	for _, i := range order {
		if len(c.Restores[i].Parallelism) > 0 {
			cur = rescaled(cur, c.Restores[i].Parallelism)
			out = append(out, cur)
		}
	}
	return out
}

// rescaled is g with new parallelisms. Every operator keeps the max
// parallelism of its state and every source its partitions: those it had
// in g, set explicitly. The subtask costs of subtasks a rescale removes
// are dropped.
func rescaled(g *topology.Graph, par map[string]int) *topology.Graph {
	n := *g
	n.Operators = slices.Clone(g.Operators)
	for i := range n.Operators {
		op := &n.Operators[i]
		op.MaxParallelism = g.MaxParallelismOf(i)
		if op.Kind == topology.Source && op.Source.Partitions == 0 {
			spec := *op.Source
			spec.Partitions = op.Parallelism
			op.Source = &spec
		}
		if p, ok := par[op.Name]; ok {
			op.Parallelism = p
			// A slow subtask the rescaled job no longer has is gone with it.
			op.SubtaskCost = maps.Clone(op.SubtaskCost)
			maps.DeleteFunc(op.SubtaskCost, func(i int, _ time.Duration) bool { return i >= p })
		}
	}
	return &n
}

// rescale deploys the job with the parallelisms of manual restore r, for
// restoring cs. It returns the state of cs assigned to the new subtasks,
// or "" and why Flink refuses the restore.
func (s *Sim) rescale(r ManualRestore, cs *CheckpointStats) (*CheckpointStats, string) {
	g := s.cfg.Graph
	if len(r.Parallelism) > 0 {
		g = rescaled(g, r.Parallelism)
		for _, name := range slices.Sorted(maps.Keys(r.Parallelism)) {
			op := g.Index(name)
			if p, mp := r.Parallelism[name], g.MaxParallelismOf(op); p > mp {
				// StateAssignmentOperation.checkParallelismPreconditions.
				return nil, fmt.Sprintf("The state for task %s can not be restored. The maximum parallelism (%d) of the restored state is lower than the configured parallelism (%d). Please reduce the parallelism of the task to be lower or equal to the maximum parallelism.", name, mp, p)
			}
		}
	}
	old := s.GraphOf(cs.Execution)
	if g != s.cfg.Graph {
		eg, err := topology.Expand(g)
		if err != nil { // after a refused restore, a combination Validate did not see
			return nil, fmt.Sprintf("the rescaled job is invalid: %v", err)
		}
		s.redeployGraph(g, eg)
	}
	if old == s.eg {
		return cs, ""
	}
	return s.reassign(cs, old), ""
}

// redeployGraph replaces the job's subtasks and channels with those of eg
// (job graph g); the job is not running. Counters carry over by subtask
// name, the reference state is split anew by key group, and faults whose
// subtask or channel is gone never strike.
func (s *Sim) redeployGraph(g *topology.Graph, eg *topology.ExecutionGraph) {
	// Counters carry over to the subtask of the same operator and index,
	// those of removed subtasks to the first; attempts start above every
	// old one, so that no event of the old deployment fires.
	type counts struct{ processed, emitted, sunk int64 }
	carried := map[[2]int]counts{}
	var attempt uint32
	for i := range s.tasks {
		t := &s.tasks[i]
		key := [2]int{t.opIdx, s.eg.Subtasks[i].Index}
		if key[1] >= len(eg.ByOperator[t.opIdx]) {
			key[1] = 0
		}
		c := carried[key]
		carried[key] = counts{c.processed + t.processed, c.emitted + t.emitted, c.sunk + t.sunk}
		attempt = max(attempt, t.attempt)
	}
	for i := range s.chans {
		attempt = max(attempt, s.chans[i].attempt)
	}
	s.cfg.Graph = g
	s.build(eg)
	for i := range s.tasks {
		t := &s.tasks[i]
		c := carried[[2]int{t.opIdx, eg.Subtasks[i].Index}]
		t.processed, t.emitted, t.sunk, t.attempt = c.processed, c.emitted, c.sunk, attempt+1
	}
	for i := range s.chans {
		s.chans[i].attempt = attempt + 1
	}
	s.graphs = append(s.graphs[:len(s.graphs):len(s.graphs)], eg)
	n := len(s.tasks)
	s.coord.running = n
	s.job.region = topology.PipelinedRegions(eg)
	s.job.waiting, s.job.waitingFor, s.job.stoppedBy = make([]bool, n), make([]int, n), make([]int, n)
	for i := range s.job.waitingFor {
		s.job.waitingFor[i] = -1
	}
	s.checks.rescaled(g)
	for i, f := range s.cfg.Faults {
		st, okS := find(f.Subtask, eg.SubtaskNamed)
		ch, okC := find(f.Channel, eg.ChannelNamed)
		if !okS || !okC {
			s.job.fired[i] = true
			st, ch = math.MaxInt32, math.MaxInt32 // matches no subtask or channel
		}
		s.faultSubtask[i], s.faultChannel[i] = st, ch
	}
}

// splitByKeyGroup is the keyed state of an operator's subtasks assigned to
// parallelism new subtasks by key group.
func splitByKeyGroup(states []map[int64]int64, maxParallelism, parallelism int) []map[int64]int64 {
	out := make([]map[int64]int64, parallelism)
	for i := range out {
		out[i] = map[int64]int64{}
	}
	for _, m := range states {
		for k, v := range m { // each key goes to one map: the order is irrelevant
			out[topology.KeyOwner(k, maxParallelism, parallelism)][k] = v
		}
	}
	return out
}

// reassign is checkpoint cs, taken by the subtasks of execution graph old,
// with its state assigned to the subtasks of the job now
// (StateAssignmentOperation). Its keyed state comes without shared files:
// the backends are built anew.
func (s *Sim) reassign(cs *CheckpointStats, old *topology.ExecutionGraph) *CheckpointStats {
	v := *cs
	n := len(s.tasks)
	v.Subtasks = make([]SubtaskStats, n)
	v.states, v.txns, v.files, v.splits = make([]map[int64]int64, n), make([][]*txn, n), make([][]stateFile, n), make([][]int32, n)
	for op, subs := range s.eg.ByOperator {
		if s.eg.Vertices[s.eg.VertexOf[op]].Head() != op {
			continue // a chain's state is its head's: an aggregate or a source
		}
		var states []map[int64]int64
		var txns [][]*txn
		var splits [][]int32
		for _, id := range old.ByOperator[op] {
			states = append(states, cs.states[id])
			txns = append(txns, cs.txns[id])
			splits = append(splits, cs.splits[id])
		}
		o := &s.cfg.Graph.Operators[op]
		if o.Kind == topology.Aggregate {
			for i, m := range splitByKeyGroup(states, s.cfg.Graph.MaxParallelismOf(op), len(subs)) {
				v.states[subs[i]] = m
			}
		}
		for i, list := range roundRobin(txns, len(subs)) {
			v.txns[subs[i]] = list
		}
		for i, list := range roundRobin(splits, len(subs)) {
			v.splits[subs[i]] = list
		}
		for _, id := range subs {
			bytes := int64(len(v.states[id])) * int64(o.StateBytesPerKey)
			if o.Kind == topology.Source {
				bytes = splitStateBytes * int64(len(v.splits[id]))
			}
			v.Subtasks[id] = SubtaskStats{Subtask: id, Acked: true, StateBytes: bytes}
		}
	}
	v.inState, v.outState = s.reroute(cs.inState, old), s.reroute(cs.outState, old)
	return &v
}

// roundRobin is RoundRobinOperatorStateRepartitioner.repartitionState for
// one list state (SPLIT_DISTRIBUTE, the only named state of an operator
// here): the old subtasks' lists as they are when the parallelism is
// unchanged, else the elements of every old subtask, in order, split
// into contiguous runs, the first ones one longer (repartitionSplitState
// with startParallelOp 0).
func roundRobin[T any](old [][]T, parallelism int) [][]T {
	if len(old) == parallelism {
		return old
	}
	all := slices.Concat(old...)
	out := make([][]T, parallelism)
	for i, run := range evenRuns(len(all), parallelism) {
		out[i] = all[run[0]:run[1]:run[1]]
	}
	return out
}

// evenRuns splits n elements into parts contiguous runs [from, to), the
// first n%parts one longer (RoundRobinOperatorStateRepartitioner).
func evenRuns(n, parts int) [][2]int {
	runs := make([][2]int, parts)
	at := 0
	for i := range runs {
		size := n / parts
		if i < n%parts {
			size++
		}
		runs[i] = [2]int{at, at + size}
		at += size
	}
	return runs
}

// reroute moves channel state persisted on the channels of execution graph
// old to the channels of the job now: the sender and receiver of the same
// index (modulo the new parallelism), and for a hash edge the receiver
// that owns the record's key.
func (s *Sim) reroute(lists [][]persistedRecord, old *topology.ExecutionGraph) [][]persistedRecord {
	var out []persistedRecord
	for p := range allRecords(lists) {
		c := old.Channels[p.channel]
		from, to := old.Subtasks[c.From], old.Subtasks[c.To]
		senders, receivers := s.eg.ByOperator[from.Operator], s.eg.ByOperator[to.Operator]
		ri := to.Index % len(receivers)
		if e := s.cfg.Graph.Edges[c.Edge]; e.Partitioning == topology.Hash {
			ri = topology.KeyOwner(p.item.key, s.cfg.Graph.MaxParallelismOf(to.Operator), len(receivers))
		}
		sender, receiver := senders[from.Index%len(senders)], receivers[ri]
		for _, id := range s.eg.Subtasks[receiver].Inputs {
			if ch := s.eg.Channels[id]; int(ch.From) == sender && ch.Edge == c.Edge {
				q := *p // the checkpoint's own record stays as it was
				q.channel = int32(id)
				out = append(out, q)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return [][]persistedRecord{out}
}

// validateRescaledGraphs checks the job graphs the manual restores deploy
// when each of them restores: Flink's rules of the graph (a forward edge
// joins operators of equal parallelism; a parallelism above the max
// parallelism is refused at the restore, with Flink's message). The
// records the channels of any of them hold are bounded at run time
// (MaxInFlightRecords).
func (c *Config) validateRescaledGraphs(g *topology.Graph) error {
	graphs := c.rescaledGraphs(g)
	if len(graphs) == 0 {
		return nil
	}
	for _, rg := range graphs {
		capped := *rg
		capped.Operators = slices.Clone(rg.Operators)
		for i := range capped.Operators {
			// A parallelism above the max parallelism is refused at the
			// restore, with Flink's message; the rest of the graph must
			// hold with the parallelism asked for.
			op := &capped.Operators[i]
			op.MaxParallelism = max(op.MaxParallelism, op.Parallelism)
		}
		if err := capped.Validate(); err != nil {
			return fmt.Errorf("restore: the rescaled job is invalid: %v", err)
		}
	}
	return nil
}

// OperatorRescale is one operator of a rescaling restore.
type OperatorRescale struct {
	// Operator is its name; From and To the parallelism of the restored
	// checkpoint and of the new job; MaxParallelism its key groups.
	Operator                 string
	From, To, MaxParallelism int
	// Keyed reports whether it has keyed state; Moved counts the key
	// groups now at another subtask index than in the checkpoint, and
	// Ranges lists the new assignment as runs of key groups.
	Keyed  bool
	Moved  int
	Ranges []KeyGroupRun
	// Splits is a source's new assignment of the splits of the restored
	// checkpoint, in the order of the new subtasks' list states;
	// MovedSplits counts those now at another subtask index.
	Splits      []SplitMove
	MovedSplits int
}

// SplitMove is a split of a rescaled source: Partition (global index)
// resumes at Offset at subtask index Subtask, and was read by subtask
// index Was.
type SplitMove struct {
	Partition    int
	Offset       int64
	Subtask, Was int
}

// KeyGroupRun is a run of key groups First..Last that subtask index
// Subtask owns now and Was owned in the restored checkpoint.
type KeyGroupRun struct {
	First, Last, Subtask, Was int
}

// rescaledOperators describes the operators whose parallelism differs
// between execution graph old, which took checkpoint cs, and the job now,
// which restores v (cs as reassign gives it to the new subtasks).
func (s *Sim) rescaledOperators(old *topology.ExecutionGraph, cs, v *CheckpointStats) []OperatorRescale {
	var out []OperatorRescale
	g := s.cfg.Graph
	for op := range g.Operators {
		from, to := len(old.ByOperator[op]), g.Operators[op].Parallelism
		if from == to {
			continue
		}
		mp := g.MaxParallelismOf(op)
		r := OperatorRescale{Operator: g.Operators[op].Name, From: from, To: to, MaxParallelism: mp, Keyed: g.Operators[op].Kind == topology.Aggregate}
		if r.Keyed {
			for kg := range mp {
				now, was := topology.ComputeOperatorIndexForKeyGroup(mp, to, kg), topology.ComputeOperatorIndexForKeyGroup(mp, from, kg)
				if now != was {
					r.Moved++
				}
				if n := len(r.Ranges); n > 0 && r.Ranges[n-1].Subtask == now && r.Ranges[n-1].Was == was {
					r.Ranges[n-1].Last = kg
					continue
				}
				r.Ranges = append(r.Ranges, KeyGroupRun{First: kg, Last: kg, Subtask: now, Was: was})
			}
		}
		if g.Operators[op].Kind == topology.Source {
			r.Splits = splitMoves(old.ByOperator[op], s.eg.ByOperator[op], cs, v)
			for _, m := range r.Splits {
				if m.Subtask != m.Was {
					r.MovedSplits++
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// splitMoves lists the splits of a source whose subtasks were from in
// checkpoint cs and are to in its reassigned copy v.
func splitMoves(from, to []int, cs, v *CheckpointStats) []SplitMove {
	was := map[int32]int{}
	for i, id := range from {
		for _, p := range cs.splits[id] {
			was[p] = i
		}
	}
	var out []SplitMove
	for i, id := range to {
		for _, p := range v.splits[id] {
			out = append(out, SplitMove{Partition: int(p), Offset: v.Offsets[p], Subtask: i, Was: was[p]})
		}
	}
	return out
}
