package check

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// Scenario returns the scenario a sweep runs for seed within b: a pure
// function of b and seed (rapid draws it from its generator seeded with
// seed), so a sweep can be split across machines by seed ranges and any
// seed replayed. The run's own seed is seed too, and its name
// ScenarioName(seed).
func Scenario(b Bounds, seed uint64) sim.Config {
	return newScenarioGen(b).scenario(seed)
}

// scenarioGen is the generator Scenario draws from, for one goroutine:
// the run's seed is set before the fault schedule is drawn, so that a
// pilot run that aims a crash (aimCrash) is the run itself.
type scenarioGen struct {
	seed uint64
	gen  *rapid.Generator[sim.Config]
}

func newScenarioGen(b Bounds) *scenarioGen {
	mustValid(&b)
	g := &scenarioGen{}
	g.gen = rapid.Custom(func(t *rapid.T) sim.Config { return drawConfig(t, &b, &g.seed) })
	return g
}

// scenario is seed's scenario.
func (g *scenarioGen) scenario(seed uint64) sim.Config {
	g.seed = seed
	cfg := g.gen.Example(int(seed))
	cfg.Name = ScenarioName(seed)
	return cfg
}

// ScenarioName is the name written into the file of seed's scenario.
func ScenarioName(seed uint64) string { return fmt.Sprintf("check-seed-%d", seed) }

// SeedResult is the outcome of one seed of a sweep.
type SeedResult struct {
	Seed uint64
	// Events the engine fired for this seed (a determinism check runs
	// the scenario twice).
	Events int64
	// TraceHash of the first run.
	TraceHash uint64
	// Faults is the number of faults of the scenario, Failovers the
	// number of failovers of its run; Drained says whether the run
	// drained (its job FINISHED).
	Faults, Failovers int
	Drained           bool
	// Restored: a manual restore of the run was carried out (not
	// refused); Rescaled: one changed a parallelism.
	Restored, Rescaled bool
	// Verdicts, in the order of the sweep's properties.
	Verdicts []Verdict
	// Err is set when the engine refused the generated scenario or
	// panicked; there are no verdicts then.
	Err error
}

// Failed reports whether the seed failed a property or the engine.
func (r *SeedResult) Failed() bool {
	if r.Err != nil {
		return true
	}
	for _, v := range r.Verdicts {
		if v.Status == Fail {
			return true
		}
	}
	return false
}

// Sweep runs the scenarios of a range of seeds.
type Sweep struct {
	// Bounds of the generated scenarios.
	Bounds Bounds
	// Properties judged on every run.
	Properties []Property
	// Seed is the first seed; Runs the number of seeds.
	Seed uint64
	Runs int
	// Workers run seeds in parallel (0: GOMAXPROCS). Each run is
	// single-threaded and deterministic, so results do not depend on it.
	Workers int
	// OnResult, if set, receives every seed's result in seed order, from
	// one goroutine.
	OnResult func(SeedResult)
}

// PropertyStats count one property's verdicts over a sweep.
type PropertyStats struct {
	Property                Property
	Passed, Failed, Skipped int
	// FlinkBehaviour counts the skipped runs that violate the property as
	// Flink itself would (status Flink, ErrFlinkBehaviour).
	FlinkBehaviour int
	// Behaviours counts those runs by the name of the behaviour
	// (Verdict.Behaviour).
	Behaviours map[string]int
	// First is the lowest failing seed's result, if any failed, and
	// FailingSeeds the lowest failing seeds (at most MaxFailingSeeds).
	First        *SeedResult
	FailingSeeds []uint64
}

// MaxFailingSeeds bounds PropertyStats.FailingSeeds.
const MaxFailingSeeds = 10

// Report summarizes a sweep. Everything in it but Elapsed depends only on
// the sweep's bounds, properties and seeds, not on the number of workers.
type Report struct {
	Runs    int
	Events  int64
	Elapsed time.Duration
	Stats   []PropertyStats
	// Errors counts seeds whose scenario the engine refused or panicked
	// on; FirstError is the lowest of them.
	Errors     int
	FirstError *SeedResult
	// WithFaults counts the runs with a fault schedule, FailedOver those
	// whose job failed over at least once, Restored those with a manual
	// restore carried out and Rescaled those it rescaled, Drained those
	// whose job FINISHED.
	WithFaults, FailedOver, Restored, Rescaled, Drained int
}

// Failed reports whether any property failed or the engine erred.
func (r *Report) Failed() bool {
	if r.Errors > 0 {
		return true
	}
	for _, s := range r.Stats {
		if s.Failed > 0 {
			return true
		}
	}
	return false
}

// Run runs the sweep until every seed is done or ctx is cancelled (then
// the report covers the seeds done so far, in order).
func (sw *Sweep) Run(ctx context.Context) *Report {
	start := time.Now()
	workers := sw.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, sw.Runs))
	seeds := make(chan int)
	results := make(chan SeedResult, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := newScenarioGen(sw.Bounds)
			for i := range seeds {
				results <- sw.one(gen, sw.Seed+uint64(i))
			}
		}()
	}
	go func() {
		defer close(seeds)
		for i := range sw.Runs {
			select {
			case seeds <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	rep := &Report{Stats: make([]PropertyStats, len(sw.Properties))}
	for i, p := range sw.Properties {
		rep.Stats[i].Property = p
	}
	pending := map[uint64]SeedResult{}
	next := sw.Seed
	for r := range results {
		pending[r.Seed] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			rep.add(r)
			if sw.OnResult != nil {
				sw.OnResult(r)
			}
		}
	}
	rep.Elapsed = time.Since(start)
	return rep
}

// one runs one seed.
func (sw *Sweep) one(gen *scenarioGen, seed uint64) SeedResult {
	res := SeedResult{Seed: seed}
	run, verdicts, err := Evaluate(gen.scenario(seed), sw.Properties...)
	if err != nil {
		res.Err = err
		return res
	}
	res.Events, res.TraceHash, res.Verdicts = run.Events, run.TraceHash, verdicts
	res.Faults, res.Failovers, res.Drained = len(run.Config.Faults), len(run.Result.Failovers), run.Drained()
	for _, rs := range run.Result.Resubmissions {
		res.Restored = res.Restored || rs.Refused == ""
		res.Rescaled = res.Rescaled || len(rs.Rescaled) > 0
	}
	return res
}

func (rep *Report) add(r SeedResult) {
	rep.Runs++
	rep.Events += r.Events
	if r.Err != nil {
		rep.Errors++
		if rep.FirstError == nil {
			rep.FirstError = &r
		}
		return
	}
	if r.Faults > 0 {
		rep.WithFaults++
	}
	if r.Failovers > 0 {
		rep.FailedOver++
	}
	if r.Restored {
		rep.Restored++
	}
	if r.Rescaled {
		rep.Rescaled++
	}
	if r.Drained {
		rep.Drained++
	}
	for i, v := range r.Verdicts {
		st := &rep.Stats[i]
		switch v.Status {
		case Pass:
			st.Passed++
		case Skip:
			st.Skipped++
		case Flink:
			st.Skipped++
			st.FlinkBehaviour++
			if st.Behaviours == nil {
				st.Behaviours = map[string]int{}
			}
			st.Behaviours[v.Behaviour]++
		case Fail:
			st.Failed++
			if st.First == nil {
				st.First = &r
			}
			if len(st.FailingSeeds) < MaxFailingSeeds {
				st.FailingSeeds = append(st.FailingSeeds, r.Seed)
			}
		}
	}
}

// yamlOrError is cfg as a scenario file, or why it cannot be written. A
// user's own protocol (Checkpoint.Protocol) is Go code, which the file
// names in its description only: replay it with the protocol set.
func yamlOrError(cfg sim.Config) string {
	name := cfg.Name
	if name == "" {
		name = "counterexample"
	}
	desc := ""
	if cfg.Checkpoint.Protocol != nil {
		cfg.Checkpoint.Protocol = nil
		desc = "runs with the user's own protocol (Go code: set sim.CheckpointConfig.Protocol to replay it)"
	}
	data, err := scenarios.Marshal(cfg, name, desc)
	if err != nil {
		return fmt.Sprintf("(the scenario cannot be written: %v)\n%+v", err, cfg)
	}
	return string(data)
}
