package check

import (
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// A crash drawn at random times rarely strikes where region failover is
// delicate: after every subtask of one pipelined region acknowledged a
// checkpoint that another region is still completing. The failover moves
// the job to RESTARTING, which aborts that checkpoint although the crashed
// region's snapshots of it are complete and uploaded
// (CheckpointCoordinatorDeActivator, stopCheckpointScheduler:
// CHECKPOINT_COORDINATOR_SUSPEND), and the restart restores an older one:
// the region's two-phase commit sinks must drop what they pre-committed
// for it, and its sources rewind past it. (A Flink older than the modelled
// releases kept such a checkpoint pending, failUnacknowledgedPendingCheckpointsFor,
// unused since the legacy scheduler went and removed in 2023.) An aimed
// crash strikes in such a window.

// completing is a window in which every subtask of a region has
// acknowledged a checkpoint that is not complete yet.
type completing struct {
	region   int
	from, to int64 // the region's last acknowledgement, the completion
}

// aimCrash aims fault i of cfg, a crash at a time: a pilot run of cfg
// without it (identical to the real run up to the crash) finds the
// windows in which one region has acknowledged a checkpoint that another
// region is still completing, and the crash moves to a subtask of that
// region, at a time within one of them (and within b.FaultTimes). Without
// region failover, with a single region, or when the pilot finds no window,
// the crash keeps its subtask and time.
func aimCrash(t *rapid.T, b *Bounds, cfg *sim.Config, i int) {
	if i < 0 || cfg.Recovery.Failover != sim.RegionFailover || cfg.Checkpoint.Interval == 0 {
		return
	}
	pilot := *cfg
	pilot.Faults = slices.Delete(slices.Clone(cfg.Faults), i, i+1)
	s, err := sim.New(pilot)
	if err != nil {
		return
	}
	eg := s.Graph()
	region := topology.PipelinedRegions(eg)
	members := map[int][]int{}
	for st, r := range region {
		members[r] = append(members[r], st)
	}
	if len(members) < 2 {
		return
	}
	windows := pilotWindows(s, region, int64(b.FaultTimes.Min), int64(b.FaultTimes.Max), true)
	if len(windows) == 0 {
		return
	}
	// Prefer the regions with a two-phase commit sink, whose restore
	// commits what they pre-committed.
	if committing := slices.DeleteFunc(slices.Clone(windows), func(w completing) bool {
		return !slices.ContainsFunc(members[w.region], func(st int) bool { return eg.HasSinkMode(st, topology.TwoPhaseCommitSink) })
	}); len(committing) > 0 {
		windows = committing
	}
	w := windows[uniformInt64(t, int64(len(windows)), "aimed crash.window")]
	in := members[w.region]
	f := &cfg.Faults[i]
	f.Subtask = eg.Subtasks[in[rapid.IntRange(0, len(in)-1).Draw(t, "aimed crash.subtask")]].Name
	f.At = time.Duration(w.from + 1 + uniformInt64(t, w.to-w.from-1, "aimed crash.at"))
}

// pilotWindows runs the pilot s and returns the windows of its completed
// checkpoints (regionWindows), region being each subtask's pipelined
// region; with stopEarly it stops once no other window can come.
func pilotWindows(s *sim.Sim, region []int, lo, hi int64, stopEarly bool) []completing {
	acks := map[int64][]int64{} // by checkpoint: each subtask's acknowledgement time, 0 for none yet
	// early holds the pending checkpoints first acknowledged by hi: only
	// they can give a window (a region's last acknowledgement before hi).
	early := map[int64]bool{}
	var windows []completing
	s.Tracer = func(ev sim.TraceEvent) {
		switch ev.Kind {
		case sim.CheckpointAcked:
			a := acks[ev.Checkpoint]
			if a == nil {
				a = make([]int64, len(region))
				acks[ev.Checkpoint] = a
				if ev.At <= hi {
					early[ev.Checkpoint] = true
				}
			}
			a[ev.Subtask] = ev.At + 1 // an acknowledgement at 0 is not "none"
		case sim.CheckpointCompleted:
			windows = append(windows, regionWindows(acks[ev.Checkpoint], region, ev.At, lo, hi)...)
			delete(acks, ev.Checkpoint)
			delete(early, ev.Checkpoint)
		case sim.CheckpointAborted, sim.CheckpointExpired:
			delete(acks, ev.Checkpoint)
			delete(early, ev.Checkpoint)
		}
	}
	// Past hi, with no early checkpoint pending, no window can come: the
	// pilot ends there (stopEarly) rather than with the job.
	for s.Step() && (!stopEarly || s.Now() <= hi || len(early) > 0) {
	}
	return windows
}

// regionWindows are the windows of one checkpoint completed at end: for
// each region whose subtasks all acknowledged it (acks holds the times
// plus one) at least 2ns before end, from its last acknowledgement to end,
// cut to lo..hi. The regions come in the order of their lowest subtask.
func regionWindows(acks []int64, region []int, end, lo, hi int64) []completing {
	if acks == nil {
		return nil
	}
	last := map[int]int64{}
	var order []int
	for st, r := range region {
		if _, seen := last[r]; !seen {
			order = append(order, r)
			last[r] = 0
		}
		if acks[st] == 0 {
			last[r] = -1 // a subtask that did not acknowledge (a finished one)
		} else if last[r] >= 0 {
			last[r] = max(last[r], acks[st]-1)
		}
	}
	var out []completing
	for _, r := range order {
		from, to := max(last[r], lo-1), min(end, hi+1)
		if last[r] >= 0 && to-from >= 2 {
			out = append(out, completing{region: r, from: from, to: to})
		}
	}
	return out
}
