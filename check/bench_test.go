package check

import (
	"context"
	"testing"
)

// BenchmarkCheck measures simulate check's throughput on one core: the
// default bounds' small scenarios, each judged by every shipped property
// (the determinism property runs it twice). The target is at least 1,000
// scenarios per minute per core.
func BenchmarkCheck(b *testing.B) {
	var runs int
	var events int64
	seed := uint64(1)
	for b.Loop() {
		sw := &Sweep{Bounds: DefaultBounds(), Properties: Properties(), Seed: seed, Runs: 100, Workers: 1}
		rep := sw.Run(context.Background())
		runs += rep.Runs
		events += rep.Events
		seed += 100
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(runs)/secs, "runs/s")
	b.ReportMetric(float64(runs)/secs*60, "runs/min")
	b.ReportMetric(float64(events)/float64(runs), "events/run")
}
