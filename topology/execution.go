package topology

import "fmt"

// Subtask is one parallel instance of an operator.
type Subtask struct {
	// ID is the subtask's index in ExecutionGraph.Subtasks.
	ID int
	// Operator is the index of its operator in Graph.Operators.
	Operator int
	// Index is the subtask index within its operator (0..parallelism-1).
	Index int
	// Name is "operator[index]", as Flink's web UI shows subtasks.
	Name string
	// Inputs are the channel IDs that feed the subtask, ordered by input
	// edge and then by sender subtask index (Flink's input channel order).
	Inputs []int
	// Outputs has one gate per output edge.
	Outputs []OutputGate
}

// OutputGate is the set of channels one subtask writes for one output edge
// (Flink's ResultPartition with its subpartitions).
type OutputGate struct {
	// Edge is the index of the edge in Graph.Edges.
	Edge int
	// Partitioning is the edge's partitioning.
	Partitioning Partitioning
	// Channels are channel IDs, indexed by receiver subtask index; forward
	// gates hold exactly one channel.
	Channels []int
	// KeyGroups is, for a hash gate, the receiving operator's max
	// parallelism: the number of key groups its KeyGroupStreamPartitioner
	// routes by (Flink configures it with getNumTargetKeyGroups).
	KeyGroups int
}

// Channel is a point-to-point connection from one subtask to another.
type Channel struct {
	// ID is the channel's index in ExecutionGraph.Channels.
	ID int
	// Edge is the index of the logical edge it belongs to.
	Edge int
	// From and To are subtask IDs.
	From, To int
	// Name is "from->to" with subtask names.
	Name string
}

// ExecutionGraph is the graph of subtasks and channels, Flink's
// ExecutionGraph: what actually runs.
type ExecutionGraph struct {
	// Graph is the logical graph it was expanded from.
	Graph *Graph
	// Subtasks, sources first in topological operator order.
	Subtasks []Subtask
	// Channels, grouped by edge.
	Channels []Channel
	// ByOperator lists the subtask IDs of each operator by index.
	ByOperator [][]int
}

// Expand validates g and builds its execution graph.
func Expand(g *Graph) (*ExecutionGraph, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	order, _ := g.Order()
	eg := &ExecutionGraph{Graph: g, ByOperator: make([][]int, len(g.Operators))}
	for _, op := range order {
		o := &g.Operators[op]
		for i := range o.Parallelism {
			id := len(eg.Subtasks)
			eg.Subtasks = append(eg.Subtasks, Subtask{ID: id, Operator: op, Index: i, Name: fmt.Sprintf("%s[%d]", o.Name, i)})
			eg.ByOperator[op] = append(eg.ByOperator[op], id)
		}
	}
	index := g.indexes()
	for ei, e := range g.Edges {
		senders, receivers := eg.ByOperator[index[e.From]], eg.ByOperator[index[e.To]]
		for si, s := range senders {
			gate := OutputGate{Edge: ei, Partitioning: e.Partitioning}
			if e.Partitioning == Hash {
				gate.KeyGroups = g.MaxParallelismOf(index[e.To])
			}
			for ri, r := range receivers {
				if e.Partitioning == Forward && ri != si {
					continue
				}
				id := len(eg.Channels)
				eg.Channels = append(eg.Channels, Channel{ID: id, Edge: ei, From: s, To: r,
					Name: eg.Subtasks[s].Name + "->" + eg.Subtasks[r].Name})
				gate.Channels = append(gate.Channels, id)
			}
			eg.Subtasks[s].Outputs = append(eg.Subtasks[s].Outputs, gate)
		}
	}
	// Inputs ordered by edge, then sender: walk channels in creation order
	// (grouped by edge, then by sender).
	for _, c := range eg.Channels {
		eg.Subtasks[c.To].Inputs = append(eg.Subtasks[c.To].Inputs, c.ID)
	}
	return eg, nil
}

// Op returns the operator of subtask id.
func (eg *ExecutionGraph) Op(id int) *Operator {
	return &eg.Graph.Operators[eg.Subtasks[id].Operator]
}
