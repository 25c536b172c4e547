package topology

import (
	"fmt"
	"strings"
)

// Chaining is how Flink's StreamingJobGraphGenerator turns the stream graph
// into the JobGraph: operators connected by a chainable edge run in one
// task, the operator chain (OperatorChain), and records pass between them
// by a method call instead of a network channel. A chain is one job
// vertex; its subtasks are the subtasks the engine runs.

// Vertex is a job vertex: the operators chained into one task.
type Vertex struct {
	// ID is the vertex's index in ExecutionGraph.Vertices.
	ID int
	// Name is Flink's chained name (createChainedName), as the web UI
	// shows it: "a -> b", or "a -> (b, c)" for a chain that branches.
	Name string
	// Operators are the chained operators, head first, then in the order
	// createChain visits them (depth first along the edges).
	Operators []int
	// Parallelism is the parallelism every chained operator shares.
	Parallelism int
	// Subtasks are the IDs of its subtasks, by subtask index.
	Subtasks []int
}

// Head is the vertex's first operator, the one whose inputs are the
// vertex's inputs.
func (v *Vertex) Head() int { return v.Operators[0] }

// maxVertexName bounds a chained name, which repeats in every subtask and
// channel name; a longer one is shortened to its head and a count.
const maxVertexName = 4 * MaxNameLength

// Chainable reports, for each edge, whether it is chained: Flink's
// StreamingJobGraphGenerator.isChainable. The receiver has exactly one
// input, the edge is forward (ForwardPartitioner), both sides have the
// same parallelism, chaining is enabled for the job
// (pipeline.operator-chaining.enabled) and the chaining strategies allow
// it (areOperatorsChainable): the sender is not NEVER (disableChaining())
// and the receiver is ALWAYS, not HEAD (startNewChain()) or NEVER. A
// source is HEAD: it can start a chain, never join one (it has no
// inputs). Every operator is in the default slot sharing
// group, and no operator of this model has several inputs that
// HEAD_WITH_SOURCES would chain sources into. The edges must name known
// operators; an edge that does not is not chained. A process of the
// token-passing workload is a process of its own and never chains.
func (g *Graph) Chainable() []bool {
	from, to := g.EdgeEnds()
	ins := make([]int, len(g.Operators))
	for _, t := range to {
		if t >= 0 {
			ins[t]++
		}
	}
	chained := make([]bool, len(g.Edges))
	if g.DisableChaining {
		return chained
	}
	for i, e := range g.Edges {
		if from[i] < 0 || to[i] < 0 {
			continue
		}
		up, down := &g.Operators[from[i]], &g.Operators[to[i]]
		chained[i] = ins[to[i]] == 1 && e.Partitioning == Forward && up.Kind != Process &&
			up.Parallelism == down.Parallelism && !up.DisableChaining &&
			!down.DisableChaining && !down.StartNewChain
	}
	return chained
}

// Chains returns the job vertices of a valid graph (without subtasks),
// as Expand builds them.
func (g *Graph) Chains() []Vertex {
	order := g.deployOrder()
	vs, _ := g.vertices(order, g.Chainable())
	return vs
}

// vertices groups the operators into chains, heads in topological order:
// an operator whose input edge is not chained heads a vertex, and
// createChain follows the chained edges from it, depth first in edge
// order. vertexOf is each operator's vertex.
func (g *Graph) vertices(order []int, chained []bool) (vs []Vertex, vertexOf []int) {
	from, to := g.EdgeEnds()
	out := make([][]int, len(g.Operators))
	head := make([]bool, len(g.Operators))
	for i := range head {
		head[i] = true
	}
	for i := range g.Edges {
		out[from[i]] = append(out[from[i]], i)
		if chained[i] {
			head[to[i]] = false
		}
	}
	vertexOf = make([]int, len(g.Operators))
	var walk func(v *Vertex, op int) string
	walk = func(v *Vertex, op int) string {
		vertexOf[op] = v.ID
		v.Operators = append(v.Operators, op)
		var names []string
		for _, e := range out[op] {
			if chained[e] {
				names = append(names, walk(v, to[e]))
			}
		}
		name := g.Operators[op].Name
		switch len(names) {
		case 0:
			return name
		case 1:
			return name + " -> " + names[0]
		}
		return name + " -> (" + strings.Join(names, ", ") + ")"
	}
	for _, op := range order {
		if !head[op] {
			continue
		}
		vs = append(vs, Vertex{ID: len(vs), Parallelism: g.Operators[op].Parallelism})
		v := &vs[len(vs)-1]
		v.Name = walk(v, op)
		if len(v.Name) > maxVertexName {
			v.Name = fmt.Sprintf("%s -> ... (%d operators)", g.Operators[op].Name, len(v.Operators))
		}
	}
	return vs, vertexOf
}

// UnalignedUnsupported reports, for each edge, whether unaligned
// checkpoints are disabled on it: Flink's StreamGraphGenerator marks every
// input edge of an operator with setSupportsUnalignedCheckpoints(false)
// once one of them is pointwise (forward, FLINK-21945) or broadcast
// (FLINK-22815), since Flink 1.13; the barriers of such an edge travel
// forced aligned (CheckpointOptions.withUnalignedUnsupported). Chained
// edges have no channel, so the mark means nothing on them. The edges must
// name known operators.
func (g *Graph) UnalignedUnsupported() []bool {
	_, to := g.EdgeEnds()
	pointwise := make([]bool, len(g.Operators))
	for i, e := range g.Edges {
		if e.Partitioning == Forward || e.Partitioning == Broadcast {
			pointwise[to[i]] = true
		}
	}
	off := make([]bool, len(g.Edges))
	for i := range g.Edges {
		off[i] = pointwise[to[i]]
	}
	return off
}
