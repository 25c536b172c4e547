package compare

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// sweep runs every variant of the axes on the bundled scenario name.
func sweep(t *testing.T, name string, axes ...Axis) *Table {
	t.Helper()
	sc, err := scenarios.Load(name)
	require.NoError(t, err)
	vs, err := Grid(axes)
	require.NoError(t, err)
	tb := &Table{Scenario: sc.Name, Seed: sc.Config.Seed, Axes: axes, Variants: len(vs)}
	for _, v := range vs {
		cfg, err := v.Config(sc)
		require.NoError(t, err)
		s, err := sim.New(cfg)
		require.NoError(t, err)
		tb.Runs = append(tb.Runs, Run{Variant: v, Result: s.Run()})
	}
	return tb
}

// TestIntervalSweepTeachesTipsOneAndFour: the README's sweep. Without a
// pause the interval falls below the checkpoints' ~700ms duration between
// 300ms and 900ms, and below it the job reads almost nothing between
// checkpoints; a 500ms min pause keeps about 1000 records of work between
// checkpoints at every interval.
func TestIntervalSweepTeachesTipsOneAndFour(t *testing.T) {
	interval, _ := ParseSet("checkpoint.interval=100ms..1500ms/8")
	pause, _ := ParseSet("checkpoint.min_pause=0s,500ms")
	tb := sweep(t, "interval-sweep", interval, pause)
	cs := tb.Crossings()
	require.Len(t, cs, 2)
	assert.Equal(t, "min_pause=0s", cs[0].Series)
	assert.Greater(t, cs[0].Interval, 300e6)
	assert.Less(t, cs[0].Interval, 900e6)

	between, _ := MetricByKey("records_between_checkpoints")
	series := tb.Series()
	require.Len(t, series, 2)
	noPause, withPause := series[0].Runs, series[1].Runs
	assert.Less(t, between.Value(noPause[0].Result), 10.0)
	for _, r := range withPause {
		assert.GreaterOrEqual(t, between.Value(r.Result), 900.0, r.Variant.Label)
	}
}
