package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// TestBoundedEnds: a bounded run passes bounded-ends if its job ended,
// counts as Flink's behaviour if it stopped in a state the engine proves
// Flink's job stays in, and fails if it ran on until its event budget;
// unbounded jobs and runs with an end time are outside it.
func TestBoundedEnds(t *testing.T) {
	b := DefaultBounds()
	BoundedEnds.Focus(&b)
	run, _, err := Evaluate(Scenario(b, 1), BoundedEnds)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		edit   func(r *Run, res *sim.Result)
		status Status
		detail string
	}{
		{"finished", func(r *Run, res *sim.Result) { res.Stop, res.Job = sim.JobEnded, sim.JobFinished }, Pass, ""},
		{"failed", func(r *Run, res *sim.Result) { res.Stop, res.Job = sim.JobEnded, sim.JobFailed }, Pass, ""},
		{"stalled", func(r *Run, res *sim.Result) { res.Stop, res.Job = sim.Stalled, sim.JobRunning }, Flink, FinalCheckpointStall},
		{"restore loop", func(r *Run, res *sim.Result) { res.Stop, res.RestoreLoop = sim.RestoreLoop, "checkpoint 3" }, Flink, RestoreLoop},
		{"deadlock", func(r *Run, res *sim.Result) {
			res.Stop, res.Deadlock = sim.Deadlocked, &sim.Deadlock{Checkpoint: 2, Text: "a cycle"}
		}, Flink, ForcedAlignmentDeadlock},
		{"event budget", func(r *Run, res *sim.Result) { res.Stop, res.Job, res.Deadlock = sim.EventBudget, sim.JobRunning, nil }, Fail, "neither ended"},
		{"event budget in a deadlock", func(r *Run, res *sim.Result) {
			res.Stop, res.Deadlock = sim.EventBudget, &sim.Deadlock{Checkpoint: 2, Text: "a cycle"}
		}, Flink, ForcedAlignmentDeadlock},
		{"end time", func(r *Run, res *sim.Result) { r.Config.Until = 1 }, Skip, "end time"},
		{"unbounded", func(r *Run, res *sim.Result) {
			ops := append(r.Config.Graph.Operators[:0:0], r.Config.Graph.Operators...)
			for i := range ops {
				if ops[i].Source != nil {
					src := *ops[i].Source
					src.Records = 0
					ops[i].Source = &src
				}
			}
			g := *r.Config.Graph
			g.Operators = ops
			r.Config.Graph = &g
		}, Skip, "unbounded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, res := *run, *run.Result
			r.Result = &res
			tc.edit(&r, &res)
			v := judge(&r, BoundedEnds)
			assert.Equal(t, tc.status, v.Status, v.Detail)
			assert.Contains(t, v.Detail, tc.detail)
		})
	}
}

// TestBoundedEndsHiddenBacklog: seed 1375 of simulate check --mode
// unaligned --property bounded-ends (no exclusive buffers, no output
// flusher) ends in a wait that only the finished buffer its receiver is
// never told of keeps: before Sim.hiddenBacklog saw it, the run spent its
// 50 million events.
func TestBoundedEndsHiddenBacklog(t *testing.T) {
	b := DefaultBounds()
	BoundedEnds.Focus(&b)
	b.Modes = []sim.Mode{sim.Unaligned}
	run, verdicts, err := Evaluate(Scenario(b, 1375), BoundedEnds)
	require.NoError(t, err)
	res := run.Result
	require.Equal(t, sim.Deadlocked, res.Stop, "the run ran on, by %s", res.Stop)
	require.NotNil(t, res.Deadlock)
	assert.Contains(t, res.Deadlock.Text, "never told of the finished buffer")
	last := res.Deadlock.Waits[len(res.Deadlock.Waits)-1]
	assert.Equal(t, sim.WaitOutput, last.Kind)
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Less(t, res.Events, int64(5_000_000))
}

// TestBoundedEndsRestoreLoopRegions: seed 7018623 of simulate check
// --faults always (shrunk) resubmits a job from a savepoint that cannot be
// read, under region failover and failure-rate: both regions fail their
// restore again and again, at once or each at its own pace. Before the
// restore-loop check followed each region's pace, the run spent its 50
// million events and failed bounded-ends.
func TestBoundedEndsRestoreLoopRegions(t *testing.T) {
	for _, tc := range []struct {
		file     string
		gap, max time.Duration // between the regions' first failed restores
	}{
		{"restore-loop-regions.yaml", 152, time.Microsecond},
		{"restore-loop-regions-paces.yaml", 62500 * time.Microsecond, time.Second},
	} {
		t.Run(tc.file, func(t *testing.T) {
			run, verdicts := regressionEnds(t, tc.file)
			res := run.Result
			require.Equal(t, sim.RestoreLoop, res.Stop, "the run ran on, by %s", res.Stop)
			require.Len(t, res.Failovers, 4, "each region's failed restore, twice")
			for _, f := range res.Failovers {
				assert.Contains(t, f.Cause, "restore of savepoint 1 failed")
				assert.Less(t, f.Subtasks, len(run.Graph.Subtasks), "a region, not the whole job")
			}
			fo := res.Failovers
			gap := time.Duration(fo[1].At - fo[0].At)
			assert.Equal(t, tc.gap, gap)
			assert.Less(t, gap, tc.max)
			assert.Equal(t, fo[3].At, res.VirtualEnd, "the second failure of the last region proves the loop")
			require.Len(t, verdicts, 1)
			assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
			assert.Contains(t, verdicts[0].Detail, RestoreLoop)
		})
	}
}

// TestBoundedEndsRestoreLoopPastPhase: seed 7019822 of simulate check
// --faults always (shrunk by hand) waited for a crash in a phase of
// checkpoint 1, long complete, as for a fault still to come, and spent
// its event budget in a restore loop.
func TestBoundedEndsRestoreLoopPastPhase(t *testing.T) {
	run, verdicts := regressionEnds(t, "restore-loop-past-phase.yaml")
	res := run.Result
	require.Equal(t, sim.RestoreLoop, res.Stop, "the run ran on, by %s", res.Stop)
	require.Len(t, res.Failovers, 3, "the crash, then two failed restores that show the pace")
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
}

// TestBoundedEndsRestoreLoopPhaseCrash: beside a region that waits for
// its final checkpoint, a restore loop waited for a crash in a phase of a
// checkpoint that could never strike, and spent its event budget. Seeds
// of simulate check --mode unaligned --faults always (shrunk): 7503678, a
// crash in the aligning phase of a source of the loop, which never runs;
// 7848592 (--max-faults 6), one at a subtask outside the loop for
// checkpoint 2, never triggered.
func TestBoundedEndsRestoreLoopPhaseCrash(t *testing.T) {
	for _, file := range []string{"restore-loop-phase-crash-in-loop.yaml", "restore-loop-untriggered-phase.yaml"} {
		t.Run(file, func(t *testing.T) {
			run, verdicts := regressionEnds(t, file)
			res := run.Result
			require.Equal(t, sim.RestoreLoop, res.Stop, "the run ran on, by %s", res.Stop)
			assert.Equal(t, 4, res.Summary.AwaitingFinal, "the other region waits for its final checkpoint")
			require.Len(t, verdicts, 1)
			assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
		})
	}
}

// TestBoundedEndsFinishes: regression scenarios of simulate check that
// spent their event budget, each on an engine bug, and whose jobs finish.
func TestBoundedEndsFinishes(t *testing.T) {
	for _, tc := range []struct{ file, bug string }{
		// Seed 7116835 of --faults always: a buffer a partition held never
		// landed, and the receiver, without exclusive buffers, never gave
		// the credit its sender waited for.
		{"partition-held-buffer.yaml", "what a partition holds on the wire arrives when it heals"},
		// Seed 7201872 of --faults always: a backlog announcement overtook
		// the buffer a partition held, with the same end.
		{"partition-held-announcement.yaml", "what a partition holds arrives in order"},
		// Seed 7033818 of --faults always: the abort of a subsumed
		// alignment resumed the sender that paused after the newer
		// barrier, whose backlog announcement its receiver then dropped,
		// so no credit came again.
		{"subsumed-alignment-resume.yaml", "an aborted alignment resumes only its own channels"},
		// Seed 7382427 of the default sweep spent its event budget before
		// an unaligned barrier sent the buffer it finished; found with
		// concurrent unaligned checkpoints, which Flink refuses, and run
		// with one now.
		{"priority-barrier-finished-buffer.yaml", "the buffer an unaligned barrier finished goes out behind it"},
		// Seed 7574644 of --mode unaligned --faults always: channels that
		// ended kept their gate's floating buffers, and the gate's last
		// channel, without exclusive buffers, waited for them forever.
		{"ended-channel-floating-buffers.yaml", "an ended channel gives its floating buffers back"},
		// Seed 8324072 of --faults always --max-faults 6 --restores always:
		// a record a priority barrier jumped stayed held back with the
		// channel the barrier blocked, and kept the gate's only floating
		// buffer.
		{"blocked-channel-jumped-data.yaml", "what a barrier jumped is taken although it blocked the channel"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			run, verdicts := regressionEnds(t, tc.file)
			assert.Equal(t, sim.JobEnded, run.Result.Stop, tc.bug)
			assert.Equal(t, sim.JobFinished, run.Result.Job, tc.bug)
			require.Len(t, verdicts, 1)
			assert.Equal(t, Pass, verdicts[0].Status, verdicts[0].Detail)
		})
	}
}

// regressionEnds judges the scenario file of testdata/regression by
// bounded-ends.
func regressionEnds(t *testing.T, file string) (*Run, []Verdict) {
	t.Helper()
	sc, err := scenarios.Load("../testdata/regression/" + file)
	require.NoError(t, err)
	run, verdicts, err := Evaluate(sc.Config, BoundedEnds)
	require.NoError(t, err)
	return run, verdicts
}

// TestBoundedEndsPriorityTaskWithoutBarrier: a task that takes barriers
// with priority stays backpressured when none of its senders can emit
// one. Seed 7228927 of simulate check --faults always (shrunk) deadlocked
// through such a task, which the analysis took to move on with the next
// checkpoint's barrier, and the run spent its event budget.
func TestBoundedEndsPriorityTaskWithoutBarrier(t *testing.T) {
	run, verdicts := regressionEnds(t, "deadlock-priority-task-no-barrier.yaml")
	res := run.Result
	require.Equal(t, sim.Deadlocked, res.Stop, "the run ran on, by %s", res.Stop)
	require.NotNil(t, res.Deadlock)
	var through []string
	for _, w := range res.Deadlock.Waits {
		through = append(through, run.Graph.Subtasks[w.Subtask].Name)
	}
	assert.Contains(t, through, "agg1[0]", "the cycle runs through the task that takes barriers with priority")
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Contains(t, verdicts[0].Detail, ForcedAlignmentDeadlock)
}

// TestBoundedEndsTimedOutAlignment: a task that collects a checkpoint
// unaligned after its alignment timed out still holds back the channels
// whose barrier came before, and a cycle of waits may run through them.
// Seed 12246975 of simulate check --faults always (shrunk) deadlocked so,
// which the analysis did not see, and the run spent its event budget.
func TestBoundedEndsTimedOutAlignment(t *testing.T) {
	requireForcedDeadlock(t, "timed-out-alignment-deadlock.yaml", 1)
}

// requireForcedDeadlock: the regression scenario file ends DEADLOCKED in
// a forced-alignment deadlock of checkpoint ck, which bounded-ends counts
// as Flink's and which lasts; it returns the deadlock.
func requireForcedDeadlock(t *testing.T, file string, ck int64) *sim.Deadlock {
	t.Helper()
	run, verdicts := regressionEnds(t, file)
	res := run.Result
	require.Equal(t, sim.Deadlocked, res.Stop, "the run ran on, by %s", res.Stop)
	require.NotNil(t, res.Deadlock)
	assert.Equal(t, ck, res.Deadlock.Checkpoint)
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Contains(t, verdicts[0].Detail, ForcedAlignmentDeadlock)
	assert.True(t, deadlockLasts(t, run.Config), "the cycle holds to the end")
	return res.Deadlock
}

// TestBoundedEndsPausedAfterLateBarrier: a channel whose sender paused
// after a blocking barrier that the receiver took late, after its
// alignment timed out, is held back as a blocked one is, until the
// receiver is done with the checkpoint, and a cycle of waits may run
// through it. Seed 14043008 of simulate check --faults always (shrunk)
// deadlocked so, which the analysis did not see, and the run spent its
// event budget.
func TestBoundedEndsPausedAfterLateBarrier(t *testing.T) {
	d := requireForcedDeadlock(t, "paused-after-late-barrier-deadlock.yaml", 2)
	assert.Contains(t, d.Text, "whose sender paused after the blocking barrier 2")
}

// TestBoundedEndsOwnBufferWait: a bounded job's own-buffer wait lasts when
// no task can finish: its source waits for a final checkpoint that the
// waiting task holds up. Seed 13092490 of simulate check --mode unaligned
// --faults always --restores always (shrunk) spent its event budget so.
func TestBoundedEndsOwnBufferWait(t *testing.T) {
	run, verdicts := regressionEnds(t, "own-buffer-wait-bounded.yaml")
	res := run.Result
	require.Equal(t, sim.Deadlocked, res.Stop, "the run ran on, by %s", res.Stop)
	require.NotNil(t, res.Deadlock)
	assert.True(t, res.Deadlock.OwnBuffer())
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Equal(t, OwnBufferWait, verdicts[0].Behaviour)
	assert.True(t, deadlockLasts(t, run.Config), "the wait holds to the end")
}

// TestBoundedEndsAnnouncementBeforeBuffer: a buffer the receiver takes in
// the instant it arrives does not overtake the BacklogAnnouncement sent
// before it on its channel. Seed 11213272 of simulate check --faults
// always (shrunk) stranded a floating buffer that way and ran to its
// event budget.
func TestBoundedEndsAnnouncementBeforeBuffer(t *testing.T) {
	run, verdicts := regressionEnds(t, "announcement-before-buffer.yaml")
	require.Equal(t, sim.JobEnded, run.Result.Stop, "the run ran on, by %s", run.Result.Stop)
	assert.Equal(t, sim.JobFinished, run.Result.Job)
	require.Len(t, verdicts, 1)
	assert.Equal(t, Pass, verdicts[0].Status, verdicts[0].Detail)
}
