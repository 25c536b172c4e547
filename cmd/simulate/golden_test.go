package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden runs every bundled scenario for two virtual seconds and
// compares the text report and the trace hash with testdata/golden/NAME.txt.
// Any change of behaviour shows up here; after checking that a change is
// intended, rewrite the files with: go test ./cmd/simulate -run Golden -update
func TestGolden(t *testing.T) {
	for _, name := range scenarios.Bundled() {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runArgs("run", name, "--until", "2s")
			require.Contains(t, []int{0, 1}, code, errs)
			sc, err := scenarios.Load(name)
			require.NoError(t, err)
			sc.Config.Until = 2e9
			s, err := sim.New(sc.Config)
			require.NoError(t, err)
			tracer, sum := s.TraceHasher()
			s.Tracer = tracer
			s.Run()
			got := []byte(fmt.Sprintf("%s\ntrace hash: %016x\n", out, sum()))
			path := filepath.Join("..", "..", "testdata", "golden", name+".txt")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file: run go test ./cmd/simulate -run Golden -update")
			if !bytes.Equal(want, got) {
				t.Errorf("%s differs from the golden file %s:\n%s", name, path, got)
			}
		})
	}
}
