package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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
// against the checkpoints that completed.

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
	obs      []cutObservation
	overflow int64
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

// checkCut classifies a record a task is about to process.
func (s *Sim) checkCut(t *task, it *item) {
	// Checkpoints triggered before this incarnation of the task was
	// restored (up to t.floor) belong to an earlier execution: none of its
	// business.
	n := t.lastSnap
	switch {
	case it.ck > n:
		if lo := max(n, t.floor) + 1; lo <= it.ck {
			s.cut.add(cutObservation{exec: s.coord.execution, task: t.id, lo: lo, hi: it.ck, extra: true})
		}
	case it.ck < n:
		// Checkpoints it.ck+1..n miss the record, except those that
		// persisted it.
		lo, hi := max(it.ck, t.floor)+1, n
		if it.persistedTo > 0 {
			if it.persistedFrom > lo {
				s.cut.add(cutObservation{exec: s.coord.execution, task: t.id, lo: lo, hi: it.persistedFrom - 1})
			}
			lo = it.persistedTo + 1
		}
		if lo <= hi {
			s.cut.add(cutObservation{exec: s.coord.execution, task: t.id, lo: lo, hi: hi})
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

// cutReport judges the observations against the completed checkpoints.
// It returns the counts of each checkpoint in the coordinator's stats, by
// index, their sum over every completed checkpoint (evicted ones
// included), and a description of the first few problems.
func (s *Sim) cutReport() (rows []cutCount, total cutCount, detail string) {
	co := &s.coord
	rows = make([]cutCount, len(co.stats))
	for i, cs := range co.stats {
		if cs.Status != Completed {
			continue
		}
		for _, o := range s.cut.obs {
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
	for k, o := range s.cut.obs {
		total.add(o, co.done.count(o.exec, o.lo, o.hi))
		if o.extra && s.cfg.Checkpoint.Mode == AtLeastOnce {
			continue
		}
		for n, found := o.lo, 0; n <= o.hi && found < 3; n++ {
			if n = co.done.next(o.exec, n); n < 0 || n > o.hi {
				break
			}
			problems = append(problems, problem{o.exec, n, k})
			found++
		}
	}
	slices.SortFunc(problems, func(a, b problem) int {
		if c := cmpRange(idRange{exec: a.exec, lo: a.n}, idRange{exec: b.exec, lo: b.n}); c != 0 {
			return c
		}
		return cmp.Compare(a.obs, b.obs)
	})
	var b strings.Builder
	for _, p := range problems[:min(3, len(problems))] {
		o := s.cut.obs[p.obs]
		side := "from before the cut was processed after the snapshot and is in no channel state"
		if o.extra {
			side = "from after the cut was processed before the snapshot"
		}
		fmt.Fprintf(&b, "checkpoint %d, %s: %d record(s) %s; ", p.n, s.eg.Subtasks[o.task].Name, o.count, side)
	}
	if s.cut.overflow > 0 {
		fmt.Fprintf(&b, "(%d further observations were not kept) ", s.cut.overflow)
	}
	return rows, total, strings.TrimSpace(b.String())
}
