package topology

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func valid() *Graph {
	return &Graph{
		Operators: []Operator{
			{Name: "src", Kind: Source, Parallelism: 2, Source: &SourceSpec{Rate: 100, Keys: 10, Distribution: Uniform, MaxValue: 10, RecordBytes: 10}},
			{Name: "m", Kind: Map, Parallelism: 2, Multiply: 1},
			{Name: "count", Kind: Aggregate, Parallelism: 3, Func: Count},
			{Name: "sink", Kind: Sink, Parallelism: 1},
		},
		Edges: []Edge{
			{From: "src", To: "m", Partitioning: Forward},
			{From: "m", To: "count", Partitioning: Hash},
			{From: "count", To: "sink", Partitioning: Rebalance},
		},
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(g *Graph)
		msg    string
		op, ed int
	}{
		{"unknown operator", func(g *Graph) { g.Edges[1].To = "cnt" }, `edge m -> cnt: unknown operator "cnt" (operators: src, m, count, sink)`, -1, 1},
		{"forward parallelism", func(g *Graph) { g.Operators[1].Parallelism = 3 }, "edge src -> m: forward needs the same parallelism on both sides (2 vs 3); use rebalance or hash", -1, 0},
		{"aggregate needs hash", func(g *Graph) { g.Edges[1].Partitioning = Rebalance }, "edge m -> count: an aggregate holds keyed state, so its inputs must be partitioned by hash (keyBy), not rebalance", -1, 1},
		{"cycle", func(g *Graph) {
			g.Operators = append(g.Operators, Operator{Name: "m2", Kind: Map, Parallelism: 2})
			g.Edges = append(g.Edges, Edge{From: "m", To: "m2", Partitioning: Forward}, Edge{From: "m2", To: "m", Partitioning: Forward})
		}, "edge m2 -> m closes the cycle m -> m2 -> m: cycles are accepted only by checkpointing mode chandy-lamport, in a job of process operators", -1, 4},
		{"long name", func(g *Graph) { g.Operators[1].Name = strings.Repeat("m", MaxNameLength+1) },
			`operator name "` + strings.Repeat("m", 40) + `..." is too long (257 characters; at most 256)`, 1, -1},
		{"self loop", func(g *Graph) { g.Edges[0].To = "src" }, "edge src -> src: an operator cannot feed itself (the job graph must be acyclic)", -1, 0},
		{"unknown kind", func(g *Graph) { g.Operators[1].Kind = "flatmap" }, `operator "m": unknown kind "flatmap" (allowed: source, map, filter, aggregate, sink, process)`, 1, -1},
		{"duplicate name", func(g *Graph) { g.Operators[1].Name = "src" }, `operator name "src" is used twice`, 1, -1},
		{"parallelism", func(g *Graph) { g.Operators[2].Parallelism = 0 }, `operator "count": parallelism 0 is out of range (allowed: 1..1024)`, 2, -1},
		{"no output", func(g *Graph) { g.Edges = g.Edges[1:] }, `operator "src" (source) has no output edge; only sinks may`, 0, -1},
		{"sink output", func(g *Graph) { g.Edges = append(g.Edges, Edge{From: "sink", To: "m", Partitioning: Rebalance}) }, "edge sink -> m: a sink has no outputs", -1, 3},
		{"zipf", func(g *Graph) { g.Operators[0].Source.Distribution = Zipf }, `source "src": zipf_s 0 is out of range (allowed: > 0 and <= 10)`, 0, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := valid()
			tc.change(g)
			err := g.Validate()
			require.Error(t, err)
			var te *Error
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.msg, te.Msg)
			assert.Equal(t, tc.op, te.Operator)
			assert.Equal(t, tc.ed, te.Edge)
		})
	}
}

func TestExpand(t *testing.T) {
	eg, err := Expand(valid())
	require.NoError(t, err)
	// src -> m chained (forward, equal parallelism): 2 + 3 + 1 subtasks
	require.Len(t, eg.Subtasks, 6)
	// hash 2x3, rebalance 3x1; the chained forward edge has none
	require.Len(t, eg.Channels, 6+3)
	count0 := eg.ByOperator[2][0]
	assert.Equal(t, "count[0]", eg.Subtasks[count0].Name)
	assert.Len(t, eg.Subtasks[count0].Inputs, 2, "a count subtask reads one channel per m subtask")
	m1 := eg.ByOperator[1][1]
	require.Len(t, eg.Subtasks[m1].Outputs, 1)
	assert.Len(t, eg.Subtasks[m1].Outputs[0].Channels, 3, "hash writes one channel per receiver")
	for _, c := range eg.Channels {
		assert.Contains(t, eg.Subtasks[c.To].Inputs, c.ID)
	}
	assert.Equal(t, "src -> m[1]", eg.Subtasks[m1].Name)
	assert.Equal(t, "m[1]->count[2]", eg.OperatorChannelName(5))
	assert.Contains(t, eg.DOT(), `"src -> m[1]" -> "count[2]" [label="hash"];`)
	assert.Contains(t, valid().DOT(), `"m" -> "count" [label="hash"];`)
}

// ring is a token-passing job: three processes on a ring, with a chord.
func ring() *Graph {
	return &Graph{
		Operators: []Operator{
			{Name: "p", Kind: Process, Parallelism: 1, Tokens: 5},
			{Name: "q", Kind: Process, Parallelism: 2, Tokens: 3},
			{Name: "r", Kind: Process, Parallelism: 1},
		},
		Edges: []Edge{
			{From: "p", To: "q", Partitioning: Rebalance},
			{From: "q", To: "r", Partitioning: Rebalance},
			{From: "r", To: "p", Partitioning: Forward},
			{From: "p", To: "r", Partitioning: Forward},
		},
	}
}

// TestProcessesMayFormCycles: a job of processes may have cycles and
// expands in declaration order, one task per process subtask (processes
// never chain); a Flink job may not, and the error names the cycle and
// the mode that accepts one.
func TestProcessesMayFormCycles(t *testing.T) {
	g := ring()
	require.NoError(t, g.Validate())
	assert.Equal(t, []int{0, 1, 2}, g.Cycle(), "p -> q -> r -> p")
	eg, err := Expand(g)
	require.NoError(t, err)
	var names []string
	for _, st := range eg.Subtasks {
		names = append(names, st.Name)
	}
	assert.Equal(t, []string{"p[0]", "q[0]", "q[1]", "r[0]"}, names)
	assert.Len(t, eg.Channels, 2+2+1+1)
	assert.Nil(t, valid().Cycle())

	cases := []struct {
		name   string
		change func(g *Graph)
		msg    string
		op, ed int
	}{
		{"self loop", func(g *Graph) { g.Edges[0].To = "p" }, "edge p -> p: a process has no channel to itself", -1, 0},
		{"mixed", func(g *Graph) {
			g.Operators = append(g.Operators, Operator{Name: "sink", Kind: Sink, Parallelism: 1})
			g.Edges = append(g.Edges, Edge{From: "r", To: "sink", Partitioning: Forward})
		}, "edge r -> sink: a process (the token-passing workload) connects only to processes", -1, 4},
		{"hash", func(g *Graph) { g.Edges[1].Partitioning = Hash },
			"edge q -> r: processes are connected forward (subtask i to subtask i) or rebalance (every subtask to every subtask), not hash", -1, 1},
		{"tokens elsewhere", func(g *Graph) { *g = *valid(); g.Operators[1].Tokens = 1 }, `operator "m": only a process holds tokens`, 1, -1},
		{"negative tokens", func(g *Graph) { g.Operators[1].Tokens = -1 },
			`operator "q": tokens -1 is out of range (allowed: 0..562949953421312 per subtask at parallelism 2)`, 1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := ring()
			tc.change(g)
			var te *Error
			require.ErrorAs(t, g.Validate(), &te)
			assert.Equal(t, tc.msg, te.Msg)
			assert.Equal(t, tc.op, te.Operator)
			assert.Equal(t, tc.ed, te.Edge)
		})
	}
	te := g.CycleError(g.Cycle(), "aligned")
	assert.Equal(t, "edge r -> p closes the cycle p -> q -> r -> p: mode aligned needs an acyclic job graph; cycles are accepted only by checkpointing mode chandy-lamport, in a job of process operators", te.Msg)
	assert.Equal(t, 2, te.Edge)
}
