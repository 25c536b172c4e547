package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeyedState: the slotted state answers as a map would, for the keys
// the subtask owns in its table, keys of other subtasks (a misrouted
// record's), keys beyond the table and negative ones; its map form, a
// load, a clone and a reset keep it so.
func TestKeyedState(t *testing.T) {
	owners := newOwnerTable(100, 128, 3)
	var mine, others []int64
	for k := range int64(100) {
		if owners.of(k) == 1 {
			mine = append(mine, k)
		} else {
			others = append(others, k)
		}
	}
	require.NotEmpty(t, mine)
	tests := []struct {
		name string
		keys []int64
	}{
		{"none", nil},
		{"owned keys in the table", mine[:3]},
		{"another subtask's keys", others[:2]},
		{"beyond the table", []int64{100, 1 << 40}},
		{"negative", []int64{-7}},
		{"all kinds", []int64{mine[0], others[0], 1000, -1, mine[len(mine)-1]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyedState(&owners, 1)
			want := map[int64]int64{}
			for i, k := range tc.keys {
				require.Zero(t, ks.get(k), "key %d before it is set", k)
				ks.set(k, int64(i)*10) // 0 for the first: present, with value 0
				want[k] = int64(i) * 10
				ks.add(k, 3)
				want[k] += 3
				ks.add(k+1<<20, 2) // a key set by add alone
				want[k+1<<20] += 2
			}
			require.Equal(t, want, ks.toMap())
			require.Equal(t, len(want), ks.len())
			require.True(t, ks.equal(want))
			for k, v := range want {
				require.Equal(t, v, ks.get(k), "key %d", k)
			}
			if len(want) > 0 {
				for k := range want {
					other := map[int64]int64{}
					for k2, v := range want {
						other[k2] = v
					}
					other[k]++
					require.False(t, ks.equal(other), "a value differs at key %d", k)
					delete(other, k)
					require.False(t, ks.equal(other), "key %d missing", k)
				}
			}
			c := ks.clone()
			c.add(mine[1], 1)
			c.add(-99, 1)
			require.Equal(t, want, ks.toMap(), "a clone's changes stay its own")
			l := newKeyedState(&owners, 1)
			l.set(mine[2], 5)
			l.load(want)
			require.Equal(t, want, l.toMap(), "a load replaces what was there")
			ks.reset()
			require.Equal(t, map[int64]int64{}, ks.toMap())
			require.Zero(t, ks.len())
		})
	}
	var none *keyedState
	require.Nil(t, none.toMap(), "no keyed state has no map")
	require.Nil(t, none.clone())
	require.Zero(t, none.len())
}
