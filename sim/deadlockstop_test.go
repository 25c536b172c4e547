package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStuckWithoutDeadlockRunsOn: a job that no record moves through any
// more while its checkpoints keep failing does not end as Deadlocked unless
// the deadlock analysis finds the cycle: here the partitions that block it
// are the user's faults, which a run shows to its end (check's
// TestForcedAlignmentDeadlockStops has the stop).
func TestStuckWithoutDeadlockRunsOn(t *testing.T) {
	cfg := pipeline()
	cfg.Until = time.Minute
	cfg.Checkpoint.Timeout = time.Second
	cfg.Recovery = recoveryWith(fixedDelay(10, 50*time.Millisecond))
	cfg.Faults = []Fault{
		{Kind: Partition, Channel: "src[0]->count[1]", At: 200 * time.Millisecond},
		{Kind: Partition, Channel: "src[1]->count[1]", At: 200 * time.Millisecond},
	}
	r := newSim(t, cfg).Run()
	require.Equal(t, EndTime, r.Stop)
	assert.Nil(t, r.Deadlock)
	assert.Greater(t, r.Summary.Expired, 20, "checkpoint after checkpoint failed")
	s := newSim(t, cfg)
	for s.Now() < int64(30*time.Second) && s.Step() {
	}
	in := s.Result().Summary.RecordsIn
	s.Run()
	assert.Equal(t, in, s.Result().Summary.RecordsIn, "no record moved in the second half")
}
