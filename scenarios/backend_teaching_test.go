package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// Tip 4 on RocksDB: the same job with full checkpoints runs them back to
// back, slower than the interval; with incremental ones it completes one
// every interval, uploading a fraction of the full size, and pays with
// storage. These are the README's numbers.
func TestIncrementalCheckpoints(t *testing.T) {
	full, inc := runBundled(t, "rocksdb-full"), runBundled(t, "rocksdb-incremental")
	assert.Equal(t, 59, full.Summary.Completed)
	assert.Equal(t, 100, inc.Summary.Completed)
	assert.Equal(t, int64(151_980_236), full.Summary.MeanEndToEnd)
	assert.Equal(t, int64(62_470_744), inc.Summary.MeanEndToEnd)
	assert.Greater(t, full.Summary.MaxEndToEnd, int64(3*100*time.Millisecond))
	assert.Equal(t, int64(100), checkpointedPercent(full))
	assert.Equal(t, int64(18), checkpointedPercent(inc))
	assert.Equal(t, int64(30), full.Summary.RecordsBetweenCheckpoints)
	assert.Equal(t, int64(74), inc.Summary.RecordsBetweenCheckpoints)
	assert.Greater(t, inc.Summary.StorageBytes, full.Summary.StorageBytes, "older versions in L0 and retained shared files")
	// Every incremental checkpoint uploads less than it references but
	// for the first, which has nothing to build on.
	for i, c := range inc.Checkpoints[1:] {
		if c.Status == sim.Completed {
			assert.Less(t, c.CheckpointedBytes, c.StateBytes, "checkpoint %d", i+2)
		}
	}
}

// Tip 2 on incremental RocksDB: the crash that keeps its machine restores
// the local copy without a download; the one that loses it downloads every
// file its checkpoint references.
func TestLargeStateRocksDBRecovery(t *testing.T) {
	r := runBundled(t, "large-state-recovery-rocksdb")
	require.Len(t, r.Failovers, 2)
	rc := load(t, "large-state-recovery-rocksdb").Config.Recovery
	local, lost := r.Failovers[0], r.Failovers[1]
	assert.Equal(t, 5, local.LocalRestores)
	assert.Equal(t, 4, lost.LocalRestores)
	assert.InDelta(t, int64(rc.RestoreBase), local.RestoredAt-local.RestartAt, 100, "nothing downloaded but the sources' offsets")
	assert.Equal(t, int64(1_541_250_000), lost.RestoredAt-lost.RestartAt)
	downloaded := float64(lost.RestoredAt-lost.RestartAt-int64(rc.RestoreBase)) / 1e9 * float64(rc.RemoteBandwidth)
	assert.InDelta(t, 76<<20, downloaded, 1<<20, "about 76 MiB")
	assert.Equal(t, sim.JobFinished, r.Job)
}

// A rescale from 2 to 4 subtasks through a savepoint moves 96 of 128 key
// groups and keeps exactly-once.
func TestRescaleFromSavepoint(t *testing.T) {
	r := runBundled(t, "rescale-from-savepoint")
	require.Len(t, r.Resubmissions, 1)
	rs := r.Resubmissions[0]
	assert.True(t, rs.Savepoint)
	require.Len(t, rs.Rescaled, 1)
	assert.Equal(t, []sim.KeyGroupRun{{First: 0, Last: 31, Subtask: 0, Was: 0}, {First: 32, Last: 63, Subtask: 1, Was: 0},
		{First: 64, Last: 95, Subtask: 2, Was: 1}, {First: 96, Last: 127, Subtask: 3, Was: 1}}, rs.Rescaled[0].Ranges)
	// The first checkpoint after the restore uploads the whole rebuilt
	// state; the next ones only new files.
	var after []sim.CheckpointStats
	for _, c := range r.Checkpoints {
		if c.Execution == 1 && c.Status == sim.Completed {
			after = append(after, c)
		}
	}
	require.GreaterOrEqual(t, len(after), 2)
	assert.Equal(t, after[0].StateBytes, after[0].CheckpointedBytes)
	assert.Less(t, after[1].CheckpointedBytes, after[1].StateBytes)
	assert.Equal(t, 7, after[0].Total, "2 sources, 4 counts, 1 sink")
}
