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

// TestExport: simulate export and run --trace-format perfetto write whole
// files, never over one without --force, and report bad input.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		file string
		want string // a substring of the file
	}{
		{[]string{"export", "perfetto", "minimal", "--until", "1s"}, "a.json", `"name":"process_name"`},
		{[]string{"export", "html", "alignment", "--until", "1s"}, "a.html", `<svg id="st"`},
		{[]string{"run", "minimal", "--until", "1s", "--trace-format", "perfetto", "--trace"}, "b.json", `"ph":"s"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			flag := "-o"
			if tt.args[0] == "run" {
				flag = ""
			}
			args := append(append([]string(nil), tt.args...), flag, path)
			if flag == "" {
				args = append(append([]string(nil), tt.args...), path)
			}
			code, _, errs := runArgs(args...)
			require.Equal(t, 0, code, errs)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Contains(t, string(data), tt.want)
			if strings.HasSuffix(path, ".json") {
				assert.True(t, json.Valid(data))
			}
			code, _, errs = runArgs(args...)
			assert.Equal(t, exitBadUsage, code)
			assert.Contains(t, errs, "the file exists; add --force to overwrite it")
			code, _, errs = runArgs(append(args, "--force")...)
			assert.Equal(t, 0, code, errs)
		})
	}
	for _, bad := range []struct {
		args []string
		err  string
	}{
		{[]string{"export"}, "export needs a format"},
		{[]string{"export", "svg"}, "export needs a format"},
		{[]string{"export", "html", "minimal"}, "needs -o FILE"},
		{[]string{"run", "--trace", filepath.Join(dir, "c.json"), "--trace-format", "otlp"}, `--trace-format "otlp"`},
	} {
		code, _, errs := runArgs(bad.args...)
		assert.Equal(t, exitBadUsage, code, bad.args)
		assert.Contains(t, errs, bad.err)
	}
	code, out, _ := runArgs("export", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: simulate export perfetto|html")
}

// TestExportInterrupted: an interrupted export writes the run so far, its
// open spans closed, and exits 130.
func TestExportInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "x.json")
	var out, errb bytes.Buffer
	code := run(ctx, []string{"export", "perfetto", "backpressure", "-o", path}, &out, &errb)
	assert.Equal(t, exitInterrupted, code)
	assert.Contains(t, errb.String(), "holds the run so far")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, json.Valid(data))
}

// TestExportTraceBudget: the Perfetto and HTML outputs keep at most
// maxKeptTraceEvents trace events in memory; past them the run goes on,
// the file is whole and covers the run to the last event kept, and a
// warning (and the HTML page) says so.
func TestExportTraceBudget(t *testing.T) {
	defer func(n int) { maxKeptTraceEvents = n }(maxKeptTraceEvents)
	maxKeptTraceEvents = 200
	dir := t.TempDir()
	for _, args := range [][]string{
		{"export", "perfetto", "minimal", "--until", "5s", "-o", filepath.Join(dir, "a.json")},
		{"export", "html", "minimal", "--until", "5s", "-o", filepath.Join(dir, "a.html")},
		{"run", "minimal", "--until", "5s", "--trace-format", "perfetto", "--trace", filepath.Join(dir, "b.json")},
	} {
		code, _, errs := runArgs(args...)
		require.Equal(t, 0, code, errs)
		assert.Contains(t, errs, "its first 200 trace events: the file is built in memory and keeps at most that many", args)
		path := args[len(args)-1]
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		if strings.HasSuffix(path, ".json") {
			assert.True(t, json.Valid(data), path)
		} else {
			assert.Contains(t, string(data), "its first 200 trace events (the page is built in memory); the checkpoint table covers all of it.")
		}
	}
	code, _, errs := runArgs("export", "perfetto", "minimal", "--until", "20ms", "-o", filepath.Join(dir, "c.json"))
	require.Equal(t, 0, code, errs)
	assert.NotContains(t, errs, "warning", "a run within the budget")
}
