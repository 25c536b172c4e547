package topology

import (
	"fmt"
	"strconv"
)

// Subtask is one parallel instance of a job vertex: a task that runs the
// vertex's chained operators.
type Subtask struct {
	// ID is the subtask's index in ExecutionGraph.Subtasks.
	ID int
	// Vertex is the index of its job vertex in ExecutionGraph.Vertices.
	Vertex int
	// Operator is the index in Graph.Operators of the vertex's head, the
	// operator that reads the subtask's inputs.
	Operator int
	// Index is the subtask index within its vertex (0..parallelism-1).
	Index int
	// Name is "vertex[index]", the vertex named as Flink's web UI names a
	// chain ("a -> b[0]"); a vertex of one operator is that operator.
	Name string
	// Inputs are the channel IDs that feed the subtask, ordered by input
	// edge and then by sender subtask index (Flink's input channel order).
	Inputs []int32
	// Outputs has one gate per output edge.
	Outputs []OutputGate
}

// OutputGate is the set of channels one subtask writes for one output edge
// that is not chained (Flink's ResultPartition with its subpartitions).
type OutputGate struct {
	// Edge is the index of the edge in Graph.Edges.
	Edge int
	// From is the chained operator that writes it (the edge's sender).
	From int
	// Partitioning is the edge's partitioning.
	Partitioning Partitioning
	// Channels are channel IDs, indexed by receiver subtask index; forward
	// gates hold exactly one channel.
	Channels []int32
	// KeyGroups is, for a hash gate, the receiving operator's max
	// parallelism: the number of key groups its KeyGroupStreamPartitioner
	// routes by (Flink configures it with getNumTargetKeyGroups).
	KeyGroups int
}

// Channel is a point-to-point connection from one subtask to another. A
// big job has hundreds of thousands of them, so a channel holds indexes
// only, 20 bytes: its names are computed when asked for
// (ExecutionGraph.ChannelName, OperatorChannelName).
type Channel struct {
	// ID is the channel's index in ExecutionGraph.Channels.
	ID int32
	// Edge is the index of the logical edge it belongs to.
	Edge int32
	// From and To are subtask IDs.
	From, To int32
	// AlignedOnly: unaligned checkpoints are not supported on the
	// channel's edge (Graph.UnalignedUnsupported); its barriers are forced
	// aligned.
	AlignedOnly bool
}

// ExecutionGraph is the graph of subtasks and channels, Flink's
// ExecutionGraph: what actually runs.
type ExecutionGraph struct {
	// Graph is the logical graph it was expanded from.
	Graph *Graph
	// Vertices are the job vertices, chains of operators (Flink's
	// JobGraph), their heads in topological order.
	Vertices []Vertex
	// VertexOf is the vertex of each operator.
	VertexOf []int
	// Chained says of each edge whether it is chained: no channel, its
	// records pass inside a task (Graph.Chainable).
	Chained []bool
	// Subtasks, vertex by vertex, sources first.
	Subtasks []Subtask
	// Channels, grouped by edge; chained edges have none.
	Channels []Channel
	// ByOperator lists the subtask IDs of each operator by index: the
	// subtasks of its vertex, shared by every operator of a chain.
	ByOperator [][]int
}

// Expand validates g and builds its execution graph: the chains (Flink's
// JobGraph), then their subtasks and the channels of the edges that are
// not chained.
func Expand(g *Graph) (*ExecutionGraph, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	order := g.deployOrder()
	eg := &ExecutionGraph{Graph: g, ByOperator: make([][]int, len(g.Operators)), Chained: g.Chainable()}
	eg.Vertices, eg.VertexOf = g.vertices(order, eg.Chained)
	for vi := range eg.Vertices {
		v := &eg.Vertices[vi]
		for i := range v.Parallelism {
			id := len(eg.Subtasks)
			eg.Subtasks = append(eg.Subtasks, Subtask{ID: id, Vertex: vi, Operator: v.Head(), Index: i, Name: fmt.Sprintf("%s[%d]", v.Name, i)})
			v.Subtasks = append(v.Subtasks, id)
		}
		for _, op := range v.Operators {
			eg.ByOperator[op] = v.Subtasks
		}
	}
	index := g.indexes()
	aligned := g.UnalignedUnsupported()
	// A big job has hundreds of thousands of channels: allocate them once.
	n := 0
	for ei, e := range g.Edges {
		switch senders := len(eg.ByOperator[index[e.From]]); {
		case eg.Chained[ei]:
		case e.Partitioning == Forward:
			n += senders
		default:
			n += senders * len(eg.ByOperator[index[e.To]])
		}
	}
	eg.Channels = make([]Channel, 0, n)
	for ei, e := range g.Edges {
		if eg.Chained[ei] {
			continue
		}
		from, to := index[e.From], index[e.To]
		senders, receivers := eg.ByOperator[from], eg.ByOperator[to]
		for si, s := range senders {
			width := len(receivers)
			if e.Partitioning == Forward {
				width = 1
			}
			gate := OutputGate{Edge: ei, From: from, Partitioning: e.Partitioning, Channels: make([]int32, 0, width)}
			if e.Partitioning == Hash {
				gate.KeyGroups = g.MaxParallelismOf(to)
			}
			for ri, r := range receivers {
				if e.Partitioning == Forward && ri != si {
					continue
				}
				id := len(eg.Channels)
				eg.Channels = append(eg.Channels, Channel{ID: int32(id), Edge: int32(ei), From: int32(s), To: int32(r), AlignedOnly: aligned[ei]})
				gate.Channels = append(gate.Channels, int32(id))
			}
			eg.Subtasks[s].Outputs = append(eg.Subtasks[s].Outputs, gate)
		}
	}
	// Inputs ordered by edge, then sender: walk channels in creation order
	// (grouped by edge, then by sender).
	inputs := make([]int, len(eg.Subtasks))
	for _, c := range eg.Channels {
		inputs[c.To]++
	}
	for i, n := range inputs {
		if n > 0 {
			eg.Subtasks[i].Inputs = make([]int32, 0, n)
		}
	}
	for _, c := range eg.Channels {
		eg.Subtasks[c.To].Inputs = append(eg.Subtasks[c.To].Inputs, c.ID)
	}
	return eg, nil
}

// Op returns the head operator of subtask id.
func (eg *ExecutionGraph) Op(id int) *Operator {
	return &eg.Graph.Operators[eg.Subtasks[id].Operator]
}

// Chain returns the operators subtask id runs, head first.
func (eg *ExecutionGraph) Chain(id int) []int {
	return eg.Vertices[eg.Subtasks[id].Vertex].Operators
}

// HasKind reports whether subtask id runs an operator of kind k.
func (eg *ExecutionGraph) HasKind(id int, k Kind) bool {
	for _, op := range eg.Chain(id) {
		if eg.Graph.Operators[op].Kind == k {
			return true
		}
	}
	return false
}

// HasSinkMode reports whether subtask id runs a sink of mode m.
func (eg *ExecutionGraph) HasSinkMode(id int, m SinkMode) bool {
	for _, op := range eg.Chain(id) {
		if o := &eg.Graph.Operators[op]; o.Kind == Sink && o.SinkMode == m {
			return true
		}
	}
	return false
}

// SubtaskNamed finds a subtask by name: its own ("a -> b[0]") or that of
// one of its chained operators ("b[0]"). ok is false for an unknown name.
func (eg *ExecutionGraph) SubtaskNamed(name string) (id int, ok bool) {
	for i := range eg.Subtasks {
		if eg.Subtasks[i].Name == name {
			return i, true
		}
	}
	for op := range eg.Graph.Operators {
		for i, id := range eg.ByOperator[op] {
			if fmt.Sprintf("%s[%d]", eg.Graph.Operators[op].Name, i) == name {
				return id, true
			}
		}
	}
	return -1, false
}

// ChannelName is channel id's name: "from->to" with subtask names.
func (eg *ExecutionGraph) ChannelName(id int) string {
	return string(eg.AppendChannelName(nil, id))
}

// AppendChannelName appends ChannelName(id) to b.
func (eg *ExecutionGraph) AppendChannelName(b []byte, id int) []byte {
	c := &eg.Channels[id]
	b = append(b, eg.Subtasks[c.From].Name...)
	b = append(b, "->"...)
	return append(b, eg.Subtasks[c.To].Name...)
}

// OperatorChannelName is channel id's name with the operator subtask
// names of its edge's ends ("map[0]->sink[1]"): the same as ChannelName
// unless a side is a chain of several operators.
func (eg *ExecutionGraph) OperatorChannelName(id int) string {
	return string(eg.appendOperatorChannelName(nil, id))
}

func (eg *ExecutionGraph) appendOperatorChannelName(b []byte, id int) []byte {
	c := &eg.Channels[id]
	e := &eg.Graph.Edges[c.Edge]
	b = append(b, e.From...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(eg.Subtasks[c.From].Index), 10)
	b = append(b, "]->"...)
	b = append(b, e.To...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(eg.Subtasks[c.To].Index), 10)
	return append(b, ']')
}

// ChannelNamed finds a channel by its name or its operator name.
func (eg *ExecutionGraph) ChannelNamed(name string) (id int, ok bool) {
	var b []byte
	for i := range eg.Channels {
		if b = eg.AppendChannelName(b[:0], i); string(b) == name {
			return i, true
		}
		if b = eg.appendOperatorChannelName(b[:0], i); string(b) == name {
			return i, true
		}
	}
	return -1, false
}
