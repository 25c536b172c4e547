package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
)

// expectScenario is a small job whose checkpoints complete, with the
// expectations given.
func expectScenario(t *testing.T, expect string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "e.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`name: e
until: 3s
operators:
  - {name: src, kind: source}
  - {name: count, kind: aggregate, parallelism: 2}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: rebalance}
expect:
`+expect), 0o644))
	return path
}

func TestRunExpectations(t *testing.T) {
	pass := expectScenario(t, "  completed_checkpoints: \">=2\"\n  job: RUNNING\n")
	code, out, errs := runArgs("run", pass)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "\nExpectations:\n  ok   completed_checkpoints: want >=2, got ")
	assert.Contains(t, out, "  ok   job: want RUNNING, got RUNNING\n")
	assert.NotContains(t, out, "FAIL")

	fail := expectScenario(t, "  completed_checkpoints: \">=2\"\n  expired_checkpoints: \">0\"\n  job: FAILED\n")
	code, out, errs = runArgs("run", fail)
	assert.Equal(t, 1, code, errs)
	assert.Contains(t, out, "  FAIL expired_checkpoints: want >0, got 0 ("+fail+":12)\n")
	assert.Contains(t, out, "  FAIL job: want FAILED, got RUNNING ("+fail+":13)\n")
	assert.Contains(t, out, "  2 of 3 expectations failed: expired_checkpoints, job\n")

	code, out, errs = runArgs("run", fail, "--format", "json")
	assert.Equal(t, 1, code, errs)
	var got struct {
		Expectations []map[string]any `json:"expectations"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Expectations, 3)
	assert.Equal(t, map[string]any{"name": "job", "want": "FAILED", "got": "RUNNING", "ok": false}, got.Expectations[2])
	assert.Equal(t, true, got.Expectations[0]["ok"])
}

func TestRunWithoutExpectations(t *testing.T) {
	code, out, errs := runArgs("run", "minimal", "--until", "1s")
	require.Equal(t, 0, code, errs)
	assert.NotContains(t, out, "Expectations:")
	code, out, errs = runArgs("run", "minimal", "--until", "1s", "--format", "json")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, `"expectations": []`)
}

func TestExpectationsFailedError(t *testing.T) {
	assert.NoError(t, expectationsFailed(nil))
	err := expectationsFailed(verdicts("a", true, "b", false, "c", false))
	require.Error(t, err)
	assert.ErrorIs(t, err, errChecksFailed)
	assert.Equal(t, "expectations failed: b, c: invariants failed", err.Error())
}

// verdicts builds verdicts from name, ok pairs.
func verdicts(pairs ...any) []scenarios.ExpectationResult {
	var rs []scenarios.ExpectationResult
	for i := 0; i+1 < len(pairs); i += 2 {
		rs = append(rs, scenarios.ExpectationResult{Name: pairs[i].(string), OK: pairs[i+1].(bool)})
	}
	return rs
}
