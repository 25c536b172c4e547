package check

import (
	"fmt"
	"time"

	"github.com/ckptsim/ckptsim/sim"
)

// span is a stretch of virtual time in which a run's job runs with all its
// tasks and its checkpoint scheduler on: from (its start, or the end of a
// resubmission's restore) to to (a stop with savepoint, the cancellation
// before a resubmission, or the end of the run). what names it in a
// verdict, "" for a run without stop or restore. deadlock is the cycle of
// waits the job was in when the span ended, if any (the run's at its end,
// a resubmission's at its cancellation).
type span struct {
	from, to int64
	what     string
	deadlock *sim.Deadlock
}

// spanEnd is when an execution may stop running, and the deadlock it was
// in then.
type spanEnd struct {
	at       int64
	deadlock *sim.Deadlock
}

// runningSpans are the spans of a fault-free run in which its job must keep
// completing checkpoints. The first execution runs from 0 to a stop whose
// savepoint completed (the job is FINISHED, CheckpointCoordinator.
// stopCheckpointScheduler) or to the first resubmission (the user cancels
// it first). A resubmission that restored runs from when its last subtask
// restored (the scheduler starts anew, CheckpointCoordinator.
// startCheckpointScheduler) to the next resubmission, a completed stop
// after it or the end of the run. A refused resubmission leaves the job
// cancelled or finished: no span.
func runningSpans(cfg *sim.Config, res *sim.Result) []span {
	var ends []spanEnd
	if st := res.StopWithSavepoint; st != nil && st.Failed == "" && st.Savepoint > 0 {
		ends = append(ends, spanEnd{at: st.At})
	}
	for _, rs := range res.Resubmissions {
		ends = append(ends, spanEnd{at: rs.At, deadlock: rs.Deadlock})
	}
	spanFrom := func(from int64, what string) span {
		sp := span{from: from, to: int64(cfg.Until), what: what, deadlock: res.Deadlock}
		for _, e := range ends {
			if e.at >= from && e.at < sp.to {
				sp.to, sp.deadlock = e.at, e.deadlock
			}
		}
		return sp
	}
	var spans []span
	first := ""
	if len(ends) > 0 {
		first = " in execution 1"
	}
	spans = append(spans, spanFrom(0, first))
	for _, rs := range res.Resubmissions {
		if rs.Execution == 0 || rs.RestoredAt == 0 {
			continue
		}
		spans = append(spans, spanFrom(rs.RestoredAt, fmt.Sprintf(" in execution %d, restored at %v", rs.Execution+1, time.Duration(rs.RestoredAt))))
	}
	return spans
}

// livenessBound is CheckpointBound of the largest execution graph the run
// deployed: a rescaling restore changes the channels and what is ahead of
// a barrier.
func (r *Run) livenessBound() time.Duration {
	bound := CheckpointBound(&r.Config, r.Graph)
	for _, eg := range r.Graphs {
		cfg := r.Config
		cfg.Graph = eg.Graph
		bound = max(bound, CheckpointBound(&cfg, eg))
	}
	return bound
}
