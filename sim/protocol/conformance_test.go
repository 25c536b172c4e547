package protocol_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// TestConformance runs the barrier-handler cases of testdata/conformance
// against the protocol implementations directly, with scriptRun as their
// executor instead of the engine: each case's .want lines must come out
// of the handler its checkpoint mode selects.
func TestConformance(t *testing.T) {
	cases, err := scenarios.LoadConformance("../../testdata/conformance")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 12)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sc := c.Scenario.Config.Script
			p, unaligned := forMode(c.Scenario.Config.Checkpoint, protocol.Spec{Inputs: sc.Channels, Outputs: 1})
			assert.Equal(t, c.Want, newScriptRun(p, sc).run(unaligned))
		})
	}
}
