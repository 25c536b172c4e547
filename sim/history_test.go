package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHistoryBound runs checkpoints every millisecond for thousands of
// checkpoints and checks after every event that the statistics held in
// full never exceed the history plus what is in flight and in storage,
// while the counts still cover every checkpoint.
func TestHistoryBound(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*Config)
	}{
		{"defaults", func(*Config) {}},
		{"history 1", func(c *Config) { c.Checkpoint.History = 1 }},
		{"concurrent and retained", func(c *Config) {
			c.Checkpoint.MaxConcurrent, c.Checkpoint.NumRetained, c.Checkpoint.History = 3, 3, 4
		}},
		{"savepoints and a restore", func(c *Config) {
			c.Recovery.Savepoints = []time.Duration{500 * time.Millisecond, 2 * time.Second}
			c.Restores = []ManualRestore{{At: 3 * time.Second, From: FromSavepoint}}
		}},
		{"failovers", func(c *Config) {
			c.Faults = []Fault{{Kind: RandomCrashes, MTBF: 500 * time.Millisecond, Until: 4 * time.Second}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := longRun(5 * time.Second)
			cfg.Recovery = DefaultRecoveryConfig()
			tc.tweak(&cfg)
			require.NoError(t, cfg.Validate())
			ck := &cfg.Checkpoint
			// In flight: the periodic checkpoints and a savepoint; in
			// storage: the retained checkpoints of every execution, every
			// savepoint; and the one restored from.
			bound := ck.History + ck.MaxConcurrent + 1 + (len(cfg.Restores)+1)*ck.NumRetained + len(cfg.Recovery.Savepoints) + len(cfg.Restores)
			s := newSim(t, cfg)
			most := 0
			for s.Step() {
				most = max(most, len(s.coord.stats))
				require.LessOrEqual(t, len(s.coord.stats), bound, "at %v", time.Duration(s.Now()))
			}
			r := s.Result()
			sm := r.Summary
			require.Greater(t, sm.Completed, 20*ck.History, "a long run")
			assert.Equal(t, len(r.Checkpoints)+r.History.Evicted, sm.Completed+sm.Expired+sm.Aborted+sm.InProgress)
			assert.Equal(t, int64(sm.Completed), r.CompletedSummary.EndToEnd.Count)
			assert.Positive(t, r.History.Evicted)
			t.Logf("%d checkpoints, at most %d held (bound %d)", s.NumCheckpoints(), most, bound)
			for _, inv := range r.Invariants {
				assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
			}
		})
	}
}

// TestHistoryEvictedView: an evicted checkpoint is gone from
// CheckpointView and Evicted says so; ids that never were are not
// evicted.
func TestHistoryEvictedView(t *testing.T) {
	cfg := longRun(200 * time.Millisecond)
	s := newSim(t, cfg)
	s.Run()
	n := int64(s.NumCheckpoints())
	require.Greater(t, n, int64(2*DefaultHistory))
	_, ok := s.CheckpointView(1, true)
	assert.False(t, ok)
	assert.True(t, s.Evicted(1))
	last, ok := s.CheckpointView(n, true)
	require.True(t, ok)
	assert.Len(t, last.Subtasks, len(s.Graph().Subtasks))
	assert.False(t, s.Evicted(n))
	assert.False(t, s.Evicted(n+1))
	assert.False(t, s.Evicted(0))
}

// TestIDSet: ranges merge as ids arrive in any order, per execution.
func TestIDSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		add  [][2]int64 // execution, id
		want idSet
	}{
		{"in order", [][2]int64{{0, 1}, {0, 2}, {0, 3}}, idSet{{0, 1, 3}}},
		{"gaps", [][2]int64{{0, 1}, {0, 3}, {0, 5}}, idSet{{0, 1, 1}, {0, 3, 3}, {0, 5, 5}}},
		{"a gap filled", [][2]int64{{0, 1}, {0, 3}, {0, 2}}, idSet{{0, 1, 3}}},
		{"below", [][2]int64{{0, 5}, {0, 4}, {0, 2}}, idSet{{0, 2, 2}, {0, 4, 5}}},
		{"twice", [][2]int64{{0, 5}, {0, 5}}, idSet{{0, 5, 5}}},
		{"executions", [][2]int64{{0, 4}, {0, 5}, {1, 5}, {1, 6}}, idSet{{0, 4, 5}, {1, 5, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s idSet
			for _, a := range tc.add {
				s.add(int(a[0]), a[1])
			}
			require.Equal(t, tc.want, s)
			for _, a := range tc.add {
				assert.True(t, s.has(int(a[0]), a[1]))
			}
		})
	}
	s := idSet{{0, 2, 4}, {0, 7, 9}, {1, 1, 3}}
	assert.Equal(t, int64(5), s.count(0, 1, 8))
	assert.Equal(t, int64(0), s.count(0, 5, 6))
	assert.Equal(t, int64(3), s.count(1, 0, 100))
	assert.Equal(t, int64(7), s.next(0, 5))
	assert.Equal(t, int64(3), s.next(0, 3))
	assert.Equal(t, int64(-1), s.next(0, 10))
	assert.False(t, s.has(2, 1))
}

// TestHistoryValidation: the history keeps at least one checkpoint, at
// most MaxHistory, and beyond the default at most MaxHistoryRows rows.
func TestHistoryValidation(t *testing.T) {
	for _, tc := range []struct {
		history, parallelism int // of the source
		want                 string
	}{
		{0, 1, "checkpoint history must keep at least 1 checkpoint"},
		{MaxHistory + 1, 1, "checkpoint history 10001 is too large (at most 10000 checkpoints)"},
		{MaxHistory, 1000, "a checkpoint history of 10000 checkpoints × 1004 subtasks is too many rows"},
		{DefaultHistory, 1000, ""},
		{MaxHistory, 1, ""},
	} {
		cfg := pipeline()
		cfg.Checkpoint.History = tc.history
		cfg.Graph.Operators[0].Parallelism = tc.parallelism // 2 channels each, into count[0..1]
		err := cfg.Validate()
		if tc.want == "" {
			assert.NoError(t, err, "history %d", tc.history)
			continue
		}
		require.Error(t, err, "history %d", tc.history)
		assert.Contains(t, err.Error(), tc.want)
	}
}
