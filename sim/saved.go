package sim

import (
	"maps"
	"slices"
)

// What a completed checkpoint holds for a subtask, and which records the
// sinks wrote more than once: read-only views for a UI, like inspect.go.

// SavedRecord is a record in a checkpoint's channel state: replayed into
// the receiving subtask when it restores.
type SavedRecord struct {
	// Channel it was persisted from (an execution graph channel).
	Channel int
	// Key and Value of the record, Bytes its size.
	Key, Value int64
	Bytes      int
	// Output: persisted by the sender from its output queue (an
	// unaligned barrier overtaking output buffers), not by the receiver.
	Output bool
}

// SavedState is what checkpoint storage holds of one completed
// checkpoint for one subtask: what a restore from it loads.
type SavedState struct {
	// Source: the subtask is a source and Splits its list state, the
	// splits it resumes at their offsets (none once its partitions had
	// ended).
	Source bool
	Splits []SplitView
	// State is the keyed state, sorted by key.
	State []KeyValue
	// Channel is the channel state replayed into the subtask, as
	// persisted.
	Channel []SavedRecord
	// Transactions are a two-phase commit sink's transactions the
	// checkpoint pre-committed, which a restore commits.
	Transactions []SinkTransaction
}

// SavedState returns what checkpoint n holds for subtask id; ok is false
// when n is not a completed checkpoint still in checkpoint storage (of the
// current execution).
func (s *Sim) SavedState(n int64, id int) (SavedState, bool) {
	cs := s.coord.get(n)
	if cs == nil || cs.Status != Completed || !cs.InStorage {
		return SavedState{}, false
	}
	t := &s.tasks[id]
	v := SavedState{Source: t.isSource()}
	if v.Source && id < len(cs.splits) {
		for _, p := range cs.splits[id] {
			v.Splits = append(v.Splits, SplitView{int(p), cs.Offsets[p]})
		}
	}
	if id < len(cs.states) {
		for _, k := range slices.Sorted(maps.Keys(cs.states[id])) {
			v.State = append(v.State, KeyValue{k, cs.states[id][k]})
		}
	}
	for _, state := range []struct {
		lists  [][]persistedRecord
		output bool
	}{{cs.inState, false}, {cs.outState, true}} {
		for p := range allRecords(state.lists) {
			if int(s.eg.Channels[p.channel].To) == id {
				v.Channel = append(v.Channel, SavedRecord{Channel: int(p.channel), Key: p.item.key, Value: p.item.value, Bytes: int(p.item.bytes), Output: state.output})
			}
		}
	}
	if id < len(cs.txns) {
		for _, x := range cs.txns[id] {
			v.Transactions = append(v.Transactions, SinkTransaction{Checkpoint: x.ck, Records: len(x.recs)})
		}
	}
	return v, true
}

// Duplicate is a source record whose outputs reached the sinks more often
// than in a failure-free run.
type Duplicate struct {
	// Partition and Offset of the source record, its Key and Value.
	Partition int
	Offset    int64
	Key       int64
	Value     int64
	// Written is how many outputs of it the sinks made visible, Want how
	// many a failure-free run makes.
	Written, Want int64
}

// AppendDuplicates appends to buf, up to limit of them, the source records
// read so far whose outputs the sinks wrote more often than a failure-free
// run, in partition and offset order, and returns the extra outputs of all
// of them. ok is false for a run whose sinks' output is not counted: only
// one whose sources are all bounded is (see Summary.Duplicates).
func (s *Sim) AppendDuplicates(buf []Duplicate, limit int) (out []Duplicate, extra int64, ok bool) {
	return s.checks.end.appendDuplicates(buf, limit)
}
