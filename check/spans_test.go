package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ckptsim/ckptsim/sim"
)

// TestRunningSpans: liveness judges each span in which the job runs, from
// its start or the end of a resubmission's restore to a completed stop,
// the next resubmission or the end of the run.
func TestRunningSpans(t *testing.T) {
	ms := func(n int64) int64 { return n * int64(time.Millisecond) }
	cfg := &sim.Config{Until: time.Second}
	for _, tc := range []struct {
		name string
		res  sim.Result
		want [][2]int64
	}{
		{"no stop, no restore", sim.Result{}, [][2]int64{{0, ms(1000)}}},
		{"a stop without restore", sim.Result{StopWithSavepoint: &sim.StopStats{At: ms(300), Savepoint: 4}},
			[][2]int64{{0, ms(300)}}},
		{"a failed stop: the job goes on", sim.Result{StopWithSavepoint: &sim.StopStats{At: ms(300), Failed: "expired"}},
			[][2]int64{{0, ms(1000)}}},
		{"a stop and a restore of its savepoint",
			sim.Result{StopWithSavepoint: &sim.StopStats{At: ms(300), Savepoint: 4},
				Resubmissions: []sim.ResubmissionStats{{At: ms(500), Execution: 1, RestoredAt: ms(520)}}},
			[][2]int64{{0, ms(300)}, {ms(520), ms(1000)}}},
		{"a restore of a running job, then another",
			sim.Result{Resubmissions: []sim.ResubmissionStats{{At: ms(400), Execution: 1, RestoredAt: ms(410)}, {At: ms(700), Execution: 2, RestoredAt: ms(750)}}},
			[][2]int64{{0, ms(400)}, {ms(410), ms(700)}, {ms(750), ms(1000)}}},
		{"a refused restore leaves the job cancelled",
			sim.Result{Resubmissions: []sim.ResubmissionStats{{At: ms(400), Refused: "no savepoint was taken"}}},
			[][2]int64{{0, ms(400)}}},
		{"a restore still restoring at the end",
			sim.Result{Resubmissions: []sim.ResubmissionStats{{At: ms(900), Execution: 1}}},
			[][2]int64{{0, ms(900)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [][2]int64
			for _, sp := range runningSpans(cfg, &tc.res) {
				got = append(got, [2]int64{sp.from, sp.to})
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
