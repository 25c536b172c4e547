package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// silent never acknowledges: every snapshot is stuck.
type silent struct{}

func (silent) Step(protocol.Input) protocol.Ready { return protocol.Ready{} }

func TestTokenSweep(t *testing.T) {
	assert.Nil(t, TokenSweep(TokenOptions{Runs: 2000}), "Chandy-Lamport conserves the tokens on every system")
	c := TokenSweep(TokenOptions{Runs: 50, Protocol: func(protocol.Spec) protocol.Protocol { return silent{} }})
	require.NotNil(t, c)
	assert.ErrorIs(t, c.Err, errStuck)
	assert.Len(t, c.Topology.Processes, 1, "shrunk to one process")
	assert.Len(t, c.Events, 1, "and its snapshot")
}

func TestTokenSystemIsDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		top1, ev1 := TokenSystem(seed)
		top2, ev2 := TokenSystem(seed)
		assert.Equal(t, top1, top2)
		assert.Equal(t, ev1, ev2)
	}
}

// TestTokenSweepEngine: the same systems on the engine's mode
// chandy-lamport: Chandy-Lamport conserves the tokens on every one, and a
// protocol that never completes is shrunk to one process and its
// snapshot.
func TestTokenSweepEngine(t *testing.T) {
	assert.Nil(t, TokenSweep(TokenOptions{Runs: 500, Engine: true}), "Chandy-Lamport conserves the tokens on every system")
	c := TokenSweep(TokenOptions{Runs: 50, Engine: true, Protocol: func(protocol.Spec) protocol.Protocol { return silent{} }})
	require.NotNil(t, c)
	assert.ErrorIs(t, c.Err, errStuck)
	assert.Len(t, c.Topology.Processes, 1, "shrunk to one process")
	assert.Len(t, c.Events, 1, "and its snapshot")
	assert.Contains(t, c.String(), "on the engine: stuck: snapshot 1 did not complete")
}
