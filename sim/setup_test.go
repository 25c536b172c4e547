package sim

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// allocatedBy is the bytes f allocates.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestZipfTablesAreShared: 1024 partitions of a Zipf source with 2^20 keys
// build one table of 8 MiB, not one per partition (8.4 GB and 78 s inside
// New before).
func TestZipfTablesAreShared(t *testing.T) {
	cfg := pipeline()
	s := cfg.Graph.Operators[0].Source
	cfg.Graph.Operators[0].Parallelism = 1024
	s.Keys, s.Distribution, s.ZipfS = 1<<20, topology.Zipf, 1.1
	var sim *Sim
	bytes := allocatedBy(func() { sim = newSim(t, cfg) })
	assert.Less(t, bytes, uint64(64<<20), "New allocated %d bytes", bytes)
	first := sim.logs[0].zipf
	for _, l := range sim.logs {
		assert.Same(t, &first[0], &l.zipf[0])
	}
}

// TestSetupOfTheLargestJob: New of a job at the execution graph's bounds
// (10,000 operators in a line) takes linear work, not cubic (the reference
// looked up both ends of every edge for every operator).
func TestSetupOfTheLargestJob(t *testing.T) {
	g := &topology.Graph{}
	g.Operators = append(g.Operators, src("s", 1, 1000, 0))
	for i := range topology.MaxSubtasks - 2 {
		g.Operators = append(g.Operators, agg(fmt.Sprintf("a%d", i), 1, time.Microsecond))
	}
	g.Operators = append(g.Operators, sink("out", 1))
	for i := 1; i < len(g.Operators); i++ {
		g.Edges = append(g.Edges, topology.Edge{From: g.Operators[i-1].Name, To: g.Operators[i].Name, Partitioning: topology.Hash})
	}
	cfg := pipeline()
	cfg.Graph = g
	start := time.Now()
	_, err := New(cfg)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 10*time.Second) // minutes before
}
