package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
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

// TestReportHistory: a run longer than its checkpoint history lists the
// latest checkpoints, says how many it leaves out and summarises all of
// them, in text and JSON; the summary is the whole run's either way.
func TestReportHistory(t *testing.T) {
	sc, err := scenarios.Load("minimal")
	require.NoError(t, err)
	cfg := sc.Config
	cfg.Until, cfg.Checkpoint.History = 20*time.Second, 3
	path, err := writeScenario(t.TempDir(), "long", cfg, "")
	require.NoError(t, err)
	code, text, errs := runArgs("run", path)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, text, "(17 older checkpoint(s) not listed: the history keeps the latest 3 in full")
	assert.Contains(t, text, "all 20 completed, min / avg / max: end-to-end 9ms / 10.18ms / 10.45ms")
	assert.Contains(t, text, "checkpoints: 20 completed, 0 expired, 0 aborted, 0 in progress")
	assert.Regexp(t, `\n +18 +COMPLETED`, text)
	assert.NotRegexp(t, `\n +17 +COMPLETED`, text)

	code, out, errs := runArgs("run", path, "--format", "json")
	require.Equal(t, 0, code, errs)
	var got jsonResult
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Checkpoints, 3)
	assert.EqualValues(t, 18, got.Checkpoints[0].ID)
	require.NotNil(t, got.History)
	assert.Equal(t, 17, got.History.Evicted)
	assert.EqualValues(t, 20, got.History.EndToEndNs.Count)
	assert.Equal(t, 20, got.Summary.Completed)

	// Within its history a run's report has no such note.
	_, text, _ = runArgs("run", "minimal", "--until", "3s")
	assert.NotContains(t, text, "not listed")
	_, out, _ = runArgs("run", "minimal", "--until", "3s", "--format", "json")
	assert.NotContains(t, out, `"history"`)
}

// TestTokenJobReport: a token job's text report lists each snapshot with
// its token total and its content in the COS 418 format, and the JSON
// report has them as snapshots and token_total.
func TestTokenJobReport(t *testing.T) {
	code, out, errs := runArgs("run", "token-ring")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "4 processes, 5 channels · 40 tokens")
	assert.Contains(t, out, "snapshot 3: completed at 13.98ms, 40 of 40 tokens recorded (16 on channels, 10 messages)\n  3\n  a[0] 12\n")
	assert.Contains(t, out, "ok   token-conservation")
	code, out, errs = runArgs("run", "token-ring", "--format", "json")
	require.Equal(t, 0, code, errs)
	var r struct {
		TokenTotal int64 `json:"token_total"`
		Snapshots  []struct {
			ID        int   `json:"id"`
			Completed bool  `json:"completed"`
			Tokens    int64 `json:"tokens"`
			Processes []struct {
				Process string `json:"process"`
				Tokens  int64  `json:"tokens"`
			} `json:"processes"`
			Messages []struct {
				From, To string
				Tokens   int64
			} `json:"messages"`
		} `json:"snapshots"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, int64(40), r.TokenTotal)
	require.Len(t, r.Snapshots, 3)
	for _, sn := range r.Snapshots {
		assert.True(t, sn.Completed)
		assert.Equal(t, int64(40), sn.Tokens)
		assert.Len(t, sn.Processes, 4)
	}
	assert.Equal(t, "a[0]", r.Snapshots[2].Processes[0].Process)
	assert.Equal(t, int64(12), r.Snapshots[2].Processes[0].Tokens)
}

// TestReportRestoreLoop: a job whose every restart restores an unreadable
// checkpoint, under an exponential-delay strategy that never gives up,
// ends as a restore loop; the text report says why and what to change,
// the JSON names the stop.
func TestReportRestoreLoop(t *testing.T) {
	b, err := os.ReadFile("../../scenarios/bundled/unreadable-checkpoint.yaml")
	require.NoError(t, err)
	yaml, _, ok := strings.Cut(string(b), "\nrestore:")
	require.True(t, ok, "the bundled scenario has a manual restore")
	yaml = strings.Replace(yaml, "restart: {strategy: fixed-delay, attempts: 3, delay: 50ms}", "restart: {strategy: exponential-delay, delay: 50ms}", 1)
	require.Contains(t, yaml, "exponential-delay")
	file := filepath.Join(t.TempDir(), "loop.yaml")
	require.NoError(t, os.WriteFile(file, []byte(yaml), 0o644))

	code, out, errs := runArgs("run", file)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "(restore loop)")
	assert.Contains(t, out, "RESTORE LOOP at virtual time 1.96s: every restart restores checkpoint 6, whose state cannot be read")
	code, out, errs = runArgs("run", file, "--format", "json")
	require.Equal(t, 0, code, errs)
	var got jsonResult
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "restore_loop", got.Stop)
}
