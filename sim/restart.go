package sim

import "math"

// restarter decides, for every failure, whether the job may restart and
// after which delay, as Flink's RestartBackoffTimeStrategy implementations
// do.
type restarter struct {
	cfg RestartStrategy
	// fixed-delay: restarts so far.
	attempts int
	// failure-rate: times of the recent failures.
	failures []int64
	// exponential-delay: the current attempt and the next restart time.
	expAttempt  int
	nextRestart int64
	started     bool
}

// failure records a failure at now and returns whether the job may
// restart and the delay before it does. jitter draws a uniform number in
// [0, 1) from the run's random source.
func (r *restarter) failure(now int64, jitter func() float64) (ok bool, delay int64) {
	c := &r.cfg
	switch c.Kind {
	case NoRestart:
		return false, 0
	case FixedDelay:
		// FixedDelayRestartBackoffTimeStrategy: canRestart while
		// currentRestartAttempt <= maxNumberRestartAttempts.
		r.attempts++
		return r.attempts <= c.Attempts, int64(c.Delay)
	case FailureRate:
		// FailureRateRestartBackoffTimeStrategy: no restart when
		// MaxFailures failures already fell within the interval.
		if len(r.failures) >= c.MaxFailures && now-r.failures[0] <= int64(c.Interval) {
			return false, 0
		}
		if len(r.failures) >= c.MaxFailures {
			r.failures = r.failures[1:]
		}
		r.failures = append(r.failures, now)
		return true, int64(c.Delay)
	}
	// ExponentialDelayRestartBackoffTimeStrategy: failures before the
	// pending restart are merged into it; a job that ran ResetThreshold
	// since the last restart starts over at the initial backoff.
	if r.started && now <= r.nextRestart {
		return true, r.nextRestart - now
	}
	if r.started && now-r.nextRestart >= int64(c.ResetThreshold) {
		r.expAttempt = 0
	}
	// calculateActualBackoffTime: jitter the uncapped backoff, then cap.
	// The uncapped backoff is held at the horizon, past any cap, so that
	// it stays finite however many attempts grew it.
	b := min(float64(c.Delay)*math.Pow(c.Multiplier, float64(r.expAttempt)), float64(Horizon))
	if c.Jitter > 0 {
		b += (2*jitter() - 1) * c.Jitter * b
	}
	d := max(int64(c.Delay), nanos(math.Min(b, float64(c.MaxDelay))))
	r.started = true
	r.nextRestart = now + d
	r.expAttempt++
	// canRestart: currentRestartAttempt <= attemptsBeforeResetBackoff,
	// asked after notifyFailure counted this attempt.
	if c.AttemptsBeforeReset > 0 && r.expAttempt > c.AttemptsBeforeReset {
		return false, 0
	}
	return true, d
}
