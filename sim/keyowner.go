package sim

import (
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// maxOwnerKeys bounds a key-owner table: keys from 0 below it are looked
// up, the others (a source with more keys, a scripted record's) hashed.
const maxOwnerKeys = 1 << 16

// ownerTable is topology.KeyOwner over the keys the job's sources read,
// for one receiver's max parallelism and parallelism: a record routed on
// a hash edge, or fed into the reference, looks its subtask up rather
// than hashing its key (murmur and two divisions) on every record. It
// numbers each subtask's keys too, the slots of its keyed state
// (keyedstate.go).
type ownerTable struct {
	maxPar, par int
	owner       []int32   // by key
	slot        []int32   // by key: its place among its owner's keys
	keys        [][]int32 // by subtask: its keys, by slot
}

// ownerKeys is how many keys from 0 the key-owner tables of graph g hold:
// the most keys of its sources (a source reads keys 0 up to its keys),
// within maxOwnerKeys.
func ownerKeys(g *topology.Graph) int {
	n := 0
	for i := range g.Operators {
		if src := g.Operators[i].Source; src != nil {
			n = max(n, src.Keys)
		}
	}
	return min(n, maxOwnerKeys)
}

// newOwnerTable is the table of the first keys keys.
func newOwnerTable(keys, maxPar, par int) ownerTable {
	t := ownerTable{maxPar: maxPar, par: par, owner: make([]int32, keys), slot: make([]int32, keys), keys: make([][]int32, par)}
	for k := range t.owner {
		o := topology.KeyOwner(int64(k), maxPar, par)
		t.owner[k], t.slot[k] = int32(o), int32(len(t.keys[o]))
		t.keys[o] = append(t.keys[o], int32(k))
	}
	return t
}

// of is the subtask that owns key.
func (t *ownerTable) of(key int64) int {
	if uint64(key) < uint64(len(t.owner)) {
		return int(t.owner[key])
	}
	return topology.KeyOwner(key, t.maxPar, t.par)
}

// ownerTables are the tables a run built, one per distinct (max
// parallelism, parallelism); they never change once built, so gates and
// clones share them.
type ownerTables []*ownerTable

// get returns the table for maxPar and par, building it for keys keys if
// there is none yet. The list is copied when it grows, so that a clone's
// list never shares a slot with the original's.
func (ts *ownerTables) get(keys, maxPar, par int) *ownerTable {
	for _, t := range *ts {
		if t.maxPar == maxPar && t.par == par {
			return t
		}
	}
	t := newOwnerTable(keys, maxPar, par)
	*ts = append(slices.Clip(*ts), &t)
	return &t
}
