package check

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// runs is the number of seeds of a sweep in the tests.
func runs(full int) int {
	if testing.Short() {
		return max(full/5, 20)
	}
	return full
}

func positive() []Property {
	var ps []Property
	for _, p := range Properties() {
		if !p.Negative {
			ps = append(ps, p)
		}
	}
	return ps
}

// sweepClean runs sw and fails t on an engine error or a property
// failure, with the lowest failing seed's scenario.
func sweepClean(t *testing.T, sw *Sweep) *Report {
	t.Helper()
	rep := sw.Run(context.Background())
	if rep.FirstError != nil {
		t.Fatalf("seed %d: %v", rep.FirstError.Seed, rep.FirstError.Err)
	}
	for _, st := range rep.Stats {
		if st.First != nil {
			v := verdict(st.First, st.Property.Name)
			t.Errorf("%s failed on %d runs (seeds %v); seed %d: %s\n%s", st.Property.Name, st.Failed, st.FailingSeeds, st.First.Seed, v.Detail,
				yamlOrError(Scenario(sw.Bounds, st.First.Seed)))
		}
	}
	return rep
}

func verdict(r *SeedResult, name string) Verdict {
	for _, v := range r.Verdicts {
		if v.Property == name {
			return v
		}
	}
	return Verdict{}
}

// TestProperties: the shipped properties hold on a few hundred random
// scenarios, about half of them with faults, and each applies to a fair
// share of them.
func TestProperties(t *testing.T) {
	sw := &Sweep{Bounds: DefaultBounds(), Properties: positive(), Seed: 1, Runs: runs(400)}
	rep := sweepClean(t, sw)
	for _, st := range rep.Stats {
		assert.Greater(t, st.Passed, rep.Runs/30, "%s applied to only %d of %d runs", st.Property.Name, st.Passed, rep.Runs)
	}
	assert.InDelta(t, rep.Runs/2, rep.WithFaults, float64(rep.Runs)/6, "runs with faults")
	assert.Greater(t, rep.FailedOver, rep.Runs/5, "runs that failed over")
}

// TestPropertiesFocused: checked alone, a property generates scenarios it
// applies to, and holds on them.
func TestPropertiesFocused(t *testing.T) {
	for _, p := range positive() {
		if p.Focus == nil {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			b := DefaultBounds()
			p.Focus(&b)
			sw := &Sweep{Bounds: b, Properties: []Property{p}, Seed: 1000, Runs: runs(150)}
			rep := sweepClean(t, sw)
			assert.Greater(t, rep.Stats[0].Passed, rep.Runs/3, "applied to %d of %d runs", rep.Stats[0].Passed, rep.Runs)
		})
	}
}

// TestCutCountsMatchEngine: the records from after a cut that the trace
// re-derivation counts in at-least-once mode are the number the engine
// writes into the at-least-once-snapshot detail, and in aligned mode
// both are zero.
func TestCutCountsMatchEngine(t *testing.T) {
	re := regexp.MustCompile(`(\d+) record\(s\) from after a cut`)
	b := DefaultBounds()
	b.Modes = []sim.Mode{sim.AtLeastOnce, sim.Aligned}
	b.Faults, b.Restores = Range{0, 0}, Never // the re-derivation is for runs without faults or restores
	nonzero := 0
	for seed := uint64(1); seed <= uint64(runs(300)); seed++ {
		r, err := Simulate(Scenario(b, seed))
		require.NoError(t, err)
		extra, missing, ok := r.CutCounts()
		require.True(t, ok)
		assert.Zero(t, missing, "seed %d", seed)
		if r.Config.Checkpoint.Mode == sim.Aligned {
			assert.Zero(t, extra, "seed %d", seed)
			continue
		}
		inv, ok := r.Invariant("at-least-once-snapshot")
		require.True(t, ok)
		m := re.FindStringSubmatch(inv.Detail)
		require.NotNil(t, m, inv.Detail)
		n, _ := strconv.ParseInt(m[1], 10, 64)
		assert.Equal(t, n, extra, "seed %d", seed)
		if extra > 0 {
			nonzero++
		}
	}
	assert.Greater(t, nonzero, 0)
	b.Modes = []sim.Mode{sim.Unaligned}
	r, err := Simulate(Scenario(b, 1))
	require.NoError(t, err)
	_, _, ok := r.CutCounts()
	assert.False(t, ok)
}

// TestSweepWorkersIndependent: one worker and two give the same results,
// seed by seed, and the same report.
func TestSweepWorkersIndependent(t *testing.T) {
	collect := func(workers int) ([]SeedResult, *Report) {
		var got []SeedResult
		sw := &Sweep{Bounds: DefaultBounds(), Properties: Properties(), Seed: 500, Runs: runs(120), Workers: workers,
			OnResult: func(r SeedResult) { got = append(got, r) }}
		rep := sw.Run(context.Background())
		rep.Elapsed = 0
		return got, rep
	}
	r1, rep1 := collect(1)
	r2, rep2 := collect(2)
	require.Len(t, r1, runs(120))
	for i := range r1 {
		assert.Equal(t, uint64(500+i), r1[i].Seed)
	}
	assert.Equal(t, r1, r2)
	assert.Equal(t, summary(rep1), summary(rep2))
}

// summary is a report without its properties' functions, which
// reflect.DeepEqual cannot compare.
func summary(rep *Report) string {
	s := fmt.Sprintf("runs %d events %d errors %d\n", rep.Runs, rep.Events, rep.Errors)
	for _, st := range rep.Stats {
		s += fmt.Sprintf("%s %d %d %d %v %+v\n", st.Property.Name, st.Passed, st.Failed, st.Skipped, st.FailingSeeds, st.First)
	}
	return s
}

// TestSweepCancel: a cancelled sweep reports the seeds done, in order.
func TestSweepCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var seeds []uint64
	sw := &Sweep{Bounds: DefaultBounds(), Properties: positive(), Seed: 1, Runs: 1000, Workers: 2,
		OnResult: func(r SeedResult) {
			seeds = append(seeds, r.Seed)
			if len(seeds) == 10 {
				cancel()
			}
		}}
	rep := sw.Run(ctx)
	assert.Less(t, rep.Runs, 1000)
	assert.Equal(t, rep.Runs, len(seeds))
	for i, s := range seeds {
		assert.Equal(t, uint64(1+i), s)
	}
}

// refute sweeps the negative property and returns the report.
func refute(t *testing.T) (*Report, Bounds) {
	b := DefaultBounds()
	AtLeastOnceIsExactlyOnce.Focus(&b)
	sw := &Sweep{Bounds: b, Properties: []Property{AtLeastOnceIsExactlyOnce}, Seed: 1, Runs: 40}
	rep := sw.Run(context.Background())
	require.Nil(t, rep.FirstError)
	require.Greater(t, rep.Stats[0].Failed, 0, "the negative property was not refuted")
	return rep, b
}

// TestNegativeRefuted: "at-least-once is exactly-once" is refuted, and the
// counterexample shrinks to a tiny job that still refutes it after a round
// trip through a scenario file.
func TestNegativeRefuted(t *testing.T) {
	rep, b := refute(t)
	seed := rep.Stats[0].FailingSeeds[0]
	cfg := Scenario(b, seed)
	small, st := ShrinkProperty(cfg, AtLeastOnceIsExactlyOnce, 0)
	assert.Greater(t, st.Steps, 0)
	sz := Size(small)
	t.Logf("seed %d shrunk in %d steps (%d runs) to %+v", seed, st.Steps, st.Runs, sz)
	assert.LessOrEqual(t, sz.Operators, 4)
	assert.LessOrEqual(t, sz.Subtasks, 5)
	assert.LessOrEqual(t, sz.Records, int64(100))
	assert.True(t, Size(small).Less(Size(cfg)))
	require.True(t, Violates(small, AtLeastOnceIsExactlyOnce))

	data, err := scenarios.Marshal(small, "counterexample", "")
	require.NoError(t, err)
	sc, err := scenarios.Parse("c.yaml", data)
	require.NoError(t, err)
	assert.True(t, Violates(sc.Config, AtLeastOnceIsExactlyOnce), "%s", data)

	// Deterministic: the same failure shrinks to the same scenario.
	again, st2 := ShrinkProperty(cfg, AtLeastOnceIsExactlyOnce, 0)
	assert.Equal(t, small, again)
	assert.Equal(t, st, st2)

	// Three failing seeds give the greedy shrinker three chances.
	seeds := rep.Stats[0].FailingSeeds[:3]
	best, from, _ := ShrinkSeeds(b, seeds, AtLeastOnceIsExactlyOnce, 0)
	assert.Contains(t, seeds, from)
	assert.False(t, Size(small).Less(Size(best)))
	assert.LessOrEqual(t, Size(best).Subtasks, 4)
}

// recorder is a rapid.TB that records a failure instead of failing the
// test, so that a test can watch rapid refute a property.
type recorder struct {
	*testing.T
	failed bool
	msgs   []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any)                 { r.failed = true; r.msgs = append(r.msgs, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) FailNow()                          { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// TestNegativeRefutedByRapid: driven by rapid.Check, the negative property
// fails too, and rapid's own shrinking of the generators' draws ends at a
// small scenario (ShrinkProperty then makes it smaller still).
func TestNegativeRefutedByRapid(t *testing.T) {
	for name, v := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1"} {
		old := flag.Lookup(name).Value.String()
		require.NoError(t, flag.Set(name, v))
		t.Cleanup(func() { _ = flag.Set(name, old) })
	}
	b := DefaultBounds()
	AtLeastOnceIsExactlyOnce.Focus(&b)
	rec := &recorder{T: t}
	var last sim.Config
	rapid.Check(rec, func(rt *rapid.T) {
		cfg := Configs(b).Draw(rt, "config")
		if Violates(cfg, AtLeastOnceIsExactlyOnce) {
			last = cfg
			rt.Fatalf("refuted")
		}
	})
	require.True(t, rec.failed, "rapid did not refute the negative property")
	sz := Size(last)
	t.Logf("rapid's minimal counterexample: %+v\n%s", sz, yamlOrError(last))
	assert.LessOrEqual(t, sz.Operators, 5)
	assert.LessOrEqual(t, sz.Subtasks, 8)
	// The structural shrinker takes it further.
	small, _ := ShrinkProperty(last, AtLeastOnceIsExactlyOnce, 0)
	assert.LessOrEqual(t, Size(small).Subtasks, 4)
}

// fakeTB records Require's failure.
type fakeTB struct{ msg string }

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

// TestRequire: Require passes a scenario the properties hold on and fails
// with the scenario file of one they do not.
func TestRequire(t *testing.T) {
	rep, b := refute(t)
	bad := Scenario(b, rep.Stats[0].FailingSeeds[0])
	var f fakeTB
	Require(&f, bad, AtLeastOnceIsExactlyOnce)
	assert.Contains(t, f.msg, "property at-least-once-is-exactly-once violated")
	assert.Contains(t, f.msg, "mode: at-least-once")
	f = fakeTB{}
	run := Require(&f, Scenario(DefaultBounds(), 1), positive()...)
	assert.Empty(t, f.msg)
	assert.NotNil(t, run)
}

// TestRapidRecoveries: the package documentation's recoveries under
// rapid.Check: bounded jobs with two-phase commit sinks and one fault
// each recover exactly once.
func TestRapidRecoveries(t *testing.T) {
	b := DefaultBounds()
	EndToEnd.Focus(&b)
	b.Faults.Max = 1
	rapid.Check(t, func(rt *rapid.T) {
		cfg := Configs(b).Draw(rt, "scenario")
		require.Len(rt, cfg.Faults, 1)
		Require(rt, cfg, EndToEnd, ExactlyOnceState, NoLoss)
	})
}
