package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// TestCommitsFromTheTrace: the two-phase-commit property's reading of a
// trace, on hand-written traces of one source and one two-phase commit
// sink (subtask 1: chaining is off).
func TestCommitsFromTheTrace(t *testing.T) {
	g := &topology.Graph{DisableChaining: true, Operators: []topology.Operator{
		{Name: "src", Kind: topology.Source, Parallelism: 1, Source: &topology.SourceSpec{Rate: 1, Keys: 1, Distribution: topology.Uniform, MaxValue: 1, RecordBytes: 1}},
		{Name: "sink", Kind: topology.Sink, Parallelism: 1, SinkMode: topology.TwoPhaseCommitSink},
	}, Edges: []topology.Edge{{From: "src", To: "sink", Partitioning: topology.Forward}}}
	eg, err := topology.Expand(g)
	require.NoError(t, err)
	const sink = 1
	write := sim.TraceEvent{Kind: sim.RecordProcessed, Subtask: sink}
	snap := func(n int64) sim.TraceEvent {
		return sim.TraceEvent{Kind: sim.SnapshotSyncStart, Subtask: sink, Checkpoint: n}
	}
	done := func(n int64) sim.TraceEvent {
		return sim.TraceEvent{Kind: sim.CheckpointCompleted, Subtask: -1, Checkpoint: n}
	}
	commit := func(n, at int64) sim.TraceEvent {
		return sim.TraceEvent{Kind: sim.TransactionCommitted, Subtask: sink, Checkpoint: n, At: at, N: 1}
	}
	failed := sim.TraceEvent{Kind: sim.SubtaskFailed, Subtask: sink}
	restore := func(n, at int64) sim.TraceEvent {
		return sim.TraceEvent{Kind: sim.SubtaskRestoring, Subtask: sink, Checkpoint: n, At: at}
	}
	finished := sim.TraceEvent{Kind: sim.SubtaskFinished, Subtask: sink}
	jobFinished := func(at int64) sim.TraceEvent {
		return sim.TraceEvent{Kind: sim.JobStatusChanged, Subtask: -1, N: int64(sim.JobFinished), At: at}
	}
	cases := []struct {
		name  string
		trace []sim.TraceEvent
		want  []string
	}{
		{"commit on completion", []sim.TraceEvent{write, snap(1), done(1), commit(1, 5)}, nil},
		{"commit at the snapshot", []sim.TraceEvent{write, snap(1), commit(1, 5), done(1)},
			[]string{"sink[0] committed the transaction of checkpoint 1 at 5ns, when the latest completed checkpoint was 0"}},
		{"an aborted checkpoint's transaction commits with the next", []sim.TraceEvent{write, snap(1), write, snap(2), done(2), commit(1, 5), commit(2, 5)}, nil},
		{"the restore commits", []sim.TraceEvent{write, snap(1), failed, done(1), commit(1, 7), restore(1, 7)}, nil},
		{"the restore does not commit", []sim.TraceEvent{write, snap(1), failed, done(1), restore(1, 7)},
			[]string{"sink[0] restored checkpoint 1 at 7ns without committing the transaction of checkpoint 1 its snapshot holds"}},
		{"committed later is too late", []sim.TraceEvent{write, snap(1), failed, done(1), restore(1, 7), commit(1, 9)},
			[]string{"sink[0] restored checkpoint 1 at 7ns without committing the transaction of checkpoint 1 its snapshot holds"}},
		{"an empty snapshot holds nothing", []sim.TraceEvent{snap(1), failed, done(1), restore(1, 7)}, nil},
		{"what a later snapshot aborted is not owed", []sim.TraceEvent{write, snap(1), done(1), commit(1, 3), write, snap(2), failed, restore(1, 7)}, nil},
		{"a finished sink's last transaction", []sim.TraceEvent{write, snap(1), done(1), commit(1, 3), write, finished, failed, done(2), restore(2, 9)},
			[]string{"sink[0] restored checkpoint 2 at 9ns without committing the transaction of checkpoint 2 its snapshot holds"}},
		{"the job's end commits what is left", []sim.TraceEvent{write, finished, commit(1, 4), jobFinished(4)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCommits(eg)
			require.True(t, c.any())
			for _, ev := range tc.trace {
				c.observe(ev)
			}
			assert.Equal(t, tc.want, c.violations())
		})
	}
}

// TestTwoPhaseCommitOnTheBlindSpot: the property holds on the schedule of
// issue 9's blind spot, where the restore must commit.
func TestTwoPhaseCommitOnTheBlindSpot(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/restore-commit.yaml")
	require.NoError(t, err)
	run := Require(t, sc.Config, TwoPhaseCommit, NoLoss, EndToEnd)
	require.Len(t, run.Result.Resubmissions, 1)
	assert.NotEmpty(t, run.obs.commits.owed, "the restore owes a commit")
}
