package scenarios

import (
	"fmt"
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
// budgets, and report a result whose counts are consistent. The corpus
// starts from every bundled scenario, every conformance case and every
// value of boundCases at and beyond its bound; run it with
// -fuzzminimizetime 0, or minimizing shrinks new inputs into parse errors
// (see README, Reliability).
func FuzzRun(f *testing.F) {
	addScenarioSeeds(f)
	f.Add([]byte(everyFailureField))
	for _, tc := range boundCases { // values at their bounds and beyond
		f.Add(fmt.Appendf(nil, tc.file, tc.edge))
		f.Add(fmt.Appendf(nil, tc.file, tc.beyond))
	}
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
		require.Equal(t, len(r.Checkpoints)+r.History.Evicted, sm.Completed+sm.Expired+sm.Aborted+sm.InProgress)
		for _, c := range r.Checkpoints {
			require.LessOrEqual(t, c.Acked, c.Total)
		}
		sc.Check(r) // expectations evaluate without panicking
	})
}
