package check

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// failsOver is a stand-in for a property violated by recoveries: the job
// failed over and still finished.
func failsOver(c sim.Config) bool {
	r, err := Simulate(c)
	return err == nil && len(r.Result.Failovers) > 0 && r.Drained()
}

// firstSeed returns the first seed from 1 whose scenario within b fails.
func firstSeed(t *testing.T, b Bounds, fails func(sim.Config) bool) sim.Config {
	t.Helper()
	for seed := uint64(1); seed <= 200; seed++ {
		if cfg := Scenario(b, seed); fails(cfg) {
			return cfg
		}
	}
	t.Fatal("no failing seed")
	return sim.Config{}
}

// TestShrinkFaults: a scenario with three faults that fails over shrinks
// to a small job with ONE fault, a crash, and few records; the result
// still fails after a round trip through a scenario file, and shrinking
// is deterministic.
func TestShrinkFaults(t *testing.T) {
	b := DefaultBounds()
	b.Faults, b.Bounded = Range{3, 3}, Always
	b.Sources.Min, b.Sinks.Min, b.Stateless.Min = 2, 2, 1
	cfg := firstSeed(t, b, failsOver)
	small, st := Shrink(cfg, failsOver, 0)
	sz := Size(small)
	t.Logf("%+v shrunk in %d steps (%d runs) to %+v\n%s", Size(cfg), st.Steps, st.Runs, sz, yamlOrError(small))
	assert.Equal(t, 1, sz.Faults)
	assert.Equal(t, sim.Crash, small.Faults[0].Kind)
	assert.LessOrEqual(t, sz.Operators, 2)
	assert.LessOrEqual(t, sz.Subtasks, 2)
	assert.LessOrEqual(t, sz.Records, int64(5))
	require.True(t, failsOver(small))

	data, err := scenarios.Marshal(small, "shrunk", "")
	require.NoError(t, err)
	sc, err := scenarios.Parse("shrunk.yaml", data)
	require.NoError(t, err)
	assert.True(t, failsOver(sc.Config), "%s", data)

	again, st2 := Shrink(cfg, failsOver, 0)
	assert.Equal(t, small, again)
	assert.Equal(t, st, st2)
}

// TestShrinkRandomCrashes: random crashes become one crash, at a time and
// of a subtask where one of them struck.
func TestShrinkRandomCrashes(t *testing.T) {
	b := DefaultBounds()
	b.Faults, b.Bounded, b.FaultKinds = Range{1, 1}, Always, []sim.FaultKind{sim.RandomCrashes}
	cfg := firstSeed(t, b, failsOver)
	require.Equal(t, sim.RandomCrashes, cfg.Faults[0].Kind)
	small, _ := Shrink(cfg, failsOver, 0)
	require.Len(t, small.Faults, 1)
	f := small.Faults[0]
	assert.Equal(t, sim.Crash, f.Kind, "%+v", f)
	assert.Regexp(t, regexp.MustCompile(`^\w+\[\d+\]$`), f.Subtask)
}

// TestShrinkRecovery: the recovery settings move to Flink's defaults
// where the failure allows: no savepoint, no local recovery, region
// failover, the default restart strategy.
func TestShrinkRecovery(t *testing.T) {
	b := DefaultBounds()
	b.Faults, b.Bounded, b.FaultKinds = Range{1, 1}, Always, []sim.FaultKind{sim.Crash}
	b.CrashPhases, b.Savepoints, b.LocalRecovery = []sim.Phase{sim.AtTime}, Range{2, 2}, Always
	b.RestartKinds, b.Failovers = []sim.RestartKind{sim.FixedDelay}, []sim.Failover{sim.FullFailover}
	cfg := firstSeed(t, b, failsOver)
	small, _ := Shrink(cfg, failsOver, 0)
	r := small.Recovery
	assert.Empty(t, r.Savepoints)
	assert.False(t, r.LocalRecovery)
	assert.Equal(t, sim.RegionFailover, r.Failover)
	assert.Equal(t, sim.DefaultRestartStrategy(), r.Restart)
}

// TestRetarget: faults follow their subtasks and channels when the job
// shrinks, and go with them.
func TestRetarget(t *testing.T) {
	src := topology.Operator{Name: "src", Kind: topology.Source, Parallelism: 3, Source: &topology.SourceSpec{Rate: 10, Keys: 1, Records: 5,
		Distribution: topology.Uniform, ZipfS: scenarios.DefaultZipfS, MaxValue: scenarios.DefaultMaxValue, RecordBytes: scenarios.DefaultRecordBytes}}
	cfg := sim.Config{
		Graph: &topology.Graph{
			Operators: []topology.Operator{src,
				{Name: "map1", Kind: topology.Map, Parallelism: 3, Multiply: 1},
				{Name: "sink", Kind: topology.Sink, Parallelism: 3}},
			Edges: []topology.Edge{{From: "src", To: "map1", Partitioning: topology.Forward}, {From: "map1", To: "sink", Partitioning: topology.Rebalance}},
		},
		Channels: sim.DefaultChannelConfig(), Checkpoint: sim.DefaultCheckpointConfig(),
		Faults: []sim.Fault{
			{Kind: sim.Crash, Subtask: "map1[2]", At: time.Millisecond},
			{Kind: sim.Partition, Channel: "src[2]->map1[2]", Until: time.Millisecond},
			{Kind: sim.DelaySpike, Channel: "map1[2]->sink[1]", Delay: time.Millisecond, Until: time.Millisecond},
			{Kind: sim.CorruptCheckpoint, Checkpoint: 1},
		},
	}
	require.True(t, targetsExist(&cfg))

	c := cloneConfig(cfg)
	setParallelism(c.Graph, 1, 1)
	assert.False(t, targetsExist(&c))
	retarget(&c)
	require.True(t, targetsExist(&c))
	assert.Equal(t, "map1[0]", c.Faults[0].Subtask)
	assert.Equal(t, "src[2]->map1[0]", c.Faults[1].Channel)
	assert.Equal(t, "map1[0]->sink[1]", c.Faults[2].Channel)
	assert.Equal(t, cfg.Faults, cloneConfig(cfg).Faults, "the original is untouched")

	c = cloneConfig(cfg)
	require.True(t, bypass(c.Graph, 1))
	retarget(&c)
	require.Len(t, c.Faults, 1, "the faults on map1 and its channels go with it")
	assert.Equal(t, sim.CorruptCheckpoint, c.Faults[0].Kind)
}
