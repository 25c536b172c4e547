package compare

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ckptsim/ckptsim/sim"
)

// result is a run with completed checkpoints of these end-to-end
// durations (ns) and one expired.
func result(durations ...int64) *sim.Result {
	r := &sim.Result{VirtualEnd: 2e9, Summary: sim.Summary{RecordsOut: 3000}}
	for i, d := range durations {
		r.Checkpoints = append(r.Checkpoints, sim.CheckpointStats{ID: int64(i + 1), Status: sim.Completed, TriggerAt: 100, EndAt: 100 + d,
			StateBytes: int64(10 * (i + 1)), Subtasks: []sim.SubtaskStats{{FirstBarrierAt: 1, StartDelay: d / 2}, {FirstBarrierAt: -1, StartDelay: 1e12}}})
	}
	r.Checkpoints = append(r.Checkpoints, sim.CheckpointStats{ID: 99, Status: sim.Expired, TriggerAt: 1, EndAt: 1e12})
	return r
}

func TestMetrics(t *testing.T) {
	r := result(40, 10, 30, 20)
	tests := []struct {
		key  string
		want float64
	}{
		{"end_to_end_p50", 20},
		{"end_to_end_p99", 40},
		{"start_delay_mean", 12}, // (20+5+15+10)/4, rounded down
		{"start_delay_max", 20},  // a subtask without a barrier does not count
		{"state_size", 40},
		{"throughput", 1500},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			m, ok := MetricByKey(tt.key)
			assert.True(t, ok)
			assert.InDelta(t, tt.want, m.Value(r), 0)
		})
	}
	m, _ := MetricByKey("end_to_end_p99")
	assert.Zero(t, m.Value(&sim.Result{}), "no completed checkpoint")
	_, ok := MetricByKey("nope")
	assert.False(t, ok)
}

func TestCellsMarkDifferences(t *testing.T) {
	tb := &Table{Runs: []Run{{Result: result(100)}, {Result: result(105)}, {Result: result(200)}}}
	m, _ := MetricByKey("end_to_end_p50")
	cells := tb.Cells(m)
	assert.Equal(t, []Mark{Same, Same, Differs}, []Mark{cells[0].Mark, cells[1].Mark, cells[2].Mark})
	tb.Runs[1].Result.Summary.Duplicates = 3
	dup, _ := MetricByKey("duplicates")
	cells = tb.Cells(dup)
	assert.Equal(t, []Mark{Same, Wrong, Same}, []Mark{cells[0].Mark, cells[1].Mark, cells[2].Mark})
}
