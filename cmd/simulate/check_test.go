package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/sim"
)

// TestCheckSweep: a sweep of random scenarios passes every property,
// prints the table and the throughput, and shows progress on stderr.
func TestCheckSweep(t *testing.T) {
	code, out, errs := runArgs("check", "--runs", "40", "--seed", "7", "--workers", "2", "--out", t.TempDir())
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	for _, want := range []string{"seeds 7..46", "faults: about half of the runs, 1..3", "PROPERTY", "consistent-cut", "snapshot-state",
		"exactly-once-state", "end-to-end", "no-loss", "determinism", "liveness", "bounded-drain", "runs/s", "events simulated", "OK"} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, `40 runs: [1-9]\d* with faults, [1-9]\d* failed over, [1-9]\d* restored manually \([1-9]\d* rescaled\), [1-9]\d* drained`, out)
	assert.NotContains(t, out, "at-least-once-is-exactly-once")
	assert.Contains(t, errs, "40/40 runs")
}

// TestCheckFaults: --faults none keeps every run fault-free, --faults
// always gives each a schedule of at most --max-faults faults; a property
// about recoveries alone generates bounded runs with faults in every run,
// and an explicit --faults overrides that.
func TestCheckFaults(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--faults", "none"}, []string{"faults: none", "20 runs: 0 with faults, 0 failed over"}},
		{[]string{"--faults", "always", "--max-faults", "1"}, []string{"faults: every run, 1..1", "20 runs: 20 with faults"}},
		{[]string{"--property", "end-to-end"}, []string{"faults: every run, 1..3", "20 runs: 20 with faults", "end-to-end"}},
		{[]string{"--property", "no-loss", "--faults", "none", "--restores", "none"}, []string{"faults: none", "20 runs: 0 with faults, 0 failed over, 0 restored manually (0 rescaled), 20 drained"}},
		{[]string{"--property", "exactly-once-state", "--restores", "always"}, []string{"restores: every run", "exactly-once-state"}},
		{[]string{"--property", "liveness"}, []string{"faults: none"}},
		{[]string{"--flink-version", "1.14", "--property", "no-loss"}, []string{"mode all, Flink 1.14,", "no-loss: 9 of the skipped runs violate it as Flink does (9 uncommitted at finish: see docs/flink-semantics.md)"}},
		{[]string{"--flink-version", "1.14, 2.1"}, []string{"mode all, Flink 1.14, 2.1,"}},
		{[]string{"--taskmanagers", "always", "--faults", "always"}, []string{"mode all, shared TaskManagers in every run, faults"}},
		{[]string{"--taskmanagers", "some"}, []string{"shared TaskManagers in half of the runs"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"check", "--runs", "20", "--seed", "3", "--out", dir}, tc.args...)
			code, out, errs := runArgs(args...)
			require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
		})
	}
}

// TestCheckFileWithFaults: a generated scenario with faults, written as a
// scenario file, is judged by the properties about recoveries.
func TestCheckFileWithFaults(t *testing.T) {
	b := check.DefaultBounds()
	check.NoLoss.Focus(&b)
	var cfg sim.Config
	for seed := uint64(1); ; seed++ {
		cfg = check.Scenario(b, seed)
		run, vs, err := check.Evaluate(cfg, check.NoLoss)
		require.NoError(t, err)
		if vs[0].Status == check.Pass && len(run.Result.Failovers) > 0 {
			break
		}
	}
	path, err := writeScenario(t.TempDir(), "faulty", cfg, "")
	require.NoError(t, err)
	code, out, errs := runArgs("check", path)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Regexp(t, `pass no-loss`, out)
	code, out, _ = runArgs("run", path)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Failovers:")
}

// timing removes the lines that depend on wall time or the worker count.
var timing = regexp.MustCompile(`(?m)^(\d+ runs, \d+ events simulated) in .*$|, \d+ worker\(s\)`)

// TestCheckWorkersIndependent: the output is the same for one and two
// workers, but for timing.
func TestCheckWorkersIndependent(t *testing.T) {
	outs := make([]string, 2)
	for i, k := range []string{"1", "2"} {
		dir := t.TempDir()
		code, out, errs := runArgs("check", "--runs", "30", "--seed", "100", "--workers", k, "--property", "at-least-once-is-exactly-once", "--out", dir)
		require.Equal(t, 1, code, errs)
		outs[i] = timing.ReplaceAllString(strings.ReplaceAll(out, dir, "DIR"), "$1")
	}
	assert.Equal(t, outs[0], outs[1])
}

// TestCheckRefutesNegative: checking the negative property fails with
// exit code 1, writes the shrunk counterexample (never overwriting a
// file), and the file replays: simulate run shows the records from after
// the cut, simulate check FILE fails again.
func TestCheckRefutesNegative(t *testing.T) {
	dir := t.TempDir()
	args := []string{"check", "--runs", "30", "--property", "at-least-once-is-exactly-once", "--out", dir}
	code, out, errs := runArgs(args...)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "REFUTED")
	m := regexp.MustCompile(`wrote (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	path := m[1]
	assert.Contains(t, out, "replay: simulate run "+path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "mode: at-least-once")
	assert.Contains(t, string(data), "Found by simulate check at seed")

	code, runOut, errs := runArgs("run", path)
	require.Equal(t, 0, code, errs)
	assert.Regexp(t, `[1-9]\d* record\(s\) from after a cut are in snapshots`, runOut)

	code, chkOut, _ := runArgs("check", "--property", "at-least-once-is-exactly-once", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, chkOut, "FAIL at-least-once-is-exactly-once")
	code, chkOut, _ = runArgs("check", path)
	assert.Equal(t, 0, code, chkOut)

	// A second sweep writes a second file.
	code, out2, _ := runArgs(args...)
	require.Equal(t, 1, code)
	m2 := regexp.MustCompile(`wrote (\S+)`).FindStringSubmatch(out2)
	require.NotNil(t, m2)
	assert.NotEqual(t, path, m2[1])
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, again)
	written, err := os.ReadFile(m2[1])
	require.NoError(t, err)
	assert.Equal(t, data, written, "the same sweep shrinks to the same scenario")
}

// TestCheckBadInput: bad flags are exit code 2.
func TestCheckBadInput(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"check", "--mode", "exactly-once"}, "allowed are aligned, unaligned and at-least-once"},
		{[]string{"check", "--property", "safety"}, "allowed are consistent-cut"},
		{[]string{"check", "--runs", "0"}, "--runs must be at least 1"},
		{[]string{"check", "--workers", "0"}, "--workers must be at least 1"},
		{[]string{"check", "--seed", "-1"}, "seed"},
		{[]string{"check", "--faults", "often"}, "allowed are none, some, always"},
		{[]string{"check", "--max-faults", "0"}, "--max-faults must be 1..1000"},
		{[]string{"check", "--taskmanagers", "many"}, "--taskmanagers \"many\": allowed are none, some, always"},
		{[]string{"check", "--flink-version", "1.13"}, "--flink-version: Flink version 1.13 is not modelled (allowed: 1.14"},
		{[]string{"check", "--flink-version", "1.14,"}, "--flink-version: Flink version \"\": expected major.minor"},
		{[]string{"check", "no-such-scenario"}, "no-such-scenario"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := runArgs(tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errs, tc.err)
		})
	}
	code, out, _ := runArgs("check", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "NEGATIVE")
	for _, want := range []string{"exactly-once-state", "end-to-end", "no-loss", "-faults", "-max-faults", "--faults none"} {
		assert.Contains(t, out, want)
	}
	code, out, _ = runArgs("check", "minimal", "--mode", "aligned")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "pass consistent-cut")
}
