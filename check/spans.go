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
// verdict, "" for a run without stop or restore.
type span struct {
	from, to int64
	what     string
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
	var ends []int64 // when an execution may stop running, in time order
	if st := res.StopWithSavepoint; st != nil && st.Failed == "" && st.Savepoint > 0 {
		ends = append(ends, st.At)
	}
	for _, rs := range res.Resubmissions {
		ends = append(ends, rs.At)
	}
	end := func(from int64) int64 {
		to := int64(cfg.Until)
		for _, e := range ends {
			if e >= from {
				to = min(to, e)
			}
		}
		return to
	}
	var spans []span
	first := ""
	if len(ends) > 0 {
		first = " in execution 1"
	}
	spans = append(spans, span{from: 0, to: end(0), what: first})
	for _, rs := range res.Resubmissions {
		if rs.Execution == 0 || rs.RestoredAt == 0 {
			continue
		}
		spans = append(spans, span{from: rs.RestoredAt, to: end(rs.RestoredAt),
			what: fmt.Sprintf(" in execution %d, restored at %v", rs.Execution+1, time.Duration(rs.RestoredAt))})
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
