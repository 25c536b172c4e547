package sim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestOwnerTable: the table answers as KeyGroupRangeAssignment for the
// keys it holds and for those beyond it, and a run's tables are shared
// per (max parallelism, parallelism) without a clone's growing into the
// original's; it holds the keys sources read, within maxOwnerKeys.
func TestOwnerTable(t *testing.T) {
	tb := newOwnerTable(100, 128, 3)
	for _, key := range []int64{0, 1, 42, 99, 100, 1 << 40, -7} {
		require.Equal(t, topology.KeyOwner(key, 128, 3), tb.of(key), "key %d", key)
	}
	var ts ownerTables
	a := ts.get(10, 128, 3)
	require.Same(t, a, ts.get(10, 128, 3))
	clone := ts
	b := ts.get(10, 128, 4)
	c := clone.get(10, 256, 4)
	require.Equal(t, []*ownerTable{a, b}, []*ownerTable(ts))
	require.Equal(t, []*ownerTable{a, c}, []*ownerTable(clone))
	g := pipeline().Graph
	require.Equal(t, 20, ownerKeys(g))
	g.Operators[0].Source.Keys = 1 << 20
	require.Equal(t, maxOwnerKeys, ownerKeys(g))
}
