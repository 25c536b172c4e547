package topology

import (
	"fmt"
	"strings"
)

// DOT renders the logical graph in Graphviz's dot language: one node per
// operator labelled with kind and parallelism, one edge per edge labelled
// with its partitioning.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph job {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")
	for _, op := range g.Operators {
		fmt.Fprintf(&b, "  %q [label=\"%s\\n%s  p=%d\"];\n", op.Name, op.Name, op.Kind, op.Parallelism)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.From, e.To, string(e.Partitioning))
	}
	b.WriteString("}\n")
	return b.String()
}

// DOT renders the execution graph: one cluster per operator holding its
// subtasks, one edge per channel.
func (eg *ExecutionGraph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph execution {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")
	for op, ids := range eg.ByOperator {
		o := eg.Graph.Operators[op]
		fmt.Fprintf(&b, "  subgraph \"cluster_%s\" {\n    label=\"%s (%s)\";\n", o.Name, o.Name, o.Kind)
		for _, id := range ids {
			fmt.Fprintf(&b, "    %q;\n", eg.Subtasks[id].Name)
		}
		b.WriteString("  }\n")
	}
	for _, c := range eg.Channels {
		fmt.Fprintf(&b, "  %q -> %q;\n", eg.Subtasks[c.From].Name, eg.Subtasks[c.To].Name)
	}
	b.WriteString("}\n")
	return b.String()
}
