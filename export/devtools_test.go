package export

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
)

// traceEngine is the directory of Chrome DevTools' trace engine (the npm
// package @paulirish/trace_engine): $CKPTSIM_TRACE_ENGINE, or where
// .ci/run installs it.
func traceEngine(t *testing.T) string {
	dir := os.Getenv("CKPTSIM_TRACE_ENGINE")
	if dir == "" {
		dir = filepath.Join("..", ".ci", "node", "node_modules", "@paulirish", "trace_engine")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the export is not loaded in Chrome DevTools' trace engine (.ci/run installs it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "models", "trace", "trace.js")); err != nil {
		t.Skipf("Chrome DevTools' trace engine is not at %s: npm install --prefix .ci/node @paulirish/trace_engine (or set CKPTSIM_TRACE_ENGINE)", dir)
	}
	return dir
}

// TestPerfettoLoadsInDevTools: the export of the tiny job loads in
// Chrome DevTools' trace engine, which finds every subtask's track with
// its events and binds every barrier flow to the slices at both ends.
func TestPerfettoLoadsInDevTools(t *testing.T) {
	engine := traceEngine(t)
	sc, err := scenarios.Parse("tiny.yaml", []byte(tinyJob))
	require.NoError(t, err)
	data := perfettoOf(t, sc.Config)
	file := filepath.Join(t.TempDir(), "trace.json")
	require.NoError(t, os.WriteFile(file, data, 0o644))
	out, err := exec.Command("node", filepath.Join("testdata", "devtools.mjs"), engine, file).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got struct {
		Threads map[string]int `json:"threads"`
		Flows   int            `json:"flows"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	for _, name := range []string{"src[0]", "count[0]", "count[1]", "sink[0]"} {
		assert.Positive(t, got.Threads[name], "track %s", name)
	}
	assert.Equal(t, strings.Count(string(data), `"ph":"s"`), got.Flows)
}
