package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// deadlockFile is the job the finding of session 10 described, rebuilt:
// unaligned checkpoints, a diamond whose sink has broadcast inputs, which
// deadlocks as Flink does (docs/flink-semantics.md, "Forced alignment
// deadlock"). Session 10 found it after flink stop and a restore of its
// savepoint; since the output flusher sends slices (a buffer being filled
// keeps its segment), the backpressure that closes the cycle comes early
// and checkpoint 2 of the first execution deadlocks.
const deadlockFile = "../testdata/regression/forced-alignment-deadlock.yaml"

func loadDeadlock(t *testing.T) sim.Config {
	t.Helper()
	sc, err := scenarios.Load(deadlockFile)
	require.NoError(t, err)
	return sc.Config
}

// TestForcedAlignmentDeadlock: the run ends in the cycle of waits Flink
// has there, the report's cycle names it, and liveness counts the stall
// as Flink's behaviour, not a failure.
func TestForcedAlignmentDeadlock(t *testing.T) {
	cfg := loadDeadlock(t)
	run, verdicts, err := Evaluate(cfg, Liveness)
	require.NoError(t, err)
	res := run.Result
	d := res.Deadlock
	require.NotNil(t, d, "the run ends deadlocked")
	assert.Equal(t, []string{"sink1[0]", "map1[0]", "map1[0]", "agg1[1]", "agg2[2]"}, waitSubtasks(run, d))
	assert.Equal(t, []sim.WaitKind{sim.WaitBarrier, sim.WaitBehind, sim.WaitOutput, sim.WaitOutput, sim.WaitOutput}, waitKinds(d))
	assert.Contains(t, d.Text, "sink1[0] aligns checkpoint")
	for _, c := range res.Checkpoints {
		if c.ID == d.Checkpoint {
			assert.Equal(t, sim.InProgress, c.Status)
		}
	}
	require.Len(t, verdicts, 1)
	v := verdicts[0]
	assert.Equal(t, Flink, v.Status, v.Detail)
	assert.Contains(t, v.Detail, ForcedAlignmentDeadlock)

	t.Run("no deadlock before it, nor with aligned checkpoints", func(t *testing.T) {
		early := cfg
		early.Until = time.Duration(d.Since)
		r, err := Simulate(early)
		require.NoError(t, err)
		assert.Nil(t, r.Result.Deadlock)
		aligned := cfg
		aligned.Checkpoint.Mode = sim.Aligned
		r, verdicts, err := Evaluate(aligned, Liveness)
		require.NoError(t, err)
		assert.Nil(t, r.Result.Deadlock)
		assert.Equal(t, Pass, verdicts[0].Status, verdicts[0].Detail)
	})

	t.Run("the same stall without the cycle fails liveness", func(t *testing.T) {
		r := *run
		res := *run.Result
		res.Deadlock = nil
		r.Result = &res
		err := checkLiveness(&r)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNotApplicable)
	})
}

// TestBoundedDrainForcedDeadlock: a bounded job that ends in the
// forced-alignment deadlock does not drain, as in Flink, and bounded-drain
// counts it as Flink's behaviour, whether later checkpoints keep the run
// busy until its event budget is spent (simulate check found it at seed
// 1375 of --mode unaligned) or the run ends as Deadlocked (seed 1380,
// which failed before the deadlock analysis saw its cycle); without the
// cycle the same run fails.
func TestBoundedDrainForcedDeadlock(t *testing.T) {
	for _, tc := range []struct {
		file string
		stop sim.StopReason
	}{
		{"bounded-drain-deadlock.yaml", sim.EventBudget},
		{"bounded-drain-deadlock-zero-buffers.yaml", sim.Deadlocked},
	} {
		t.Run(tc.file, func(t *testing.T) {
			sc, err := scenarios.Load("../testdata/regression/" + tc.file)
			require.NoError(t, err)
			run, verdicts, err := Evaluate(sc.Config, BoundedDrain)
			require.NoError(t, err)
			require.Equal(t, tc.stop, run.Result.Stop)
			require.NotNil(t, run.Result.Deadlock)
			require.Len(t, verdicts, 1)
			assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
			assert.Contains(t, verdicts[0].Detail, ForcedAlignmentDeadlock)
			r := *run
			res := *run.Result
			res.Deadlock = nil
			r.Result = &res
			err = checkDrain(&r)
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrNotApplicable)
		})
	}
}

// TestForcedAlignmentDeadlockLasts: what the run reports as a deadlock is
// one: run on, the checkpoint never completes and the cycle stays, past
// the checkpoint's expiry too (the coordinator's abort leaves the
// aligning handler alone; with failures tolerated the job stays stuck).
// Over seeds of the same job, also those that end without a deadlock.
func TestForcedAlignmentDeadlockLasts(t *testing.T) {
	found := 0
	for seed := uint64(1); seed <= 12; seed++ {
		cfg := loadDeadlock(t)
		cfg.Seed = seed
		cfg.Until = 6 * time.Second
		cfg.Checkpoint.Timeout = 4 * time.Second
		cfg.Recovery.TolerableFailures = -1
		short, err := Simulate(cfg)
		require.NoError(t, err)
		d := short.Result.Deadlock
		if d == nil {
			continue
		}
		found++
		cfg.Until = 20 * time.Second
		long, err := Simulate(cfg)
		require.NoError(t, err)
		ld := long.Result.Deadlock
		require.NotNil(t, ld, "seed %d: the deadlock at %v is gone later", seed, cfg.Until)
		assert.Equal(t, d.Since, ld.Since, "seed %d", seed)
		assert.Equal(t, d.Checkpoint, ld.Checkpoint, "seed %d", seed)
		for _, c := range long.Result.Checkpoints {
			if c.Status == sim.Completed {
				assert.Less(t, c.EndAt, d.Since, "seed %d: checkpoint %d completed after the deadlock", seed, c.ID)
			}
		}
		assert.Positive(t, long.Result.Summary.Expired, "seed %d", seed)
	}
	t.Logf("%d of 12 seeds deadlock", found)
	assert.Positive(t, found, "some seed deadlocks")
}

func waitSubtasks(r *Run, d *sim.Deadlock) []string {
	var out []string
	for _, w := range d.Waits {
		out = append(out, r.Graph.Subtasks[w.Subtask].Name)
	}
	return out
}

func waitKinds(d *sim.Deadlock) []sim.WaitKind {
	var out []sim.WaitKind
	for _, w := range d.Waits {
		out = append(out, w.Kind)
	}
	return out
}

// TestForcedAlignmentDeadlockStops: with checkpoint failures tolerated the
// deadlocked job is stuck for good, and the run ends as Deadlocked once
// checkpoints keep failing with no record moving; with a limit on the
// tolerated failures (here above the ten failed checkpoints the stop waits
// for) an expiry fails the job over in the end, and the run goes on.
func TestForcedAlignmentDeadlockStops(t *testing.T) {
	cfg := loadDeadlock(t)
	cfg.Until = 0
	cfg.Checkpoint.Timeout = time.Second
	cfg.Recovery.TolerableFailures = -1
	run, err := Simulate(cfg)
	require.NoError(t, err)
	res := run.Result
	require.Equal(t, sim.Deadlocked, res.Stop)
	require.NotNil(t, res.Deadlock)
	assert.Greater(t, res.VirtualEnd, res.Deadlock.Since+int64(10*time.Second), "ten checkpoints of 1s failed first")
	assert.Less(t, res.VirtualEnd, res.Deadlock.Since+int64(time.Minute))
	assert.GreaterOrEqual(t, res.Summary.Expired, 10)

	cfg.Recovery.TolerableFailures = 15
	cfg.Until = time.Minute
	again, err := Simulate(cfg)
	require.NoError(t, err)
	assert.Equal(t, sim.EndTime, again.Result.Stop)
	assert.NotEmpty(t, again.Result.Failovers, "the 16th failed checkpoint fails the job over")
}

// TestDeadlockLasts: whatever cycle Sim.Deadlock reports holds for the
// rest of the run: its aligning subtasks still align its checkpoint and
// those that wait for their senders' barrier never take it (both may take
// the records that came before the barrier on the inputs they do not hold
// back), none of its other subtasks, all backpressured, processes or
// emits another record, and its checkpoint never completes. A false witness would let
// bounded-drain and liveness pass a stuck engine off as Flink's behaviour,
// and end a run as Deadlocked. The runs are those of simulate check
// --mode unaligned --property bounded-drain, seeds 1360-1399 (1375 and 1380
// deadlock), checked every 64 events.
func TestDeadlockLasts(t *testing.T) {
	b := DefaultBounds()
	BoundedDrain.Focus(&b)
	b.Modes = []sim.Mode{sim.Unaligned}
	found := 0
	for seed := uint64(1360); seed < 1400; seed++ {
		if deadlockLasts(t, Scenario(b, seed)) {
			found++
		}
	}
	assert.GreaterOrEqual(t, found, 2, "seeds 1375 and 1380 deadlock")
}

// TestDeadlockLastsTimedOut: TestDeadlockLasts on fault-free runs of
// unaligned checkpoints with an aligned checkpoint timeout in every run
// (whose tasks with hash inputs align first), no restores or savepoints,
// and checkpoint failures tolerated, so that nothing but the engine could
// break a cycle: the 28 seeds of 1..40,000 that deadlock (seeds
// 1..100,000 deadlock 69 times, none with a false witness). Seeds 5771,
// 14440 and 24770 go through a task that waits for its senders' barrier
// and still takes their records.
func TestDeadlockLastsTimedOut(t *testing.T) {
	b := DefaultBounds()
	b.Faults = Range{0, 0}
	b.Modes = []sim.Mode{sim.Unaligned}
	b.AlignedTimeoutChoice = Always
	b.Restores = Never
	b.Savepoints = Range{0, 0}
	seeds := []uint64{1501, 2190, 3555, 5771, 6813, 7225, 7510, 8648, 8957, 11835, 13848, 14380, 14440, 17371,
		17979, 22193, 23902, 24186, 24770, 26332, 26690, 30582, 32597, 32640, 34107, 34244, 35877, 35938}
	for _, seed := range seeds {
		cfg := Scenario(b, seed)
		cfg.Recovery.TolerableFailures = -1
		assert.True(t, deadlockLasts(t, cfg), "seed %d deadlocks", seed)
	}
}

// deadlockLasts runs cfg, looks for a deadlock every 64 events, and fails t
// if one it found breaks later; it reports whether it found one.
func deadlockLasts(t *testing.T, cfg sim.Config) bool {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	var d *sim.Deadlock
	var counts []int64
	for i := 0; s.Step(); i++ {
		if d == nil && i%64 == 0 {
			if d = s.Deadlock(); d != nil {
				for _, w := range d.Waits {
					v := s.SubtaskView(int(w.Subtask))
					counts = append(counts, v.Processed, v.Emitted)
				}
			}
		}
	}
	if d == nil {
		return false
	}
	for k, w := range d.Waits {
		v := s.SubtaskView(int(w.Subtask))
		switch w.Kind {
		case sim.WaitBarrier:
			// It still takes the records that came before the barrier on
			// the inputs it does not hold back, as Flink's task does.
			assert.True(t, v.Pending && v.Checkpoint == w.Checkpoint, "%s: the cycle of checkpoint %d broke: subtask %d ended its alignment after %s", cfg.Name, d.Checkpoint, w.Subtask, d.Text)
			continue
		case sim.WaitUpstream:
			// It is not backpressured and takes the records its senders
			// sent before the barrier they never emit.
			assert.Less(t, v.LastSnapshot, w.Checkpoint, "%s: the cycle of checkpoint %d broke: subtask %d took the barrier after %s", cfg.Name, d.Checkpoint, w.Subtask, d.Text)
			continue
		}
		assert.Equal(t, counts[2*k:2*k+2], []int64{v.Processed, v.Emitted}, "%s: the cycle of checkpoint %d broke: subtask %d moved records after %s", cfg.Name, d.Checkpoint, w.Subtask, d.Text)
	}
	if cs, ok := s.CheckpointView(d.Checkpoint, false); ok {
		assert.NotEqual(t, sim.Completed, cs.Status, "%s: checkpoint %d completed after the deadlock %s", cfg.Name, d.Checkpoint, d.Text)
	}
	return true
}

// TestOwnBufferWait: with max_buffers_per_channel 1 a subtask's buffer
// being filled keeps it backpressured for good (sim.WaitOwnBuffer), and
// liveness counts the run as Flink's behaviour; with 2 buffers the job
// goes on.
func TestOwnBufferWait(t *testing.T) {
	sc, run, verdicts := livenessOf(t, "own-buffer-wait.yaml")
	d := run.Result.Deadlock
	require.NotNil(t, d)
	assert.True(t, d.OwnBuffer())
	assert.Equal(t, int64(1), d.Checkpoint)
	assert.Contains(t, d.Text, "map1[0] is backpressured by map1[0]->sink2[0]")
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Equal(t, OwnBufferWait, verdicts[0].Behaviour)

	cfg := sc.Config
	cfg.Channels.MaxBuffersPerChannel = 2
	run, _, err := Evaluate(cfg, Liveness)
	require.NoError(t, err)
	assert.Nil(t, run.Result.Deadlock)
	assert.Positive(t, run.Result.Summary.Completed)
}

// TestOwnBufferWaitRecovering: a subtask that takes barriers with
// priority is in an own-buffer wait for good while it recovers its input
// channel state: it stays INITIALIZING, so no checkpoint, and no priority
// barrier that would finish its buffer, is triggered.
func TestOwnBufferWaitRecovering(t *testing.T) {
	_, run, verdicts := livenessOf(t, "own-buffer-wait-recovering.yaml")
	d := run.Result.Deadlock
	require.NotNil(t, d)
	assert.True(t, d.OwnBuffer())
	assert.Zero(t, d.Checkpoint)
	assert.Equal(t, "no checkpoint can complete", d.Stuck())
	assert.Contains(t, d.Text, "agg1[0] is backpressured by agg1[0]->sink1[0]")
	assert.Contains(t, d.Text, "stays INITIALIZING")
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Equal(t, OwnBufferWait, verdicts[0].Behaviour)
}

// TestOwnBufferWaitCancelled: an own-buffer wait that a resubmission's
// cancellation ends is Flink's behaviour for the span it ends, as one that
// lasts to the end of the run is.
func TestOwnBufferWaitCancelled(t *testing.T) {
	_, run, verdicts := livenessOf(t, "own-buffer-wait-cancelled.yaml")
	require.NotEmpty(t, run.Result.Resubmissions)
	d := run.Result.Resubmissions[0].Deadlock
	require.NotNil(t, d, "the job was in an own-buffer wait when the user cancelled it")
	assert.True(t, d.OwnBuffer())
	assert.Equal(t, int64(9), d.Checkpoint)
	require.Len(t, verdicts, 1)
	assert.Equal(t, Flink, verdicts[0].Status, verdicts[0].Detail)
	assert.Contains(t, verdicts[0].Detail, "checkpoint 9 can never complete")
}

// livenessOf judges the scenario file of testdata/regression by liveness.
func livenessOf(t *testing.T, file string) (*scenarios.Scenario, *Run, []Verdict) {
	t.Helper()
	sc, err := scenarios.Load("../testdata/regression/" + file)
	require.NoError(t, err)
	run, verdicts, err := Evaluate(sc.Config, Liveness)
	require.NoError(t, err)
	return sc, run, verdicts
}
