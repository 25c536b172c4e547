package sim

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// longRun is the pipeline checkpointing every millisecond for until of
// virtual time: hundreds of checkpoints a second.
func longRun(until time.Duration) Config {
	cfg := pipeline()
	cfg.Checkpoint.Interval = time.Millisecond
	cfg.Checkpoint.History = DefaultHistory
	cfg.Until = until
	return cfg
}

// peakHeap runs cfg to its end and returns the largest live heap, sampled
// after a garbage collection every 100,000 events and at the end, with
// the number of checkpoints triggered.
func peakHeap(tb testing.TB, cfg Config) (peak uint64, checkpoints int) {
	s := newSim(tb, cfg)
	var ms runtime.MemStats
	sample := func() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	for n := 0; s.Step(); n++ {
		if n%100_000 == 0 {
			sample()
		}
	}
	sample()
	return peak, s.NumCheckpoints()
}

// BenchmarkHistoryMemory reports the peak live heap of the long run at
// 1x, 2x and 4x its length, 10 minutes: flat, since the statistics held
// are the history's and what is in flight. (The event queue holds each
// checkpoint's expiry timer until it fires, the default timeout of 10
// minutes after its trigger: from then on that is flat too.)
func BenchmarkHistoryMemory(b *testing.B) {
	for _, k := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("%dx", k), func(b *testing.B) {
			var peak uint64
			var n int
			for b.Loop() {
				peak, n = peakHeap(b, longRun(time.Duration(k)*10*time.Minute))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(n), "checkpoints")
		})
	}
}
