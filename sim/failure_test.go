package sim

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// Tests of the fault kinds: what each one does to the run, and how the job
// recovers.

// fixedDelay is a fixed-delay restart strategy.
func fixedDelay(attempts int, delay time.Duration) RestartStrategy {
	return RestartStrategy{Kind: FixedDelay, Attempts: attempts, Delay: delay}
}

// recoveryWith is Flink's default recovery with restart strategy rs and
// every checkpoint failure tolerated (checkpoint failures are not what
// most of these tests are about).
func recoveryWith(rs RestartStrategy) RecoveryConfig {
	r := DefaultRecoveryConfig()
	r.Restart = rs
	r.TolerableFailures = -1
	return r
}

// bounded is a job that drains: src (p=2, records per partition) -hash->
// count (p=2) -rebalance-> sink (p=1, sink mode m), checkpoints every
// 100ms, restarts 50ms after each failure (up to 10 times), run until the
// job ends.
func bounded(records int64, m topology.SinkMode) Config {
	snk := sink("sink", 1)
	snk.SinkMode = m
	return Config{
		Name: "bounded",
		Seed: 3,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 2, 1000, records), agg("count", 2, 200*time.Microsecond), snk},
			Edges: []topology.Edge{
				{From: "src", To: "count", Partitioning: topology.Hash},
				{From: "count", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels:   recordChannels(),
		Checkpoint: CheckpointConfig{Interval: 100 * time.Millisecond, Mode: Aligned, MaxConcurrent: 1, Timeout: time.Minute, NumRetained: 1, History: testHistory, SyncDuration: time.Millisecond, AsyncBase: 5 * time.Millisecond, StorageBandwidth: 100 << 20},
		Recovery:   recoveryWith(fixedDelay(10, 50*time.Millisecond)),
		MaxEvents:  5_000_000,
	}
}

// crashAt is a crash of subtask at time at.
func crashAt(subtask string, at time.Duration) Fault {
	return Fault{Kind: Crash, Subtask: subtask, At: at}
}

// crashIn is a crash of subtask when it enters phase of checkpoint n.
func crashIn(subtask string, phase Phase, n int64) Fault {
	return Fault{Kind: Crash, Subtask: subtask, Phase: phase, Checkpoint: n}
}

// ofKind returns the trace events of kind k.
func ofKind(evs []TraceEvent, k TraceKind) []TraceEvent {
	var out []TraceEvent
	for _, ev := range evs {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// at returns the trace events of kind k at subtask id (and checkpoint n,
// if n > 0).
func at(evs []TraceEvent, k TraceKind, id int32, n int64) []TraceEvent {
	var out []TraceEvent
	for _, ev := range evs {
		if ev.Kind == k && ev.Subtask == id && (n == 0 || ev.Checkpoint == n) {
			out = append(out, ev)
		}
	}
	return out
}

// requireDrainedExactlyOnce fails unless the job finished and every
// end-to-end checker held with no duplicate and no loss.
func requireDrainedExactlyOnce(t testing.TB, r *Result) {
	t.Helper()
	require.Equal(t, JobFinished, r.Job, "failovers: %+v", r.Failovers)
	requireInvariants(t, r)
	names := []string{}
	for _, inv := range r.Invariants {
		names = append(names, inv.Name)
	}
	require.Subset(t, names, []string{"exactly-once-state", "no-loss", "end-to-end"})
	require.Zero(t, r.Summary.Duplicates)
	require.Zero(t, r.Summary.Lost)
}

func TestCrashAtTime(t *testing.T) {
	for _, mode := range []Mode{Aligned, Unaligned} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Checkpoint.Mode = mode
			cfg.Faults = []Fault{crashAt("count[1]", 750*time.Millisecond)}
			evs, r, s := runTraced(t, cfg)

			require.Len(t, r.Failovers, 1)
			f := r.Failovers[0]
			assert.Equal(t, int64(750*time.Millisecond), f.At)
			assert.Equal(t, "crash of count[1]", f.Cause)
			// hash and rebalance edges: one region, the whole job.
			assert.Equal(t, 5, f.Subtasks)
			assert.Equal(t, f.At+int64(50*time.Millisecond), f.RestartAt, "fixed delay")
			assert.Greater(t, f.RestoredAt, f.RestartAt)
			assert.Equal(t, 1, r.Summary.Restarts)

			// It restored from the latest checkpoint completed before the
			// crash, and every subtask restored from it.
			var latest int64
			for _, c := range r.Checkpoints {
				if c.Status == Completed && c.EndAt <= f.At {
					latest = c.ID
				}
			}
			require.Positive(t, latest)
			assert.Equal(t, latest, f.RestoredFrom)
			restoring := ofKind(evs, SubtaskRestoring)
			require.Len(t, restoring, 5)
			for _, ev := range restoring {
				assert.Equal(t, latest, ev.Checkpoint)
				assert.Equal(t, f.RestartAt, ev.At)
			}
			assert.Len(t, ofKind(evs, SubtaskFailed), 5)
			// The sources rewound to the checkpoint's offsets: they read
			// more than their logs.
			assert.Greater(t, r.Summary.RecordsIn, int64(3000))
			cp := r.Checkpoints[latest-1]
			for _, st := range []string{"src[0]", "src[1]"} {
				id := subtaskID(t, s, st)
				var first int64 = -1
				for _, ev := range at(evs, RecordProcessed, id, 0) {
					if ev.At > f.RestartAt {
						first = ev.N
						break
					}
				}
				assert.Equal(t, cp.Offsets[s.tasks[id].splits[0].part], first, "%s replays from the checkpoint's offset", st)
			}
			requireDrainedExactlyOnce(t, r)
		})
	}
}

func TestCrashInCheckpointPhase(t *testing.T) {
	for _, tc := range []struct {
		phase Phase
		// start is the trace event that marks the phase's start at the
		// subtask.
		start TraceKind
	}{
		{Aligning, BarrierReceived},
		{SyncPhase, SnapshotSyncStart},
		{AsyncPhase, SnapshotSyncEnd},
	} {
		t.Run(string(tc.phase), func(t *testing.T) {
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Faults = []Fault{crashIn("count[1]", tc.phase, 3)}
			evs, r, s := runTraced(t, cfg)
			id := subtaskID(t, s, "count[1]")

			require.NotEmpty(t, r.Failovers)
			f := r.Failovers[0]
			assert.Equal(t, "crash of count[1]", f.Cause)
			start := at(evs, tc.start, id, 3)
			require.NotEmpty(t, start, "count[1] entered phase %s of checkpoint 3", tc.phase)
			assert.Equal(t, start[0].At, f.At, "the crash strikes when the phase starts")
			// Checkpoint 3 cannot complete: count[1] never acknowledged it.
			assert.Empty(t, at(evs, CheckpointAcked, id, 3))
			c3 := r.Checkpoints[2]
			assert.Equal(t, Aborted, c3.Status)
			assert.Equal(t, ReasonSuspended, c3.Reason, "the failover suspends the coordinator; not a counted checkpoint failure")
			assert.Equal(t, int64(2), f.RestoredFrom)
			assert.Len(t, r.Failovers, 1, "the fault strikes once")
			requireDrainedExactlyOnce(t, r)
		})
	}
}

func TestCrashWhileRestoring(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Faults = []Fault{
		crashAt("count[0]", 450*time.Millisecond),
		// During the restore of failover 1.
		crashIn("sink[0]", Restoring, 1),
	}
	evs, r, s := runTraced(t, cfg)

	require.Len(t, r.Failovers, 2)
	f1, f2 := r.Failovers[0], r.Failovers[1]
	assert.Equal(t, "crash of count[0]", f1.Cause)
	assert.Equal(t, "crash of sink[0]", f2.Cause)
	assert.Equal(t, f1.RestartAt, f2.At, "the sink fails as it starts restoring")
	assert.Zero(t, f1.RestoredAt, "the first restore never finished")
	assert.Equal(t, f2.At+int64(50*time.Millisecond), f2.RestartAt)
	assert.Positive(t, f2.RestoredAt)
	assert.Equal(t, f1.RestoredFrom, f2.RestoredFrom, "no checkpoint completed in between")
	assert.Equal(t, 2, r.Summary.Restarts)
	// The sink restores twice, once in each failover.
	assert.Len(t, at(evs, SubtaskRestoring, subtaskID(t, s, "sink[0]"), 0), 2)
	requireDrainedExactlyOnce(t, r)
}

// randomCrashes runs the bounded job with random crashes (of victim, or
// of any subtask if victim is empty) every 400ms on average from 200ms to
// 2.5s, and returns its trace hash, trace length and result.
func randomCrashes(t *testing.T, seed uint64, victim string) (uint64, int64, *Result) {
	cfg := bounded(3000, topology.TwoPhaseCommitSink)
	cfg.Seed = seed
	cfg.Recovery = recoveryWith(fixedDelay(100, 20*time.Millisecond))
	cfg.Faults = []Fault{{Kind: RandomCrashes, Subtask: victim, MTBF: 400 * time.Millisecond, At: 200 * time.Millisecond, Until: 2500 * time.Millisecond}}
	return runHashed(t, cfg)
}

func TestRandomCrashes(t *testing.T) {
	for _, victim := range []string{"", "count[0]"} {
		t.Run("victim="+victim, func(t *testing.T) {
			h1, n1, r1 := randomCrashes(t, 5, victim)
			h2, n2, r2 := randomCrashes(t, 5, victim)
			assert.Equal(t, h1, h2, "deterministic under the seed")
			assert.Equal(t, n1, n2)
			assert.Equal(t, r1.Failovers, r2.Failovers)

			require.GreaterOrEqual(t, len(r1.Failovers), 2, "several crashes with a 400ms MTBF over 2.3s")
			for _, f := range r1.Failovers {
				assert.GreaterOrEqual(t, f.At, int64(200*time.Millisecond))
				assert.LessOrEqual(t, f.At, int64(2500*time.Millisecond), "no crash after until")
				if victim != "" {
					assert.Equal(t, "crash of "+victim, f.Cause)
				}
			}
			requireDrainedExactlyOnce(t, r1)

			// Another seed crashes at other times.
			_, _, r3 := randomCrashes(t, 6, victim)
			assert.NotEqual(t, r1.Failovers, r3.Failovers)
		})
	}
	t.Run("random victims", func(t *testing.T) {
		victims := map[string]bool{}
		for seed := range uint64(4) {
			_, _, r := randomCrashes(t, seed+10, "")
			for _, f := range r.Failovers {
				victims[f.Cause] = true
			}
		}
		assert.Greater(t, len(victims), 2, "crashes hit different subtasks: %v", victims)
	})
}

// gaps returns the time between consecutive RecordProcessed events of
// subtask id that both fall in [from, to).
func gaps(evs []TraceEvent, id int32, from, to time.Duration) []int64 {
	var out []int64
	last := int64(-1)
	for _, ev := range at(evs, RecordProcessed, id, 0) {
		if ev.At < int64(from) || ev.At >= int64(to) {
			last = -1
			continue
		}
		if last >= 0 {
			out = append(out, ev.At-last)
		}
		last = ev.At
	}
	return out
}

func TestSlowSubtask(t *testing.T) {
	// The owner of the only key takes 1ms per record and gets more than 1000 records/s:
	// it is always busy, so its records are processed 1ms apart, and 5ms
	// apart while it is slowed down.
	cfg := bounded(0, "")
	cfg.Graph.Operators[0] = src("src", 1, 2000, 0)
	cfg.Graph.Operators[0].Source.Keys = 1 // every record has key 0
	// The count subtask that owns key 0 (key group 94 of 128: count[1]).
	owner := topology.KeyOwner(0, topology.ComputeDefaultMaxParallelism(2), 2)
	name := fmt.Sprintf("count[%d]", owner)
	cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{owner: time.Millisecond}
	cfg.Checkpoint.Interval = 0
	cfg.Until = 3 * time.Second
	cfg.Faults = []Fault{{Kind: Slow, Subtask: name, Factor: 5, At: time.Second, Until: 2 * time.Second}}
	evs, r, s := runTraced(t, cfg)
	id := subtaskID(t, s, name)

	before := gaps(evs, id, 100*time.Millisecond, time.Second)
	during := gaps(evs, id, time.Second+10*time.Millisecond, 2*time.Second)
	after := gaps(evs, id, 2*time.Second+100*time.Millisecond, 3*time.Second)
	require.NotEmpty(t, before)
	require.NotEmpty(t, during)
	require.NotEmpty(t, after)
	for _, g := range before {
		require.Equal(t, int64(time.Millisecond), g)
	}
	for _, g := range during {
		require.Equal(t, int64(5*time.Millisecond), g, "the cost is multiplied by 5 in the window")
	}
	for _, g := range after {
		require.Equal(t, int64(time.Millisecond), g)
	}
	assert.Empty(t, r.Failovers, "a slow subtask is not a failure")
}

// deliveries pairs each record sent on channel c with its processing at
// the receiver (FIFO), and returns (sent, processed) times.
func deliveries(evs []TraceEvent, c int32, to int32) [][2]int64 {
	var sent, done []int64
	for _, ev := range evs {
		switch {
		case ev.Kind == RecordSent && ev.Channel == c:
			sent = append(sent, ev.At)
		case ev.Kind == RecordProcessed && ev.Channel == c && ev.Subtask == to:
			done = append(done, ev.At)
		}
	}
	var out [][2]int64
	for i := range min(len(sent), len(done)) {
		out = append(out, [2]int64{sent[i], done[i]})
	}
	return out
}

// lightJob is a lightly loaded job (no queueing) whose receiver takes no
// time: a record is processed when it arrives.
func lightJob() Config {
	cfg := bounded(400, "")
	recordNetwork(&cfg.Channels, 10, 2)
	cfg.Graph.Operators[0].Source.Rate = 200
	cfg.Graph.Operators[1].Cost = 0
	cfg.Checkpoint.Interval = 0
	return cfg
}

func TestDelaySpike(t *testing.T) {
	cfg := lightJob()
	cfg.Faults = []Fault{{Kind: DelaySpike, Channel: "src[0]->count[1]", Delay: 30 * time.Millisecond, At: 500 * time.Millisecond, Until: time.Second}}
	evs, r, s := runTraced(t, cfg)
	c, to := channelID(t, s, "src[0]->count[1]"), subtaskID(t, s, "count[1]")
	var in, out int
	for _, d := range deliveries(evs, c, to) {
		sent, took := d[0], d[1]
		if sent >= int64(500*time.Millisecond) && sent < int64(time.Second) {
			in++
			assert.Equal(t, int64(31*time.Millisecond), took-sent, "latency + spike for a record sent at %v", time.Duration(sent))
		} else if sent >= int64(time.Second+50*time.Millisecond) || sent < int64(450*time.Millisecond) {
			out++
			assert.Equal(t, int64(time.Millisecond), took-sent, "latency only for a record sent at %v", time.Duration(sent))
		}
	}
	assert.Positive(t, in)
	assert.Positive(t, out)
	// Other channels are not delayed.
	for _, d := range deliveries(evs, channelID(t, s, "src[1]->count[1]"), to) {
		assert.Equal(t, int64(time.Millisecond), d[1]-d[0])
	}
	assert.Equal(t, JobFinished, r.Job)
}

func TestPartition(t *testing.T) {
	const from, until = 500 * time.Millisecond, 900 * time.Millisecond
	cfg := lightJob()
	cfg.Faults = []Fault{{Kind: Partition, Channel: "src[0]->count[1]", At: from, Until: until}}
	evs, r, s := runTraced(t, cfg)
	c, to := channelID(t, s, "src[0]->count[1]"), subtaskID(t, s, "count[1]")
	var held int
	for _, d := range deliveries(evs, c, to) {
		sent, took := d[0], d[1]
		if sent >= int64(from) && sent < int64(until) {
			held++
			assert.Equal(t, int64(until), took, "a record sent during the partition arrives when it heals")
		}
		if sent >= int64(until) {
			assert.Equal(t, int64(time.Millisecond), took-sent, "delivery is normal after the partition")
		}
	}
	// Credit-based flow control: the sender transmits no more than the
	// receiver's credits, then waits.
	assert.Equal(t, cfg.Channels.BuffersPerChannel, held)
	// Nothing was lost: the job drained.
	assert.Equal(t, JobFinished, r.Job)
	requireInvariants(t, r)
	assert.Zero(t, r.Summary.Lost)
	assert.Zero(t, r.Summary.Duplicates)
}

func TestPartitionDeliversNothingInTheWindow(t *testing.T) {
	const from, until = 500 * time.Millisecond, 900 * time.Millisecond
	cfg := lightJob()
	// A 20ms latency: records are always in flight on the channel; enough
	// credit for a credit's round trip of 40ms, so that the receivers are
	// never backpressured and take what arrived before the window at once.
	cfg.Channels.Latency = 20 * time.Millisecond
	recordNetwork(&cfg.Channels, 100, 2)
	cfg.Faults = []Fault{{Kind: Partition, Channel: "src[0]->count[1]", At: from, Until: until}}
	evs, _, s := runTraced(t, cfg)
	c := channelID(t, s, "src[0]->count[1]")
	var inWindow []time.Duration
	for _, ev := range evs {
		// A record arriving at the instant the partition starts has left
		// the wire already.
		if ev.Kind == RecordProcessed && ev.Channel == c && ev.At > int64(from) && ev.At < int64(until) {
			inWindow = append(inWindow, time.Duration(ev.At))
		}
	}
	assert.Empty(t, inWindow, "the channel delivers nothing over the window")
}

func TestFailUpload(t *testing.T) {
	for _, tc := range []struct {
		tolerable int
		failover  bool
	}{{-1, false}, {1, false}, {0, true}} {
		t.Run("tolerable="+strconv.Itoa(tc.tolerable), func(t *testing.T) {
			cfg := bounded(1500, topology.TwoPhaseCommitSink)
			cfg.Recovery.TolerableFailures = tc.tolerable
			cfg.Faults = []Fault{{Kind: FailUpload, Subtask: "count[0]", Checkpoint: 2}}
			evs, r, s := runTraced(t, cfg)
			id := subtaskID(t, s, "count[0]")

			c2 := r.Checkpoints[1]
			assert.Equal(t, Aborted, c2.Status)
			assert.Equal(t, ReasonDeclined, c2.Reason)
			dec := at(evs, TaskCheckpointAborted, id, 2)
			require.Len(t, dec, 1, "count[0] declines checkpoint 2")
			assert.Equal(t, ReasonDeclined, dec[0].Reason)
			assert.Empty(t, at(evs, CheckpointAcked, id, 2))
			assert.Equal(t, Completed, r.Checkpoints[2].Status, "the next checkpoint completes")
			if tc.failover {
				require.Len(t, r.Failovers, 1)
				assert.Contains(t, r.Failovers[0].Cause, "checkpoint failures exceeded the tolerable number")
				assert.Equal(t, c2.EndAt, r.Failovers[0].At)
				assert.Equal(t, int64(1), r.Failovers[0].RestoredFrom)
			} else {
				assert.Empty(t, r.Failovers)
			}
			requireDrainedExactlyOnce(t, r)
		})
	}
}

func TestSlowUpload(t *testing.T) {
	asyncOf := func(r *Result, n int64, sub int) int64 { return r.Checkpoints[n-1].Subtasks[sub].Async }
	cfg := bounded(1000, "")
	cfg.Checkpoint.AsyncBase = 10 * time.Millisecond
	_, base, s := runTraced(t, cfg)
	count0 := int(subtaskID(t, s, "count[0]"))

	for _, tc := range []struct {
		name    string
		subtask string
		slowed  func(sub int) bool
	}{
		{"one subtask", "count[0]", func(sub int) bool { return sub == count0 }},
		{"every subtask", "", func(int) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg.Faults = []Fault{{Kind: SlowUpload, Subtask: tc.subtask, Factor: 4, At: 250 * time.Millisecond, Until: 450 * time.Millisecond}}
			_, r, _ := runTraced(t, cfg)
			var slowed int
			for n := int64(1); n <= int64(len(r.Checkpoints)); n++ {
				c := &r.Checkpoints[n-1]
				if c.Status != Completed {
					continue
				}
				for sub := range c.Subtasks {
					row := &c.Subtasks[sub]
					if row.Finished {
						continue
					}
					end := row.FirstBarrierAt + row.Alignment + row.Sync // sync end: when the upload starts
					inWindow := end >= int64(250*time.Millisecond) && end < int64(450*time.Millisecond)
					if inWindow && tc.slowed(sub) {
						slowed++
						assert.Equal(t, 4*asyncOf(base, n, sub), row.Async, "checkpoint %d subtask %d: async x4", n, sub)
					} else if !inWindow && n <= int64(len(base.Checkpoints)) {
						assert.Equal(t, asyncOf(base, n, sub), row.Async, "checkpoint %d subtask %d: not slowed", n, sub)
					}
				}
			}
			assert.Positive(t, slowed)
		})
	}
}

// latestBefore is the latest checkpoint of r completed before time at.
func latestBefore(r *Result, at int64) int64 {
	var latest int64
	for _, c := range r.Checkpoints {
		if c.Status == Completed && c.EndAt <= at {
			latest = c.ID
		}
	}
	return latest
}

// requireRolledBack checks a drained run that restored from checkpoint
// from instead of the latest one, latest: the keyed state is still exactly
// once and nothing is lost, but the two-phase commit sink had committed
// the output up to latest, which the sources replay from the older offsets:
// every record read between the two checkpoints is committed twice. That is
// Flink's behaviour too: exactly-once end to end holds only for a restore
// from the latest completed checkpoint.
func requireRolledBack(t testing.TB, r *Result, latest, from int64) {
	t.Helper()
	require.Equal(t, JobFinished, r.Job)
	var replayed int64
	for p := range r.Checkpoints[latest-1].Offsets {
		replayed += r.Checkpoints[latest-1].Offsets[p] - r.Checkpoints[from-1].Offsets[p]
	}
	require.Positive(t, replayed)
	for _, inv := range r.Invariants {
		switch inv.Name {
		case "end-to-end":
			assert.False(t, inv.OK, inv.Detail)
		default:
			assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
		}
	}
	assert.Equal(t, replayed, r.Summary.Duplicates, "the records between checkpoints %d and %d are committed twice", from, latest)
	assert.Zero(t, r.Summary.Lost)
}

func TestCorruptCheckpoint(t *testing.T) {
	// Flink restores the latest completed checkpoint and never an older
	// one by itself (FLINK-22502): a restore that cannot read its state
	// fails the restarted subtask, and the restart strategy restarts it
	// from the same checkpoint until it gives up.
	const crash = 480 * time.Millisecond
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Checkpoint.NumRetained = 3
	cfg.Recovery.Restart = fixedDelay(3, 50*time.Millisecond)
	cfg.Faults = []Fault{crashAt("count[1]", crash)}
	clean := newSim(t, cfg).Run()
	require.NotEmpty(t, clean.Failovers)
	latest := latestBefore(clean, int64(crash))
	require.GreaterOrEqual(t, latest, int64(3))
	require.Equal(t, latest, clean.Failovers[0].RestoredFrom)

	t.Run("the restore fails on the same checkpoint until the restarts run out", func(t *testing.T) {
		cfg := cfg
		cfg.Faults = []Fault{{Kind: CorruptCheckpoint, Checkpoint: latest}, crashAt("count[1]", crash)}
		evs, r, _ := runTraced(t, cfg)
		require.Len(t, r.Failovers, 4, "the crash, then a failed restore after each of the 3 restarts")
		for i, f := range r.Failovers[:3] {
			assert.Equal(t, latest, f.RestoredFrom, "failover %d restores the latest checkpoint again", i+1)
		}
		for _, f := range r.Failovers[1:] {
			assert.Contains(t, f.Cause, fmt.Sprintf("restore of checkpoint %d failed", latest))
		}
		assert.Equal(t, int64(-1), r.Failovers[3].RestoredFrom, "no restart is left")
		assert.Equal(t, JobFailed, r.Job)
		for _, ev := range ofKind(evs, SubtaskRestoring) {
			assert.Equal(t, latest, ev.Checkpoint, "nothing older is ever read")
		}
		for _, inv := range r.Invariants {
			assert.NotEqual(t, "end-to-end", inv.Name, "a failed job is not checked end to end")
		}
	})
	t.Run("an unreadable checkpoint that is never restored does no harm", func(t *testing.T) {
		cfg := cfg
		cfg.Faults = []Fault{{Kind: CorruptCheckpoint, Checkpoint: latest - 1}, crashAt("count[1]", crash)}
		r := newSim(t, cfg).Run()
		require.NotEmpty(t, r.Failovers)
		assert.Equal(t, latest, r.Failovers[0].RestoredFrom)
		requireDrainedExactlyOnce(t, r)
	})
}
