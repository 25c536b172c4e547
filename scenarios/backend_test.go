package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// badBackendFiles are files with problems in the state_backend section,
// with the exact error; after "name: a" and jobGraph the section starts
// at line 9.
var badBackendFiles = []struct {
	name, yaml, err string
}{
	{"unknown type", "name: a\n" + jobGraph + "state_backend: {type: filesystem}\n",
		`t.yaml:9:23: type: unknown value "filesystem" (allowed: hashmap, rocksdb)`},
	{"unknown key", "name: a\n" + jobGraph + "state_backend: {type: rocksdb, compression: lz4}\n",
		`t.yaml:9:32: unknown field "compression" in state_backend (allowed: type, incremental, changelog, write_buffer_size, flush_bandwidth, level0_trigger, level_base, level_multiplier, target_file_size)`},
	{"incremental not a bool", "name: a\n" + jobGraph + "state_backend: {type: rocksdb, incremental: yes}\n",
		`t.yaml:9:45: incremental: expected true or false, got "yes"`},
	{"unknown changelog key", "name: a\n" + jobGraph + "state_backend:\n  changelog: {enabled: true, interval: 1m}\n",
		`t.yaml:10:30: unknown field "interval" in state_backend.changelog (allowed: enabled, materialization_interval, persist_size)`},
	{"materialization interval too short (from sim)", "name: a\n" + jobGraph + "state_backend:\n  changelog: {enabled: true, materialization_interval: 0.5ms}\n",
		`t.yaml:10:56: changelog materialization interval must be at least 1ms`},
	{"level multiplier 1 (from sim)", "name: a\n" + jobGraph + "state_backend: {type: rocksdb, level_multiplier: 1}\n",
		`t.yaml:9:50: state backend level_multiplier must be 2 to 1000`},
	{"level base below the file size (from sim)", "name: a\n" + jobGraph + "state_backend: {level_base: 1MiB, target_file_size: 2MiB}\n",
		`t.yaml:9:29: state backend level_base must be at least target_file_size`},
	{"tiny files (from sim)", "name: a\n" + jobGraph + "state_backend: {write_buffer_size: 1KiB}\n",
		`t.yaml:9:16: state backend file sizes (write_buffer_size, target_file_size, persist_size) must be at least 4096 bytes`},
	{"parallelism not a mapping", "name: a\n" + jobGraph + "restore: {at: 1s, from: savepoint, parallelism: 4}\n",
		`t.yaml:9:49: parallelism: expected a mapping from operator name to parallelism ({agg: 4}), got 4`},
	{"source rescaled to 0 (from sim)", "name: a\n" + jobGraph + "restore: {at: 1s, from: savepoint, parallelism: {count: 3, src: 0}}\n",
		`t.yaml:9:65: restore 1: parallelism of "src" must be at least 1`},
	{"rescaled unknown operator (from sim)", "name: a\n" + jobGraph + "restore: {at: 1s, from: savepoint, parallelism: {agg: 3}}\n",
		`t.yaml:9:55: restore 1: parallelism of unknown operator "agg"`},
	{"file beyond its bound (from sim)", "name: a\n" + jobGraph + "state_backend: {target_file_size: 2TiB, level_base: 4TiB}\n",
		`t.yaml:9:35: target file size 2199023255552 is too large (at most 1099511627776 bytes)`},
}

func TestParseRejectsBackends(t *testing.T) {
	for _, tc := range badBackendFiles {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, tc.yaml, tc.err)
		})
	}
}

func TestParseBackend(t *testing.T) {
	s, err := Parse("b.yaml", []byte("name: b\n"+jobGraph+`state_backend:
  type: rocksdb
  incremental: true
  changelog: {enabled: true, materialization_interval: 3m, persist_size: 1MiB}
  write_buffer_size: 8MiB
  flush_bandwidth: 64MiB/s
  level0_trigger: 2
  level_base: 32MiB
  level_multiplier: 4
  target_file_size: 4MiB
`))
	require.NoError(t, err)
	assert.Equal(t, sim.StateBackendConfig{Type: sim.RocksDB, Incremental: true,
		Changelog:       sim.ChangelogConfig{Enabled: true, MaterializationInterval: 3 * time.Minute, PersistSize: 1 << 20},
		WriteBufferSize: 8 << 20, FlushBandwidth: 64 << 20, Level0Trigger: 2, LevelBase: 32 << 20, LevelMultiplier: 4, TargetFileSize: 4 << 20},
		s.Config.StateBackend)
	out, err := Marshal(s.Config, s.Name, "")
	require.NoError(t, err)
	again, err := Parse("b.yaml", out)
	require.NoError(t, err)
	assert.Equal(t, s.Config.StateBackend, again.Config.StateBackend)

	s, err = Parse("d.yaml", []byte("name: d\n"+jobGraph))
	require.NoError(t, err)
	assert.True(t, s.Config.StateBackend.IsDefault())
}
