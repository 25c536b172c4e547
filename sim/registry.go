package sim

import (
	"fmt"
	"maps"
)

// sharedRegistry is the JobManager's SharedStateRegistryImpl: every shared
// file of the completed checkpoints, with the id of the last checkpoint
// that referenced it. When the completed-checkpoint store drops a
// checkpoint, unregisterUnusedState(lowest retained id) deletes the files
// no retained checkpoint references any more
// (AbstractCompleteCheckpointStore.unregisterUnusedState). Files of one
// execution are never deleted by another: a resubmitted job (restore mode
// NO_CLAIM) does not own the files of the checkpoint it restored.
type sharedRegistry struct {
	entries map[int64]*sharedEntry
	// bytes is the size of every registered file; private the size of the
	// checkpoints' and savepoints' own files still in storage; peak the
	// largest sum of the two so far.
	bytes, private, peak int64
	// deleted are the ids of the files the registry deleted.
	deleted map[int64]bool
}

type sharedEntry struct {
	bytes, lastUsed int64
	execution       int
}

// register records that checkpoint n of execution exec references f. It
// reports false for a reused file (one n did not upload) that is no
// longer registered: Flink's registerReference refuses a placeholder for
// unknown state ("Attempt to reference unknown state").
func (r *sharedRegistry) register(f stateFile, n int64, exec int, uploaded bool) bool {
	if r.entries == nil {
		r.entries, r.deleted = map[int64]*sharedEntry{}, map[int64]bool{}
	}
	e := r.entries[f.id]
	switch {
	case e != nil:
		e.lastUsed = max(e.lastUsed, n)
		if f.bytes > e.bytes { // a log file that grew
			r.bytes += f.bytes - e.bytes
			e.bytes = f.bytes
		}
		return true
	case !uploaded && r.deleted[f.id]:
		return false
	}
	r.entries[f.id] = &sharedEntry{bytes: f.bytes, lastUsed: n, execution: exec}
	r.bytes += f.bytes
	return true
}

// unregisterUnused deletes execution exec's files that no checkpoint from
// lowest on references.
func (r *sharedRegistry) unregisterUnused(exec int, lowest int64) {
	for id, e := range r.entries { // deleting is independent of the order
		if e.execution == exec && e.lastUsed < lowest {
			delete(r.entries, id)
			r.deleted[id] = true
			r.bytes -= e.bytes
		}
	}
}

// used is the storage the checkpoints in storage take now.
func (r *sharedRegistry) used() int64 { return r.bytes + r.private }

// note records the peak after a change.
func (r *sharedRegistry) note() { r.peak = max(r.peak, r.used()) }

// registerShared registers the shared files of completed checkpoint cs
// (CompletedCheckpoint.registerSharedStatesAfterRestored and
// OperatorSubtaskState.registerSharedStates). It reports false if cs
// reuses a file the registry already deleted: Flink then fails to
// finalize the checkpoint.
func (co *coordinator) registerShared(cs *CheckpointStats) bool {
	for _, files := range cs.files {
		for _, f := range files {
			if !co.shared.register(f, cs.ID, cs.Execution, !f.reused) {
				return false
			}
		}
	}
	return true
}

// deleteCheckpoint deletes checkpoint cs from checkpoint storage; its
// shared files go when the registry finds them unused.
func (co *coordinator) deleteCheckpoint(cs *CheckpointStats, why string) {
	if cs.InStorage && !cs.Savepoint {
		co.shared.private -= cs.privateBytes
	}
	cs.discard(why)
}

// unregisterUnused deletes the current execution's shared files that no
// checkpoint in its store references, and checks that every retained
// checkpoint still finds all its files.
func (co *coordinator) unregisterUnused(s *Sim) {
	lowest := int64(never)
	if len(co.retained) > 0 {
		lowest = co.retained[0]
	}
	co.shared.unregisterUnused(co.execution, lowest)
	for _, n := range co.retained {
		cs := co.get(n)
		for i, files := range cs.files {
			for _, f := range files {
				if co.shared.entries[f.id] == nil && s.sharedLost == "" {
					s.sharedLost = fmt.Sprintf("file %d (%d bytes) of %s, %s, was deleted while the checkpoint is retained", f.id, f.bytes, co.label(n), s.eg.Subtasks[i].Name)
				}
			}
		}
	}
}

// sharedInvariant is the verdict on the shared-state registry: it never
// deleted a file that a retained checkpoint references.
func (s *Sim) sharedInvariant() Invariant {
	if s.sharedLost != "" {
		return Invariant{Name: "shared-state", Detail: s.sharedLost}
	}
	return Invariant{Name: "shared-state", OK: true, Detail: fmt.Sprintf("%d shared file(s) in storage at the end, %d deleted, none while a retained checkpoint referenced it",
		len(s.coord.shared.entries), len(s.coord.shared.deleted))}
}

// clone deep-copies the registry for Sim.Clone.
func (r *sharedRegistry) clone() {
	if r.entries == nil {
		return // nothing registered yet
	}
	entries := make(map[int64]*sharedEntry, len(r.entries))
	for id, e := range r.entries {
		x := *e
		entries[id] = &x
	}
	r.entries, r.deleted = entries, maps.Clone(r.deleted)
}

// StorageBytes is what the checkpoints and savepoints in checkpoint
// storage take now (Summary.StorageBytes at the end of the run).
func (s *Sim) StorageBytes() int64 { return s.coord.shared.used() }
