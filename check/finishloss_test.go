package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// TestUncommittedAtFinish: under Flink 1.14's rules an exactly-once sink
// drops the transactions it holds when it finishes, so a bounded job
// loses the records written after the sink's last completed checkpoint.
// no-loss, end-to-end and bounded-drain count exactly that as Flink's
// behaviour; a loss beyond those transactions, or a duplicate where
// duplicates count, stays a failure; since 1.15 the job loses nothing.
func TestUncommittedAtFinish(t *testing.T) {
	sc, err := scenarios.Load("../testdata/regression/uncommitted-at-finish.yaml")
	require.NoError(t, err)
	props := []Property{NoLoss, EndToEnd, BoundedDrain}
	run, verdicts, err := Evaluate(sc.Config, props...)
	require.NoError(t, err)
	sum := run.Result.Summary
	require.Positive(t, sum.Lost)
	require.Equal(t, sum.Lost, sum.LostAtFinish)
	for _, v := range verdicts {
		assert.Equal(t, Flink, v.Status, "%s: %s", v.Property, v.Detail)
		assert.Contains(t, v.Detail, UncommittedAtFinish)
	}
	for _, tc := range []struct {
		name string
		edit func(*sim.Summary)
		want map[string]Status
	}{
		{"a record lost besides", func(s *sim.Summary) { s.Lost++ },
			map[string]Status{"no-loss": Fail, "end-to-end": Fail, "bounded-drain": Fail}},
		{"a record written twice", func(s *sim.Summary) { s.Duplicates++ },
			map[string]Status{"no-loss": Flink, "end-to-end": Fail, "bounded-drain": Fail}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, res := *run, *run.Result
			r.Result = &res
			tc.edit(&res.Summary)
			for _, p := range props {
				v := judge(&r, p)
				assert.Equal(t, tc.want[p.Name], v.Status, "%s: %s", p.Name, v.Detail)
			}
		})
	}
	t.Run("since 1.15", func(t *testing.T) {
		cfg := sc.Config
		cfg.FlinkVersion = sim.FlinkVersion{Major: 1, Minor: 15}
		run, verdicts, err := Evaluate(cfg, props...)
		require.NoError(t, err)
		assert.Zero(t, run.Result.Summary.Lost)
		for _, v := range verdicts {
			assert.Equal(t, Pass, v.Status, "%s: %s", v.Property, v.Detail)
		}
	})
}
