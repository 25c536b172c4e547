package sim

import (
	"fmt"
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

// cutReport judges the observations against the completed checkpoints.
// It returns the number of missing and extra records per checkpoint, by
// index in the coordinator's stats, and a description of the first few
// problems.
func (s *Sim) cutReport() (missing, extra map[int]int64, detail string) {
	missing, extra = map[int]int64{}, map[int]int64{}
	var b strings.Builder
	shown := 0
	for i, cs := range s.coord.stats {
		if cs.Status != Completed {
			continue
		}
		n := cs.ID
		for _, o := range s.cut.obs {
			if o.exec != cs.Execution || n < o.lo || n > o.hi {
				continue
			}
			if o.extra {
				extra[i] += o.count
			} else {
				missing[i] += o.count
			}
			if shown < 3 && (!o.extra || s.cfg.Checkpoint.Mode != AtLeastOnce) {
				shown++
				side := "from before the cut was processed after the snapshot and is in no channel state"
				if o.extra {
					side = "from after the cut was processed before the snapshot"
				}
				fmt.Fprintf(&b, "checkpoint %d, %s: %d record(s) %s; ", n, s.eg.Subtasks[o.task].Name, o.count, side)
			}
		}
	}
	if s.cut.overflow > 0 {
		fmt.Fprintf(&b, "(%d further observations were not kept) ", s.cut.overflow)
	}
	return missing, extra, strings.TrimSpace(b.String())
}
