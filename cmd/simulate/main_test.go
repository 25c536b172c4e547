package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nintervall: 1s\n"), 0o644))
	cases := []struct {
		args []string
		code int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{nil, 0, "Invariants:", ""},
		{[]string{"run", "alignment", "--until", "2s"}, 0, "COMPLETED", ""},
		{[]string{"list"}, 0, "minimal", ""},
		{[]string{"graph", "minimal"}, 0, "digraph job", ""},
		{[]string{"graph", "minimal", "--execution"}, 0, "count[1]", ""},
		{[]string{"validate", "minimal"}, 0, "", ""},
		{[]string{"validate", bad}, 2, "", bad + ":2:1:"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"run", "--format", "xml"}, 2, "", "allowed are text and json"},
		{[]string{"run", "--mode", "exactly"}, 2, "", "allowed are aligned, unaligned and at-least-once"},
		{[]string{"run", "no-such-scenario"}, 2, "", "no-such-scenario"},
		{[]string{"run", "--help"}, 0, "Usage: simulate run", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runArgs(tc.args...)
			assert.Equal(t, tc.code, code, "stderr: %s", errs)
			assert.Contains(t, out, tc.out)
			assert.Contains(t, errs, tc.err)
		})
	}
}

func TestJSONShape(t *testing.T) {
	code, out, errs := runArgs("run", "minimal", "--format", "json", "--until", "3s", "--seed", "5")
	require.Equal(t, 0, code, errs)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	for _, k := range []string{"scenario", "seed", "virtual_end_ns", "events", "checkpoints", "summary", "invariants"} {
		assert.Contains(t, got, k)
	}
	assert.EqualValues(t, 5, got["seed"])
	cks := got["checkpoints"].([]any)
	require.NotEmpty(t, cks)
	first := cks[0].(map[string]any)
	for _, k := range []string{"id", "status", "trigger_ns", "end_to_end_ns", "acked", "total", "state_bytes", "checkpointed_bytes", "max_alignment_ns", "processed_in_flight_bytes", "persisted_in_flight_bytes", "subtasks"} {
		assert.Contains(t, first, k)
	}
	assert.Equal(t, "COMPLETED", first["status"])
}

func TestTraceIsNotOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("keep me"), 0o644))
	code, _, errs := runArgs("run", "--until", "1s", "--trace", path)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "add --force")
	data, _ := os.ReadFile(path)
	assert.Equal(t, "keep me", string(data))

	code, _, errs = runArgs("run", "--until", "1s", "--trace", path, "--force")
	require.Equal(t, 0, code, errs)
	data, _ = os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Greater(t, len(lines), 100)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &ev))
	assert.Contains(t, ev, "kind")
}
