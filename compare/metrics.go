package compare

import (
	"slices"

	"github.com/ckptsim/ckptsim/sim"
)

// Unit says how a metric's values read.
type Unit uint8

// The units.
const (
	// Count is a number of things.
	Count Unit = iota
	// Nanos is a virtual duration in nanoseconds.
	Nanos
	// Bytes is a size.
	Bytes
	// PerSecond is a rate per virtual second.
	PerSecond
)

// Metric is one figure of a run, a row of the compare table and a column
// of a sweep's CSV.
type Metric struct {
	// Key names it in --metric, JSON and CSV (snake_case).
	Key string
	// Title names it in the text table.
	Title string
	// Unit of its values.
	Unit Unit
	// Correctness marks a metric whose non-zero value is a fault of the
	// run (duplicates, lost records, failed invariants), not a cost.
	Correctness bool
	value       func(r *sim.Result) float64
}

// Value is the metric of result r.
func (m *Metric) Value(r *sim.Result) float64 { return m.value(r) }

// Metrics are the figures compare shows, in the table's order.
var Metrics = []Metric{
	{Key: "completed", Title: "checkpoints completed", value: summary(func(s *sim.Summary) int64 { return int64(s.Completed) })},
	{Key: "expired", Title: "checkpoints expired", value: summary(func(s *sim.Summary) int64 { return int64(s.Expired) })},
	{Key: "aborted", Title: "checkpoints aborted", value: summary(func(s *sim.Summary) int64 { return int64(s.Aborted) })},
	{Key: "end_to_end_mean", Title: "end-to-end duration mean", Unit: Nanos, value: summary(func(s *sim.Summary) int64 { return s.MeanEndToEnd })},
	{Key: "end_to_end_p50", Title: "end-to-end duration p50", Unit: Nanos, value: percentile(0.50, endToEnd)},
	{Key: "end_to_end_p99", Title: "end-to-end duration p99", Unit: Nanos, value: percentile(0.99, endToEnd)},
	{Key: "end_to_end_max", Title: "end-to-end duration max", Unit: Nanos, value: summary(func(s *sim.Summary) int64 { return s.MaxEndToEnd })},
	{Key: "alignment_mean", Title: "alignment mean", Unit: Nanos, value: summary(func(s *sim.Summary) int64 { return s.MeanAlignment })},
	{Key: "alignment_max", Title: "alignment max", Unit: Nanos, value: summary(func(s *sim.Summary) int64 { return s.MaxAlignment })},
	{Key: "start_delay_mean", Title: "start delay mean", Unit: Nanos, value: mean(startDelay)},
	{Key: "start_delay_max", Title: "start delay max", Unit: Nanos, value: percentile(1, startDelay)},
	{Key: "persisted_in_flight", Title: "persisted in-flight data", Unit: Bytes, value: summary(func(s *sim.Summary) int64 { return s.PersistedBytes })},
	{Key: "state_size", Title: "state size (last completed)", Unit: Bytes, value: lastStateSize},
	{Key: "records_between_checkpoints", Title: "records read between checkpoints", value: summary(func(s *sim.Summary) int64 { return s.RecordsBetweenCheckpoints })},
	{Key: "restarts", Title: "restarts", value: summary(func(s *sim.Summary) int64 { return int64(s.Restarts) })},
	{Key: "restore_time_mean", Title: "restore time mean", Unit: Nanos, value: summary(func(s *sim.Summary) int64 { return s.MeanRestoreTime })},
	{Key: "duplicates", Title: "duplicates at the sinks", Correctness: true, value: summary(func(s *sim.Summary) int64 { return s.Duplicates })},
	{Key: "lost", Title: "lost records at the sinks", Correctness: true, value: summary(func(s *sim.Summary) int64 { return s.Lost })},
	{Key: "throughput", Title: "throughput at the sinks", Unit: PerSecond, value: throughput},
	{Key: "failed_invariants", Title: "invariants failed", Correctness: true, value: failedInvariants},
}

// MetricByKey returns the metric called key.
func MetricByKey(key string) (*Metric, bool) {
	i := slices.IndexFunc(Metrics, func(m Metric) bool { return m.Key == key })
	if i < 0 {
		return nil, false
	}
	return &Metrics[i], true
}

// summary reads a figure of the run's summary.
func summary(f func(*sim.Summary) int64) func(*sim.Result) float64 {
	return func(r *sim.Result) float64 { return float64(f(&r.Summary)) }
}

// endToEnd is the duration of a completed checkpoint.
func endToEnd(c *sim.CheckpointStats) int64 { return c.EndToEnd() }

// startDelay is the longest start delay of a completed checkpoint's
// subtasks: trigger to first barrier, what the web UI's Start Delay shows
// at its worst.
func startDelay(c *sim.CheckpointStats) int64 {
	var d int64
	for _, st := range c.Subtasks {
		if st.FirstBarrierAt >= 0 {
			d = max(d, st.StartDelay)
		}
	}
	return d
}

// completed lists figure f of the completed checkpoints, sorted: those in
// r.Checkpoints, which for the runs of simulate compare and sweep is
// every one (sim.LongestHistory).
func completed(r *sim.Result, f func(*sim.CheckpointStats) int64) []int64 {
	var vs []int64
	for i := range r.Checkpoints {
		if c := &r.Checkpoints[i]; c.Status == sim.Completed {
			vs = append(vs, f(c))
		}
	}
	slices.Sort(vs)
	return vs
}

// percentile is the nearest-rank percentile p of f over the completed
// checkpoints (p = 1 is the maximum), 0 without any.
func percentile(p float64, f func(*sim.CheckpointStats) int64) func(*sim.Result) float64 {
	return func(r *sim.Result) float64 {
		vs := completed(r, f)
		if len(vs) == 0 {
			return 0
		}
		rank := int(p*float64(len(vs)) + 0.9999999)
		return float64(vs[min(max(rank, 1), len(vs))-1])
	}
}

// mean is the mean of f over the completed checkpoints, 0 without any.
func mean(f func(*sim.CheckpointStats) int64) func(*sim.Result) float64 {
	return func(r *sim.Result) float64 {
		vs := completed(r, f)
		if len(vs) == 0 {
			return 0
		}
		var sum int64
		for _, v := range vs {
			sum += v
		}
		return float64(sum / int64(len(vs)))
	}
}

// lastStateSize is the full state size of the last completed checkpoint.
func lastStateSize(r *sim.Result) float64 {
	for i := len(r.Checkpoints) - 1; i >= 0; i-- {
		if c := &r.Checkpoints[i]; c.Status == sim.Completed {
			return float64(c.StateBytes)
		}
	}
	return 0
}

// throughput is the records the sinks received per virtual second.
func throughput(r *sim.Result) float64 {
	if r.VirtualEnd <= 0 {
		return 0
	}
	return float64(r.Summary.RecordsOut) / (float64(r.VirtualEnd) / 1e9)
}

// failedInvariants counts the invariants that did not hold.
func failedInvariants(r *sim.Result) float64 {
	n := 0
	for _, inv := range r.Invariants {
		if !inv.OK {
			n++
		}
	}
	return float64(n)
}
