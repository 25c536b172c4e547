package sim

import (
	"fmt"
	"slices"
	"time"
)

// StateBackendType names a state backend as Flink's state.backend.type
// does.
type StateBackendType string

// The state backends.
const (
	// HashMap keeps state on the heap (HashMapStateBackend, Flink's
	// default). Its snapshots are full (HeapSnapshotStrategy): the sync
	// phase copies nothing (the copy-on-write state table), the async phase
	// writes the whole state.
	HashMap StateBackendType = "hashmap"
	// RocksDB keeps state in an embedded RocksDB per subtask
	// (EmbeddedRocksDBStateBackend): full snapshots iterate the database
	// (RocksFullSnapshotStrategy); incremental ones upload the SST files
	// the last completed checkpoint did not have
	// (RocksIncrementalSnapshotStrategy).
	RocksDB StateBackendType = "rocksdb"
)

// StateBackendTypes lists the state backends.
var StateBackendTypes = []StateBackendType{HashMap, RocksDB}

// StateBackendConfig is the state backend of every stateful operator
// (state.backend.*), with the RocksDB options the model of its files
// reads. The zero value is Flink's default: hashmap, full snapshots, no
// changelog.
type StateBackendConfig struct {
	// Type is the backend (state.backend.type); "" means HashMap.
	Type StateBackendType
	// Incremental makes RocksDB's checkpoints incremental
	// (state.backend.incremental); the hashmap backend ignores it, as
	// Flink does.
	Incremental bool
	// Changelog is the changelog state backend (FLIP-158) around Type.
	Changelog ChangelogConfig
	// WriteBufferSize is the memtable size after which RocksDB flushes it
	// to a new L0 file in the background
	// (state.backend.rocksdb.writebuffer.size; 0: 64 MiB).
	WriteBufferSize int64
	// FlushBandwidth is how fast the sync phase of an incremental RocksDB
	// checkpoint writes the memtable to an L0 file (a modelled cost; 0:
	// 256 MiB/s).
	FlushBandwidth int64
	// Level0Trigger is how many L0 files start a compaction into L1
	// (RocksDB's level0_file_num_compaction_trigger; 0: 4).
	Level0Trigger int
	// LevelBase is the target size of L1
	// (state.backend.rocksdb.compaction.level.max-size-level-base; 0:
	// 256 MiB); each level below is LevelMultiplier times larger
	// (max_bytes_for_level_multiplier; 0: 10).
	LevelBase       int64
	LevelMultiplier int
	// TargetFileSize is the size of the files a compaction writes
	// (state.backend.rocksdb.compaction.level.target-file-size-base; 0:
	// 64 MiB).
	TargetFileSize int64
}

// ChangelogConfig is the changelog state backend (state.changelog.*).
type ChangelogConfig struct {
	// Enabled wraps the state backend in the changelog backend
	// (state.changelog.enabled): state changes go to a log uploaded
	// continuously, a checkpoint uploads the log's tail, and the wrapped
	// backend's snapshot is uploaded by a periodic materialization.
	Enabled bool
	// MaterializationInterval is the time between materializations
	// (state.changelog.periodic-materialize.interval; 0: 10 min).
	MaterializationInterval time.Duration
	// PersistSize is the size at which the log's buffer is uploaded in
	// the background (dstl.dfs.batch.persist-size-threshold; 0: 10 MiB).
	PersistSize int64
}

// The defaults of StateBackendConfig's zero fields.
const (
	DefaultWriteBufferSize         = 64 << 20
	DefaultFlushBandwidth          = 256 << 20
	DefaultLevel0Trigger           = 4
	DefaultLevelBase               = 256 << 20
	DefaultLevelMultiplier         = 10
	DefaultTargetFileSize          = 64 << 20
	DefaultMaterializationInterval = 10 * time.Minute
	DefaultPersistSize             = 10 << 20
	// MaxLevelMultiplier bounds LevelMultiplier and MaxLevel0Trigger
	// Level0Trigger.
	MaxLevelMultiplier = 1000
	MaxLevel0Trigger   = 1000
	// MinFileSize is the least TargetFileSize, WriteBufferSize and
	// PersistSize: 4 KiB, so that a subtask's files stay a countable many.
	MinFileSize = 4 << 10
)

// withDefaults fills the zero fields of b.
func (b StateBackendConfig) withDefaults() StateBackendConfig {
	def := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	if b.Type == "" {
		b.Type = HashMap
	}
	def(&b.WriteBufferSize, DefaultWriteBufferSize)
	def(&b.FlushBandwidth, DefaultFlushBandwidth)
	def(&b.LevelBase, DefaultLevelBase)
	def(&b.TargetFileSize, DefaultTargetFileSize)
	def(&b.Changelog.PersistSize, DefaultPersistSize)
	if b.Level0Trigger == 0 {
		b.Level0Trigger = DefaultLevel0Trigger
	}
	if b.LevelMultiplier == 0 {
		b.LevelMultiplier = DefaultLevelMultiplier
	}
	if b.Changelog.MaterializationInterval == 0 {
		b.Changelog.MaterializationInterval = DefaultMaterializationInterval
	}
	return b
}

// incremental reports whether checkpoints upload only new files.
func (b *StateBackendConfig) incremental() bool { return b.Type == RocksDB && b.Incremental }

func (b *StateBackendConfig) validate() error {
	v := b.withDefaults()
	switch {
	case !slices.Contains(StateBackendTypes, v.Type):
		return fmt.Errorf("unknown state backend %q (allowed: hashmap, rocksdb)", v.Type)
	case v.WriteBufferSize < MinFileSize || v.TargetFileSize < MinFileSize || v.Changelog.PersistSize < MinFileSize:
		return fmt.Errorf("state backend file sizes (write_buffer_size, target_file_size, persist_size) must be at least %d bytes", MinFileSize)
	case v.LevelBase < v.TargetFileSize:
		return fmt.Errorf("state backend level_base must be at least target_file_size")
	case v.FlushBandwidth < 1:
		return fmt.Errorf("state backend flush bandwidth must be at least 1 byte/s")
	case v.Level0Trigger < 1 || v.Level0Trigger > MaxLevel0Trigger:
		return fmt.Errorf("state backend level0_trigger must be 1 to %d", MaxLevel0Trigger)
	case v.LevelMultiplier < 2 || v.LevelMultiplier > MaxLevelMultiplier:
		return fmt.Errorf("state backend level_multiplier must be 2 to %d", MaxLevelMultiplier)
	case v.Changelog.MaterializationInterval < time.Millisecond:
		return fmt.Errorf("changelog materialization interval must be at least 1ms")
	}
	return nil
}

func (b *StateBackendConfig) checkBounds(bd *bounds) {
	bd.atMost("StateBackend.WriteBufferSize", "write buffer size", b.WriteBufferSize, MaxStateBackendFile, " bytes")
	bd.atMost("StateBackend.TargetFileSize", "target file size", b.TargetFileSize, MaxStateBackendFile, " bytes")
	bd.atMost("StateBackend.LevelBase", "level base", b.LevelBase, MaxStateBackendFile, " bytes")
	bd.atMost("StateBackend.FlushBandwidth", "flush bandwidth", b.FlushBandwidth, MaxBandwidth, " bytes/s")
	bd.atMost("StateBackend.Changelog.PersistSize", "changelog persist size", b.Changelog.PersistSize, MaxStateBackendFile, " bytes")
	bd.duration("StateBackend.Changelog.MaterializationInterval", "changelog materialization interval", b.Changelog.MaterializationInterval)
}

// MaxStateBackendFile bounds the sizes of StateBackendConfig: 1 TiB.
const MaxStateBackendFile = 1 << 40

// IsDefault reports whether b is Flink's default backend: hashmap without
// the changelog.
func (b StateBackendConfig) IsDefault() bool {
	return (b.Type == "" || b.Type == HashMap) && !b.Changelog.Enabled
}

// String names the backend as Flink's log does: "hashmap", "rocksdb
// (incremental)", "hashmap + changelog".
func (b StateBackendConfig) String() string {
	s := string(b.withDefaults().Type)
	if b.incremental() {
		s += " (incremental)"
	}
	if b.Changelog.Enabled {
		s += " + changelog"
	}
	return s
}
