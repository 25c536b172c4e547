package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestDebloatingTeaches pins what the debloating scenario's description
// claims: under backpressure, buffer debloating (FLIP-183) shortens
// aligned checkpoints' alignments and shrinks the in-flight data that
// unaligned checkpoints persist.
func TestDebloatingTeaches(t *testing.T) {
	summary := func(mode sim.Mode, debloat bool) sim.Summary {
		cfg := load(t, "debloating").Config
		require.True(t, cfg.Channels.Debloat.Enabled, "the file turns debloating on")
		cfg.Checkpoint.Mode = mode
		cfg.Channels.Debloat.Enabled = debloat
		r := run(t, cfg)
		require.True(t, r.OK(), "%+v", r.Invariants)
		return r.Summary
	}
	off, on := summary(sim.Aligned, false), summary(sim.Aligned, true)
	assert.Less(t, on.MeanAlignment, off.MeanAlignment/3, "debloating shortens the alignments")
	assert.Less(t, on.MaxAlignment, off.MaxAlignment/3)
	assert.Greater(t, on.Completed, off.Completed, "so more checkpoints complete")
	assert.Zero(t, off.PersistedBytes+on.PersistedBytes, "aligned checkpoints persist no in-flight data")

	uoff, uon := summary(sim.Unaligned, false), summary(sim.Unaligned, true)
	assert.Positive(t, uon.PersistedBytes)
	assert.Less(t, uon.PersistedBytes, uoff.PersistedBytes/2, "debloating shrinks the persisted in-flight data")
}
