package sim

import (
	"maps"
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// stateFile is a file of a keyed-state snapshot in checkpoint storage that
// checkpoints may share: an SST file of an incremental RocksDB checkpoint,
// or a materialization or a log segment of the changelog backend. Its id
// is unique in a run.
type stateFile struct {
	id, bytes int64
	level     int  // the LSM level of an SST file
	log       bool // a changelog segment
	// reused marks, in a snapshot, a file the snapshot did not upload: it
	// was in the last confirmed checkpoint.
	reused bool
}

// backend is the keyed state backend of one stateful subtask: the sizes of
// what it holds and has uploaded. The keyed state itself is task.state;
// the backend models what a snapshot of it costs.
type backend struct {
	// memtable holds the keys written since RocksDB's last flush, l0keys
	// those of every L0 file (restoredL0 the bytes of restored L0 files,
	// whose keys are unknown).
	memtable   map[int64]struct{}
	l0keys     map[int64]struct{}
	restoredL0 int64
	// levels are RocksDB's SST files by level, L0 first, newest last.
	levels [][]stateFile
	// snapped are the shared files of the snapshots taken and not yet
	// confirmed, by checkpoint id, oldest first (RocksIncrementalSnapshotStrategy's
	// uploadedSstFiles); base are those of the last checkpoint notified
	// complete (lastCompletedCheckpointId), with the length it referenced,
	// which the next snapshot need not upload again.
	snapped []snappedFiles
	base    map[int64]int64
	// The changelog backend (ChangelogKeyedStateBackend): logBuffer bytes
	// of state changes not yet persisted, segments the log files persisted
	// since the materialization mat (the wrapped backend's snapshot), and
	// matPending a materialization in flight, which takes over the
	// segments from matFrom on once uploaded. A log file grows with each
	// upload while logOpen; a checkpoint references its length then, so a
	// subtask has at most two log files and a checkpoint as many
	// references, however long the log.
	logBuffer  int64
	logOpen    bool
	segments   []stateFile
	mat        []stateFile
	matPending []stateFile
	matFrom    int
	// unuploaded is state the next checkpoint uploads whatever the base
	// says: a backend rebuilt by a manual restore (restore mode NO_CLAIM:
	// the first checkpoint after it is a full one).
	unuploaded bool
}

// snappedFiles are the shared files of one snapshot.
type snappedFiles struct {
	id    int64
	files []stateFile
}

// keyedBackend reports whether subtask t keeps keyed state in a backend.
func (t *task) keyedBackend() bool { return t.op.Kind == topology.Aggregate }

// newFile is a new shared file of bytes.
func (s *Sim) newFile(bytes int64, level int) stateFile {
	s.fileSeq++
	return stateFile{id: s.fileSeq, bytes: bytes, level: level}
}

// stateWritten tells the backend that t wrote key: RocksDB puts it in the
// memtable and flushes a full memtable in the background; the changelog
// appends the change and persists a full buffer as a segment.
func (s *Sim) stateWritten(t *task, key int64) {
	b := &s.cfg.StateBackend
	if b.Type == RocksDB {
		t.backend.memtable[key] = struct{}{}
		if int64(len(t.backend.memtable))*int64(t.op.StateBytesPerKey) >= b.WriteBufferSize {
			s.flush(t)
		}
	}
	if b.Changelog.Enabled {
		bk := &t.backend
		if bk.logBuffer += int64(t.op.StateBytesPerKey); bk.logBuffer >= b.Changelog.PersistSize {
			s.persistLog(t)
		}
	}
}

// persistLog uploads the changelog's buffer as a new segment (in the
// background, BatchingStateChangeUploadScheduler) and returns its size.
func (s *Sim) persistLog(t *task) int64 {
	bk := &t.backend
	n := bk.logBuffer
	if n == 0 {
		return 0
	}
	if !bk.logOpen {
		f := s.newFile(0, 0)
		f.log = true
		bk.segments = append(bk.segments, f)
		bk.logOpen = true
	}
	bk.segments[len(bk.segments)-1].bytes += n
	bk.logBuffer = 0
	return n
}

// flush writes RocksDB's memtable to a new L0 file and returns its size.
// A compaction that the L0 files started runs first: the model lets a
// background compaction finish before the next flush.
func (s *Sim) flush(t *task) int64 {
	bk := &t.backend
	s.compact(t)
	n := int64(len(bk.memtable)) * int64(t.op.StateBytesPerKey)
	if n == 0 {
		return 0
	}
	if bk.l0keys == nil {
		bk.l0keys = map[int64]struct{}{}
	}
	for k := range bk.memtable { // a set: the order is irrelevant
		bk.l0keys[k] = struct{}{}
	}
	clear(bk.memtable)
	if len(bk.levels) == 0 {
		bk.levels = make([][]stateFile, 1)
	}
	bk.levels[0] = append(bk.levels[0], s.newFile(n, 0))
	return n
}

// compact is the model of RocksDB's leveled compaction, run before each
// flush (the background threads' work between two flushes). Once L0
// holds Level0Trigger files they are merged with all of L1 (L0 files span
// every key) into new L1 files: the distinct keys of the L0 files plus
// L1, at most the live state. A level l >= 1 larger than its target
// (LevelBase for L1, LevelMultiplier times more for each level below)
// moves its oldest files, 1/Level0Trigger of its excess, into level l+1:
// they cover that share of the key range, so they are merged with the
// same share of level l+1 (its oldest files). A merge writes min(its inputs,
// the live state) bytes, split into files of TargetFileSize: keys written
// again replace their older versions, and no merge holds a key twice.
// The new files are what the next incremental checkpoint uploads.
func (s *Sim) compact(t *task) {
	bk := &t.backend
	b := &s.cfg.StateBackend
	if len(bk.levels) == 0 {
		return
	}
	live := stateBytesOf(t)
	if len(bk.levels[0]) >= b.Level0Trigger {
		if len(bk.levels) == 1 {
			bk.levels = append(bk.levels, nil)
		}
		l0 := int64(len(bk.l0keys))*int64(t.op.StateBytesPerKey) + bk.restoredL0 // the versions of one key merge
		merged := min(l0+levelBytes(bk.levels[1]), live)
		bk.levels[0], bk.levels[1] = nil, s.split(merged, 1)
		clear(bk.l0keys)
		bk.restoredL0 = 0
	}
	target := b.LevelBase
	for l := 1; l < len(bk.levels); l++ {
		size := levelBytes(bk.levels[l])
		if size <= target {
			break
		}
		if l+1 == len(bk.levels) {
			bk.levels = append(bk.levels, nil)
		}
		// Background compaction keeps up over the Level0Trigger flushes
		// until the next L0 compaction: a share of the excess each time.
		var picked []stateFile
		picked, bk.levels[l] = takeOldest(bk.levels[l], (size-target+int64(b.Level0Trigger)-1)/int64(b.Level0Trigger))
		share := levelBytes(picked)
		var under []stateFile
		next := levelBytes(bk.levels[l+1])
		under, bk.levels[l+1] = takeOldest(bk.levels[l+1], nanos(float64(next)*float64(share)/float64(size)))
		out := min(share+levelBytes(under), live)
		bk.levels[l+1] = append(bk.levels[l+1], s.split(out, l+1)...)
		target = satMul(target, int64(b.LevelMultiplier))
	}
}

// takeOldest takes the oldest files of a level, at least bytes of them
// (none for 0), and returns them and the rest.
func takeOldest(files []stateFile, bytes int64) (taken, rest []stateFile) {
	n := 0
	for sum := int64(0); n < len(files) && sum < bytes; n++ {
		sum += files[n].bytes
	}
	return slices.Clone(files[:n]), slices.Clone(files[n:])
}

// maxSplitFiles bounds the files one merge writes: a larger merge writes
// larger files than TargetFileSize, so that a snapshot's work and memory
// stay bounded whatever the state's size (a simplification: RocksDB
// writes many more files of the target size).
const maxSplitFiles = 64

// split is bytes written as new files of level, of TargetFileSize each
// (larger for a merge of more than maxSplitFiles such files).
func (s *Sim) split(bytes int64, level int) []stateFile {
	var files []stateFile
	size := max(s.cfg.StateBackend.TargetFileSize, (bytes+maxSplitFiles-1)/maxSplitFiles)
	for ; bytes > 0; bytes -= size {
		files = append(files, s.newFile(min(bytes, size), level))
	}
	return files
}

// satMul is a*b saturated at MaxStateBackendFile*MaxLevelMultiplier.
func satMul(a, b int64) int64 {
	const top = MaxStateBackendFile * MaxLevelMultiplier
	if a > top/b {
		return top
	}
	return a * b
}

func levelBytes(files []stateFile) int64 {
	var n int64
	for _, f := range files {
		n += f.bytes
	}
	return n
}

// backendSnapshot is what a subtask's snapshot holds and uploads.
type backendSnapshot struct {
	// files are the shared files it references, private the bytes only it
	// owns (a full snapshot, a source's offsets).
	files   []stateFile
	private int64
	// full is the Full Checkpoint Data Size, checkpointed the
	// Checkpointed Data Size (private plus the files not in the base),
	// upload what the async phase writes now, and flushed what the sync
	// phase flushed.
	full, checkpointed, upload, flushed int64
}

// snapshotBackend takes the backend's part of checkpoint n at subtask t
// in the sync phase. A savepoint is always in the canonical format: a
// full, self-contained copy of the live state, not shared with anything
// (SavepointType, SnapshotType.SAVEPOINT); so is every snapshot of a
// subtask without keyed state (a source's offsets are operator state).
func (s *Sim) snapshotBackend(t *task, n int64, savepoint bool) backendSnapshot {
	live := stateBytesOf(t)
	b := &s.cfg.StateBackend
	full := backendSnapshot{private: live, full: live, checkpointed: live, upload: live}
	if savepoint || !t.keyedBackend() {
		return full
	}
	bk := &t.backend
	var snap backendSnapshot
	switch {
	case b.Changelog.Enabled:
		// ChangelogKeyedStateBackend.snapshot: the materialized part and
		// the log after it; only the buffer's tail is uploaded now.
		snap.upload = s.persistLog(t)
		snap.files = append(slices.Clone(bk.mat), bk.segments...) // the log files' lengths now
	case b.incremental():
		// The native checkpoint of RocksDB flushes the memtable.
		snap.flushed = s.flush(t)
		for _, l := range bk.levels {
			snap.files = append(snap.files, l...)
		}
	default:
		// HeapSnapshotStrategy and RocksFullSnapshotStrategy: the whole
		// live state, from a copy-on-write view or a RocksDB snapshot,
		// without a flush.
		return full
	}
	for i, f := range snap.files {
		snap.full += f.bytes
		had, ok := bk.base[f.id]
		snap.files[i].reused = !bk.unuploaded && ok
		if !snap.files[i].reused {
			had = 0
		}
		snap.checkpointed += f.bytes - had // a log file: what was appended since
	}
	if b.incremental() && !b.Changelog.Enabled || bk.unuploaded {
		snap.upload = snap.checkpointed
	}
	bk.snapped = append(bk.snapped, snappedFiles{id: n, files: snap.files})
	return snap
}

// confirmBackend is notifyCheckpointComplete(n) at the backend: the files
// of its snapshot n become the base of the next snapshot, and the older
// snapshots are forgotten.
func (t *task) confirmBackend(n int64) {
	bk := &t.backend
	i := slices.IndexFunc(bk.snapped, func(sf snappedFiles) bool { return sf.id == n })
	if i < 0 {
		return
	}
	bk.base = make(map[int64]int64, len(bk.snapped[i].files))
	for _, f := range bk.snapped[i].files {
		bk.base[f.id] = f.bytes
	}
	bk.unuploaded = false
	bk.snapped = slices.Delete(bk.snapped, 0, i+1)
}

// restoreBackend rebuilds subtask t's backend after t.state was restored
// from files, its shared files in the restored checkpoint (nil: none).
// With files the backend has exactly those (the SST files in their
// levels, the materialization and the log segments of the changelog) and
// takes them as its base (RocksDBIncrementalRestoreOperation:
// lastCompletedCheckpointId is the restored one); full is restore mode
// NO_CLAIM, whose first checkpoint is a full one all the same. Without
// files (a savepoint, a full snapshot, a rescaled state) the backend is
// built anew from the live state: its files are new and the next
// checkpoint uploads them all.
func (s *Sim) restoreBackend(t *task, files []stateFile, full bool) {
	bk := &t.backend
	*bk = backend{memtable: map[int64]struct{}{}, base: map[int64]int64{}, unuploaded: full}
	if !t.keyedBackend() {
		return
	}
	b := &s.cfg.StateBackend
	if len(files) > 0 {
		for _, f := range files {
			f.reused = false
			bk.base[f.id] = f.bytes
			switch {
			case f.log:
				bk.segments = append(bk.segments, f)
				continue
			case b.Changelog.Enabled:
				bk.mat = append(bk.mat, f)
			}
			if b.Type == RocksDB {
				for len(bk.levels) <= f.level {
					bk.levels = append(bk.levels, nil)
				}
				bk.levels[f.level] = append(bk.levels[f.level], f)
				if f.level == 0 {
					bk.restoredL0 += f.bytes
				}
			}
		}
		return
	}
	live := stateBytesOf(t)
	bk.unuploaded = true
	switch {
	case b.Changelog.Enabled:
		if live > 0 {
			bk.mat = []stateFile{s.newFile(live, 0)}
		}
	case b.Type == RocksDB:
		bk.levels = [][]stateFile{nil, s.split(live, 1)}
	}
}

// materialize starts the changelog backend's periodic materialization
// (PeriodicMaterializationManager): the wrapped backend's snapshot, taken
// after the log's buffer is persisted, is uploaded in the background; the
// segments persisted up to now are then no longer needed by new
// checkpoints. The next one is scheduled an interval later.
func (s *Sim) materialize(t *task) {
	b := &s.cfg.StateBackend
	bk := &t.backend
	interval := int64(b.Changelog.MaterializationInterval)
	s.schedule(t, later(s.now, interval), evMaterialize, 0)
	if bk.matPending != nil || len(bk.segments) == 0 && bk.logBuffer == 0 {
		return // one in flight, or nothing changed since the last one
	}
	s.persistLog(t)
	live := stateBytesOf(t)
	var upload int64
	if b.incremental() {
		s.flush(t)
		for _, l := range bk.levels {
			bk.matPending = append(bk.matPending, l...)
		}
		upload = levelBytes(bk.matPending) // every file not in the last materialization
		for _, f := range bk.mat {
			if slices.ContainsFunc(bk.matPending, func(g stateFile) bool { return g.id == f.id }) {
				upload -= f.bytes
			}
		}
	} else {
		bk.matPending = []stateFile{s.newFile(live, 0)}
		upload = live
	}
	bk.matFrom, bk.logOpen = len(bk.segments), false // later changes go to a new log file
	s.trace(TraceEvent{Kind: MaterializationStarted, Subtask: t.id, Channel: -1, N: upload})
	s.schedule(t, later(s.now, later(int64(s.cfg.Checkpoint.AsyncBase), s.uploadTime(upload))), evMaterialized, 0)
}

// materialized ends an upload of a materialization: later checkpoints
// reference it and the segments after it.
func (s *Sim) materialized(t *task) {
	bk := &t.backend
	if bk.matPending == nil {
		return
	}
	bk.mat, bk.matPending = bk.matPending, nil
	bk.segments = slices.Clone(bk.segments[bk.matFrom:])
	s.trace(TraceEvent{Kind: MaterializationCompleted, Subtask: t.id, Channel: -1, N: levelBytes(bk.mat)})
}

// startBackend starts the backend of a (re)deployed stateful subtask: its
// periodic materialization, with the changelog.
func (s *Sim) startBackend(t *task) {
	if s.cfg.StateBackend.Changelog.Enabled && t.keyedBackend() {
		s.schedule(t, later(s.now, int64(s.cfg.StateBackend.Changelog.MaterializationInterval)), evMaterialize, 0)
	}
}

// clone deep-copies what the backend changes in place, for Sim.Clone; the
// base and the files of a snapshot are never changed once made.
func (bk *backend) clone() {
	bk.memtable = maps.Clone(bk.memtable)
	bk.l0keys = maps.Clone(bk.l0keys)
	bk.levels = slices.Clone(bk.levels)
	for i := range bk.levels {
		bk.levels[i] = slices.Clone(bk.levels[i])
	}
	bk.snapped = slices.Clone(bk.snapped)
	bk.segments = slices.Clone(bk.segments)
	bk.mat = slices.Clone(bk.mat)
	bk.matPending = slices.Clone(bk.matPending)
}
