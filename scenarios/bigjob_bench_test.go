package scenarios

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// bigJob is the benchmark scenario testdata/bench/big-job.yaml: 1,000
// subtasks, 187,500 channels, 10 M records over 10 s.
func bigJob(tb testing.TB) sim.Config {
	sc, err := Load("../testdata/bench/big-job.yaml")
	require.NoError(tb, err)
	return sc.Config
}

// BenchmarkBigJob runs the first 2 s of the big job (2 M source records;
// setup not timed): long enough for every operator to be in its steady
// state, with two checkpoints, where a shorter slice would mostly measure
// records still waiting for the output flusher's first buffers. It reports
// the engine's events per source record, and per second of CPU time the
// events and the records that reached the sinks: CPU time is the process's
// user and system time (getrusage), which other processes on a loaded
// machine do not inflate as they do wall time. The whole job: simulate run
// testdata/bench/big-job.yaml.
func BenchmarkBigJob(b *testing.B) {
	cfg := bigJob(b)
	cfg.Until = 2 * time.Second
	var events, records, sunk int64
	var run time.Duration
	for b.Loop() {
		b.StopTimer()
		s, err := sim.New(cfg)
		require.NoError(b, err)
		b.StartTimer()
		start := cpuTime(b)
		r := s.Run()
		run += cpuTime(b) - start
		require.Equal(b, sim.EndTime, r.Stop)
		events += r.Events
		records += r.Summary.RecordsIn
		sunk += r.Summary.RecordsOut
	}
	b.ReportMetric(float64(events)/run.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(events)/float64(records), "events/record")
	b.ReportMetric(float64(sunk)/run.Seconds(), "sink-records/cpu-s")
	b.ReportMetric(run.Seconds()/float64(records)*1e6, "cpu-s/Mrecords")
}

// BenchmarkBigJobZeroExclusive runs the first 0.3 s of the big job with
// Flink's 2 exclusive buffers per input channel and with none, and reports
// the CPU nanoseconds per event of both and their ratio, which should stay
// near 1. Without exclusive buffers every sender announces its backlog to
// get credit (credit.go), and a big job has thousands of announcements on
// their way at once: what a buffer's landing does with them must not grow
// with that number. A list of them shared by all the job's channels
// (536cdd8 to d056c5e) made it 7.7.
func BenchmarkBigJobZeroExclusive(b *testing.B) {
	cfgs := bigJobPair(b, 300*time.Millisecond)
	for i, exclusive := range []int{2, 0} {
		cfgs[i].Channels.BuffersPerChannel = exclusive
		cfgs[i].Channels.FloatingBuffersPerGate = 2 * 250 // as many buffers per gate as with 2 exclusive
	}
	perEventRatio(b, cfgs, "2", "0")
}

// BenchmarkBigJobJitter runs the first 0.5 s of the big job without and
// with a network jitter of 200 µs, and reports the CPU nanoseconds per
// event of both and their ratio. With jitter most buffers and credits
// arrive out of the order they were sent in, so they go to the event
// queue's heap instead of the network's FIFO: about 170,000 events at
// once. A 4-ary heap of them (until 2026-12-08) made it 1.56–1.76 (3
// runs); the radix heap beyond radixMin events (sim/radixheap.go)
// 1.32–1.54.
func BenchmarkBigJobJitter(b *testing.B) {
	cfgs := bigJobPair(b, 500*time.Millisecond)
	cfgs[1].Channels.Jitter = 200 * time.Microsecond
	perEventRatio(b, cfgs, "0", "200us")
}

// BenchmarkBigJobUnalignedFailover runs the first 1.3 s of the big job
// with unaligned checkpoints, without a fault and with a crash of one
// count subtask at 1.1 s, whose region (every subtask: the hash edge
// connects them all) restores the first checkpoint and its persisted
// in-flight data, and reports the CPU nanoseconds per event of both and
// their ratio. Restoring must cost in proportion to the state restored:
// sizing each subtask's channel state by a scan of the checkpoint's
// persisted records for each subtask (until 2026-12-08) made it 8.9.
func BenchmarkBigJobUnalignedFailover(b *testing.B) {
	cfgs := bigJobPair(b, 1300*time.Millisecond)
	for i := range cfgs {
		cfgs[i].Checkpoint.Mode = sim.Unaligned
		cfgs[i].Recovery.Restart = sim.RestartStrategy{Kind: sim.FixedDelay, Attempts: 5, Delay: 10 * time.Millisecond}
	}
	cfgs[1].Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "count[3]", At: 1100 * time.Millisecond}}
	perEventRatio(b, cfgs, "none", "crash")
}

// bigJobPair is two copies of the big job cut to its first until of
// virtual time, for perEventRatio to compare.
func bigJobPair(b *testing.B, until time.Duration) (cfgs [2]sim.Config) {
	for i := range cfgs {
		cfgs[i] = bigJob(b)
		cfgs[i].Until = until
	}
	return cfgs
}

// perEventRatio runs each of cfgs once per iteration (setup not timed) and
// reports the CPU nanoseconds per event of each, named after names, and
// the second's ratio to the first.
func perEventRatio(b *testing.B, cfgs [2]sim.Config, names ...string) {
	var events [2]int64
	var run [2]time.Duration
	for b.Loop() {
		for i, cfg := range cfgs {
			b.StopTimer()
			s, err := sim.New(cfg)
			require.NoError(b, err)
			b.StartTimer()
			start := cpuTime(b)
			events[i] += s.Run().Events
			run[i] += cpuTime(b) - start
		}
	}
	per := func(i int) float64 { return float64(run[i].Nanoseconds()) / float64(events[i]) }
	b.ReportMetric(per(0), "ns/event@"+names[0])
	b.ReportMetric(per(1), "ns/event@"+names[1])
	b.ReportMetric(per(1)/per(0), "ratio")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBigJobBudget: the whole big job fits its default event budget.
func TestBigJobBudget(t *testing.T) {
	cfg := bigJob(t)
	require.Zero(t, cfg.MaxEvents, "the scenario relies on the default budget")
	s, err := sim.New(cfg)
	require.NoError(t, err)
	require.Greater(t, s.Budget(), int64(100_000_000), "10 M records through 4 operators")
}
