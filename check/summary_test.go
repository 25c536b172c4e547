package check

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

func TestShardRange(t *testing.T) {
	for _, tc := range []struct{ runs, n int }{{10, 3}, {7, 7}, {3, 5}, {1_000_000, 64}, {1, 1}} {
		next, sizes := uint64(5), map[int]bool{}
		for k := range tc.n {
			first, count := ShardRange(5, tc.runs, k, tc.n)
			require.Equal(t, next, first, "%v shard %d starts where the previous ended", tc, k)
			next += uint64(count)
			sizes[count] = true
		}
		assert.Equal(t, uint64(5+tc.runs), next, "%v: the shards cover the range", tc)
		assert.LessOrEqual(t, len(sizes), 2, "%v: sizes differ by at most one", tc)
	}
}

// TestMergeEqualsOneSweep: the merged summaries of the shards of a sweep
// equal the summary of one sweep over the whole range, failures and the
// known Flink behaviours (of Flink 1.14's runs) included.
func TestMergeEqualsOneSweep(t *testing.T) {
	b := DefaultBounds()
	b.Versions = []sim.FlinkVersion{{Major: 1, Minor: 14}, sim.CurrentFlinkVersion}
	props := []Property{ConsistentCut, NoLoss, AtLeastOnceIsExactlyOnce} // the negative one fails on some seeds
	id := SweepID{Seed: 11, Runs: 60, Shards: 1, Properties: []string{ConsistentCut.Name, NoLoss.Name, AtLeastOnceIsExactlyOnce.Name}}
	sweep := func(seed uint64, runs int) Summary {
		sw := &Sweep{Bounds: b, Properties: props, Seed: seed, Runs: runs, Workers: 2}
		return sw.Run(context.Background()).Summary(id, seed, 2)
	}
	whole := sweep(id.Seed, id.Runs)
	require.True(t, whole.Failed(), "the negative property fails somewhere in the range")
	require.Positive(t, whole.Properties[1].Behaviours[UncommittedAtFinish], "no-loss: %+v", whole.Properties[1])
	require.Empty(t, whole.Missing())

	id.Shards = 4
	whole.Sweep.Shards = 4
	var shards []Summary
	for _, k := range []int{2, 0, 3, 1} { // in any order
		first, count := ShardRange(id.Seed, id.Runs, k, id.Shards)
		shards = append(shards, sweep(first, count))
	}
	merged, err := Merge(shards...)
	require.NoError(t, err)
	merged.Seconds, merged.WorkerSeconds, whole.Seconds, whole.WorkerSeconds = 0, 0, 0, 0
	assert.Equal(t, whole, merged)

	part, err := Merge(shards[0], shards[1]) // shards 2 and 0
	require.NoError(t, err)
	first1, count1 := ShardRange(id.Seed, id.Runs, 1, 4)
	first3, count3 := ShardRange(id.Seed, id.Runs, 3, 4)
	assert.Equal(t, []SeedRange{{first1, first1 + uint64(count1) - 1}, {first3, first3 + uint64(count3) - 1}}, part.Missing())

	_, err = Merge(shards[0], shards[0])
	assert.ErrorContains(t, err, "are in two summaries")
	other := shards[1]
	other.Sweep.Flags = " --faults always"
	_, err = Merge(shards[0], other)
	assert.ErrorContains(t, err, "summary 2 is of another sweep")
}
