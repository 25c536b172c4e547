package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestRetentionOnTerminalStates: what is left in checkpoint storage when
// the job ends, for every terminal state and externalized checkpoint
// retention (CheckpointProperties' discardOnJob* flags). Savepoints are
// the user's and always stay.
func TestRetentionOnTerminalStates(t *testing.T) {
	ends := map[JobStatus]func(cfg *Config){
		JobFinished: func(cfg *Config) {},
		JobCanceled: func(cfg *Config) { cfg.Recovery.CancelAt = 900 * time.Millisecond },
		JobFailed: func(cfg *Config) {
			cfg.Recovery.Restart = RestartStrategy{Kind: NoRestart}
			cfg.Faults = []Fault{crashAt("count[0]", 900*time.Millisecond)}
		},
	}
	cases := []struct {
		ext  Externalized
		kept map[JobStatus]bool
	}{
		{NoExternalized, map[JobStatus]bool{}},
		{DeleteOnCancellation, map[JobStatus]bool{JobFailed: true}},
		{RetainOnCancellation, map[JobStatus]bool{JobFailed: true, JobCanceled: true}},
	}
	for _, c := range cases {
		for _, status := range []JobStatus{JobFinished, JobCanceled, JobFailed} {
			t.Run(fmt.Sprintf("%s/%s", c.ext, status), func(t *testing.T) {
				cfg := bounded(1500, topology.TwoPhaseCommitSink)
				cfg.Checkpoint.NumRetained = 2
				cfg.Recovery.Externalized = c.ext
				cfg.Recovery.Savepoints = []time.Duration{450 * time.Millisecond}
				ends[status](&cfg)
				r := newSim(t, cfg).Run()
				require.Equal(t, status, r.Job)
				sp := savepointIDs(r)
				require.Len(t, sp, 1)
				var checkpoints []int64
				for _, id := range r.Retained {
					if !r.Checkpoints[id-1].Savepoint {
						checkpoints = append(checkpoints, id)
					}
				}
				assert.Contains(t, r.Retained, sp[0], "a savepoint is never deleted")
				if c.kept[status] {
					assert.Len(t, checkpoints, 2, "the %d retained checkpoints stay", cfg.Checkpoint.NumRetained)
				} else {
					assert.Empty(t, checkpoints, "the retained checkpoints are deleted")
				}
			})
		}
	}
}
