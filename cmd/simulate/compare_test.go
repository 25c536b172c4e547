package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/compare"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// golden compares got with testdata/golden/name, which -update rewrites.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./cmd/simulate -run %s -update", t.Name())
	if !bytes.Equal(want, got) {
		t.Errorf("the output differs from the golden file %s (after checking the change, rewrite it with -update):\n%s", path, got)
	}
}

// sweepArgs is the teaching sweep of the README: tips 1 and 4 of the seed.
var sweepArgs = []string{"sweep", "interval-sweep", "--set", "checkpoint.interval=100ms..1500ms/8", "--set", "checkpoint.min_pause=0s,500ms",
	"--metric", "end_to_end_mean,records_between_checkpoints,throughput"}

// TestCompareGolden: the compare table, its JSON and the sweep's rows and
// plots, against testdata/golden.
func TestCompareGolden(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
		code   int
	}{
		{"compare-modes.txt", []string{"compare", "backpressure", "--mode", "aligned,unaligned,at-least-once"}, 0},
		{"compare-interval.json", []string{"compare", "minimal", "--set", "checkpoint.interval=500ms,2s", "--format", "json", "--until", "5s"}, 0},
		{"compare-duplicates.txt", []string{"compare", "at-least-once-duplicates", "--set", "operators.sink.sink_mode=at-least-once,exactly-once,idempotent",
			"--metric", "completed,restarts,duplicates,lost,throughput"}, 0},
		{"sweep-interval.txt", sweepArgs, 0},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			code, out, errs := runArgs(tt.args...)
			require.Equal(t, tt.code, code, errs)
			golden(t, tt.golden, []byte(out))
		})
	}
}

// TestSweepCSV: --csv writes a row per run with the raw values, whole,
// and refuses to overwrite without --force.
func TestSweepCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sweep.csv")
	code, _, errs := runArgs(append(sweepArgs, "--csv", path)...)
	require.Equal(t, 0, code, errs)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	golden(t, "sweep-interval.csv", got)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	assert.Len(t, lines, 17)
	assert.Equal(t, "checkpoint.interval,checkpoint.min_pause,end_to_end_mean,records_between_checkpoints,throughput,stop", lines[0])

	code, _, errs = runArgs(append(sweepArgs, "--csv", path)...)
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errs, "the file exists; add --force to overwrite it")
	code, _, errs = runArgs(append(sweepArgs, "--csv", path, "--force")...)
	assert.Equal(t, 0, code, errs)
}

// TestCompareSetErrorsReadLikeTheFile: a bad --set value gets the
// message the scenario file gets for it, naming the setting for the
// position, before any run.
func TestCompareSetErrorsReadLikeTheFile(t *testing.T) {
	src, err := scenarios.BundledSource("minimal")
	require.NoError(t, err)
	tests := []struct {
		set, old, new string
	}{
		{"checkpoint.interval=soon", "interval: 1s", "interval: soon"},
		{"checkpoint.mode=fast", "mode: aligned", "mode: fast"},
		{"checkpoint.intervall=1s", "interval: 1s", "intervall: 1s"},
		{"until=-1s", "until: 10s", "until: -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "f.yaml")
			require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(src), tt.old, tt.new, 1)), 0o644))
			code, _, fileErr := runArgs("validate", file)
			require.Equal(t, exitBadUsage, code)
			_, msg, ok := strings.Cut(strings.TrimPrefix(fileErr, "simulate: "+file+":"), ": ")
			require.True(t, ok, fileErr)

			for _, cmd := range []string{"compare", "sweep"} {
				code, out, errs := runArgs(cmd, "minimal", "--set", "checkpoint.interval=1s,"+strings.TrimPrefix(tt.set, "checkpoint.interval="), "--set", tt.set)
				assert.Equal(t, exitBadUsage, code)
				assert.Empty(t, out)
				assert.Equal(t, "simulate: --set "+tt.set+": "+msg, errs)
			}
		})
	}
}

func TestCompareUsage(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"compare", "minimal"}, "compare needs something to vary"},
		{[]string{"sweep", "minimal"}, "sweep needs a key to sweep"},
		{[]string{"compare", "--mode", "aligned,fast"}, `--mode "fast": allowed are aligned, unaligned and at-least-once`},
		{[]string{"compare", "--set", "checkpoint.interval"}, "write KEY=VALUE[,VALUE...] or KEY=LO..HI/N"},
		{[]string{"sweep", "--set", "checkpoint.interval=1s..2s"}, "a range needs its number of values"},
		{[]string{"sweep", "--set", "checkpoint.interval=1s..2s/1"}, "must be a whole number from 2 to 1000"},
		{[]string{"sweep", "--set", "checkpoint.interval=1s..2s/2", "--metric", "speed"}, `--metric "speed": allowed are completed, `},
		{[]string{"compare", "--mode", "aligned", "--format", "yaml"}, `--format "yaml"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := runArgs(tt.args...)
			assert.Equal(t, exitBadUsage, code)
			assert.Contains(t, errs, tt.err)
		})
	}
	for _, cmd := range []string{"compare", "sweep"} {
		code, out, _ := runArgs(cmd, "--help")
		assert.Equal(t, 0, code)
		assert.Contains(t, out, "Usage: simulate "+cmd)
		assert.Contains(t, out, "-set KEY=V1,V2,...")
	}
}

// TestCompareInterrupted: a comparison stopped by its context reports
// the variants so far and exits 130.
func TestCompareInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"compare", "minimal", "--mode", "aligned,unaligned"}, &out, &errb)
	assert.Equal(t, exitInterrupted, code, errb.String())
	assert.Contains(t, out.String(), "INTERRUPTED: 1 of 2 variants ran")
	assert.Contains(t, out.String(), "interrupted")

	path := filepath.Join(t.TempDir(), "s.csv")
	out.Reset()
	code = run(ctx, append(sweepArgs, "--csv", path), &out, &errb)
	assert.Equal(t, exitInterrupted, code, errb.String())
	assert.Contains(t, out.String(), "INTERRUPTED: 1 of 16 runs ran")
	csv, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(csv), "\n"), "the header and the interrupted run")
}

// TestCompareMatchesRun: a variant's figures are those simulate run
// reports for the same scenario, whether the variant comes from --mode
// (run --mode) or from --set (the file edited by hand).
func TestCompareMatchesRun(t *testing.T) {
	src, err := scenarios.BundledSource("minimal")
	require.NoError(t, err)
	edited := filepath.Join(t.TempDir(), "minimal.yaml")
	require.NoError(t, os.WriteFile(edited, []byte(strings.Replace(string(src), "interval: 1s", "interval: 2500ms", 1)), 0o644))
	tests := []struct {
		compare, run []string
	}{
		{[]string{"backpressure", "--mode", "aligned,unaligned"}, []string{"backpressure", "--mode", "unaligned"}},
		{[]string{"minimal", "--set", "checkpoint.interval=1s,2500ms"}, []string{edited}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.compare, " "), func(t *testing.T) {
			code, out, errs := runArgs(append(append([]string{"compare"}, tt.compare...), "--format", "json")...)
			require.Equal(t, 0, code, errs)
			var cmp struct {
				Runs []struct {
					Metrics map[string]float64 `json:"metrics"`
				} `json:"runs"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &cmp))
			code, out, errs = runArgs(append(append([]string{"run"}, tt.run...), "--format", "json")...)
			require.Equal(t, 0, code, errs)
			var rep struct {
				Summary map[string]float64 `json:"summary"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &rep))
			got, want := cmp.Runs[1].Metrics, rep.Summary
			for metric, key := range map[string]string{"completed": "completed", "expired": "expired", "aborted": "aborted",
				"end_to_end_mean": "mean_end_to_end_ns", "end_to_end_max": "max_end_to_end_ns", "alignment_mean": "mean_alignment_ns",
				"alignment_max": "max_alignment_ns", "persisted_in_flight": "persisted_in_flight_bytes",
				"records_between_checkpoints": "records_between_checkpoints", "restarts": "restarts", "duplicates": "duplicates", "lost": "lost"} {
				assert.Equal(t, want[key], got[metric], metric)
			}
			assert.LessOrEqual(t, got["end_to_end_p50"], got["end_to_end_p99"])
			assert.LessOrEqual(t, got["end_to_end_p99"], got["end_to_end_max"])
		})
	}
}

// TestCompareKeepsEveryCheckpoint: the runs of a comparison keep every
// checkpoint, whatever the scenario's history, so that the percentiles
// are over all of them.
func TestCompareKeepsEveryCheckpoint(t *testing.T) {
	sc, err := scenarios.Load("minimal")
	require.NoError(t, err)
	cfg := sc.Config
	cfg.Until, cfg.Checkpoint.History = 30*time.Second, 1
	g := &grid{sc: sc, variants: []compare.Variant{{Label: "history 1"}}, cfgs: []sim.Config{cfg}}
	tab, interrupted, err := g.run(context.Background(), nil, io.Discard)
	require.NoError(t, err)
	require.False(t, interrupted)
	r := tab.Runs[0].Result
	assert.Zero(t, r.History.Evicted)
	assert.Len(t, r.Checkpoints, r.Summary.Completed)
	assert.Equal(t, 30, r.Summary.Completed)
}
