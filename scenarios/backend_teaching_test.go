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
	assert.Equal(t, int64(1_538_906_250), lost.RestoredAt-lost.RestartAt)
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

// TestRescaleSourcesTeaches pins what rescale-sources teaches: two source
// subtasks at 667 records/s cannot keep up with four partitions of 500/s;
// stopped with a savepoint and resumed at parallelism 4, every partition
// resumes at the savepoint's offset at one new subtask, and the job reads
// its input sooner than without the rescale, although it was stopped for
// 300ms, with every record read once.
func TestRescaleSourcesTeaches(t *testing.T) {
	s := load(t, "rescale-sources")
	r := run(t, s.Config)
	require.Len(t, r.Resubmissions, 1)
	rs := r.Resubmissions[0]
	require.Len(t, rs.Rescaled, 2)
	src := rs.Rescaled[0]
	var sp sim.CheckpointStats
	for _, c := range r.Checkpoints {
		if c.ID == rs.RestoredFrom && c.Execution == 0 {
			sp = c
		}
	}
	var moves []sim.SplitMove
	for p, was := range []int{0, 1, 0, 1} {
		assert.Less(t, sp.Offsets[p], int64(600), "partition %d lags behind the log at the stop (600 records by 1.2s)", p)
		moves = append(moves, sim.SplitMove{Partition: p, Offset: sp.Offsets[p], Was: was})
	}
	moves[0].Subtask, moves[2].Subtask, moves[1].Subtask, moves[3].Subtask = 0, 1, 2, 3
	assert.Equal(t, []sim.SplitMove{moves[0], moves[2], moves[1], moves[3]}, src.Splits)
	assert.Equal(t, int64(4*1500), r.Summary.RecordsIn, "every record read once")

	// Without the stop and the rescale, the two subtasks read on at their
	// pace and reach the end of the input later.
	cfg := s.Config
	cfg.Restores, cfg.Recovery.Stop = nil, sim.StopWithSavepoint{}
	slow := run(t, cfg)
	t.Logf("offsets at the stop %v; end of input %v with the rescale, %v without", sp.Offsets[:4],
		time.Duration(r.Summary.LastEndOfInput), time.Duration(slow.Summary.LastEndOfInput))
	assert.Less(t, r.Summary.LastEndOfInput+int64(500*time.Millisecond), slow.Summary.LastEndOfInput)
}
