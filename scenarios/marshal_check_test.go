package scenarios_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// traceHash runs cfg and returns the hash of its JSONL trace.
func traceHash(t testing.TB, cfg sim.Config) (uint64, *sim.Result) {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	h, sum := s.TraceHasher()
	s.Tracer = h
	res := s.Run()
	return sum(), res
}

// perturb sets the fields the generators leave at the format's defaults,
// so that the round trip covers every field.
func perturb(t *rapid.T, cfg *sim.Config) {
	if rapid.Bool().Draw(t, "job max parallelism?") {
		cfg.Graph.MaxParallelism = rapid.SampledFrom([]int{1024, 32768}).Draw(t, "job max parallelism")
	}
	for i := range cfg.Graph.Operators {
		op := &cfg.Graph.Operators[i]
		if op.Kind != topology.Sink && rapid.Bool().Draw(t, "output bytes?") {
			op.OutputBytes = rapid.SampledFrom([]int{1, 100, 1024, 3000, 64 << 10}).Draw(t, "output bytes")
		}
		if rapid.Bool().Draw(t, "max parallelism?") {
			// At least every parallelism the op has, in the job and in
			// its rescaling restores, so that the config stays valid.
			most := op.Parallelism
			for _, r := range cfg.Restores {
				most = max(most, r.Parallelism[op.Name])
			}
			op.MaxParallelism = most + rapid.SampledFrom([]int{0, 1, 300}).Draw(t, "max parallelism above")
		}
		switch op.Kind {
		case topology.Source:
			s := op.Source
			if rapid.Bool().Draw(t, "source knobs?") {
				s.MaxValue = rapid.Int64Range(1, 1<<40).Draw(t, "max value")
				s.RecordBytes = rapid.SampledFrom([]int{1, 7, 512, 1 << 20}).Draw(t, "record bytes")
				s.Rate = rapid.SampledFrom([]float64{0.5, 1e-3, 333.25, 1e9, 12345.678}).Draw(t, "rate")
				if s.Distribution == topology.Zipf {
					s.ZipfS = rapid.Float64Range(0.01, 10).Draw(t, "zipf s")
				}
			}
		case topology.Aggregate:
			if rapid.Bool().Draw(t, "state bytes?") {
				op.StateBytesPerKey = rapid.IntRange(0, 5000).Draw(t, "state bytes")
			}
		case topology.Sink:
			if rapid.Bool().Draw(t, "sink mode?") {
				op.SinkMode = rapid.SampledFrom(topology.SinkModes).Draw(t, "sink mode")
			}
		case topology.Map:
			if rapid.Bool().Draw(t, "negative map?") {
				op.Multiply, op.Add = -7, math.MinInt64
			}
		}
	}
	if rapid.Bool().Draw(t, "recovery?") {
		r := sim.DefaultRecoveryConfig()
		r.Restart.Kind = rapid.SampledFrom(sim.RestartKinds).Draw(t, "restart strategy")
		switch r.Restart.Kind {
		case sim.FixedDelay:
			r.Restart.Attempts = rapid.IntRange(0, 10).Draw(t, "attempts")
			r.Restart.Delay = time.Duration(rapid.IntRange(0, 5000).Draw(t, "delay ms")) * time.Millisecond
		case sim.FailureRate:
			r.Restart.MaxFailures = rapid.IntRange(1, 10).Draw(t, "max failures")
			r.Restart.Interval = time.Duration(rapid.IntRange(1, 100).Draw(t, "interval s")) * time.Second
		case sim.ExponentialDelay:
			r.Restart.Multiplier = rapid.SampledFrom([]float64{1.01, 1.5, 2, 3.25}).Draw(t, "multiplier")
			r.Restart.AttemptsBeforeReset = rapid.SampledFrom([]int{0, 1, 7}).Draw(t, "attempts before reset")
			r.Restart.Jitter = rapid.SampledFrom([]float64{0, 0.1, 0.5}).Draw(t, "jitter")
			r.Restart.MaxDelay = time.Duration(rapid.IntRange(1, 600).Draw(t, "max delay s")) * time.Second
		}
		r.Failover = rapid.SampledFrom([]sim.Failover{sim.RegionFailover, sim.FullFailover}).Draw(t, "failover")
		r.TolerableFailures = rapid.IntRange(-1, 5).Draw(t, "tolerable")
		r.PreferCheckpointForRecovery = rapid.Bool().Draw(t, "prefer checkpoint")
		r.LocalRecovery = rapid.Bool().Draw(t, "local recovery")
		r.RestoreBase = time.Duration(rapid.IntRange(0, 100).Draw(t, "restore base ms")) * time.Millisecond
		r.RemoteBandwidth = rapid.Int64Range(1, 1<<40).Draw(t, "remote bandwidth")
		if rapid.Bool().Draw(t, "savepoints?") {
			r.Savepoints = []time.Duration{100 * time.Millisecond, 1500 * time.Microsecond}
		}
		if rapid.Bool().Draw(t, "cancel?") {
			r.CancelAt = time.Duration(rapid.Int64Range(1, 1<<40).Draw(t, "cancel at"))
			r.Externalized = rapid.SampledFrom([]sim.Externalized{sim.NoExternalized, sim.RetainOnCancellation, sim.DeleteOnCancellation}).Draw(t, "externalized")
		}
		if len(cfg.Faults) == 0 || rapid.Bool().Draw(t, "keep generated recovery?") {
			cfg.Recovery = r
		}
	}
	for i := range cfg.Faults {
		f := &cfg.Faults[i]
		if !rapid.Bool().Draw(t, "odd fault?") {
			continue
		}
		switch f.Kind {
		case sim.Slow, sim.SlowUpload:
			f.Factor = rapid.SampledFrom([]float64{0.25, 1.5, 1e-9, 12345.678, sim.MaxFactor}).Draw(t, "factor")
		case sim.Partition:
			f.Until = 0 // never heals
		case sim.Crash, sim.RandomCrashes:
			f.MachineLost = !f.MachineLost
		case sim.DelaySpike:
			f.Delay = time.Duration(rapid.Int64Range(1, int64(sim.Horizon)).Draw(t, "spike ns"))
		}
	}
	if rapid.Bool().Draw(t, "odd knobs?") {
		cfg.Checkpoint.StorageBandwidth = rapid.Int64Range(1, sim.MaxBandwidth).Draw(t, "bandwidth")
		cfg.Checkpoint.SyncDuration = time.Duration(rapid.Int64Range(0, int64(sim.Horizon)).Draw(t, "sync ns"))
		cfg.MaxEvents = rapid.Int64Range(0, sim.MaxEventBudget).Draw(t, "max events")
		cfg.Seed = rapid.Uint64().Draw(t, "seed")
		if cfg.Until > 0 {
			cfg.Until = time.Duration(rapid.Int64Range(1, int64(sim.Horizon)).Draw(t, "until ns"))
		}
	}
}

// TestMarshalRoundTrip: every generated config, written and parsed back,
// is the identical sim.Config, with the name and description given.
func TestMarshalRoundTrip(t *testing.T) {
	names := rapid.OneOf(rapid.StringMatching(`[a-z][a-z0-9_-]{0,15}`),
		rapid.SampledFrom([]string{"null", "~", "yes", "no", "1", "0x10", "- a", "a: b", "#x", "'q'", `"dq"`, "ünï", " padded "}))
	descriptions := rapid.OneOf(rapid.Just(""), rapid.StringMatching(`[ -~\n]{0,80}`), rapid.String())
	rapid.Check(t, func(t *rapid.T) {
		cfg := check.Configs(check.DefaultBounds()).Draw(t, "config")
		perturb(t, &cfg)
		require.NoError(t, cfg.Validate())
		name := names.Draw(t, "name")
		desc := descriptions.Draw(t, "description")
		data, err := scenarios.Marshal(cfg, name, desc)
		require.NoError(t, err)
		sc, err := scenarios.Parse("m.yaml", data)
		require.NoError(t, err, "%s", data)
		cfg.Name = name
		require.Equal(t, cfg, sc.Config, "%s", data)
		require.Equal(t, name, sc.Name)
		require.Equal(t, desc, sc.Description, "%s", data)
	})
}

// TestMarshalSameTrace: a scenario of a check sweep, written and parsed
// back, runs to the identical JSONL trace (equal TraceHasher sums).
func TestMarshalSameTrace(t *testing.T) {
	runs := uint64(60)
	if testing.Short() {
		runs = 15
	}
	b := check.DefaultBounds()
	withFaults := 0
	for seed := uint64(1); seed <= runs; seed++ {
		cfg := check.Scenario(b, seed)
		if len(cfg.Faults) > 0 {
			withFaults++
		}
		data, err := scenarios.Marshal(cfg, cfg.Name, "seed scenario")
		require.NoError(t, err)
		sc, err := scenarios.Parse("m.yaml", data)
		require.NoError(t, err, "%s", data)
		require.Equal(t, cfg, sc.Config)
		h1, r1 := traceHash(t, cfg)
		h2, r2 := traceHash(t, sc.Config)
		require.Equal(t, h1, h2, "seed %d: trace hashes differ\n%s", seed, data)
		require.Equal(t, r1, r2)
	}
	require.Greater(t, withFaults, int(runs)/5, "too few scenarios with faults")
}

// TestMarshalSameTraceFaults: scenarios with a fault schedule in every
// run, bounded so that the job drains and recovers, written and parsed
// back, run to the identical trace.
func TestMarshalSameTraceFaults(t *testing.T) {
	runs := uint64(60)
	if testing.Short() {
		runs = 15
	}
	b := check.DefaultBounds()
	b.Faults.Min, b.Bounded, b.Savepoints.Min = 1, check.Always, 1
	failovers := 0
	for seed := uint64(1); seed <= runs; seed++ {
		cfg := check.Scenario(b, seed)
		require.NotEmpty(t, cfg.Faults)
		data, err := scenarios.Marshal(cfg, cfg.Name, "")
		require.NoError(t, err)
		sc, err := scenarios.Parse("m.yaml", data)
		require.NoError(t, err, "%s", data)
		require.Equal(t, cfg, sc.Config)
		h1, r1 := traceHash(t, cfg)
		h2, r2 := traceHash(t, sc.Config)
		require.Equal(t, h1, h2, "seed %d: trace hashes differ\n%s", seed, data)
		require.Equal(t, r1, r2)
		if len(r1.Failovers) > 0 {
			failovers++
		}
	}
	require.Greater(t, failovers, int(runs)/4, "too few runs failed over")
}
