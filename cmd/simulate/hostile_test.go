package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// hostileDir holds the hostile scenario files of TestHostileFiles.
var hostileDir = filepath.Join("..", "..", "testdata", "hostile")

// hostileCase is a command on a hostile file and what it must give.
type hostileCase struct {
	name string
	gen  func(path string) error // writes the file instead of testdata/hostile/name
	in   string                  // standard input
	args []string
	code int
	out  string // substring of stdout
	err  string // substring of stderr
}

// TestHostileFiles: files an attacker or a careless user may pass, each
// with the exit code and message it must give. Whatever the file, the
// output holds no terminal control. FILE in args stands for the file:
// testdata/hostile/NAME, or the one gen writes.
func TestHostileFiles(t *testing.T) {
	long := strings.Repeat("k", 900_000)
	cases := []hostileCase{
		{name: "escape-names.yaml", args: []string{"run", "FILE"}, code: 0,
			out: "scenario escapes\\u001bc · seed 1"},
		{name: "escape-names.yaml", args: []string{"run", "FILE", "--subtasks"}, code: 0,
			out: "count\\u009b31m[1]"},
		{name: "escape-names.yaml", args: []string{"run", "FILE", "--format", "json"}, code: 0,
			out: `"scenario": "escapes\u001bc"`},
		{name: "escape-names.yaml", args: []string{"graph", "FILE"}, code: 0,
			out: `"sink\u202eevil" [label="sink\\u202eevil\nsink  p=1"]`},
		{name: "escape-names.yaml", args: []string{"check", "FILE"}, code: 0, out: "pass consistent-cut"},
		{name: "unknown-escape-operator.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: `FILE:7:5: edge src\u001bc -> sink\u001b[2J: unknown operator "sink\x1b[2J"`},
		{name: "dot-escapes.yaml", args: []string{"graph", "FILE"}, code: 0,
			out: `"src\\" [label="src\\\nsource  p=2"]`},
		{name: "dot-escapes.yaml", args: []string{"graph", "--execution", "FILE"}, code: 0,
			out: `"c\\r\\N[1]" [label="c\\r\\N[1]"]`},
		{name: "too-large.yaml", gen: func(p string) error { return os.WriteFile(p, make([]byte, 10<<20), 0o644) },
			args: []string{"validate", "FILE"}, code: 2,
			err: "FILE: the file is too large (10485760 bytes); a scenario file may have at most 1048576 bytes (1 MiB)"},
		{name: "too-large on standard input", in: strings.Repeat("#", 10<<20), args: []string{"validate", "-"}, code: 2,
			err: "<standard input>: the file is too large (more than 1048576 bytes)"},
		{name: "long-key.yaml", gen: func(p string) error { return os.WriteFile(p, []byte("name: x\n"+long+": 1\n"), 0o644) },
			args: []string{"validate", "FILE"}, code: 2,
			err: "FILE:2:1: the key is too long (900000 characters; YAML allows at most 1024 in a key, its quotes included)"},
		{name: "esc\x1bc-in-the-file-name.yaml", gen: func(p string) error { return os.WriteFile(p, []byte("name: x\nintervall: 1s\n"), 0o644) },
			args: []string{"validate", "FILE"}, code: 2, err: `esc\u001bc-in-the-file-name.yaml:2:1: unknown field "intervall"`},
		{name: "long-name.yaml", gen: func(p string) error {
			name := strings.Repeat("x", 500_000)
			return os.WriteFile(p, []byte("name: ln\noperators:\n  - {name: "+name+", kind: source, parallelism: 1024, rate: 10, keys: 10}\n"+
				"  - {name: sink, kind: sink}\nedges:\n  - {from: "+name+", to: sink, partitioning: rebalance}\n"), 0o644)
		}, args: []string{"run", "FILE"}, code: 2, err: `FILE:3:5: operator name "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." is too long (500000 characters; at most 256)`},
		{name: "a directory", args: []string{"validate", hostileDir}, code: 2,
			err: hostileDir + ": this is a directory, not a scenario file"},
		{name: "invalid-utf8.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: "FILE:1:10: the file is not valid UTF-8 (byte 0xff); save it as UTF-8"},
		{name: "nul-byte.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: "FILE:1:10: character U+0000 is not allowed in YAML"},
		{name: "empty.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: "FILE: the file is empty; a scenario needs at least the fields name and operators"},
		{name: "aliases.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: "FILE:4:8: aliases (*a) are not supported in scenario files; write the value out"},
		{name: "two-documents.yaml", args: []string{"validate", "FILE"}, code: 2,
			err: "FILE:2:1: a scenario file holds one YAML document, but a second one starts here"},
		{name: "deep-nesting.yaml", args: []string{"run", "FILE"}, code: 2,
			err: "FILE:2: lists and mappings are nested more than 10000 levels deep"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, hostileCase{name: "an endless file", args: []string{"validate", "/dev/zero"}, code: 2,
			err: "/dev/zero: the file is too large (more than 1048576 bytes)"})
	}
	old := stdin
	t.Cleanup(func() { stdin = old })
	for _, tc := range cases {
		t.Run(tc.name+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			path := filepath.Join(hostileDir, tc.name)
			if tc.gen != nil {
				path = filepath.Join(t.TempDir(), tc.name)
				require.NoError(t, tc.gen(path))
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "FILE", path)
			}
			stdin = strings.NewReader(tc.in)
			code, out, errs := runArgs(args...)
			assert.Equal(t, tc.code, code, "stderr: %s", errs)
			assert.Contains(t, out, strings.ReplaceAll(tc.out, "FILE", path))
			assert.Contains(t, errs, strings.ReplaceAll(tc.err, "FILE", path))
			for _, r := range out + errs {
				require.False(t, termsafe.Unsafe(r), "%q reached the terminal", r)
			}
			if slices.Contains(tc.args, "json") {
				var res struct{ Scenario string }
				require.NoError(t, json.Unmarshal([]byte(out), &res))
				assert.Equal(t, "escapes\x1bc", res.Scenario, "JSON keeps the name, escaped")
			}
		})
	}
}

// TestHostileTrace: a trace of hostile names is JSON on every line and
// holds no terminal control.
func TestHostileTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	code, _, errs := runArgs("run", filepath.Join(hostileDir, "escape-names.yaml"), "--trace", path)
	require.Equal(t, 0, code, errs)
	names := map[string]bool{}
	for _, line := range traceLines(t, path) {
		for _, r := range string(line) {
			require.False(t, termsafe.Unsafe(r), "%q in %s", r, line)
		}
		var ev struct{ Subtask string }
		require.NoError(t, json.Unmarshal(line, &ev))
		names[ev.Subtask] = true
	}
	assert.True(t, names["src\x1bc[0]"], "names decode to themselves: %v", names)
}

// TestHostileGraphviz: Graphviz reads the DOT of hostile names. The DOT
// syntax itself is checked without Graphviz in package topology.
func TestHostileGraphviz(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz); topology's DOT tests still check the syntax")
	}
	for _, name := range []string{"escape-names.yaml", "dot-escapes.yaml"} {
		for _, args := range [][]string{{"graph"}, {"graph", "--execution"}} {
			t.Run(name+" "+strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := runArgs(append(args, filepath.Join(hostileDir, name))...)
				require.Equal(t, 0, code, errs)
				cmd := exec.Command("dot", "-Tsvg")
				cmd.Stdin = strings.NewReader(out)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				require.NoError(t, cmd.Run(), "dot: %s\n%s", stderr.String(), out)
				assert.Empty(t, stderr.String())
			})
		}
	}
}
