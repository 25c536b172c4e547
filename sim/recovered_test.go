package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// recoveredRun is a run restored from an unaligned checkpoint with channel
// state: its trace, the restart, and what the checkpoint persisted, by
// channel in order, as input and as output channel state.
type recoveredRun struct {
	s       *Sim
	evs     []TraceEvent
	restart int64
	in, out map[int32][][2]int64
}

// runRecovered runs cfg with a crash of crash right after the first
// completed checkpoint with channel state, found by a probe run, that
// completed after from.
func runRecovered(t *testing.T, cfg Config, crash string, from time.Duration) recoveredRun {
	t.Helper()
	probe := newSim(t, cfg).Run()
	var ck *CheckpointStats
	for i := range probe.Checkpoints {
		if c := &probe.Checkpoints[i]; c.Status == Completed && c.PersistedRecords > 0 && c.EndAt > int64(from) {
			ck = c
			break
		}
	}
	require.NotNil(t, ck, "a completed checkpoint with channel state: %s", describeCheckpoints(probe))
	cfg.Faults = []Fault{crashAt(crash, time.Duration(ck.EndAt+int64(time.Millisecond)))}
	r := recoveredRun{s: newSim(t, cfg)}
	r.s.Tracer = func(ev TraceEvent) { r.evs = append(r.evs, ev) }
	for r.s.Step() {
		if r.in == nil && r.s.job.status == JobRestarting {
			r.in, r.out = map[int32][][2]int64{}, map[int32][][2]int64{}
			cs := r.s.coord.get(ck.ID)
			for p := range allRecords(cs.inState) {
				r.in[p.channel] = append(r.in[p.channel], [2]int64{p.item.key, p.item.value})
			}
			for p := range allRecords(cs.outState) {
				r.out[p.channel] = append(r.out[p.channel], [2]int64{p.item.key, p.item.value})
			}
		}
	}
	res := r.s.Result()
	require.NotEmpty(t, res.Failovers)
	require.Equal(t, ck.ID, res.Failovers[0].RestoredFrom)
	r.restart = res.Failovers[0].RestartAt
	return r
}

// running is when subtask id's last input gate requested its partitions
// after the restart (the InputRecovered that leaves none recovering: the
// subtask is RUNNING), or -1. The receivers of these jobs have one gate.
func (r *recoveredRun) running(id int32) int64 {
	for _, ev := range ofKind(r.evs, InputRecovered) {
		if ev.At >= r.restart && ev.Subtask == id && ev.N == 0 {
			return ev.At
		}
	}
	return -1
}

// TestRecoveredChannelState: after a restore from an unaligned checkpoint,
// the output channel state leaves the sender as its output does, once the
// receiver's gate requested the subpartition, and ahead of any new record
// on the channel; the input channel state is what the receiver takes first
// on each channel, and the senders transmit nothing on its gate before the
// receiver took all of it (StreamTask.restoreGates).
func TestRecoveredChannelState(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failover Failover
		remote   bool
	}{
		{"full failover", FullFailover, true},
		{"region failover", RegionFailover, true},
		{"local channels", FullFailover, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Checkpoint.Mode = Unaligned
			cfg.Recovery.Failover = tc.failover
			cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{1: 2 * time.Millisecond}
			recordNetwork(&cfg.Channels, 20, 2)
			if !tc.remote {
				cfg.Placement = Placement{TaskManagers: 1, SlotsPerTaskManager: 2} // every channel is local
			}
			r := runRecovered(t, cfg, "count[0]", 300*time.Millisecond)
			if tc.remote { // a local channel sends without credit: no output queues up
				require.NotEmpty(t, r.out, "the checkpoint has output channel state")
			}
			require.NotEmpty(t, r.in, "the checkpoint has input channel state")
			sent := func(c int32) (at []int64, recs [][2]int64) {
				for _, ev := range ofKind(r.evs, RecordSent) {
					if ev.At >= r.restart && ev.Channel == c {
						at, recs = append(at, ev.At), append(recs, [2]int64{ev.Key, ev.Value})
					}
				}
				return at, recs
			}
			for c, want := range r.out {
				at, recs := sent(c)
				require.GreaterOrEqual(t, len(recs), len(want), "channel %d", c)
				assert.Equal(t, want, recs[:len(want)], "the recovered output goes out first on channel %d", c)
				req := r.running(r.s.chans[c].to)
				require.Positive(t, req, "channel %d's gate requested its partitions", c)
				assert.GreaterOrEqual(t, at[0], req, "channel %d: nothing is sent before the partition request", c)
				if tc.remote {
					assert.Greater(t, at[0], req, "channel %d: the request takes a network latency", c)
				}
			}
			for c, want := range r.in {
				var got [][2]int64
				var last int64
				for _, ev := range ofKind(r.evs, RecordReceived) {
					if ev.At >= r.restart && ev.Channel == c && len(got) < len(want) {
						got, last = append(got, [2]int64{ev.Key, ev.Value}), ev.At
					}
				}
				assert.Equal(t, want, got, "the recovered input is taken first on channel %d", c)
				req := r.running(r.s.chans[c].to)
				require.Positive(t, req, "channel %d's gate requested its partitions", c)
				assert.GreaterOrEqual(t, req, last, "channel %d: the gate requests once its recovered input is taken", c)
				// No sender transmits on the gate before the request.
				for _, id := range r.s.tasks[r.s.chans[c].to].gates[r.s.chans[c].gate].chans {
					if at, _ := sent(id); len(at) > 0 {
						assert.GreaterOrEqual(t, at[0], req, "channel %d sends before its gate's request", id)
					}
				}
			}
			requireInvariants(t, r.s.Result())
		})
	}
}

// recoveringJoin is a keyed join of a busy source and a quiet one whose
// busy input backs up (join is too slow for it): an unaligned checkpoint
// persists much input channel state on the busy gate and little or none on
// the quiet one, so after a restore the quiet gate requests its partitions
// long before the busy one has taken its recovered input.
func recoveringJoin(mode Mode, alignedTimeout time.Duration) Config {
	cfg := Config{
		Name: "recovering-join",
		Seed: 5,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("clicks", 1, 2000, 0), src("orders", 1, 5, 0), agg("join", 1, 2*time.Millisecond), sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "clicks", To: "join", Partitioning: topology.Hash},
				{From: "orders", To: "join", Partitioning: topology.Hash},
				{From: "join", To: "sink", Partitioning: topology.Forward},
			},
		},
		Channels:   recordChannels(),
		Checkpoint: testCheckpoint(),
		Recovery:   recoveryWith(fixedDelay(10, 50*time.Millisecond)),
		Until:      3 * time.Second,
	}
	cfg.Checkpoint.Interval = 100 * time.Millisecond
	cfg.Checkpoint.Mode, cfg.Checkpoint.AlignedCheckpointTimeout = mode, alignedTimeout
	recordNetwork(&cfg.Channels, 200, 4)
	return cfg
}

// TestNoCheckpointWhileRecovering: no checkpoint is triggered while a
// redeployed subtask still recovers its input channel state, even once
// every state download is done: the subtask is INITIALIZING until every
// gate has consumed its recovered input (StreamTask.restoreInternal,
// Task.restoreAndInvoke), and DefaultCheckpointPlanCalculator.
// checkTasksStarted requires every task to wait for to be RUNNING, so the
// periodic requests in between are dropped (NOT_ALL_REQUIRED_TASKS_RUNNING,
// not a failure) and no barrier ever reaches a recovering gate: nothing is
// declined "task not ready". join recovers its input for longer than a
// checkpoint interval after every download is done, so a coordinator that
// checked only the sources, or only the downloads, would trigger in
// between.
func TestNoCheckpointWhileRecovering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{
		{"unaligned", 0},
		{"aligned checkpoint timeout", 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := recoveringJoin(Unaligned, tc.timeout)
			r := runRecovered(t, cfg, "join[0]", 500*time.Millisecond)
			res := r.s.Result()
			join := subtaskID(t, r.s, "join[0]")
			// The restore: every download done, then join RUNNING once
			// both its gates consumed their recovered input.
			var restored int64 = -1
			for _, ev := range ofKind(r.evs, SubtaskRestored) {
				if ev.At > r.restart {
					restored = max(restored, ev.At)
				}
			}
			running := r.running(join)
			require.Positive(t, restored)
			require.Positive(t, running, "join is RUNNING again")
			require.Greater(t, running-restored, int64(cfg.Checkpoint.Interval),
				"join recovers for longer than an interval after the downloads")
			var after []CheckpointStats
			for _, c := range res.Checkpoints {
				assert.NotEqual(t, ReasonTaskNotReady, c.Reason, "checkpoint %d", c.ID)
				if c.TriggerAt > r.restart {
					after = append(after, c)
				}
			}
			require.NotEmpty(t, after, "checkpoints after the restore: %s", describeCheckpoints(res))
			assert.GreaterOrEqual(t, after[0].TriggerAt, running, "the first checkpoint after the restart waits for join to be RUNNING")
			assert.Equal(t, Completed, after[0].Status)
			assert.Empty(t, ofKind(r.evs, TaskCheckpointAborted), "no subtask declines a checkpoint")
			assert.Len(t, res.Failovers, 1)
			requireInvariants(t, res)
		})
	}
}

// TestAllRunning: the coordinator triggers only when every subtask is
// RUNNING (DefaultCheckpointPlanCalculator: checkAllTasksInitiated and
// checkTasksStarted over the tasks to wait for): not while the job
// restarts, a subtask waits for its restart, a subtask downloads its state,
// or a subtask's input gate still recovers its channel state.
func TestAllRunning(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(s *Sim)
		ready bool
	}{
		{"every subtask running", func(*Sim) {}, true},
		{"job restarting", func(s *Sim) { s.job.status = JobRestarting }, false},
		{"a subtask waiting for its restart", func(s *Sim) { s.job.waiting[1] = true }, false},
		{"a subtask downloading its state", func(s *Sim) { s.job.restoring = 1 }, false},
		{"a subtask recovering its channel state", func(s *Sim) { s.tasks[len(s.tasks)-1].recovering = 1 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, recoveringJoin(Unaligned, 0))
			require.True(t, s.allRunning(), "a new job")
			tc.set(s)
			assert.Equal(t, tc.ready, s.allRunning())
		})
	}
}
