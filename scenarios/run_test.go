package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestBundledScenariosRun runs every bundled scenario and checks the effect
// its description teaches, loosely enough to survive changes of the model's
// details: if one fails, the description likely needs rewriting too.
func TestBundledScenariosRun(t *testing.T) {
	run := func(name string, mode sim.Mode) sim.Summary {
		s, err := Load(name)
		require.NoError(t, err)
		if mode != "" {
			s.Config.Checkpoint.Mode = mode
		}
		x, err := sim.New(s.Config)
		require.NoError(t, err, name)
		r := x.Run()
		if name != "finished-tasks-1.14" { // loses the sink's last transaction by design: TestFinishedTasks
			assert.True(t, r.OK(), "%s: invariants: %+v", name, r.Invariants)
		}
		if s.Config.Checkpoint.Mode != sim.ChandyLamport { // takes snapshots: TestTokenRingTeaches
			assert.GreaterOrEqual(t, r.Summary.Completed, 5, "%s completes checkpoints", name)
		}
		return r.Summary
	}
	summary := make(map[string]sim.Summary)
	for _, name := range Bundled() {
		if name != "backpressure" { // expires by design: TestBackpressureModes
			summary[name] = run(name, "")
		}
	}
	ms := func(d int64) time.Duration { return time.Duration(d) }

	// minimal: quick checkpoints, no real alignment.
	assert.Less(t, ms(summary["minimal"].MaxEndToEnd), 50*time.Millisecond)
	// alignment: join_count waits for the barriers behind parse's queue.
	assert.Greater(t, ms(summary["alignment"].MeanAlignment), 20*time.Millisecond)
	// slow-subtask: checkpoints are slow because of one subtask, and the
	// backpressure slows the sources below their rate.
	assert.Greater(t, ms(summary["slow-subtask"].MeanEndToEnd), 100*time.Millisecond)
	assert.Less(t, summary["slow-subtask"].RecordsIn, int64(9500))

	// Both descriptions suggest mode: unaligned: barriers overtake the
	// queues, so checkpoints get much faster and persist in-flight data.
	for _, name := range []string{"alignment", "slow-subtask"} {
		u := run(name, sim.Unaligned)
		assert.Less(t, u.MeanEndToEnd, summary[name].MeanEndToEnd/2, name)
		assert.Positive(t, u.PersistedBytes, name)
	}
}

// TestBackpressureModes checks what the backpressure scenario teaches:
// aligned checkpoints expire behind full buffers, unaligned ones complete
// fast at the cost of persisted in-flight data, and aligned with a timeout
// sits in between.
func TestBackpressureModes(t *testing.T) {
	run := func(mode sim.Mode, timeout time.Duration) sim.Summary {
		s, err := Load("backpressure")
		require.NoError(t, err)
		s.Config.Checkpoint.Mode = mode
		s.Config.Checkpoint.AlignedCheckpointTimeout = timeout
		require.Equal(t, -1, s.Config.Recovery.TolerableFailures, "the scenario tolerates expired checkpoints")
		x, err := sim.New(s.Config)
		require.NoError(t, err)
		r := x.Run()
		require.True(t, r.OK(), "%+v", r.Invariants)
		return r.Summary
	}
	aligned := run(sim.Aligned, 0)
	assert.GreaterOrEqual(t, aligned.Expired, 5, "aligned checkpoints expire at the 300ms timeout")
	assert.LessOrEqual(t, aligned.Completed, 2)
	assert.Zero(t, aligned.PersistedBytes)

	unaligned := run(sim.Unaligned, 0)
	assert.Zero(t, unaligned.Expired)
	assert.GreaterOrEqual(t, unaligned.Completed, 9)
	assert.Less(t, time.Duration(unaligned.MaxEndToEnd), 50*time.Millisecond)
	assert.Positive(t, unaligned.PersistedBytes)

	between := run(sim.Unaligned, 100*time.Millisecond)
	assert.Zero(t, between.Expired)
	assert.GreaterOrEqual(t, between.Completed, 9)
	assert.Greater(t, between.MeanEndToEnd, unaligned.MeanEndToEnd)
	assert.Less(t, time.Duration(between.MaxEndToEnd), 300*time.Millisecond)
	assert.Positive(t, between.PersistedBytes)
	assert.Less(t, between.PersistedBytes, unaligned.PersistedBytes)
}
