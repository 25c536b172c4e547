package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/topology"
)

// rescaleJob is a bounded job: a source, a map, a count by key and a sink
// of the given parallelisms and mode, with a savepoint at 300ms and a
// retained checkpoint, on backend b.
func rescaleJob(pSrc, pAgg, pSink int, sinkMode topology.SinkMode, b StateBackendConfig) Config {
	cfg := pipeline()
	cfg.Graph = &topology.Graph{
		Operators: []topology.Operator{src("src", pSrc, 1000, 800), {Name: "double", Kind: topology.Map, Parallelism: pSrc, Multiply: 2},
			agg("count", pAgg, 100*time.Microsecond), sink("sink", pSink)},
		Edges: []topology.Edge{
			{From: "src", To: "double", Partitioning: topology.Forward},
			{From: "double", To: "count", Partitioning: topology.Hash},
			{From: "count", To: "sink", Partitioning: topology.Rebalance},
		},
	}
	cfg.Graph.Operators[0].Source.Keys = 300
	cfg.Graph.Operators[3].SinkMode = sinkMode
	cfg.Checkpoint.Interval = 100 * time.Millisecond
	cfg.Until = 0
	cfg.Recovery = DefaultRecoveryConfig()
	cfg.Recovery.Savepoints = []time.Duration{300 * time.Millisecond}
	cfg.Recovery.Externalized = RetainOnCancellation
	cfg.StateBackend = b
	return cfg
}

// finalState is every key's state at the end of a run, and the index of
// the subtask that holds it; a key held twice fails the test.
func finalState(t require.TestingT, s *Sim, op string) (values map[int64]int64, owner map[int64]int) {
	values, owner = map[int64]int64{}, map[int64]int{}
	for i := range s.tasks {
		tk := &s.tasks[i]
		if tk.op.Name != op {
			continue
		}
		for k, v := range tk.state.toMap() {
			_, dup := owner[k]
			require.False(t, dup, "key %d at two subtasks", k)
			values[k], owner[k] = v, s.eg.Subtasks[i].Index
		}
	}
	return values, owner
}

// TestRescaleKeepsEveryKeyOnce is the property of a rescaling restore: for
// any old and new parallelism of the count and of the source (of any
// number of partitions), from a savepoint or a retained checkpoint,
// aligned or unaligned, every key's state ends at exactly one subtask, the
// one KeyGroupRangeAssignment gives it, and equals the state of the run
// without a restore; the run's own checkers agree (but end-to-end: the
// rollback to an older point writes its later output again).
func TestRescaleKeepsEveryKeyOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		from, to := rapid.IntRange(1, 4).Draw(t, "from"), rapid.IntRange(1, 6).Draw(t, "to")
		sinkP := rapid.IntRange(1, 3).Draw(t, "sink")
		b := rapid.SampledFrom([]StateBackendConfig{{}, {Type: RocksDB}, {Type: RocksDB, Incremental: true},
			{Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 200 * time.Millisecond}}}).Draw(t, "backend")
		cfg := rescaleJob(rapid.IntRange(1, 3).Draw(t, "src"), from, sinkP, topology.TwoPhaseCommitSink, b)
		cfg.Graph.Operators[0].Source.Partitions = rapid.IntRange(0, 6).Draw(t, "partitions")
		cfg.Checkpoint.Mode = rapid.SampledFrom([]Mode{Aligned, Unaligned}).Draw(t, "mode")
		want, _ := finalState(t, func() *Sim { s := rapidSim(t, cfg); s.Run(); return s }(), "count")

		r := ManualRestore{At: time.Duration(rapid.IntRange(350, 600).Draw(t, "at")) * time.Millisecond,
			From:        rapid.SampledFrom([]RestoreFrom{FromSavepoint, FromLatestRetained}).Draw(t, "from source"),
			Parallelism: map[string]int{"count": to, "sink": rapid.IntRange(1, 3).Draw(t, "new sink")}}
		if p := rapid.IntRange(0, 4).Draw(t, "new src"); p > 0 {
			r.Parallelism["src"], r.Parallelism["double"] = p, p // forward: they rescale together
		}
		cfg.Restores = []ManualRestore{r}
		s := rapidSim(t, cfg)
		res := s.Run()
		require.Equal(t, JobFinished, res.Job)
		require.Len(t, res.Resubmissions, 1)
		require.Empty(t, res.Resubmissions[0].Refused)
		for _, inv := range res.Invariants {
			// Output committed after the restored point is written again:
			// a rollback duplicates it, also in Flink.
			if inv.Name != "end-to-end" {
				require.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
			}
		}
		got, owner := finalState(t, s, "count")
		require.Equal(t, want, got)
		for k, i := range owner {
			require.Equal(t, topology.KeyOwner(k, 128, to), i, "key %d", k)
		}
	})
}

// TestRescaleRefusals: a parallelism above the state's max parallelism is
// refused at the restore with Flink's message, an unknown operator's and
// one that breaks a forward edge by Validate; a source's is allowed.
func TestRescaleRefusals(t *testing.T) {
	cfg := rescaleJob(2, 2, 1, topology.AtLeastOnceSink, StateBackendConfig{})
	cfg.Restores = []ManualRestore{{At: 500 * time.Millisecond, From: FromSavepoint, Parallelism: map[string]int{"count": 129}}}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions, 1)
	assert.Equal(t, "The state for task count can not be restored. The maximum parallelism (128) of the restored state is lower than the configured parallelism (129). Please reduce the parallelism of the task to be lower or equal to the maximum parallelism.",
		r.Resubmissions[0].Refused)
	assert.Equal(t, JobCanceled, r.Job)

	for _, tc := range []struct {
		par map[string]int
		err string
	}{
		{map[string]int{"src": 3, "double": 3}, ""},     // a source rescales with its forward receiver
		{map[string]int{"src": 129, "double": 129}, ""}, // above the max parallelism: refused at the restore, not here
		{map[string]int{"nope": 3}, `restore 1: parallelism of unknown operator "nope"`},
		{map[string]int{"count": 0}, `restore 1: parallelism of "count" must be at least 1`},
		{map[string]int{"double": 3}, `restore: the rescaled job is invalid: ` + forwardMismatch(t, cfg)},
	} {
		t.Run(fmt.Sprint(tc.par), func(t *testing.T) {
			c := cfg
			c.Restores = []ManualRestore{{At: time.Second, From: FromSavepoint, Parallelism: tc.par}}
			if tc.err == "" {
				assert.NoError(t, c.Validate())
				return
			}
			assert.EqualError(t, c.Validate(), tc.err)
		})
	}
}

// forwardMismatch is the graph's error for the forward edge src -> double
// with double at parallelism 3.
func forwardMismatch(t *testing.T, cfg Config) string {
	g := rescaled(cfg.Graph, map[string]int{"double": 3})
	err := g.Validate()
	require.Error(t, err)
	return err.Error()
}

// TestRescaleMovesKeyGroups: 2 to 4 subtasks of 128 key groups move 96 of
// them, in four runs of 32.
func TestRescaleMovesKeyGroups(t *testing.T) {
	cfg := rescaleJob(2, 2, 1, topology.AtLeastOnceSink, StateBackendConfig{})
	cfg.Restores = []ManualRestore{{At: 500 * time.Millisecond, From: FromSavepoint, Parallelism: map[string]int{"count": 4}}}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions[0].Rescaled, 1)
	op := r.Resubmissions[0].Rescaled[0]
	assert.Equal(t, OperatorRescale{Operator: "count", From: 2, To: 4, MaxParallelism: 128, Keyed: true, Moved: 96,
		Ranges: []KeyGroupRun{{0, 31, 0, 0}, {32, 63, 1, 0}, {64, 95, 2, 1}, {96, 127, 3, 1}}}, op)
}

// TestEvenRuns: list state is split into contiguous, even runs, the first
// ones longer (RoundRobinOperatorStateRepartitioner).
func TestEvenRuns(t *testing.T) {
	for _, tc := range []struct {
		n, parts int
		want     [][2]int
	}{
		{0, 2, [][2]int{{0, 0}, {0, 0}}},
		{5, 2, [][2]int{{0, 3}, {3, 5}}},
		{2, 3, [][2]int{{0, 1}, {1, 2}, {2, 2}}},
		{6, 3, [][2]int{{0, 2}, {2, 4}, {4, 6}}},
	} {
		assert.Equal(t, tc.want, evenRuns(tc.n, tc.parts), "%d in %d", tc.n, tc.parts)
	}
}

// TestSharedStateNeverDeletesARetainedFile is the property of the shared
// state registry: whatever the backend, retention, concurrency, failures,
// savepoints and manual restores, no file a retained checkpoint references
// is deleted, and the storage used is what the registry and the retained
// checkpoints hold.
func TestSharedStateNeverDeletesARetainedFile(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SampledFrom([]StateBackendConfig{{Type: RocksDB, Incremental: true},
			{Type: RocksDB, Incremental: true, Level0Trigger: 2},
			{Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 150 * time.Millisecond}},
			{Type: RocksDB, Incremental: true, Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 250 * time.Millisecond}}}).Draw(t, "backend")
		b.TargetFileSize, b.LevelBase, b.WriteBufferSize = 16<<10, 32<<10, 8<<10
		cfg := rescaleJob(2, rapid.IntRange(1, 3).Draw(t, "agg"), 1, topology.AtLeastOnceSink, b)
		cfg.Checkpoint.NumRetained = rapid.IntRange(1, 3).Draw(t, "retained")
		cfg.Checkpoint.MaxConcurrent = rapid.IntRange(1, 3).Draw(t, "concurrent")
		cfg.Checkpoint.Interval = ms(t, 20, 120, "interval")
		if rapid.Bool().Draw(t, "crash") {
			cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[0]", At: ms(t, 100, 700, "crash at")}}
		}
		if rapid.Bool().Draw(t, "restore") {
			cfg.Restores = []ManualRestore{{At: ms(t, 350, 700, "restore at"), From: FromLatestRetained}}
		}
		s := rapidSim(t, cfg)
		r := s.Run()
		var inv *Invariant
		for i := range r.Invariants {
			if r.Invariants[i].Name == "shared-state" {
				inv = &r.Invariants[i]
			}
		}
		require.NotNil(t, inv)
		require.True(t, inv.OK, inv.Detail)
		reg := &s.coord.shared
		var bytes int64
		for _, e := range reg.entries {
			bytes += e.bytes
		}
		require.Equal(t, bytes, reg.bytes)
		var private int64
		for _, cs := range s.coord.stats {
			if cs.InStorage && !cs.Savepoint {
				private += cs.privateBytes
				for _, files := range cs.files {
					for _, f := range files {
						require.Contains(t, reg.entries, f.id, "a file of %s", s.coord.label(cs.ID))
					}
				}
			}
		}
		require.LessOrEqual(t, private, reg.private, "savepoints add their own")
		require.Equal(t, r.Summary.StorageBytes, reg.used())
	})
}

// rapidSim builds a run in a rapid property.
func rapidSim(t *rapid.T, cfg Config) *Sim {
	s, err := New(cfg)
	require.NoError(t, err)
	return s
}

// TestRescaleUnalignedChannelState: an unaligned checkpoint taken under
// backpressure persists in-flight records; a rescaling restore of it
// re-routes them to the new subtasks (rescalable since Flink 1.13), and the
// state and output stay exactly once.
func TestRescaleUnalignedChannelState(t *testing.T) {
	cfg := rescaleJob(2, 2, 2, topology.TwoPhaseCommitSink, StateBackendConfig{})
	cfg.Graph.Operators[2].Cost = 2 * time.Millisecond // backpressure: full channels
	cfg.Graph.Operators[0].Source.Records = 400
	cfg.Checkpoint.Mode = Unaligned
	cfg.Checkpoint.NumRetained = 1
	cfg.Recovery.Savepoints = nil
	var persisted bool
	for at := 200 * time.Millisecond; at <= 600*time.Millisecond && !persisted; at += 50 * time.Millisecond {
		cfg.Restores = []ManualRestore{{At: at, From: FromLatestRetained, Parallelism: map[string]int{"count": 3, "sink": 1}}}
		s := newSim(t, cfg)
		r := s.Run()
		require.Len(t, r.Resubmissions, 1)
		rs := r.Resubmissions[0]
		require.Empty(t, rs.Refused)
		for _, inv := range r.Invariants {
			require.True(t, inv.OK, "restore at %v: %s: %s", at, inv.Name, inv.Detail)
		}
		for _, c := range r.Checkpoints {
			if c.ID == rs.RestoredFrom && c.Execution == 0 && c.PersistedRecords > 0 {
				persisted = true
				t.Logf("restore at %v of checkpoint %d with %d persisted records; invariants %v", at, c.ID, c.PersistedRecords, r.Invariants)
			}
		}
	}
	assert.True(t, persisted, "some restored checkpoint held channel state")
}

// sourceRescaleJob is rescaleJob with a source of parallelism from over
// partitions partitions of 600 records, stopped with a savepoint at
// 300ms and restored from it at 350ms with the source and its chained
// map at parallelism to and the count at 3: Flink's way to rescale
// (`flink stop`, then `flink run -s` with new parallelisms).
func sourceRescaleJob(from, to, partitions int) Config {
	cfg := rescaleJob(from, 2, 2, topology.TwoPhaseCommitSink, StateBackendConfig{})
	cfg.Graph.Operators[0].Source.Partitions = partitions
	cfg.Graph.Operators[0].Source.Records = 600
	cfg.Recovery.Savepoints = nil
	cfg.Recovery.Stop = StopWithSavepoint{At: 300 * time.Millisecond}
	cfg.Restores = []ManualRestore{{At: 350 * time.Millisecond, From: FromSavepoint,
		Parallelism: map[string]int{"src": to, "double": to, "count": 3}}}
	return cfg
}

// TestRescaleSourceSplits: a source's splits are list state, redistributed
// round robin by a rescaling restore: 2 -> 4, 4 -> 2 and 3 -> 2 subtasks
// of 4 or 6 partitions. Every partition of the savepoint is assigned to
// exactly one new subtask at the savepoint's offset, in contiguous even
// runs of the old subtasks' lists; the new subtasks read from there (the
// first offset each partition replays is its offset), and every checker
// holds, end-to-end too: no partition is dropped or read twice.
func TestRescaleSourceSplits(t *testing.T) {
	for _, tc := range []struct {
		from, to, partitions int
		want                 [][]int // the partitions of each new subtask, in list order
	}{
		// Initially partition p is at subtask p % from.
		{2, 4, 4, [][]int{{0}, {2}, {1}, {3}}},
		{4, 2, 4, [][]int{{0, 1}, {2, 3}}},
		{2, 4, 6, [][]int{{0, 2}, {4, 1}, {3}, {5}}},
		{3, 2, 6, [][]int{{0, 3, 1}, {4, 2, 5}}},
		{2, 4, 2, [][]int{{0}, {1}, nil, nil}},
	} {
		t.Run(fmt.Sprintf("%d->%d of %d", tc.from, tc.to, tc.partitions), func(t *testing.T) {
			cfg := sourceRescaleJob(tc.from, tc.to, tc.partitions)
			evs, r, s := runTraced(t, cfg)
			require.Len(t, r.Resubmissions, 1)
			rs := r.Resubmissions[0]
			require.Empty(t, rs.Refused)
			requireDrainedExactlyOnce(t, r)
			assert.Equal(t, int64(tc.partitions)*600, r.Summary.RecordsIn, "every record read once")
			var sp CheckpointStats
			for _, c := range r.Checkpoints {
				if c.ID == rs.RestoredFrom && c.Execution == 0 {
					sp = c
				}
			}
			require.True(t, sp.Savepoint)
			var srcOp *OperatorRescale
			for i := range rs.Rescaled {
				if rs.Rescaled[i].Operator == "src" {
					srcOp = &rs.Rescaled[i]
				}
			}
			require.NotNil(t, srcOp)
			got := make([][]int, tc.to)
			seen := map[int]bool{}
			for _, m := range srcOp.Splits {
				require.False(t, seen[m.Partition], "partition %d assigned twice", m.Partition)
				seen[m.Partition] = true
				assert.Equal(t, sp.Offsets[m.Partition], m.Offset, "partition %d resumes at the savepoint's offset", m.Partition)
				assert.Equal(t, topology.SplitOwner(m.Partition, tc.from), m.Was)
				got[m.Subtask] = append(got[m.Subtask], m.Partition)
			}
			assert.Equal(t, tc.want, got)
			assert.Len(t, seen, tc.partitions, "every partition is assigned")
			// Each new source subtask reads each of its partitions on from
			// the savepoint's offset: its first record of the partition is
			// the one at that offset.
			for i, parts := range tc.want {
				id := s.eg.ByOperator[0][i]
				first := map[int64]bool{}
				for _, ev := range evs {
					if ev.Kind == RecordProcessed && ev.Subtask == int32(id) && ev.At > int64(rs.At) && !first[ev.N] {
						first[ev.N] = true
					}
				}
				for _, p := range parts {
					assert.True(t, first[sp.Offsets[p]], "src[%d] reads partition %d from offset %d", i, p, sp.Offsets[p])
				}
			}
		})
	}
}

// TestRescaleStopAndResumeExactlyOnce is the property of Flink's way to
// rescale: stop with a savepoint, resume from it with new parallelisms of
// the source (of any number of partitions), the count and the sink, on
// any backend. Every checker holds, end-to-end too (the stop left no
// output behind the savepoint to write again), and every source record is
// read exactly once across the two jobs.
func TestRescaleStopAndResumeExactlyOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SampledFrom([]StateBackendConfig{{}, {Type: RocksDB, Incremental: true},
			{Changelog: ChangelogConfig{Enabled: true, MaterializationInterval: 200 * time.Millisecond}}}).Draw(t, "backend")
		from := rapid.IntRange(1, 4).Draw(t, "src")
		partitions := rapid.IntRange(0, 6).Draw(t, "partitions")
		cfg := sourceRescaleJob(from, rapid.IntRange(1, 5).Draw(t, "new src"), partitions)
		cfg.StateBackend = b
		cfg.Graph.Operators[2].Parallelism = rapid.IntRange(1, 3).Draw(t, "count")
		cfg.Restores[0].Parallelism["count"] = rapid.IntRange(1, 4).Draw(t, "new count")
		cfg.Restores[0].Parallelism["sink"] = rapid.IntRange(1, 3).Draw(t, "new sink")
		cfg.Recovery.Stop.At = ms(t, 150, 500, "stop at")
		cfg.Restores[0].At = cfg.Recovery.Stop.At + ms(t, 50, 300, "resume after") // after the savepoint completed
		r := rapidSim(t, cfg).Run()
		require.NotNil(t, r.StopWithSavepoint)
		require.Empty(t, r.StopWithSavepoint.Failed)
		require.Len(t, r.Resubmissions, 1)
		require.Empty(t, r.Resubmissions[0].Refused)
		require.Equal(t, JobFinished, r.Job)
		var names []string
		for _, inv := range r.Invariants {
			require.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
			names = append(names, inv.Name)
		}
		require.Subset(t, names, []string{"exactly-once-state", "no-loss", "end-to-end"})
		require.Zero(t, r.Summary.Duplicates)
		require.Zero(t, r.Summary.Lost)
		if partitions == 0 {
			partitions = from
		}
		require.Equal(t, int64(partitions)*600, r.Summary.RecordsIn, "every record read once")
	})
}

// TestRescaleDropsFaultsOfRemovedSubtasks: a crash at a time, random
// crashes and a partition whose subtask or channel a rescale removed
// never strike, also when their event was already scheduled.
func TestRescaleDropsFaultsOfRemovedSubtasks(t *testing.T) {
	cfg := rescaleJob(2, 3, 1, topology.AtLeastOnceSink, StateBackendConfig{})
	cfg.Restores = []ManualRestore{{At: 350 * time.Millisecond, From: FromSavepoint, Parallelism: map[string]int{"count": 1}}}
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[2]", At: 500 * time.Millisecond},
		{Kind: RandomCrashes, Subtask: "count[1]", At: 400 * time.Millisecond, Until: 600 * time.Millisecond, MTBF: 20 * time.Millisecond},
		{Kind: Partition, Channel: "src -> double[0]->count[2]", At: 450 * time.Millisecond, Until: 460 * time.Millisecond}}
	r := newSim(t, cfg).Run()
	require.Len(t, r.Resubmissions, 1)
	assert.Empty(t, r.Failovers)
	assert.Equal(t, JobFinished, r.Job)
}
