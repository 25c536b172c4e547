package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ckptsim/ckptsim/topology"
)

// A checkpoint is a consistent cut (Chandy-Lamport) when, at every task,
// the records processed before the task's snapshot are exactly the records
// that were ahead of the checkpoint's barrier on their channel, except for
// those persisted as channel state. The checker watches every record a task
// processes, knowing from the record's epoch (the last barrier its sender
// emitted before it) on which side of each cut it lies:
//
//   - epoch >= n and processed before the task's snapshot of n: a record
//     from after the cut is in the snapshot ("extra", expected only in
//     at-least-once mode, where it is counted twice after a recovery);
//   - epoch < n, processed after the snapshot of n and not persisted with
//     n: a record from before the cut is in neither the state nor the
//     channel state ("missing": it would be lost by a recovery).
//
// Observations are kept per range of checkpoint ids and judged at the end
// against the checkpoints that completed. The checker holds no pointer into
// the run (see observer.go): the task loop tells it what each task takes
// (taken), and the result hands it the completed checkpoints (report).

// maxCutObservations bounds the memory of the checker; further
// observations are only counted.
const maxCutObservations = 1 << 16

type cutObservation struct {
	exec   int // the execution of the job
	task   int32
	lo, hi int64 // checkpoints lo..hi are affected
	extra  bool
	count  int64
}

type cutChecker struct {
	// atLeastOnce: records from after a cut in a snapshot are expected
	// (mode AtLeastOnce).
	atLeastOnce bool
	obs         []cutObservation
	overflow    int64
}

func (c *cutChecker) add(o cutObservation) {
	if n := len(c.obs); n > 0 {
		last := &c.obs[n-1]
		if last.exec == o.exec && last.task == o.task && last.lo == o.lo && last.hi == o.hi && last.extra == o.extra {
			last.count++
			return
		}
	}
	if len(c.obs) >= maxCutObservations {
		c.overflow++
		return
	}
	o.count = 1
	c.obs = append(c.obs, o)
}

// taken classifies record it, which subtask task of execution exec is
// about to process, with n the last checkpoint the task snapshotted and
// floor the coordinator's latest id when its incarnation was restored.
func (c *cutChecker) taken(exec int, task int32, n, floor int64, it *item) {
	// Checkpoints triggered before this incarnation of the task was
	// restored (up to floor) belong to an earlier execution: none of its
	// business.
	switch {
	case it.ck > n:
		if lo := max(n, floor) + 1; lo <= it.ck {
			c.add(cutObservation{exec: exec, task: task, lo: lo, hi: it.ck, extra: true})
		}
	case it.ck < n:
		// Checkpoints it.ck+1..n miss the record, except those that
		// persisted it.
		lo, hi := max(it.ck, floor)+1, n
		if it.persistedTo > 0 {
			if int64(it.persistedFrom) > lo {
				c.add(cutObservation{exec: exec, task: task, lo: lo, hi: int64(it.persistedFrom) - 1})
			}
			lo = int64(it.persistedTo) + 1
		}
		if lo <= hi {
			c.add(cutObservation{exec: exec, task: task, lo: lo, hi: hi})
		}
	}
}

// cutCount is what the cut checker found for a checkpoint: records
// missing from it and records in it from after its cut.
type cutCount struct{ missing, extra int64 }

func (c *cutCount) add(o cutObservation, times int64) {
	if o.extra {
		c.extra += o.count * times
	} else {
		c.missing += o.count * times
	}
}

// completed and rescaled change nothing: the cut checker judges its
// observations in report, against every completed checkpoint's id.
func (c *cutChecker) completed(*CheckpointStats, *topology.ExecutionGraph) {}
func (c *cutChecker) rescaled(*topology.Graph)                             {}

// clone returns a deep copy.
func (c *cutChecker) clone() cutChecker {
	x := *c
	x.obs = slices.Clone(c.obs)
	return x
}

// report judges the observations against the run's completed checkpoints:
// it sets the missing and extra records of r's checkpoints and appends
// the invariant consistent-snapshot (at-least-once-snapshot in mode
// AtLeastOnce).
func (c *cutChecker) report(run *runView, r *Result) {
	rows, total, detail := c.judge(run.stats, run.done, run.subtaskName)
	for i, row := range rows {
		r.Checkpoints[i].MissingRecords, r.Checkpoints[i].ExtraRecords = row.missing, row.extra
	}
	if c.atLeastOnce {
		d := fmt.Sprintf("%d completed checkpoint(s): no record from before a cut is missing; %d record(s) from after a cut are in snapshots and would be counted twice after a recovery", run.completed, total.extra)
		if total.missing > 0 {
			d = detail
		}
		r.Invariants = append(r.Invariants, Invariant{Name: "at-least-once-snapshot", OK: total.missing == 0, Detail: d})
		return
	}
	d := fmt.Sprintf("%d completed checkpoint(s) are consistent cuts (state plus persisted channel state)", run.completed)
	if total.missing+total.extra > 0 {
		d = detail
	}
	r.Invariants = append(r.Invariants, Invariant{Name: "consistent-snapshot", OK: total.missing+total.extra == 0 && c.overflow == 0, Detail: d})
}

// judge judges the observations against the completed checkpoints: the
// coordinator's stats and done, the ids of every completed checkpoint
// (evicted ones included); name names a subtask of an execution. It returns the counts of
// each checkpoint of stats, by index, their sum over every completed
// checkpoint, and a description of the first few problems (records from
// after a cut in a snapshot are none with atLeastOnce).
func (c *cutChecker) judge(stats []*CheckpointStats, done idSet, name func(exec int, task int32) string) (rows []cutCount, total cutCount, detail string) {
	rows = make([]cutCount, len(stats))
	for i, cs := range stats {
		if cs.Status != Completed {
			continue
		}
		for _, o := range c.obs {
			if o.exec == cs.Execution && o.lo <= cs.ID && cs.ID <= o.hi {
				rows[i].add(o, 1)
			}
		}
	}
	// The first problems in checkpoint order, then observation order: each
	// observation's first three completed checkpoints are candidates.
	type problem struct {
		exec int
		n    int64
		obs  int
	}
	var problems []problem
	for k, o := range c.obs {
		total.add(o, done.count(o.exec, o.lo, o.hi))
		if o.extra && c.atLeastOnce {
			continue
		}
		for n, found := o.lo, 0; n <= o.hi && found < 3; n++ {
			if n = done.next(o.exec, n); n < 0 || n > o.hi {
				break
			}
			problems = append(problems, problem{o.exec, n, k})
			found++
		}
	}
	slices.SortFunc(problems, func(a, b problem) int {
		if d := cmpRange(idRange{exec: a.exec, lo: a.n}, idRange{exec: b.exec, lo: b.n}); d != 0 {
			return d
		}
		return cmp.Compare(a.obs, b.obs)
	})
	var b strings.Builder
	for _, p := range problems[:min(3, len(problems))] {
		o := c.obs[p.obs]
		side := "from before the cut was processed after the snapshot and is in no channel state"
		if o.extra {
			side = "from after the cut was processed before the snapshot"
		}
		fmt.Fprintf(&b, "checkpoint %d, %s: %d record(s) %s; ", p.n, name(o.exec, o.task), o.count, side)
	}
	if c.overflow > 0 {
		fmt.Fprintf(&b, "(%d further observations were not kept) ", c.overflow)
	}
	return rows, total, strings.TrimSpace(b.String())
}
