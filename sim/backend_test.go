package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backendJob is the pipeline with many keys of 1 KiB, few of them written
// between two checkpoints, and small RocksDB files so that flushes and
// compactions happen within seconds.
func backendJob(b StateBackendConfig) Config {
	cfg := pipeline()
	cfg.Graph.Operators[0].Source.Keys = 50_000
	cfg.Graph.Operators[1].StateBytesPerKey = 1 << 10
	cfg.Checkpoint.Interval = 500 * time.Millisecond
	cfg.Checkpoint.StorageBandwidth = 8 << 20
	cfg.Until = 8 * time.Second
	b.TargetFileSize, b.LevelBase = 256<<10, 1<<20
	cfg.StateBackend = b
	return cfg
}

// TestStateBackends runs one job with each backend and checks the sizes
// Flink's web UI would show.
func TestStateBackends(t *testing.T) {
	rocks := StateBackendConfig{Type: RocksDB}
	incremental := StateBackendConfig{Type: RocksDB, Incremental: true}
	changelog := StateBackendConfig{Type: HashMap, Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 2 * time.Second, PersistSize: 64 << 10}}
	tests := []struct {
		name    string
		backend StateBackendConfig
		// full: every checkpoint uploads its whole state; shared: the
		// shared-state invariant is reported.
		full, shared bool
	}{
		{"hashmap", StateBackendConfig{Type: HashMap}, true, false},
		{"hashmap ignores incremental", StateBackendConfig{Type: HashMap, Incremental: true}, true, false},
		{"rocksdb full", rocks, true, false},
		{"rocksdb incremental", incremental, false, true},
		{"hashmap + changelog", changelog, false, true},
		{"rocksdb incremental + changelog", StateBackendConfig{Type: RocksDB, Incremental: true, Changelog: changelog.Changelog}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newSim(t, backendJob(tc.backend)).Run()
			require.True(t, r.OK(), "%+v", r.Invariants)
			var checkpointed, full int64
			completed := 0
			for _, c := range r.Checkpoints {
				if c.Status != Completed {
					continue
				}
				completed++
				assert.LessOrEqual(t, c.CheckpointedBytes, c.StateBytes, "checkpoint %d", c.ID)
				checkpointed += c.CheckpointedBytes
				full += c.StateBytes
			}
			require.Greater(t, completed, 10)
			if tc.full {
				assert.Equal(t, full, checkpointed)
			} else {
				assert.Less(t, checkpointed, full/2, "incremental checkpoints upload a fraction of their full size")
			}
			names := map[string]bool{}
			for _, inv := range r.Invariants {
				names[inv.Name] = true
			}
			assert.Equal(t, tc.shared, names["shared-state"])
			assert.Positive(t, r.Summary.StorageBytes)
			assert.LessOrEqual(t, r.Summary.StorageBytes, r.Summary.PeakStorageBytes)
		})
	}
}

// TestHashMapIsTodaysModel: the default backend is hashmap, and naming it
// changes nothing, byte for byte.
func TestHashMapIsTodaysModel(t *testing.T) {
	cfg := backendJob(StateBackendConfig{})
	cfg.StateBackend = StateBackendConfig{}
	zero, _, _ := runHashed(t, cfg)
	cfg.StateBackend = StateBackendConfig{Type: HashMap}
	named, _, _ := runHashed(t, cfg)
	assert.Equal(t, zero, named)
}

// TestIncrementalSyncPhaseFlushes: the sync phase of an incremental RocksDB
// checkpoint flushes the memtable, so it grows with what was written since
// the last checkpoint; a full RocksDB snapshot does not flush.
func TestIncrementalSyncPhaseFlushes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backend StateBackendConfig
		flushes bool
	}{
		{"full", StateBackendConfig{Type: RocksDB}, false},
		{"incremental", StateBackendConfig{Type: RocksDB, Incremental: true, FlushBandwidth: 1 << 20}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSim(t, backendJob(tc.backend)).Run()
			c := r.Checkpoints[2]
			sync := c.Subtasks[2].Sync // count[0]
			if tc.flushes {
				assert.Greater(t, sync, int64(10*time.Millisecond))
			} else {
				assert.Equal(t, int64(time.Millisecond), sync)
			}
		})
	}
}

// TestLocalRecoveryOfRocksDBDownloadsNothing: restoring its local copy, a
// RocksDB subtask downloads nothing; without it, it downloads every file
// the checkpoint references.
func TestLocalRecoveryOfRocksDBDownloadsNothing(t *testing.T) {
	restore := func(local bool) int64 {
		cfg := backendJob(StateBackendConfig{Type: RocksDB, Incremental: true})
		cfg.Recovery = DefaultRecoveryConfig()
		cfg.Recovery.LocalRecovery = local
		cfg.Recovery.Restart = RestartStrategy{Kind: FixedDelay, Attempts: 1, Delay: 100 * time.Millisecond}
		cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", At: 4 * time.Second}}
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 1)
		f := r.Failovers[0]
		return f.RestoredAt - f.RestartAt
	}
	base := int64(DefaultRecoveryConfig().RestoreBase)
	assert.InDelta(t, base, restore(true), 100, "the sources' offsets, read locally, take nanoseconds")
	assert.Greater(t, restore(false), 5*base)
}

// TestSavepointIsFullAndNotShared: a savepoint of an incremental job is in
// the canonical format: it uploads the live state and references no
// shared file.
func TestSavepointIsFullAndNotShared(t *testing.T) {
	cfg := backendJob(StateBackendConfig{Type: RocksDB, Incremental: true})
	cfg.Recovery = DefaultRecoveryConfig()
	cfg.Recovery.Savepoints = []time.Duration{3 * time.Second}
	r := newSim(t, cfg).Run()
	for _, c := range r.Checkpoints {
		if c.Savepoint {
			require.Equal(t, Completed, c.Status)
			assert.Equal(t, c.StateBytes, c.CheckpointedBytes)
			return
		}
	}
	t.Fatal("no savepoint")
}

// BenchmarkBackends runs one job with each backend: the cost of the
// backend models against hashmap's (the engine before backends), in the
// same run (go test ./sim -run '^$' -bench Backends).
func BenchmarkBackends(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  StateBackendConfig
	}{
		{"hashmap", StateBackendConfig{}},
		{"rocksdb-incremental", StateBackendConfig{Type: RocksDB, Incremental: true}},
		{"changelog", StateBackendConfig{Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 2 * time.Second}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := backendJob(bc.cfg)
			for b.Loop() {
				s, err := New(cfg)
				require.NoError(b, err)
				s.Run()
			}
		})
	}
}
