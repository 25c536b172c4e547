package sim

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
//   - the restart strategy restarts forever: exponential-delay without
//     attempts-before-reset-backoff (ExponentialDelayRestartBackoffTimeStrategy
//     with Integer.MAX_VALUE attempts, Flink's default). A fixed-delay or
//     failure-rate strategy gives up after its attempts, and the run
//     shows the job FAILED;
//   - no stop-with-savepoint or manual restore is to come, which would
//     end the job or deploy other state. A fault still to strike does
//     not matter: it can only fail a subtask again, drop its local
//     copies or slow it down, never make a checkpoint complete or the
//     state readable.
//
// Else the run would hold nothing but the same failover again and again
// until its event budget: hundreds of thousands of them.
func (s *Sim) restoreLoopCheck() {
	j, co := &s.job, &s.coord
	rs := &s.cfg.Recovery.Restart
	if j.status == JobFailed || rs.Kind != ExponentialDelay || rs.AttemptsBeforeReset > 0 {
		return
	}
	if next := co.restorePoint(s); next == nil || !next.unreadable || len(co.pending) > 0 {
		return
	}
	if s.userAhead() {
		return
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		switch {
		case t.finished:
		case j.waiting[i]:
			if w := j.waitingFor[i]; w < 0 || j.restarts[w].failover < 0 {
				return // a manual restore's deployment: it restores the user's choice
			}
		case t.restoring:
			if cs := co.get(t.restored); cs == nil || !cs.unreadable {
				return
			}
		case t.endOfData && !t.finalDone:
			// It read its last record and waits for a final checkpoint
			// (FLIP-147), which cannot complete: a region that kept
			// running under region failover has nothing else to do.
		default:
			return // RUNNING
		}
	}
	s.stop = RestoreLoop
}
