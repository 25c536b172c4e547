package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/check"
)

// TestCheckShardsMerge: the JSON reports of three shards merge into the
// totals of one sweep over the whole seed range, with the counterexamples
// every shard wrote.
func TestCheckShardsMerge(t *testing.T) {
	dir := t.TempDir()
	sweep := []string{"check", "--property", "at-least-once-is-exactly-once", "--runs", "30", "--seed", "1", "--format", "json", "--shrink-runs", "40"}
	report := func(out string, extra ...string) (string, check.Summary) {
		code, stdout, stderr := runArgs(append(append(sweep, "--out", filepath.Join(dir, out)), extra...)...)
		require.Equal(t, 1, code, "the negative property is refuted\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		var s check.Summary
		require.NoError(t, json.Unmarshal([]byte(stdout), &s), stdout)
		path := filepath.Join(dir, out+".json")
		require.NoError(t, os.WriteFile(path, []byte(stdout), 0o644))
		return path, s
	}
	_, whole := report("whole")
	require.Len(t, whole.Counterexamples, 1)
	assert.Contains(t, whole.Counterexamples[0].Scenario, "mode: at-least-once")
	var files []string
	for _, k := range []string{"2/3", "0/3", "1/3"} {
		path, s := report("shard"+k[:1], "--shard", k)
		assert.Equal(t, 3, s.Sweep.Shards)
		files = append(files, path)
	}

	code, stdout, stderr := runArgs(append([]string{"check", "merge", "--format", "json", "--out", filepath.Join(dir, "collected")}, files...)...)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	var merged check.Summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &merged))
	assert.Empty(t, merged.Missing())
	for _, s := range []*check.Summary{&whole, &merged} {
		s.Sweep.Shards, s.Seconds, s.WorkerSeconds = 0, 0, 0
	}
	collected := merged.Counterexamples
	whole.Counterexamples, merged.Counterexamples = nil, nil
	assert.Equal(t, whole, merged, "the same totals as one sweep over the whole range")
	require.NotEmpty(t, collected)
	for _, c := range collected {
		data, err := os.ReadFile(c.File)
		require.NoError(t, err, "merge --out wrote every shard's counterexample")
		assert.Equal(t, c.Scenario, string(data))
	}

	code, stdout, _ = runArgs(append([]string{"check", "merge"}, files...)...)
	assert.Equal(t, 1, code)
	for _, want := range []string{"3 report(s) of the sweep of seeds 1..30 in 3 shards, flags --property at-least-once-is-exactly-once",
		"30 runs:", "REFUTED (as expected: a negative property) at-least-once-is-exactly-once", "failing seeds:", "counterexample of seed"} {
		assert.Contains(t, stdout, want)
	}

	code, stdout, _ = runArgs("check", "merge", files[0], files[1])
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "INCOMPLETE: no report covers seeds 11..20")
}

func TestCheckShardErrors(t *testing.T) {
	dir := t.TempDir()
	notReport := filepath.Join(dir, "x.json")
	require.NoError(t, os.WriteFile(notReport, []byte(`{"runs": 3, "colour": 1}`), 0o644))
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"check", "--shard", "3/3"}, `--shard "3/3": want K/N with N >= 1 and K in 0..N-1`},
		{[]string{"check", "--shard", "x"}, `--shard "x": want K/N`},
		{[]string{"check", "--runs", "2", "--shard", "0/3"}, "--shard 0/3 of 2 runs is empty"},
		{[]string{"check", "--format", "yaml"}, `--format "yaml": allowed are text, json`},
		{[]string{"check", "merge"}, "needs the reports to merge"},
		{[]string{"check", "merge", notReport}, notReport + `: not a simulate check report (json: unknown field "colour")`},
	} {
		code, _, stderr := runArgs(tc.args...)
		assert.Equal(t, 2, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.err, "%v", tc.args)
	}
}
