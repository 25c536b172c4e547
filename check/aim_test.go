package check

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// TestPilotStopsEarly: the aimed crash's pilot, stopped once no window can
// come, finds the windows a pilot run to the end finds, so stopping early
// changes no generated scenario. Over the region-failover jobs of sweep
// seeds, each with the latest crash time (hi) inside each window of the
// unbounded pilot: a checkpoint is still completing at hi there, the case
// a pilot that stopped at hi would get wrong.
func TestPilotStopsEarly(t *testing.T) {
	b := DefaultBounds()
	b.Faults = Range{Min: 1, Max: 3}
	pilot := func(cfg sim.Config, hi int64, early bool) []completing {
		s, err := sim.New(cfg)
		require.NoError(t, err)
		return pilotWindows(s, topology.PipelinedRegions(s.Graph()), 0, hi, early)
	}
	jobs, cases := 0, 0
	for seed := uint64(1); seed <= 400 && jobs < 40; seed++ {
		cfg := Scenario(b, seed)
		if cfg.Recovery.Failover != sim.RegionFailover || cfg.Checkpoint.Interval == 0 {
			continue
		}
		cfg.Restores = nil // drawn after the aimed crash: the pilot has none
		all := pilot(cfg, math.MaxInt64-1, false)
		if len(all) == 0 {
			continue
		}
		jobs++
		for _, w := range all[:min(len(all), 3)] {
			hi := (w.from + w.to) / 2
			assert.Equal(t, pilot(cfg, hi, false), pilot(cfg, hi, true), "seed %d, crashes up to %dns", seed, hi)
			cases++
		}
	}
	require.Equal(t, 40, jobs)
	t.Logf("%d cases", cases)
}
