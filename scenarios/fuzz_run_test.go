package scenarios

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// fuzzBudget bounds a fuzzed run: no scenario may make the engine run
// longer than this many events or this much virtual time.
const (
	fuzzEvents = 200_000
	fuzzUntil  = 5 * time.Second
)

// FuzzRun drives the engine with fuzzed scenario files: every file that
// parses must run without panicking, stop within its event and time
// budgets, and report a result whose counts are consistent.
func FuzzRun(f *testing.F) {
	for _, name := range Bundled() {
		data, err := BundledSource(name)
		require.NoError(f, err)
		f.Add(data)
	}
	conformance, _ := filepath.Glob("../testdata/conformance/*.yaml")
	for _, path := range conformance {
		data, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(everyFailureField))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		cfg := sc.Config
		cfg.MaxEvents = fuzzEvents
		if cfg.Until == 0 || cfg.Until > fuzzUntil {
			cfg.Until = fuzzUntil
		}
		s, err := sim.New(cfg)
		if err != nil {
			return // sim refuses what the parser let through: an error, not a panic
		}
		r := s.Run()
		require.LessOrEqual(t, r.Events, int64(fuzzEvents))
		require.LessOrEqual(t, r.VirtualEnd, int64(fuzzUntil))
		require.NotEqual(t, sim.Running, r.Stop)
		sm := r.Summary
		require.Equal(t, len(r.Checkpoints), sm.Completed+sm.Expired+sm.Aborted+sm.InProgress)
		for _, c := range r.Checkpoints {
			require.LessOrEqual(t, c.Acked, c.Total)
		}
		sc.Check(r) // expectations evaluate without panicking
	})
}
