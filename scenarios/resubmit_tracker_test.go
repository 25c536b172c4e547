package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestResubmitAtLeastOnce: a job resubmitted from an older checkpoint
// numbers its checkpoints from the restored one on (CheckpointCoordinator.
// restoreSavepoint sets the counter to its id + 1), and its redeployed
// subtasks have fresh CheckpointBarrierTrackers. unreadable-checkpoint in
// at-least-once mode resubmits from checkpoint 5 after 6 proved
// unreadable: the new 6 completes. The trackers used to keep the old
// execution's latest id, ignored the new 6's barriers and let it expire
// after ten minutes (found by sim/protocol's TestEngineAgrees).
func TestResubmitAtLeastOnce(t *testing.T) {
	sc, err := Load("unreadable-checkpoint")
	require.NoError(t, err)
	sc.Config.Checkpoint.Mode = sim.AtLeastOnce
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	res := s.Run()
	assert.Equal(t, 0, res.Summary.Expired)
	assert.Equal(t, 7, res.Summary.Completed)
}
