package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportFigures runs bundled scenarios in the three exactly-once modes
// and checks the figures of Flink's checkpoint history in the JSON and the
// text report: alignment first to last barrier in every mode (so unaligned
// checkpoints under backpressure align for a few milliseconds too), the
// processed data summed over the subtasks, and the checkpointed size
// beside the full size.
func TestReportFigures(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"aligned", []string{"run", "alignment", "--until", "3s"}},
		{"unaligned", []string{"run", "backpressure", "--mode", "unaligned", "--until", "3s"}},
		{"aligned-timeout", []string{"run", "backpressure", "--mode", "unaligned", "--aligned-timeout", "100ms", "--until", "3s"}},
		{"at-least-once", []string{"run", "alignment", "--mode", "at-least-once", "--until", "3s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runArgs(append(tc.args, "--format", "json")...)
			require.Contains(t, []int{0, 1}, code, errs)
			var got jsonResult
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			completed := 0
			for _, c := range got.Checkpoints {
				if c.Status != "COMPLETED" {
					continue
				}
				completed++
				assert.Positive(t, c.StateBytes)
				assert.Equal(t, c.StateBytes, c.CheckpointedBytes, "checkpoint %d: every snapshot is full", c.ID)
				assert.Positive(t, c.MaxAlignmentNs, "checkpoint %d: alignment is first to last barrier in every mode", c.ID)
				assert.Positive(t, c.ProcessedInFlightBytes, "checkpoint %d: records are processed during the alignment", c.ID)
				var processed, checkpointed, maxAlign int64
				for _, st := range c.Subtasks {
					processed += st.ProcessedInFlightBytes
					checkpointed += st.CheckpointedBytes
					maxAlign = max(maxAlign, st.AlignmentNs)
				}
				assert.Equal(t, c.ProcessedInFlightBytes, processed, "checkpoint %d", c.ID)
				assert.Equal(t, c.CheckpointedBytes, checkpointed, "checkpoint %d", c.ID)
				assert.Equal(t, c.MaxAlignmentNs, maxAlign, "checkpoint %d", c.ID)
			}
			require.Positive(t, completed)
			_, text, _ := runArgs(tc.args...)
			assert.Contains(t, text, "CHECKPOINTED  FULL SIZE  MAX ALIGNMENT  PROCESSED (PERSISTED)")
		})
	}
}
