package sim

import "slices"

// restoreLoopCheck ends the run as RestoreLoop after a restore failed on
// unreadable state, when that proves the job fails over forever:
//
//   - every restart restores the latest completed checkpoint
//     (coordinator.restorePoint; Flink never falls back to an older one,
//     FLINK-22502), and it cannot be read;
//   - no checkpoint can complete before the next restart chooses it: none
//     is pending, and none can be triggered while a subtask is not
//     RUNNING (allRunning), and some subtask always is not: every subtask
//     not FINISHED waits for a failover's restart (to restore that
//     checkpoint), restores unreadable state itself (and will fail), or
//     read its last record and waits for its final checkpoint (a region
//     that kept running, which has nothing left to do but that);
//   - no stop-with-savepoint or manual restore is to come, which would
//     end the job or deploy other state;
//   - the restart strategy restarts forever (restartsForever).
//
// Else the run would hold nothing but the same failover again and again
// until its event budget: hundreds of thousands of them.
func (s *Sim) restoreLoopCheck() {
	j, co := &s.job, &s.coord
	prev := j.failedRestore
	j.failedRestore = failedRestore{}
	if j.status == JobFailed || s.userAhead() {
		return
	}
	if next := co.restorePoint(s); next == nil || !next.unreadable || len(co.pending) > 0 {
		return
	}
	req := len(j.restarts) - 1 // the restart of this failure
	whole := true
	for i := range s.tasks {
		t := &s.tasks[i]
		switch {
		case t.finished:
		case j.waiting[i]:
			w := j.waitingFor[i]
			if w < 0 || j.restarts[w].failover < 0 {
				return // a manual restore's deployment: it restores the user's choice
			}
			whole = whole && w == req
		case t.restoring:
			if cs := co.get(t.restored); cs == nil || !cs.unreadable {
				return
			}
			whole = false
		case t.endOfData && !t.finalDone:
			// It read its last record and waits for a final checkpoint
			// (FLIP-147), which cannot complete: a region that kept
			// running under region failover has nothing else to do.
			whole = false
		default:
			return // RUNNING
		}
	}
	j.failedRestore = failedRestore{at: s.now, failover: len(j.failovers) - 1, whole: whole}
	if s.restartsForever(prev, j.failedRestore) {
		s.stop = RestoreLoop
	}
}

// failedRestore is what restoreLoopCheck learned at a failed restore: when
// it was, its failover (an index in job.failovers), and whether that
// failover's one restart redeploys every subtask not FINISHED.
type failedRestore struct {
	at       int64
	failover int
	whole    bool
}

// restartsForever reports whether the restart strategy restarts a job
// whose restores keep failing forever, cur being the latest failed restore
// and prev the one before it.
//
//   - exponential-delay without attempts-before-reset-backoff
//     (ExponentialDelayRestartBackoffTimeStrategy with Integer.MAX_VALUE
//     attempts, Flink's default) always does. A fault still to strike
//     does not matter: it can only fail a subtask again, drop its local
//     copies or slow it down, never make a checkpoint complete or the
//     state readable.
//   - failure-rate does if the failures come too slowly to reach
//     max-failures-per-interval. That needs their pace: cur and prev each
//     redeployed the whole job in one restart, one failover after the
//     other, so every cycle repeats the same delay and the same restores
//     and the next failures come every cur.at - prev.at; and no fault may
//     add one.
//   - fixed-delay gives up after its attempts, and so does failure-rate
//     otherwise: the run shows the job FAILED.
func (s *Sim) restartsForever(prev, cur failedRestore) bool {
	rs := &s.cfg.Recovery.Restart
	switch rs.Kind {
	case ExponentialDelay:
		return rs.AttemptsBeforeReset == 0
	case FailureRate:
		return prev.whole && cur.whole && prev.failover == cur.failover-1 && !s.faultsAhead() &&
			s.job.restarter.rateHolds(cur.at, cur.at-prev.at)
	}
	return false
}

// rateHolds reports whether failure-rate restarts forever when failures
// come every period after the one at now, which it counted: it plays the
// window of failures forward until it holds only those.
func (r *restarter) rateHolds(now, period int64) bool {
	c := &r.cfg
	w := slices.Clone(r.failures)
	for range c.MaxFailures {
		now += period
		if len(w) >= c.MaxFailures {
			if now-w[0] <= int64(c.Interval) {
				return false
			}
			w = w[1:]
		}
		w = append(w, now)
	}
	return true
}
