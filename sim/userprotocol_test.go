package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/examples/ownprotocol"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// flinkFactory is Flink's handler of ck's mode written as a user's
// factory; with clone false it hides the handler's Clone, so that
// Sim.Clone copies it by replaying its inputs.
func flinkFactory(ck CheckpointConfig, clone bool) func(protocol.Spec) protocol.Protocol {
	return func(spec protocol.Spec) protocol.Protocol {
		var p protocol.Cloner
		switch {
		case ck.Mode == AtLeastOnce:
			p = protocol.NewCheckpointBarrierTracker(spec)
		case ck.Mode == Unaligned && ck.AlignedCheckpointTimeout > 0:
			p = protocol.NewAlignedWithTimeout(spec, int64(ck.AlignedCheckpointTimeout))
		case ck.Mode == Unaligned:
			p = protocol.NewUnaligned(spec)
		default:
			p = protocol.NewAligned(spec)
		}
		if !clone {
			return noClone{p}
		}
		return p
	}
}

// noClone is a protocol without a Clone method.
type noClone struct{ protocol.Protocol }

// withProtocol is cfg with the user's protocol mk.
func withProtocol(cfg Config, mk func(protocol.Spec) protocol.Protocol) Config {
	cfg.Checkpoint.Protocol = mk
	return cfg
}

// userProtocolConfigs are the runs of the user-protocol tests: every
// mode on the fan-in job, and a pipeline with a crash, whose restart
// makes every task a fresh protocol with a Floor.
func userProtocolConfigs() map[string]Config {
	cfgs := cloneConfigs()
	for name, cfg := range cfgs {
		if cfg.Checkpoint.Protocol != nil {
			delete(cfgs, name)
		}
	}
	crash := pipeline()
	crash.Until = 1500 * time.Millisecond
	crash.Checkpoint.Interval = 100 * time.Millisecond
	crash.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", At: 450 * time.Millisecond}}
	cfgs["crash"] = crash
	return cfgs
}

// TestUserProtocolFlinkHandlerSameTrace: Flink's own handler plugged in
// through the factory, with or without its Clone, gives the default's
// trace and result, byte for byte.
func TestUserProtocolFlinkHandlerSameTrace(t *testing.T) {
	for name, cfg := range userProtocolConfigs() {
		want, n, wantRes := runHashed(t, cfg)
		require.Greater(t, n, int64(1000), name)
		require.NotEmpty(t, wantRes.Checkpoints, name)
		for _, clone := range []bool{true, false} {
			got, _, res := runHashed(t, withProtocol(cfg, flinkFactory(cfg.Checkpoint, clone)))
			assert.Equalf(t, want, got, "%s (clone %v): trace hash", name, clone)
			assert.Equalf(t, wantRes.Summary, res.Summary, "%s (clone %v): summary", name, clone)
			assert.Equalf(t, wantRes.Invariants, res.Invariants, "%s (clone %v): invariants", name, clone)
		}
	}
	// The crash run restarts tasks: the factory is called again.
	r := runOf(t, userProtocolConfigs()["crash"])
	require.NotEmpty(t, r.Failovers)
}

// runOf runs cfg to its end.
func runOf(t *testing.T, cfg Config) *Result {
	t.Helper()
	return newSim(t, cfg).Run()
}

// TestUserProtocolWrongHandlerIsCaught: a handler that snapshots at a
// checkpoint's first barrier (ownprotocol.Eager) breaks the consistent
// cut wherever a task has several inputs, and the engine's invariants
// say so in every Flink mode; on a job whose tasks have one input each it is right.
func TestUserProtocolWrongHandlerIsCaught(t *testing.T) {
	fanIn := cloneConfigs()
	single := pipeline() // every task has one input
	for i := range single.Graph.Operators {
		single.Graph.Operators[i].Parallelism = 1
	}
	for _, tc := range []struct {
		name      string
		cfg       Config
		invariant string
		ok        bool
	}{
		{"aligned fan-in", fanIn["aligned"], "consistent-snapshot", false},
		{"aligned fan-in state", fanIn["aligned"], "snapshot-state", false},
		{"unaligned fan-in", fanIn["unaligned"], "consistent-snapshot", false},
		{"at-least-once fan-in", fanIn["at-least-once"], "at-least-once-snapshot", false},
		{"aligned, single inputs", single, "consistent-snapshot", true},
		{"aligned, single inputs state", single, "snapshot-state", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := invariantOf(t, runOf(t, tc.cfg), tc.invariant)
			require.True(t, def.OK, "Flink's handler: %s", def.Detail)
			res := runOf(t, withProtocol(tc.cfg, ownprotocol.NewEager))
			require.NotZero(t, res.Summary.Completed, "the wrong handler's checkpoints complete")
			inv := invariantOf(t, res, tc.invariant)
			assert.Equal(t, tc.ok, inv.OK, inv.Detail)
		})
	}
}

// invariantOf is r's invariant called name.
func invariantOf(t *testing.T, r *Result, name string) Invariant {
	t.Helper()
	for _, inv := range r.Invariants {
		if inv.Name == name {
			return inv
		}
	}
	require.Failf(t, "no invariant", "%s not reported", name)
	return Invariant{}
}

// TestUserProtocolRefused: a factory that makes no protocol is a clear
// error; actions on inputs the task does not have are dropped, not a
// panic.
func TestUserProtocolRefused(t *testing.T) {
	_, err := New(withProtocol(pipeline(), func(protocol.Spec) protocol.Protocol { return nil }))
	require.ErrorContains(t, err, "the Protocol factory returned nil for subtask")

	cfg := withProtocol(pipeline(), func(spec protocol.Spec) protocol.Protocol {
		return stray{ownprotocol.NewEager(spec), spec.Inputs}
	})
	cfg.Until, cfg.Checkpoint.Interval = 500*time.Millisecond, 100*time.Millisecond
	res := runOf(t, cfg)
	assert.NotZero(t, res.Summary.Completed)
}

// stray adds, to every Ready of its protocol, actions on inputs the task
// does not have.
type stray struct {
	protocol.Protocol
	inputs int
}

func (p stray) Step(in protocol.Input) protocol.Ready {
	r := p.Protocol.Step(in)
	bad := []protocol.Action{{Kind: protocol.Block, Channel: p.inputs}, {Kind: protocol.StartRecording, Channel: -1, Checkpoint: 1}}
	return protocol.Ready{Actions: append(append(bad[:1:1], r.Actions...), bad[1])}
}

// TestUserProtocolClone: a copy of a run with a user's protocol shares no
// protocol with the original, Cloner or not (one that is not is made
// afresh and fed its inputs again): the copy runs to its end first, then
// the original continues, and both give the trace of an uncopied run.
func TestUserProtocolClone(t *testing.T) {
	fanIn := cloneConfigs()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"eager", fanIn["aligned-eager"]},
		{"Flink's, replayed", fanIn["replayed-tmo"]},
		{"Flink's, cloned", withProtocol(fanIn["aligned-tmo"], flinkFactory(fanIn["aligned-tmo"].Checkpoint, true))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, n, _ := runHashed(t, tc.cfg)
			for _, k := range []int64{0, n / 3, 2 * n / 3} {
				s := newSim(t, tc.cfg)
				h, sum := s.TraceHasher()
				s.Tracer = h
				ref := newSim(t, tc.cfg) // the same prefix, for the copy's hash
				h2, sum2 := ref.TraceHasher()
				ref.Tracer = h2
				for s.Events() < k && s.Step() {
				}
				for ref.Events() < k && ref.Step() {
				}
				c := s.Clone()
				c.Tracer = h2
				for c.Step() {
				}
				for s.Step() {
				}
				assert.Equalf(t, want, sum2(), "k=%d: the copy", k)
				assert.Equalf(t, want, sum(), "k=%d: the original, after its copy ran", k)
			}
		})
	}
}
