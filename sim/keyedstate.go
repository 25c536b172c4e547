package sim

import (
	"maps"
	"slices"
)

// keyedState is the keyed state of an aggregate subtask, or of the
// reference's copy of one: a value by key, as Flink's heap backend keeps
// it in its StateTable. The keys the job's sources read that the subtask
// owns (those of its key-owner table) have a slot each, numbered by that
// table (ownerTable.slot), so that a record's state is an indexed load: a
// Go map hashed and probed the key two or three times per record, about
// 9 % of `minimal`'s time with the reference's. Other keys (a scripted
// record's, or a key the table does not hold) are in a map.
//
// Snapshots, restores and comparisons see it as a map (toMap, load,
// equal): they happen once per checkpoint, records all the time.
type keyedState struct {
	owners *ownerTable // shared and never changed
	index  int32       // the subtask's index: its slots' keys are those it owns
	n      int32       // keys with a value, in slots and in more
	vals   []int64     // by slot
	has    []bool      // by slot: the key has a value
	more   map[int64]int64
}

// newKeyedState is the empty keyed state of subtask index of an operator
// whose keys owners assigns.
func newKeyedState(owners *ownerTable, index int) *keyedState {
	n := len(owners.keys[index])
	return &keyedState{owners: owners, index: int32(index), vals: make([]int64, n), has: make([]bool, n)}
}

// slotOf is key's slot, or -1 if it has none.
func (ks *keyedState) slotOf(key int64) int {
	o := ks.owners
	if uint64(key) < uint64(len(o.owner)) && o.owner[key] == ks.index {
		return int(o.slot[key])
	}
	return -1
}

// get is key's value (0 when it has none).
func (ks *keyedState) get(key int64) int64 {
	v, _ := ks.lookup(key)
	return v
}

// lookup is key's value and whether it has one.
func (ks *keyedState) lookup(key int64) (int64, bool) {
	if i := ks.slotOf(key); i >= 0 {
		return ks.vals[i], ks.has[i]
	}
	v, ok := ks.more[key]
	return v, ok
}

// set gives key the value v.
func (ks *keyedState) set(key, v int64) {
	if i := ks.slotOf(key); i >= 0 && ks.has[i] {
		ks.vals[i] = v // the common case, kept small enough to inline
		return
	}
	ks.setNew(key, v)
}

// add adds d to key's value (a key without one has 0).
func (ks *keyedState) add(key, d int64) {
	if i := ks.slotOf(key); i >= 0 && ks.has[i] {
		ks.vals[i] += d
		return
	}
	ks.setNew(key, ks.get(key)+d)
}

// setNew gives key the value v where it may have none yet.
func (ks *keyedState) setNew(key, v int64) {
	if i := ks.slotOf(key); i >= 0 {
		if !ks.has[i] {
			ks.has[i] = true
			ks.n++
		}
		ks.vals[i] = v
		return
	}
	if ks.more == nil {
		ks.more = map[int64]int64{}
	}
	if _, ok := ks.more[key]; !ok {
		ks.n++
	}
	ks.more[key] = v
}

// len is the number of keys with a value (0 for no keyed state).
func (ks *keyedState) len() int {
	if ks == nil {
		return 0
	}
	return int(ks.n)
}

// clone returns an independent copy (nil for nil).
func (ks *keyedState) clone() *keyedState {
	if ks == nil {
		return nil
	}
	c := *ks
	c.vals, c.has, c.more = slices.Clone(ks.vals), slices.Clone(ks.has), maps.Clone(ks.more)
	return &c
}

// reset empties the state.
func (ks *keyedState) reset() {
	clear(ks.vals)
	clear(ks.has)
	ks.more, ks.n = nil, 0
}

// each calls f for every key with a value, in no particular order.
func (ks *keyedState) each(f func(key, value int64)) {
	if ks == nil {
		return
	}
	if ks.n > int32(len(ks.more)) {
		for i, key := range ks.owners.keys[ks.index] {
			if ks.has[i] {
				f(int64(key), ks.vals[i])
			}
		}
	}
	for k, v := range ks.more {
		f(k, v)
	}
}

// toMap is the state as a map, a new one (nil for no keyed state).
func (ks *keyedState) toMap() map[int64]int64 {
	if ks == nil {
		return nil
	}
	m := make(map[int64]int64, ks.n)
	ks.each(func(k, v int64) { m[k] = v })
	return m
}

// load empties the state and sets the keys of m.
func (ks *keyedState) load(m map[int64]int64) {
	ks.reset()
	for k, v := range m { // each key to its own place: the order is irrelevant
		ks.set(k, v)
	}
}

// equal reports whether the state holds exactly the keys and values of m.
func (ks *keyedState) equal(m map[int64]int64) bool {
	if ks.len() != len(m) {
		return false
	}
	for k, v := range m {
		if w, ok := ks.lookup(k); !ok || w != v {
			return false
		}
	}
	return true
}
