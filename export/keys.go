package export

import (
	"cmp"
	"maps"
	"slices"
)

// key is what the exporters key maps by.
type key interface{ int64 | [2]int64 | [3]int64 }

// sortedKeys returns m's keys in order, so that output never depends on
// map order.
func sortedKeys[K key, V any](m map[K]V) []K {
	return slices.SortedFunc(maps.Keys(m), func(a, b K) int { return compareKeys(a, b) })
}

// compareKeys orders keys.
func compareKeys[K key](a, b K) int {
	switch x := any(a).(type) {
	case int64:
		return cmp.Compare(x, any(b).(int64))
	case [2]int64:
		y := any(b).([2]int64)
		return slices.Compare(x[:], y[:])
	case [3]int64:
		y := any(b).([3]int64)
		return slices.Compare(x[:], y[:])
	}
	return 0
}
