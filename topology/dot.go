package topology

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// DOT renders the logical graph in Graphviz's dot language: one node per
// operator labelled with kind and parallelism, one edge per edge labelled
// with its partitioning, "forward, chained" and bold for a chained edge.
// Names are escaped (see dotID and dotLabel), so any name gives a valid
// file that shows the name as printed elsewhere. The edges must name known
// operators (Validate checks that first).
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph job {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")
	for _, op := range g.Operators {
		fmt.Fprintf(&b, "  %s [label=\"%s\\n%s  p=%d\"];\n", dotID(op.Name), dotLabel(op.Name), op.Kind, op.Parallelism)
	}
	chained := g.Chainable()
	for i, e := range g.Edges {
		if chained[i] {
			fmt.Fprintf(&b, "  %s -> %s [label=\"forward, chained\", style=bold];\n", dotID(e.From), dotID(e.To))
			continue
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", dotID(e.From), dotID(e.To), dotID(string(e.Partitioning)))
	}
	b.WriteString("}\n")
	return b.String()
}

// DOT renders the execution graph: one cluster per job vertex (a task:
// an operator, or a chain of them, labelled with the chain's name and its
// operators' kinds) holding its subtasks, one edge per channel labelled
// with its partitioning.
func (eg *ExecutionGraph) DOT() string { return eg.AnnotatedDOT("", nil, nil) }

// AnnotatedDOT is DOT with a title over the graph and, when given, notes
// under each subtask's name (by subtask ID) and beside each channel's
// partitioning (by channel ID): the state of a run at a time. A note may
// have several lines; each is escaped as names are.
func (eg *ExecutionGraph) AnnotatedDOT(title string, subtasks, channels []string) string {
	note := func(notes []string, i int) string {
		var b strings.Builder
		if i < len(notes) && notes[i] != "" {
			for line := range strings.SplitSeq(notes[i], "\n") {
				b.WriteString(`\n` + dotLabel(line))
			}
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString("digraph execution {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")
	if title != "" {
		fmt.Fprintf(&b, "  label=\"%s\";\n  labelloc=t;\n", dotLabel(title))
	}
	for _, v := range eg.Vertices {
		head := eg.Graph.Operators[v.Head()]
		kinds := make([]string, len(v.Operators))
		for i, op := range v.Operators {
			kinds[i] = string(eg.Graph.Operators[op].Kind)
		}
		fmt.Fprintf(&b, "  subgraph %s {\n    label=\"%s (%s)\";\n", dotID("cluster_"+head.Name), dotLabel(v.Name), strings.Join(kinds, ", "))
		for _, id := range v.Subtasks {
			name := eg.Subtasks[id].Name
			fmt.Fprintf(&b, "    %s [label=\"%s%s\"];\n", dotID(name), dotLabel(name), note(subtasks, id))
		}
		b.WriteString("  }\n")
	}
	for _, c := range eg.Channels {
		fmt.Fprintf(&b, "  %s -> %s [label=\"%s%s\"];\n", dotID(eg.Subtasks[c.From].Name), dotID(eg.Subtasks[c.To].Name),
			dotLabel(string(eg.Graph.Edges[c.Edge].Partitioning)), note(channels, int(c.ID)))
	}
	b.WriteString("}\n")
	return b.String()
}

// dotID quotes a name as a DOT identifier. Go's quoting keeps distinct
// names distinct and leaves no control character, no unescaped quote and
// no trailing backslash; DOT reads its escapes literally but for \", which
// is all an identifier needs. Every node is given a label, so the
// identifier is never shown.
func dotID(name string) string { return strconv.Quote(name) }

// dotLabel is the text of a label (without its quotes) showing name as
// termsafe.Line prints it. In a label Graphviz reads \n, \l and \r as line
// breaks and \N, \G and others as the names of objects; a doubled
// backslash is one backslash, so doubling every backslash (and escaping
// quotes) leaves none of those.
func dotLabel(name string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(termsafe.Line(name))
}
