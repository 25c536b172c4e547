package topology

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipelinedRegions(t *testing.T) {
	src := &SourceSpec{Rate: 100, Keys: 10, Distribution: Uniform, MaxValue: 10, RecordBytes: 10}
	cases := []struct {
		name    string
		bSource bool // b is a second source instead of a map
		chained bool // chaining on (off, every operator is its own task)
		edges   []Edge
		want    []int // by subtask: a[0] a[1] b[0] b[1] c[0] c[1]
	}{
		{"a chain is one task, a region per index", false, true, []Edge{{From: "a", To: "b", Partitioning: Forward}, {From: "b", To: "c", Partitioning: Forward}},
			[]int{0, 1}},
		{"forward chains are one region per index", false, false, []Edge{{From: "a", To: "b", Partitioning: Forward}, {From: "b", To: "c", Partitioning: Forward}},
			[]int{0, 1, 0, 1, 0, 1}},
		{"an all-to-all edge joins both operators", false, false, []Edge{{From: "a", To: "b", Partitioning: Forward}, {From: "b", To: "c", Partitioning: Rebalance}},
			[]int{0, 0, 0, 0, 0, 0}},
		{"two sources forward into one sink", true, false, []Edge{{From: "a", To: "c", Partitioning: Forward}, {From: "b", To: "c", Partitioning: Forward}},
			[]int{0, 1, 0, 1, 0, 1}},
		{"a hash edge from one source joins everything", true, false, []Edge{{From: "a", To: "c", Partitioning: Forward}, {From: "b", To: "c", Partitioning: Hash}},
			[]int{0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &Graph{Operators: []Operator{
				{Name: "a", Kind: Source, Parallelism: 2, Source: src},
				{Name: "b", Kind: Map, Parallelism: 2, Multiply: 1},
				{Name: "c", Kind: Sink, Parallelism: 2},
			}, Edges: tc.edges, DisableChaining: !tc.chained}
			if tc.bSource {
				g.Operators[1] = Operator{Name: "b", Kind: Source, Parallelism: 2, Source: src}
			}
			eg, err := Expand(g)
			require.NoError(t, err)
			assert.Equal(t, tc.want, PipelinedRegions(eg))
		})
	}
}
