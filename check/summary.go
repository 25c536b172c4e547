package check

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// A sweep of a million scenarios runs on many machines as shards: each
// runs a disjoint slice of the seed range (ShardRange) and writes its
// Summary as data; Merge combines the summaries into the one a single run
// over the whole range would have given. ckptsim has no scheduler of its
// own: a Kubernetes Indexed Job or GNU parallel starts the shards.

// SummaryFormat names the layout of Summary, written into every summary
// so that a reader knows what it reads.
const SummaryFormat = "ckptsim-check-summary/1"

// Summary is a sweep's report as data: what `simulate check --format
// json` writes and `simulate check merge` combines. Everything but
// the seconds depends only on the sweep and the seeds covered.
type Summary struct {
	Format string `json:"format"`
	// Sweep is the whole sweep the summary is part of.
	Sweep SweepID `json:"sweep"`
	// Seeds are the seeds this summary covers: ascending, disjoint,
	// adjacent ranges joined.
	Seeds []SeedRange `json:"seeds"`
	// Runs is the number of seeds covered, Events the engine events fired.
	Runs   int   `json:"runs"`
	Events int64 `json:"events"`
	// Seconds is the wall time of the sweep and WorkerSeconds that time
	// its workers, each summed over merged shards: runs / WorkerSeconds
	// is the throughput of one core.
	Seconds       float64 `json:"seconds"`
	WorkerSeconds float64 `json:"worker_seconds"`
	// WithFaults, FailedOver, Restored, Rescaled and Drained count runs
	// as Report does.
	WithFaults int `json:"with_faults"`
	FailedOver int `json:"failed_over"`
	Restored   int `json:"restored"`
	Rescaled   int `json:"rescaled"`
	Drained    int `json:"drained"`
	// Properties are the verdict counts, in the sweep's property order.
	Properties []PropertySummary `json:"properties"`
	// Errors counts seeds the engine refused or panicked on; FirstError
	// is the lowest.
	Errors     int        `json:"errors"`
	FirstError *SeedError `json:"first_error,omitempty"`
	// Counterexamples are the scenarios written for failures, in
	// property order, then by seed.
	Counterexamples []Counterexample `json:"counterexamples,omitempty"`
}

// SweepID identifies a sweep: summaries merge only when their SweepIDs
// are equal.
type SweepID struct {
	// Seed is the first seed of the whole sweep and Runs its number of
	// seeds; Shards is the number of slices it was cut into (1: none).
	Seed   uint64 `json:"seed"`
	Runs   int    `json:"runs"`
	Shards int    `json:"shards"`
	// Flags are the command-line flags besides the seed range that shape
	// the scenarios (--property, --mode, --faults, --max-faults).
	Flags string `json:"flags"`
	// Properties are the names of the properties judged, in order.
	Properties []string `json:"properties"`
}

// SeedRange is an inclusive range of seeds.
type SeedRange struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// PropertySummary counts one property's verdicts.
type PropertySummary struct {
	Name     string `json:"name"`
	Negative bool   `json:"negative,omitempty"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
	Skipped  int    `json:"skipped"`
	// FlinkBehaviour counts the skipped runs that violate the property as
	// Flink itself would (PropertyStats.FlinkBehaviour).
	FlinkBehaviour int `json:"flink_behaviour,omitempty"`
	// Behaviours counts them by the behaviour's name
	// (PropertyStats.Behaviours).
	Behaviours map[string]int `json:"flink_behaviours,omitempty"`
	// FailingSeeds are the lowest failing seeds (at most
	// MaxFailingSeeds), FirstDetail the verdict on the lowest.
	FailingSeeds []uint64 `json:"failing_seeds,omitempty"`
	FirstDetail  string   `json:"first_detail,omitempty"`
}

// SeedError is the engine's failure on a seed.
type SeedError struct {
	Seed  uint64 `json:"seed"`
	Error string `json:"error"`
}

// Counterexample is a scenario a sweep wrote for a failure.
type Counterexample struct {
	// Property is the property violated ("" for an engine error), Seed
	// the seed whose scenario was shrunk, Detail the violation.
	Property string `json:"property,omitempty"`
	Seed     uint64 `json:"seed"`
	Detail   string `json:"detail"`
	// File is where the shard wrote it (on the shard's machine);
	// Scenario is the scenario file's content, so that collecting the
	// summaries collects the counterexamples.
	File     string `json:"file"`
	Scenario string `json:"scenario"`
}

// ShardRange is the k-th (0-based) of n disjoint, contiguous slices of the
// runs seeds from seed: the first seed and the number of seeds. The
// slices of k = 0..n-1 cover the range exactly, in order, and differ in
// size by at most one.
func ShardRange(seed uint64, runs, k, n int) (first uint64, count int) {
	lo := uint64(k) * uint64(runs) / uint64(n)
	hi := uint64(k+1) * uint64(runs) / uint64(n)
	return seed + lo, int(hi - lo)
}

// Summary returns the report as data, for a sweep id whose seeds from
// first were run by workers workers.
func (r *Report) Summary(id SweepID, first uint64, workers int) Summary {
	s := Summary{Format: SummaryFormat, Sweep: id, Runs: r.Runs, Events: r.Events, Seconds: r.Elapsed.Seconds(), WorkerSeconds: r.Elapsed.Seconds() * float64(workers),
		WithFaults: r.WithFaults, FailedOver: r.FailedOver, Restored: r.Restored, Rescaled: r.Rescaled, Drained: r.Drained, Errors: r.Errors}
	if r.Runs > 0 {
		s.Seeds = []SeedRange{{first, first + uint64(r.Runs) - 1}}
	}
	for _, st := range r.Stats {
		ps := PropertySummary{Name: st.Property.Name, Negative: st.Property.Negative, Passed: st.Passed, Failed: st.Failed, Skipped: st.Skipped,
			FlinkBehaviour: st.FlinkBehaviour, Behaviours: maps.Clone(st.Behaviours), FailingSeeds: slices.Clone(st.FailingSeeds)}
		if st.First != nil {
			for _, v := range st.First.Verdicts {
				if v.Property == ps.Name {
					ps.FirstDetail = v.Detail
				}
			}
		}
		s.Properties = append(s.Properties, ps)
	}
	if r.FirstError != nil {
		s.FirstError = &SeedError{Seed: r.FirstError.Seed, Error: r.FirstError.Err.Error()}
	}
	return s
}

// Failed reports whether a property failed or the engine erred.
func (s *Summary) Failed() bool {
	return s.Errors > 0 || slices.ContainsFunc(s.Properties, func(p PropertySummary) bool { return p.Failed > 0 })
}

// Missing lists the seeds of the sweep that the summary does not cover.
func (s *Summary) Missing() []SeedRange {
	var out []SeedRange
	next, end := s.Sweep.Seed, s.Sweep.Seed+uint64(s.Sweep.Runs) // end: one past the last
	for _, r := range s.Seeds {
		if r.First > next {
			out = append(out, SeedRange{next, r.First - 1})
		}
		next = max(next, r.Last+1)
	}
	if next < end {
		out = append(out, SeedRange{next, end - 1})
	}
	return out
}

// Merge combines the summaries of shards of one sweep into the summary
// of the seeds they cover together: counts and events add up, the
// failing seeds are the lowest of all, the first failure and the first
// engine error are those of the lowest seed. It refuses summaries of
// different sweeps or of another format, and shards that share a seed.
func Merge(sums ...Summary) (Summary, error) {
	if len(sums) == 0 {
		return Summary{}, fmt.Errorf("no summary to merge")
	}
	m := Summary{Format: SummaryFormat, Sweep: sums[0].Sweep}
	for _, p := range sums[0].Properties {
		m.Properties = append(m.Properties, PropertySummary{Name: p.Name, Negative: p.Negative})
	}
	for i, s := range sums {
		switch {
		case s.Format != SummaryFormat:
			return Summary{}, fmt.Errorf("summary %d: format %q, want %q", i+1, s.Format, SummaryFormat)
		case !sameSweep(&s.Sweep, &m.Sweep):
			return Summary{}, fmt.Errorf("summary %d is of another sweep (%s) than summary 1 (%s)", i+1, s.Sweep, m.Sweep)
		case len(s.Properties) != len(m.Properties):
			return Summary{}, fmt.Errorf("summary %d judges %d properties, summary 1 %d", i+1, len(s.Properties), len(m.Properties))
		}
		m.Seeds = append(m.Seeds, s.Seeds...)
		m.Runs += s.Runs
		m.Events += s.Events
		m.Seconds += s.Seconds
		m.WorkerSeconds += s.WorkerSeconds
		m.WithFaults += s.WithFaults
		m.FailedOver += s.FailedOver
		m.Restored += s.Restored
		m.Rescaled += s.Rescaled
		m.Drained += s.Drained
		m.Errors += s.Errors
		if e := s.FirstError; e != nil && (m.FirstError == nil || e.Seed < m.FirstError.Seed) {
			m.FirstError = e
		}
		for j, p := range s.Properties {
			mp := &m.Properties[j]
			if p.Name != mp.Name {
				return Summary{}, fmt.Errorf("summary %d: property %d is %s, in summary 1 %s", i+1, j+1, p.Name, mp.Name)
			}
			mp.Passed += p.Passed
			mp.Failed += p.Failed
			mp.Skipped += p.Skipped
			mp.FlinkBehaviour += p.FlinkBehaviour
			for name, n := range p.Behaviours {
				if mp.Behaviours == nil {
					mp.Behaviours = map[string]int{}
				}
				mp.Behaviours[name] += n
			}
			if len(p.FailingSeeds) > 0 && (len(mp.FailingSeeds) == 0 || p.FailingSeeds[0] < slices.Min(mp.FailingSeeds)) {
				mp.FirstDetail = p.FirstDetail
			}
			mp.FailingSeeds = append(mp.FailingSeeds, p.FailingSeeds...)
		}
		m.Counterexamples = append(m.Counterexamples, s.Counterexamples...)
	}
	slices.SortFunc(m.Seeds, func(a, b SeedRange) int { return cmp.Compare(a.First, b.First) })
	joined := m.Seeds[:0]
	for _, r := range m.Seeds {
		if n := len(joined); n > 0 && r.First <= joined[n-1].Last {
			return Summary{}, fmt.Errorf("seeds %d..%d are in two summaries: merge each shard once", r.First, min(r.Last, joined[n-1].Last))
		} else if n > 0 && r.First == joined[n-1].Last+1 {
			joined[n-1].Last = r.Last
			continue
		}
		joined = append(joined, r)
	}
	m.Seeds = joined
	for j := range m.Properties {
		p := &m.Properties[j]
		slices.Sort(p.FailingSeeds)
		p.FailingSeeds = p.FailingSeeds[:min(len(p.FailingSeeds), MaxFailingSeeds)]
	}
	order := func(name string) int { return slices.Index(m.Sweep.Properties, name) }
	slices.SortStableFunc(m.Counterexamples, func(a, b Counterexample) int {
		return cmp.Or(cmp.Compare(order(a.Property), order(b.Property)), cmp.Compare(a.Seed, b.Seed))
	})
	return m, nil
}

func sameSweep(a, b *SweepID) bool {
	return a.Seed == b.Seed && a.Runs == b.Runs && a.Shards == b.Shards && a.Flags == b.Flags && slices.Equal(a.Properties, b.Properties)
}

// String describes the sweep.
func (id SweepID) String() string {
	s := fmt.Sprintf("seeds %d..%d", id.Seed, id.Seed+uint64(id.Runs)-1)
	if id.Shards > 1 {
		s += fmt.Sprintf(" in %d shards", id.Shards)
	}
	if id.Flags != "" {
		s += ", flags" + id.Flags
	}
	return s
}
