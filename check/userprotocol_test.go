package check_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/examples/ownprotocol"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// aligned is Flink's aligned handler plugged in as a user's protocol.
func aligned(spec protocol.Spec) protocol.Protocol { return protocol.NewAligned(spec) }

// TestSweepUserProtocol: a sweep given a protocol through Bounds.Protocol
// runs it on every scenario. The wrong handler (it snapshots at the first
// barrier) fails the consistent cut in every Flink mode, and the snapshot
// state in the exactly-once ones; Flink's handler, given the same way or
// not at all, passes the same scenarios.
func TestSweepUserProtocol(t *testing.T) {
	props := []check.Property{check.ConsistentCut, check.SnapshotState}
	tracker := func(spec protocol.Spec) protocol.Protocol { return protocol.NewCheckpointBarrierTracker(spec) }
	for _, tc := range []struct {
		name string
		mode sim.Mode
		mk   func(protocol.Spec) protocol.Protocol
		want []check.Status // by property: Fail in some run, Pass in all that apply, Skip in all
	}{
		{"aligned, Flink's", sim.Aligned, nil, []check.Status{check.Pass, check.Pass}},
		{"aligned, Flink's through Protocol", sim.Aligned, aligned, []check.Status{check.Pass, check.Pass}},
		{"at-least-once, Flink's through Protocol", sim.AtLeastOnce, tracker, []check.Status{check.Pass, check.Skip}},
		{"aligned, eager", sim.Aligned, ownprotocol.NewEager, []check.Status{check.Fail, check.Fail}},
		{"unaligned, eager", sim.Unaligned, ownprotocol.NewEager, []check.Status{check.Fail, check.Fail}},
		{"at-least-once, eager", sim.AtLeastOnce, ownprotocol.NewEager, []check.Status{check.Fail, check.Skip}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := check.DefaultBounds()
			b.Modes, b.Protocol = []sim.Mode{tc.mode}, tc.mk
			rep := (&check.Sweep{Bounds: b, Properties: props, Seed: 1, Runs: 30, Workers: 1}).Run(context.Background())
			require.Zero(t, rep.Errors, "%v", rep.FirstError)
			for i, st := range rep.Stats {
				got := check.Skip
				switch {
				case st.Failed > 0:
					got = check.Fail
				case st.Passed > 0:
					got = check.Pass
				}
				assert.Equal(t, tc.want[i], got, "%s: %d failed, %d passed, %d skipped", st.Property.Name, st.Failed, st.Passed, st.Skipped)
			}
		})
	}
}

// TestShrinkUserProtocol: the counterexample of the wrong handler keeps
// the handler while it shrinks, and is small: two sources and their
// join, which the handler snapshots at the first of its two barriers.
func TestShrinkUserProtocol(t *testing.T) {
	b := check.DefaultBounds()
	b.Modes, b.Protocol = []sim.Mode{sim.Aligned}, ownprotocol.NewEager
	cfg := check.Scenario(b, 1)
	require.True(t, check.Violates(cfg, check.ConsistentCut), "seed 1 is a counterexample")
	small, st := check.ShrinkProperty(cfg, check.ConsistentCut, 0)
	require.NotNil(t, small.Checkpoint.Protocol)
	assert.True(t, check.Violates(small, check.ConsistentCut))
	assert.Positive(t, st.Steps)
	size := check.Size(small)
	t.Logf("%+v shrinks to %+v in %d runs", check.Size(cfg), size, st.Runs)
	assert.True(t, size.Less(check.Size(cfg)), "%+v", size)
	assert.LessOrEqual(t, size.Operators, 3, "%+v", size)
	// The same scenario with Flink's handler is no counterexample.
	small.Checkpoint.Protocol = nil
	assert.False(t, check.Violates(small, check.ConsistentCut))
}
