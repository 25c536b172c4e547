package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestConformance runs the scripted barrier-handler cases in
// testdata/conformance through the engine: each case's .want lines are
// the ScriptLog of its scenario. The want files are written by hand from
// Flink's behaviour (see docs/flink-semantics.md); they are never
// regenerated from the simulator. sim/protocol runs the same cases against
// its state machines without the engine.
func TestConformance(t *testing.T) {
	cases, err := LoadConformance("../testdata/conformance")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 7, "the seven shared conformance cases")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s, err := sim.New(c.Scenario.Config)
			require.NoError(t, err)
			res := s.Run()
			assert.Equal(t, c.Want, s.ScriptLog())
			for _, inv := range res.Invariants {
				assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
			}
		})
	}
}
