package scenarios

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// wideJob is a keyed job whose count operator has parallelism p; extra is
// added to the count operator's mapping and top to the top level.
func wideJob(p int, extra, top string) string {
	return "name: wide\nuntil: 1s\n" + top +
		"operators:\n" +
		"  - {name: src, kind: source, parallelism: 4, rate: 2000, keys: 5000}\n" +
		"  - {name: count, kind: aggregate, parallelism: " + strconv.Itoa(p) + ", cost: 0" + extra + "}\n" +
		"  - {name: sink, kind: sink}\n" +
		"edges:\n  - {from: src, to: count, partitioning: hash}\n  - {from: count, to: sink, partitioning: rebalance}\n" +
		"checkpoint: {interval: 400ms}\n"
}

// TestEveryCountSubtaskGetsKeys: with Flink's default max parallelism (512
// for 200 subtasks) every subtask of a keyed operator of parallelism 200
// owns keys, so every one snapshots keyed state; with 128 key groups, 72
// of them would own none.
func TestEveryCountSubtaskGetsKeys(t *testing.T) {
	sc, err := Parse("wide.yaml", []byte(wideJob(200, "", "")))
	require.NoError(t, err)
	count := sc.Config.Graph.Index("count")
	assert.Equal(t, 512, sc.Config.Graph.MaxParallelismOf(count))
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	r := s.Run()
	var done *sim.CheckpointStats
	for i := range r.Checkpoints {
		if r.Checkpoints[i].Status == sim.Completed {
			done = &r.Checkpoints[i]
		}
	}
	require.NotNil(t, done, "no checkpoint completed")
	for _, id := range s.Graph().ByOperator[count] {
		assert.Positive(t, done.Subtasks[id].StateBytes, "%s owns no key", s.Graph().Subtasks[id].Name)
	}
	for _, inv := range r.Invariants {
		assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
	}
}

func TestMaxParallelismKeys(t *testing.T) {
	sc, err := Parse("wide.yaml", []byte(wideJob(200, ", max_parallelism: 300", "max_parallelism: 1000\n")))
	require.NoError(t, err)
	g := sc.Config.Graph
	assert.Equal(t, 1000, g.MaxParallelism)
	assert.Equal(t, 300, g.MaxParallelismOf(g.Index("count")), "the operator's own wins")
	assert.Equal(t, 1000, g.MaxParallelismOf(g.Index("src")), "the job's for the others")
	out, err := Marshal(sc.Config, sc.Name, "")
	require.NoError(t, err)
	back, err := Parse("back.yaml", out)
	require.NoError(t, err, string(out))
	assert.Equal(t, g.MaxParallelism, back.Config.Graph.MaxParallelism)
	assert.Equal(t, g.Operators, back.Config.Graph.Operators)
}

func TestMaxParallelismRefused(t *testing.T) {
	higher := "Vertex count's parallelism (200) is higher than the max parallelism (%s). Please lower the parallelism or increase the max parallelism."
	cases := []struct{ name, yaml, want string }{
		{"operator below its parallelism", wideJob(200, ", max_parallelism: 128", ""),
			"t.yaml:5:5: " + strings.Replace(higher, "%s", "128", 1)},
		{"job below an operator's parallelism", wideJob(200, "", "max_parallelism: 150\n"),
			"t.yaml:6:5: " + strings.Replace(higher, "%s", "150", 1)},
		{"explicit zero", wideJob(2, ", max_parallelism: 0", ""),
			"t.yaml:5:78: max_parallelism: Maximum parallelism must be between 1 and 32768. Found: 0"},
		{"job above the bound", wideJob(2, "", "max_parallelism: 32769\n"),
			"t.yaml:3:18: max_parallelism: Maximum parallelism must be between 1 and 32768. Found: 32769"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, tc.yaml, tc.want)
		})
	}
}
