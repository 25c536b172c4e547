package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// sizedPipe is a source of uniform records of 50..150 bytes, a map that
// emits exponential records of 2,000 bytes on average, and a sink, over
// rebalance edges, with unaligned checkpoints.
func sizedPipe(seed uint64) Config {
	s := src("src", 1, 5000, 0)
	s.RecordSizes = &topology.RecordSizes{Shape: topology.UniformSize, Min: 50, Max: 150}
	m := topology.Operator{Name: "map", Kind: topology.Map, Parallelism: 1, Multiply: 1, Cost: 20 * time.Microsecond,
		RecordSizes: &topology.RecordSizes{Shape: topology.ExponentialSize, Min: 1, Mean: 2000}}
	ck := testCheckpoint()
	ck.Mode = Unaligned
	ck.Interval = 200 * time.Millisecond
	return Config{
		Name: "sized", Seed: seed,
		Graph: &topology.Graph{Operators: []topology.Operator{s, m, sink("sink", 1)}, Edges: []topology.Edge{
			{From: "src", To: "map", Partitioning: topology.Rebalance}, {From: "map", To: "sink", Partitioning: topology.Rebalance}}},
		Channels: DefaultChannelConfig(), Checkpoint: ck, Until: 2 * time.Second,
	}
}

// TestRecordSizesOfARun: the records a run's operators emit average the
// mean of their size distributions (the bytes each receiver consumed over
// the records it took), and the same seed gives a byte-identical trace.
func TestRecordSizesOfARun(t *testing.T) {
	evs, _, s := runTraced(t, sizedPipe(7))
	for _, tc := range []struct {
		receiver string
		mean     float64
	}{{"map[0]", 100}, {"sink[0]", 2000}} {
		id := subtaskID(t, s, tc.receiver)
		recs := received(evs, id, 0, time.Hour)
		require.Greater(t, recs, int64(5000))
		bytes := s.tasks[id].gates[0].bytes
		assert.InEpsilon(t, tc.mean, float64(bytes)/float64(recs), 0.03, "%s: mean bytes per record", tc.receiver)
	}
	h1, n1, r1 := runHashed(t, sizedPipe(7))
	h2, n2, r2 := runHashed(t, sizedPipe(7))
	assert.Equal(t, n1, n2)
	assert.Equal(t, h1, h2, "same seed, same trace")
	assert.Equal(t, r1, r2)
	h3, _, _ := runHashed(t, sizedPipe(8))
	assert.NotEqual(t, h1, h3, "the seed draws the sizes")
}

// TestRecordSizesReplay: a record's size is a function of the seed, the
// operator and the record's lineage, so a replayed record has its size.
func TestRecordSizesReplay(t *testing.T) {
	cfg := sizedPipe(7)
	op := &cfg.Graph.Operators[1]
	a, b := newRecordSizer(op, 1, 7), newRecordSizer(op, 1, 7)
	other := newRecordSizer(op, 1, 8)
	differ := 0
	for off := range int64(1000) {
		require.Equal(t, a.size(0, 3, off), b.size(0, 3, off))
		if a.size(0, 3, off) != other.size(0, 3, off) {
			differ++
		}
	}
	assert.Greater(t, differ, 900, "another seed draws other sizes")
	fixed := newRecordSizer(&topology.Operator{Kind: topology.Map}, 1, 7)
	assert.Equal(t, int32(123), fixed.size(123, 3, 5), "no distribution: the fixed size")
}
