package sim

import "slices"

// restoreLoopCheck ends the run as RestoreLoop after subtask origin
// failed to restore unreadable state, when that proves the job fails over
// forever:
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
// Else the run would hold nothing but the same failovers again and again
// until its event budget: hundreds of thousands of them.
func (s *Sim) restoreLoopCheck(origin int32) {
	j, co := &s.job, &s.coord
	chain := j.loop
	j.loop = restoreLoop{}
	if j.status == JobFailed || s.userAhead() {
		return
	}
	if next := co.restorePoint(s); next == nil || !next.unreadable || len(co.pending) > 0 {
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
	fo := len(j.failovers) - 1 // the failover of this failure
	if chain.units == nil || chain.next != fo {
		// The first failed restore of a chain, or one after a failover
		// of another cause.
		chain = restoreLoop{units: make([]unitRestores, len(s.tasks))}
	}
	u := &chain.units[s.restartUnit(origin)]
	if u.n > 0 {
		u.period = s.now - u.last
	}
	u.last, u.n, chain.next = s.now, u.n+1, fo+1
	j.loop = chain
	if s.restartsForever(&chain) && !s.loopsOn {
		s.stop = RestoreLoop
	}
}

// restoreLoop is what restoreLoopCheck learned from an unbroken chain of
// failed restores: failovers with no failover of another cause between
// them, each found the job in a loop.
type restoreLoop struct {
	next  int            // the index in job.failovers the chain's next failover will have
	units []unitRestores // by restart unit (restartUnit)
}

// unitRestores is a restart unit's failed restores in a chain: how many,
// when the latest was, and the time since the one before.
type unitRestores struct {
	n            int
	last, period int64
}

// restartUnit is what a failure of subtask id restarts (failover): its
// pipelined region under region failover, named by its lowest subtask, or
// the whole job (0).
func (s *Sim) restartUnit(id int32) int {
	if s.cfg.Recovery.Failover == RegionFailover {
		return s.job.region[id]
	}
	return 0
}

// restartsForever reports whether the restart strategy restarts a job
// whose restores keep failing forever, the failed restores so far being
// chain.
//
//   - exponential-delay without attempts-before-reset-backoff
//     (ExponentialDelayRestartBackoffTimeStrategy with Integer.MAX_VALUE
//     attempts, Flink's default) always does. A fault still to strike
//     does not matter: it can only fail a subtask again, drop its local
//     copies or slow it down, never make a checkpoint complete or the
//     state readable.
//   - failure-rate does if the failures come too slowly to reach
//     max-failures-per-interval. That needs their pace: every unit (a
//     region, or the whole job) that fails over has failed twice in the
//     chain, so each cycle of it repeats the same delay and the same
//     restores and its next failures come every period after its last;
//     and no fault may add one (loopFaultsAhead). Under region failover
//     the regions keep their own paces, and each failure counts
//     (FailureRateRestartBackoffTimeStrategy.notifyFailure per failover).
//   - fixed-delay gives up after its attempts, and so does failure-rate
//     otherwise: the run shows the job FAILED.
func (s *Sim) restartsForever(chain *restoreLoop) bool {
	rs := &s.cfg.Recovery.Restart
	switch rs.Kind {
	case ExponentialDelay:
		return rs.AttemptsBeforeReset == 0
	case FailureRate:
		var last, period []int64
		counted := make([]bool, len(chain.units))
		for i := range s.tasks {
			if !s.job.waiting[i] && !s.tasks[i].restoring {
				continue // finished, or waiting for its final checkpoint
			}
			k := s.restartUnit(int32(i))
			if u := &chain.units[k]; u.n < 2 || u.period <= 0 {
				return false // its pace is not known yet
			} else if !counted[k] {
				counted[k] = true
				last, period = append(last, u.last), append(period, u.period)
			}
		}
		return !s.loopFaultsAhead() && s.job.restarter.rateHolds(last, period)
	}
	return false
}

// loopFaultsAhead reports whether a fault may still add a failure to a
// restore loop, or change a unit's pace: a crash to come at a time, random
// crashes, a crash in the restore after a failover still to come, or a
// crash in a phase of a checkpoint that its subtask may still reach
// (phaseAhead). In the loop no checkpoint is triggered and no subtask runs,
// so no other fault can strike: not one in a phase of a checkpoint at a
// subtask of the loop, of an upload, or on a channel.
func (s *Sim) loopFaultsAhead() bool {
	for i := range s.cfg.Faults {
		switch f := &s.cfg.Faults[i]; {
		case f.Kind == RandomCrashes, f.Kind == Crash && f.Phase == AtTime:
			if s.faultAhead(i) {
				return true
			}
		case f.Kind == Crash && f.Phase == Restoring:
			if !s.job.fired[i] && f.Checkpoint >= int64(len(s.job.failovers)) {
				return true
			}
		case f.Kind == Crash:
			if !s.job.fired[i] && s.phaseAhead(f, s.faultSubtask[i]) {
				return true
			}
		}
	}
	return false
}

// phaseAhead reports whether a crash in a phase of checkpoint f.Checkpoint
// may still strike subtask id in a restore loop: only for a checkpoint
// triggered already (none is in the loop), only outside the loop (a
// subtask that waits for its final checkpoint may still take a barrier
// that was in flight), and only in a phase it has not passed for that
// checkpoint (phaseHook: aligning at its first barrier, sync as it
// snapshots, async as the sync phase ends). Seeds 7503678 and 7848592 of
// simulate check --mode unaligned --faults always ran on to their event
// budgets, held back by a crash in the aligning phase of a source, which
// never aligns, of the loop and of checkpoint 2, never triggered.
func (s *Sim) phaseAhead(f *Fault, id int32) bool {
	if id < 0 || int(id) >= len(s.tasks) {
		return false // no such subtask: it never strikes (phaseHook)
	}
	t := &s.tasks[id]
	n := f.Checkpoint
	if n > s.coord.lastID() || t.finished || s.job.waiting[id] || t.restoring {
		return false
	}
	if n == t.lastSnap && f.Phase == AsyncPhase {
		sn := t.snap(n)
		return sn != nil && !sn.syncDone
	}
	return n > t.lastSnap
}

// rateHolds reports whether failure-rate restarts forever when the
// failures to come are those of units failing every period[i] after
// last[i]. No window of the interval may hold more than max-failures of
// them: a unit puts at most interval/period + 1 into one, and the sum of
// those bounds every window of failures to come, and with the failures
// counted so far every window. When that is not enough, the windows that
// hold failures counted so far are played forward one failure at a time,
// as failure counts them, until the latest of those is an interval
// behind. Both take a number of steps bounded by that sum, never by
// max-failures, which may be huge.
func (r *restarter) rateHolds(last, period []int64) bool {
	c := &r.cfg
	lim, bound := int64(c.MaxFailures), int64(0)
	for _, p := range period {
		if bound += int64(c.Interval)/p + 1; bound > lim {
			return false
		}
	}
	if int64(len(r.failures)) <= lim-bound {
		return true // not even with every failure counted so far in one window
	}
	w := slices.Clone(r.failures)
	reach := w[len(w)-1] + int64(c.Interval)
	next := make([]int64, len(last))
	for i := range last {
		next[i] = last[i] + period[i]
	}
	for {
		i := 0 // the unit that fails next (the lowest on a tie: the window sees only times)
		for k := range next {
			if next[k] < next[i] {
				i = k
			}
		}
		now := next[i]
		if now > reach {
			return true
		}
		if len(w) >= c.MaxFailures {
			if now-w[0] <= int64(c.Interval) {
				return false
			}
			w = w[1:]
		}
		w = append(w, now)
		next[i] += period[i]
	}
}
