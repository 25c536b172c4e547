package sim

import (
	"fmt"

	"github.com/ckptsim/ckptsim/topology"
)

// The checkers observe the run. Each is a type of its own that holds no
// pointer into the run: what it needs of the configuration (the job
// graph, the source logs, the mode) it is handed when the run is built
// (newCheckers), the engine tells it the few things that decide its
// verdicts, and the result asks it for them (report). A checker can be
// read, and tested, without the engine:
//
//   - cutChecker (cut.go): every completed checkpoint is a consistent cut
//     (consistent-snapshot, or at-least-once-snapshot);
//   - reference (reference.go): the keyed state of every completed
//     checkpoint equals a failure-free run's at its source offsets
//     (snapshot-state);
//   - endChecker (endcheck.go): a drained run's sinks and final state
//     against the same reference (exactly-once-state, no-loss,
//     end-to-end).
//
// TokenChecker (tokencheck.go), the checker of mode ChandyLamport, needs
// less: it observes the trace alone.

// An observer is a checker, told of the rare events of a run. The engine
// calls every observer, in the order of checkers.all, when they happen.
//
// The two events that happen once a record are not part of it: a task
// taking a record (cutChecker.taken) and a sink making an output visible
// (endChecker.output) go straight to the one checker that wants each
// (checkers.taken, checkers.output), so that the path of a record makes no
// interface call.
type observer interface {
	// completed: checkpoint cs completed, taken by the subtasks of eg
	// (which index its per-subtask data, such as its keyed state).
	completed(cs *CheckpointStats, eg *topology.ExecutionGraph)
	// rescaled: a rescaling restore redeployed the job as graph g (new
	// parallelisms, everything else the same).
	rescaled(g *topology.Graph)
	// report adds the observer's verdicts on the run as it stands to r:
	// its invariants, appended in order, and the counts it keeps in r's
	// checkpoints and summary. It may be called before the end, and more
	// than once.
	report(run *runView, r *Result)
}

// runView is what the checkers' reports read of the run as it stands,
// filled by Sim.runView.
type runView struct {
	// stats are the coordinator's checkpoints, in the order of
	// Result.Checkpoints; done the ids of every completed one (evicted
	// from the history included), completed how many there are.
	stats     []*CheckpointStats
	done      idSet
	completed int
	// eg is the job's present deployment, graphOf that of an execution
	// (Sim.GraphOf: a rescaling restore deploys another graph).
	eg      *topology.ExecutionGraph
	graphOf func(exec int) *topology.ExecutionGraph
	// finished: the job FINISHED, every subtask drained. Only then are
	// states (the final keyed state by subtask of eg, nil for a stateless
	// one) and inputEnd (by source partition, how far the job consumed
	// its log) set.
	finished bool
	states   []map[int64]int64
	inputEnd []int64
}

// checkers are the checkers of a run.
type checkers struct {
	cut cutChecker
	ref reference
	end endChecker // reads ref
}

// newCheckers builds the checkers of a run of cfg over the source logs
// by partition; bounded says whether the run can drain (and its sinks'
// outputs are to be counted).
func newCheckers(cfg *Config, logs []*sourceLog, bounded bool) *checkers {
	atLeastOnce := cfg.Checkpoint.Mode == AtLeastOnce
	c := &checkers{cut: cutChecker{atLeastOnce: atLeastOnce}, ref: newReference(cfg.Graph, logs, atLeastOnce)}
	c.end = newEndChecker(cfg.Graph, &c.ref, bounded, atLeastOnce)
	return c
}

// all lists the observers in the order in which they report.
func (c *checkers) all() [3]observer { return [...]observer{&c.cut, &c.ref, &c.end} }

// taken tells the cut checker that subtask task of execution exec is
// about to process record it (see cutChecker.taken).
func (c *checkers) taken(exec int, task int32, n, floor int64, it *item) {
	c.cut.taken(exec, task, n, floor, it)
}

// output tells the end checker that a sink made output o visible.
func (c *checkers) output(o output) { c.end.output(o) }

// abandoned tells the end checker that a finishing sink dropped output o,
// uncommitted (see endChecker.abandoned).
func (c *checkers) abandoned(o output) { c.end.abandoned(o) }

// completed tells every observer that checkpoint cs completed.
func (c *checkers) completed(cs *CheckpointStats, eg *topology.ExecutionGraph) {
	for _, o := range c.all() {
		o.completed(cs, eg)
	}
}

// rescaled tells every observer that the job was redeployed as g.
func (c *checkers) rescaled(g *topology.Graph) {
	for _, o := range c.all() {
		o.rescaled(g)
	}
}

// report adds every observer's verdicts to r, in order.
func (c *checkers) report(run *runView, r *Result) {
	for _, o := range c.all() {
		o.report(run, r)
	}
}

// clone returns a deep copy (Sim.Clone).
func (c *checkers) clone() *checkers {
	x := &checkers{cut: c.cut.clone(), ref: c.ref.clone(), end: c.end.clone()}
	x.end.ref = &x.ref
	return x
}

// subtaskName names subtask id of execution exec, in the graph that
// execution deployed (an observation of an earlier execution may index
// past the present one's subtasks).
func (run *runView) subtaskName(exec int, id int32) string {
	if run.graphOf != nil {
		if g := run.graphOf(exec); int(id) < len(g.Subtasks) {
			return g.Subtasks[id].Name
		}
	}
	if int(id) < len(run.eg.Subtasks) {
		return run.eg.Subtasks[id].Name
	}
	return fmt.Sprintf("subtask %d of execution %d", id, exec)
}
