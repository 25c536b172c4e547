package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestConformance runs the scripted barrier-handler cases in
// testdata/conformance: each NAME.yaml is a scenario, NAME.want the lines
// of sim's ScriptLog that Flink's barrier handlers produce for it (lines
// starting with # are comments: the Flink classes a case follows). The
// want files are written by hand from Flink's behaviour (see
// ../shared/conformance and docs/flink-semantics.md); they are never
// regenerated from the simulator.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob("../testdata/conformance/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 7, "the seven shared conformance cases")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			sc, err := Load(f)
			require.NoError(t, err)
			require.NotNil(t, sc.Config.Script, "a conformance case is a scripted scenario")
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".want")
			require.NoError(t, err)
			s, err := sim.New(sc.Config)
			require.NoError(t, err)
			res := s.Run()
			assert.Equal(t, wantLines(string(want)), s.ScriptLog())
			for _, inv := range res.Invariants {
				assert.True(t, inv.OK, "%s: %s", inv.Name, inv.Detail)
			}
		})
	}
}

// wantLines are the expected ScriptLog lines of a .want file: every line
// that is neither blank nor a # comment.
func wantLines(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}
