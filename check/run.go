package check

import (
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Run is one simulated run, with what the properties judge: the engine's
// result and figures folded from its trace.
type Run struct {
	// Config is the run's configuration.
	Config sim.Config
	// Result is the engine's result: checkpoints, summary, invariants.
	Result *sim.Result
	// Graph is the execution graph: subtasks and channels. Graphs are
	// those of every execution, the first one first: a rescaling restore
	// deploys a new one.
	Graph  *topology.ExecutionGraph
	Graphs []*topology.ExecutionGraph
	// TraceHash hashes every field of every trace event in order; two
	// runs with equal hashes (and TraceEvents) had identical traces.
	TraceHash uint64
	// TraceEvents is the number of trace events.
	TraceEvents int64
	// Events counts the engine events of this run and of any rerun a
	// property asked for (determinism).
	Events int64

	obs *observer
}

// Simulate runs cfg to its end, observing the trace. It fails only when
// the engine refuses cfg. The run keeps the statistics of as many
// checkpoints as the bounds allow (fullHistory), which changes nothing
// else in it, so that the properties that judge every checkpoint
// (liveness, restored-older) see all of them.
func Simulate(cfg sim.Config) (*Run, error) {
	full := cfg
	full.Checkpoint.History = max(cfg.Checkpoint.History, fullHistory(cfg))
	s, err := sim.New(full)
	if err != nil {
		return nil, err
	}
	o := newObserver(s)
	s.Tracer = o.observe
	res := s.Run()
	graphs := []*topology.ExecutionGraph{s.GraphOf(0)}
	for _, rs := range res.Resubmissions {
		if rs.Execution > 0 {
			graphs = append(graphs, s.GraphOf(rs.Execution))
		}
	}
	return &Run{Config: cfg, Result: res, Graph: s.Graph(), Graphs: graphs, TraceHash: o.hash, TraceEvents: o.events, Events: res.Events, obs: o}, nil
}

// fullHistory is the longest checkpoint history the bounds allow for
// cfg's job: every checkpoint of the runs the default Bounds generate,
// which trigger at most a few hundred.
func fullHistory(cfg sim.Config) int {
	if cfg.Script != nil {
		return sim.LongestHistory(cfg.Script.Graph())
	}
	return sim.LongestHistory(cfg.Graph)
}

// CutCounts re-derives the cut checker from the trace for the modes whose
// barriers stay in line with the records (aligned and at-least-once), and
// reports over all completed checkpoints how many records from after a
// cut were in a snapshot (extra: counted twice after a recovery) and how
// many from before a cut were in none (missing: lost by a recovery). ok is
// false in unaligned mode, where barriers overtake records, and for runs
// with faults, failovers or manual restores, whose recoveries replay
// records.
//
// In at-least-once mode extra is what sim reports only in the prose of
// the at-least-once-snapshot invariant's detail.
func (r *Run) CutCounts() (extra, missing int64, ok bool) {
	if !r.obs.cut || len(r.Config.Faults) > 0 || len(r.Result.Failovers) > 0 || len(r.Result.Resubmissions) > 0 {
		return 0, 0, false
	}
	extra, missing = r.obs.cutCounts()
	return extra, missing, true
}

// Invariant returns the engine's verdict named name.
func (r *Run) Invariant(name string) (sim.Invariant, bool) {
	for _, inv := range r.Result.Invariants {
		if inv.Name == name {
			return inv, true
		}
	}
	return sim.Invariant{}, false
}
