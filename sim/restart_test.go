package sim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// Restart strategies: unit tests of restarter.failure against Flink's
// RestartBackoffTimeStrategy implementations, then whole runs.

const ms1 = int64(time.Millisecond)

// noJitter is a jitter draw for strategies without jitter.
func noJitter() float64 { panic("no jitter expected") }

// draw returns a jitter source that returns u.
func draw(u float64) func() float64 { return func() float64 { return u } }

// step is one failure fed to a restarter and what it must answer.
type step struct {
	at    int64 // failure time, ms
	ok    bool
	delay int64 // ms
}

func runSteps(t *testing.T, rs RestartStrategy, steps []step) {
	t.Helper()
	r := restarter{cfg: rs}
	for i, st := range steps {
		ok, delay := r.failure(st.at*ms1, noJitter)
		require.Equal(t, st.ok, ok, "failure %d at %dms: may restart", i+1, st.at)
		if st.ok {
			require.Equal(t, st.delay*ms1, delay, "failure %d at %dms: delay", i+1, st.at)
		}
	}
}

func TestRestarterNoRestart(t *testing.T) {
	runSteps(t, RestartStrategy{Kind: NoRestart}, []step{{0, false, 0}, {5000, false, 0}})
}

func TestRestarterFixedDelay(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rs    RestartStrategy
		steps []step
	}{
		{"3 attempts", fixedDelay(3, 200*time.Millisecond),
			[]step{{0, true, 200}, {1000, true, 200}, {1001, true, 200}, {5000, false, 0}}},
		{"0 attempts", fixedDelay(0, 200*time.Millisecond), []step{{0, false, 0}}},
		{"1 attempt (Flink's default)", fixedDelay(1, time.Second), []step{{0, true, 1000}, {100_000, false, 0}}},
		// Attempts are counted over the whole run, however far apart.
		{"attempts never reset", fixedDelay(2, 0), []step{{0, true, 0}, {3_600_000, true, 0}, {7_200_000, false, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, tc.rs, tc.steps) })
	}
}

func TestRestarterFailureRate(t *testing.T) {
	rate := func(max int, interval, delay time.Duration) RestartStrategy {
		return RestartStrategy{Kind: FailureRate, MaxFailures: max, Interval: interval, Delay: delay}
	}
	for _, tc := range []struct {
		name  string
		rs    RestartStrategy
		steps []step
	}{
		// FailureRateRestartBackoffTimeStrategyTest.testFailuresExceedingRate:
		// max failures within the interval restart, one more fails.
		{"exceeding the rate", rate(3, 10*time.Second, 100*time.Millisecond),
			[]step{{0, true, 100}, {1, true, 100}, {2, true, 100}, {3, false, 0}}},
		// testManyFailuresWithinRate: one failure per interval forever.
		{"within the rate", rate(1, time.Second, 0),
			[]step{{0, true, 0}, {1001, true, 0}, {2002, true, 0}, {3003, true, 0}}},
		// The window slides: the oldest failure leaves it.
		{"sliding window", rate(2, time.Second, 50*time.Millisecond),
			[]step{{0, true, 50}, {500, true, 50}, {1600, true, 50}, {1900, true, 50}, {2000, false, 0}}},
		// Flink restarts only when the oldest failure is more than the
		// interval ago (now - earliest > interval).
		{"exactly one interval apart", rate(1, time.Second, 0), []step{{0, true, 0}, {1000, false, 0}}},
		{"just over one interval", rate(1, time.Second, 0), []step{{0, true, 0}, {1001, true, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, tc.rs, tc.steps) })
	}
}

func exponential(delay, maxDelay time.Duration, mult float64, reset time.Duration, jitter float64) RestartStrategy {
	return RestartStrategy{Kind: ExponentialDelay, Delay: delay, MaxDelay: maxDelay, Multiplier: mult, ResetThreshold: reset, Jitter: jitter}
}

func TestRestarterExponentialDelay(t *testing.T) {
	rs := exponential(100*time.Millisecond, time.Second, 2, 10*time.Second, 0)
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		// Each failure after the previous restart doubles the backoff,
		// up to the max.
		{"growth and max", []step{
			{0, true, 100}, {200, true, 200}, {500, true, 400}, {1000, true, 800}, {2000, true, 1000}, {3100, true, 1000}}},
		// A failure before the pending restart is merged into it: the
		// restart keeps its time and the backoff does not grow.
		{"merging", []step{
			{0, true, 100}, {40, true, 60}, {100, true, 0}, {150, true, 200}, {300, true, 50}, {400, true, 400}}},
		// A job that ran the reset threshold since the last restart (not
		// since the failure) starts over at the initial backoff.
		{"reset", []step{
			{0, true, 100}, {200, true, 200}, {400 + 10_000, true, 100}, {10_600, true, 200}}},
		{"just under the threshold", []step{
			{0, true, 100}, {200, true, 200}, {400 + 9_999, true, 400}}},
	} {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, rs, tc.steps) })
	}
}

// TestRestarterExponentialAttemptsBeforeReset: canRestart is
// currentRestartAttempt <= attemptsBeforeResetBackoff after the failure was
// counted, so with 3 the fourth failure in a row fails the job; a failure
// merged into a pending restart counts nothing, and a job that ran the
// reset threshold counts from 1 again.
func TestRestarterExponentialAttemptsBeforeReset(t *testing.T) {
	rs := exponential(100*time.Millisecond, time.Second, 2, 10*time.Second, 0)
	rs.AttemptsBeforeReset = 3
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"the fourth in a row fails", []step{{0, true, 100}, {200, true, 200}, {500, true, 400}, {1000, false, 0}}},
		{"merged failures do not count", []step{{0, true, 100}, {50, true, 50}, {200, true, 200}, {300, true, 100}, {500, true, 400}, {1000, false, 0}}},
		{"a reset starts the count again", []step{{0, true, 100}, {200, true, 200}, {500, true, 400}, {900 + 10_000, true, 100}, {11_100, true, 200}, {11_400, true, 400}, {11_900, false, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, rs, tc.steps) })
	}
	rs.AttemptsBeforeReset = 0 // Flink's default, Integer.MAX_VALUE
	r := restarter{cfg: rs}
	for i := range 100 {
		ok, _ := r.failure(int64(i)*int64(2*time.Second), noJitter)
		require.True(t, ok, "failure %d", i+1)
	}
}

func TestRestarterExponentialJitter(t *testing.T) {
	// Flink: backoff = max(initial, min(b + U[-j*b, j*b], max)), with
	// b = initial * multiplier^attempt.
	rs := exponential(100*time.Millisecond, 10*time.Second, 2, time.Hour, 0.25)
	for _, u := range []float64{0, 0.1, 0.5, 0.9, 0.999999} {
		r := restarter{cfg: rs}
		now := int64(0)
		for attempt := range 6 {
			b := 100 * math.Pow(2, float64(attempt)) * float64(ms1)
			ok, d := r.failure(now, draw(u))
			require.True(t, ok)
			lo := max(int64(100*time.Millisecond), int64(b*0.75))
			assert.GreaterOrEqual(t, d, lo, "attempt %d, draw %v", attempt, u)
			assert.LessOrEqual(t, d, int64(b*1.25)+1, "attempt %d, draw %v", attempt, u)
			if u == 0.5 {
				assert.InDelta(t, b, float64(d), 1, "a draw in the middle adds nothing")
			}
			now += d + int64(time.Millisecond)
		}
	}
	// A negative jitter never takes the first backoff below the initial.
	r := restarter{cfg: rs}
	_, d := r.failure(0, draw(0))
	assert.Equal(t, int64(100*time.Millisecond), d)
	// The jitter comes from the run's random source: the same draws give
	// the same delays.
	a, b := restarter{cfg: rs}, restarter{cfg: rs}
	_, d1 := a.failure(0, draw(0.3))
	_, d2 := b.failure(0, draw(0.3))
	assert.Equal(t, d1, d2)
}

func TestRestarterExponentialMaxWithJitter(t *testing.T) {
	// b = 100ms * 2^10 = 102.4s, far above the 1s max: whatever the
	// jitter, Flink waits exactly max.
	rs := exponential(100*time.Millisecond, time.Second, 2, time.Hour, 0.1)
	r := restarter{cfg: rs, expAttempt: 10}
	for _, u := range []float64{0, 0.25, 0.5, 0.75, 0.99} {
		r.started = false
		_, d := r.failure(0, draw(u))
		assert.Equal(t, int64(time.Second), d, "draw %v", u)
	}
}

// crashes returns crashes of count[1] at the given times (ms).
func crashes(times ...int) []Fault {
	var fs []Fault
	for _, at := range times {
		fs = append(fs, crashAt("count[1]", time.Duration(at)*time.Millisecond))
	}
	return fs
}

func TestRestartNoneFailsTheJob(t *testing.T) {
	cfg := bounded(1500, topology.TwoPhaseCommitSink)
	cfg.Recovery.Restart = RestartStrategy{Kind: NoRestart}
	cfg.Faults = crashes(400, 900)
	evs, r, _ := runTraced(t, cfg)
	require.Len(t, r.Failovers, 1, "the job fails at the first failure")
	f := r.Failovers[0]
	assert.Equal(t, int64(-1), f.RestoredFrom)
	assert.Zero(t, f.RestartAt)
	assert.Equal(t, JobFailed, r.Job)
	assert.Equal(t, JobEnded, r.Stop)
	assert.Equal(t, int64(400*time.Millisecond), r.VirtualEnd)
	assert.Zero(t, r.Summary.Restarts)
	assert.Empty(t, ofKind(evs, SubtaskRestoring))
	last := ofKind(evs, JobStatusChanged)
	require.NotEmpty(t, last)
	assert.Equal(t, int64(JobFailed), last[len(last)-1].N)
	assert.Zero(t, r.Summary.InProgress, "pending checkpoints are aborted")
}

func TestRestartFixedDelay(t *testing.T) {
	cfg := bounded(2000, topology.TwoPhaseCommitSink)
	cfg.Recovery.Restart = fixedDelay(2, 70*time.Millisecond)
	t.Run("within the attempts", func(t *testing.T) {
		cfg.Faults = crashes(300, 700)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 2)
		for _, f := range r.Failovers {
			assert.Equal(t, f.At+int64(70*time.Millisecond), f.RestartAt, "restarted exactly the delay after the failure")
		}
		assert.Equal(t, 2, r.Summary.Restarts)
		requireDrainedExactlyOnce(t, r)
	})
	t.Run("attempts exhausted", func(t *testing.T) {
		cfg.Faults = crashes(300, 700, 1100)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 3)
		assert.Equal(t, int64(-1), r.Failovers[2].RestoredFrom)
		assert.Equal(t, JobFailed, r.Job)
		assert.Equal(t, int64(1100*time.Millisecond), r.VirtualEnd)
		assert.Equal(t, 2, r.Summary.Restarts)
	})
}

func TestRestartFailureRate(t *testing.T) {
	cfg := bounded(2000, topology.TwoPhaseCommitSink)
	cfg.Recovery.Restart = RestartStrategy{Kind: FailureRate, MaxFailures: 2, Interval: 500 * time.Millisecond, Delay: 30 * time.Millisecond}
	t.Run("spread out", func(t *testing.T) {
		// Never more than 2 failures within 500ms.
		cfg.Faults = crashes(200, 400, 800, 1000, 1400)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 5)
		for _, f := range r.Failovers {
			assert.Equal(t, f.At+int64(30*time.Millisecond), f.RestartAt)
		}
		requireDrainedExactlyOnce(t, r)
	})
	t.Run("too many within the interval", func(t *testing.T) {
		cfg.Faults = crashes(200, 400, 600)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 3)
		assert.Equal(t, JobFailed, r.Job)
		assert.Equal(t, int64(600*time.Millisecond), r.VirtualEnd)
		assert.Equal(t, 2, r.Summary.Restarts)
	})
}

func TestRestartExponentialDelay(t *testing.T) {
	cfg := bounded(3000, topology.TwoPhaseCommitSink)
	cfg.Recovery.Restart = exponential(50*time.Millisecond, 300*time.Millisecond, 2, time.Hour, 0)
	t.Run("growth up to the max", func(t *testing.T) {
		cfg.Faults = crashes(200, 500, 1000, 1500, 2000)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 5)
		var delays []time.Duration
		for _, f := range r.Failovers {
			delays = append(delays, time.Duration(f.RestartAt-f.At))
		}
		assert.Equal(t, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}, delays)
		requireDrainedExactlyOnce(t, r)
	})
	t.Run("reset after the threshold", func(t *testing.T) {
		cfg := cfg
		cfg.Recovery.Restart.ResetThreshold = 400 * time.Millisecond
		// 200: 50ms (restart 250); 500: 100ms (restart 600); 1100 is 500ms
		// after the restart: back to 50ms; 1300: 100ms.
		cfg.Faults = crashes(200, 500, 1100, 1300)
		r := newSim(t, cfg).Run()
		require.Len(t, r.Failovers, 4)
		var delays []time.Duration
		for _, f := range r.Failovers {
			delays = append(delays, time.Duration(f.RestartAt-f.At))
		}
		assert.Equal(t, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}, delays)
	})
	t.Run("jitter is deterministic under the seed", func(t *testing.T) {
		cfg := cfg
		cfg.Recovery.Restart.Jitter = 0.5
		cfg.Faults = crashes(200, 500, 1000)
		r1, r2 := newSim(t, cfg).Run(), newSim(t, cfg).Run()
		assert.Equal(t, r1.Failovers, r2.Failovers)
		for i, f := range r1.Failovers {
			b := float64(50*time.Millisecond) * math.Pow(2, float64(i))
			d := float64(f.RestartAt - f.At)
			assert.GreaterOrEqual(t, d, max(float64(50*time.Millisecond), b*0.5))
			assert.LessOrEqual(t, d, b*1.5)
		}
	})
}
