package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/check"
)

// traceLines reads a JSONL file and checks that it is whole: each line
// is a JSON object and the file ends with a newline.
func traceLines(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, data)
	require.Equal(t, byte('\n'), data[len(data)-1], "the last line is whole")
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := bytes.Clone(sc.Bytes())
		require.True(t, json.Valid(line), "line %d is not JSON: %s", len(lines)+1, line)
		lines = append(lines, line)
	}
	require.NoError(t, sc.Err())
	return lines
}

// TestOutFilePanic: a panic while the file is written (a deferred Close,
// as runCmd has) still puts the lines written so far in place, whole.
func TestOutFilePanic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	func() {
		defer func() { assert.Equal(t, "engine failure", recover()) }()
		f, err := createOut("--trace", path, false)
		require.NoError(t, err)
		defer f.Close()
		for i := range 5000 { // more than the buffer holds
			_, err := f.WriteString(`{"seq":` + strings.Repeat("1", i%7+1) + "}\n")
			require.NoError(t, err)
		}
		panic("engine failure")
	}()
	assert.Len(t, traceLines(t, path), 5000)
}

// TestOutputFiles: --trace and --out problems are bad input found before
// any work; a file is replaced only with --force.
func TestOutputFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("keep me"), 0o644))
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"run", "--trace", dir}, "--trace " + dir + " is a directory; give the name of a file to write"},
		{[]string{"run", "--trace", dir, "--force"}, "--trace " + dir + " is a directory"},
		{[]string{"run", "--trace", file}, "--trace " + file + ": the file exists; add --force to overwrite it"},
		{[]string{"run", "--trace", filepath.Join(dir, "nodir", "t.jsonl")}, "cannot write it: no such file or directory"},
		{[]string{"run", "--trace", filepath.Join(file, "t.jsonl")}, "not a directory"},
		{[]string{"check", "--out", file}, "--out " + file + ": " + file + " is a file, not a directory"},
		{[]string{"check", "--out", filepath.Join(file, "sub", "dir")}, file + " is a file, not a directory"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			start := time.Now()
			code, out, errs := runArgs(tc.args...)
			assert.Equal(t, exitBadUsage, code)
			assert.Empty(t, out, "nothing ran")
			assert.Contains(t, errs, tc.err)
			assert.Less(t, time.Since(start), time.Second, "found before the work")
		})
	}
	data, _ := os.ReadFile(file)
	assert.Equal(t, "keep me", string(data))

	if _, err := os.Stat(os.DevNull); err == nil {
		code, _, errs := runArgs("run", "--until", "1s", "--trace", os.DevNull)
		assert.Equal(t, 0, code, "a device is written without --force: %s", errs)
	}

	code, _, errs := runArgs("run", "--until", "1s", "--trace", file, "--force")
	require.Equal(t, 0, code, errs)
	assert.Greater(t, len(traceLines(t, file)), 100)
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	assert.Empty(t, left, "no temporary file is left")

	// A directory --out names need not exist yet: it is made when a
	// counterexample is written.
	code, out, errs := runArgs("check", "--runs", "2", "--out", filepath.Join(dir, "new", "dir"))
	require.Equal(t, 0, code, "%s\n%s", out, errs)
	_, err := os.Stat(filepath.Join(dir, "new"))
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing is created for a sweep without failures")
}

// TestSaveFails: a counterexample that cannot be written after all is
// printed instead, so the failure is not lost behind a write error.
func TestSaveFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	o := checkOptions{out: filepath.Join(file, "sub")}
	var out bytes.Buffer
	path, ok := o.save(&out, "lost", check.Scenario(check.DefaultBounds(), 3), "A counterexample.")
	assert.False(t, ok)
	assert.Empty(t, path)
	assert.Contains(t, out.String(), "could not write it to "+o.out)
	assert.Contains(t, out.String(), "the scenario:\nname: lost\n")
}
