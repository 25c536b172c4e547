package topology

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chainGraph is a graph of the named operators (those
// named src... are sources, the others maps; parallelism 2 unless par says
// otherwise) and edges.
func chainGraph(par map[string]int, names []string, edges ...Edge) *Graph {
	g := &Graph{Edges: edges}
	for _, n := range names {
		op := Operator{Name: n, Kind: Map, Parallelism: 2, Multiply: 1}
		if strings.HasPrefix(n, "src") {
			op = Operator{Name: n, Kind: Source, Parallelism: 2, Source: &SourceSpec{Rate: 1, Keys: 1, Distribution: Uniform, MaxValue: 1, RecordBytes: 1}}
		}
		if p, ok := par[n]; ok {
			op.Parallelism = p
		}
		g.Operators = append(g.Operators, op)
	}
	return g
}

func fwd(from, to string) Edge { return Edge{From: from, To: to, Partitioning: Forward} }

// TestChainFormation checks the chains against the rules of Flink's
// StreamingJobGraphGenerator.isChainable and createChain.
func TestChainFormation(t *testing.T) {
	abc := []string{"src", "a", "b"}
	cases := []struct {
		name   string
		g      *Graph
		change func(g *Graph)
		want   []string // vertex names, in order
	}{
		{"forward edges of equal parallelism chain", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")), nil,
			[]string{"src -> a -> b"}},
		{"rebalance does not chain", chainGraph(nil, abc, Edge{From: "src", To: "a", Partitioning: Rebalance}, fwd("a", "b")), nil,
			[]string{"src", "a -> b"}},
		{"hash does not chain", chainGraph(nil, abc, fwd("src", "a"), Edge{From: "a", To: "b", Partitioning: Hash}), nil,
			[]string{"src -> a", "b"}},
		{"broadcast does not chain", chainGraph(nil, abc, fwd("src", "a"), Edge{From: "a", To: "b", Partitioning: Broadcast}), nil,
			[]string{"src -> a", "b"}},
		{"different parallelism does not chain", chainGraph(map[string]int{"b": 3}, abc, fwd("src", "a"), Edge{From: "a", To: "b", Partitioning: Rebalance}), nil,
			[]string{"src -> a", "b"}},
		{"two inputs do not chain", chainGraph(nil, []string{"src", "src2", "a"}, fwd("src", "a"), fwd("src2", "a")), nil,
			[]string{"src", "src2", "a"}},
		{"disableChaining on the receiver", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")),
			func(g *Graph) { g.Operators[1].DisableChaining = true }, []string{"src", "a", "b"}},
		{"disableChaining on the sender", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")),
			func(g *Graph) { g.Operators[0].DisableChaining = true }, []string{"src", "a -> b"}},
		{"startNewChain heads a chain", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")),
			func(g *Graph) { g.Operators[1].StartNewChain = true }, []string{"src", "a -> b"}},
		{"startNewChain on a source changes nothing", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")),
			func(g *Graph) { g.Operators[0].StartNewChain = true }, []string{"src -> a -> b"}},
		{"chaining off for the job", chainGraph(nil, abc, fwd("src", "a"), fwd("a", "b")),
			func(g *Graph) { g.DisableChaining = true }, []string{"src", "a", "b"}},
		{"a chain branches", chainGraph(nil, []string{"src", "a", "b", "c"}, fwd("src", "a"), fwd("a", "b"), fwd("a", "c")), nil,
			[]string{"src -> a -> (b, c)"}},
		{"a branch that does not chain", chainGraph(nil, []string{"src", "a", "b", "c"}, fwd("src", "a"), fwd("a", "b"), Edge{From: "a", To: "c", Partitioning: Rebalance}), nil,
			[]string{"src -> a -> b", "c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				tc.change(tc.g)
			}
			var names []string
			for _, v := range tc.g.Chains() {
				names = append(names, v.Name)
			}
			assert.Equal(t, tc.want, names)
		})
	}
}

// TestChainableNeedsEqualParallelism: the rule holds on its own, although
// a valid graph has no forward edge between different parallelisms.
func TestChainableNeedsEqualParallelism(t *testing.T) {
	g := chainGraph(map[string]int{"a": 3}, []string{"src", "a"}, fwd("src", "a"))
	assert.Equal(t, []bool{false}, g.Chainable())
}

// TestExpandChains: a branching chain is one vertex whose subtasks write
// the gates of every chained operator, and only unchained edges get
// channels.
func TestExpandChains(t *testing.T) {
	g := chainGraph(map[string]int{"c": 1}, []string{"src", "a", "b", "c"}, fwd("src", "a"), fwd("a", "b"), Edge{From: "a", To: "c", Partitioning: Rebalance})
	g.Operators[2].Kind, g.Operators[3].Kind = Sink, Sink
	eg, err := Expand(g)
	require.NoError(t, err)
	require.Len(t, eg.Vertices, 2)
	assert.Equal(t, []int{0, 1, 2}, eg.Vertices[0].Operators)
	assert.Equal(t, []bool{true, true, false}, eg.Chained)
	assert.Equal(t, []string{"src -> a -> b[0]", "src -> a -> b[1]", "c[0]"}, subtaskNames(eg))
	require.Len(t, eg.Channels, 2)
	assert.Equal(t, "src -> a -> b[1]->c[0]", eg.ChannelName(1))
	assert.Equal(t, "a[1]->c[0]", eg.OperatorChannelName(1))
	assert.Equal(t, 1, eg.Subtasks[0].Outputs[0].From, "the chained operator a writes the gate")
	assert.Equal(t, eg.ByOperator[0], eg.ByOperator[2], "chained operators share their subtasks")
	for name, want := range map[string]int{"a[1]": 1, "src -> a -> b[0]": 0, "c[0]": 2} {
		id, ok := eg.SubtaskNamed(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, id, name)
	}
	_, ok := eg.SubtaskNamed("a[2]")
	assert.False(t, ok)
	for name, want := range map[string]int{"src -> a -> b[0]->c[0]": 0, "a[0]->c[0]": 0, "src -> a -> b[1]->c[0]": 1, "a[1]->c[0]": 1, "a[2]->c[0]": -1, "b[1]->c[0]": -1} {
		id, ok := eg.ChannelNamed(name)
		assert.Equal(t, want >= 0, ok, name)
		assert.Equal(t, want, id, name)
	}
	assert.True(t, eg.HasKind(0, Sink))
	assert.False(t, eg.HasKind(2, Map))
}

func subtaskNames(eg *ExecutionGraph) []string {
	var names []string
	for _, st := range eg.Subtasks {
		names = append(names, st.Name)
	}
	return names
}

// TestUnalignedUnsupported: once an operator has a forward or broadcast
// input, every input edge of it stays aligned (StreamGraphGenerator);
// other operators' inputs are unaligned.
func TestUnalignedUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edges []Edge
		want  []bool
	}{
		{"hash and rebalance support unaligned", []Edge{{From: "src", To: "a", Partitioning: Hash}, {From: "src2", To: "a", Partitioning: Rebalance}}, []bool{false, false}},
		{"a forward input disables every input", []Edge{{From: "src", To: "a", Partitioning: Forward}, {From: "src2", To: "a", Partitioning: Hash}}, []bool{true, true}},
		{"a broadcast input disables every input", []Edge{{From: "src", To: "a", Partitioning: Broadcast}, {From: "src2", To: "a", Partitioning: Hash}}, []bool{true, true}},
		{"only the receiver's inputs", []Edge{{From: "src", To: "a", Partitioning: Forward}, {From: "src2", To: "b", Partitioning: Hash}}, []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := chainGraph(nil, []string{"src", "src2", "a", "b"}, tc.edges...)
			assert.Equal(t, tc.want, g.UnalignedUnsupported())
		})
	}
}
