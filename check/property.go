package check

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Property is a statement about every run of a class of scenarios.
type Property struct {
	// Name identifies the property on the command line.
	Name string
	// Doc says what the property states, in one or two sentences.
	Doc string
	// Negative marks a property that is false on purpose: checking it
	// must find a counterexample (a teaching example, not a bug).
	Negative bool
	// Focus, if set, tightens bounds to scenarios the property applies
	// to; a check of this property alone generates within them.
	Focus func(*Bounds)
	// Check judges a run: nil if the property holds, an error wrapping
	// ErrNotApplicable if the run is outside the property's class, any
	// other error if it is violated.
	Check func(*Run) error
}

// ErrNotApplicable is wrapped by a property's Check when a run is outside
// the class of scenarios the property speaks about.
var ErrNotApplicable = errors.New("not applicable")

func notApplicable(why string) error { return fmt.Errorf("%w: %s", ErrNotApplicable, why) }

// ErrFlinkBehaviour is wrapped by a property's Check when a run violates
// the property's statement the way Flink itself does: a known limitation
// of Flink that the simulator reproduces on purpose, not an engine bug.
// The property does not apply to such a run (it wraps ErrNotApplicable
// too); a sweep counts these runs apart (PropertyStats.FlinkBehaviour).
var ErrFlinkBehaviour = fmt.Errorf("%w, as in Flink", ErrNotApplicable)

// ForcedAlignmentDeadlock names the Flink behaviour of a run whose job
// ends in a cycle of waits around a forced aligned barrier (sim.Deadlock).
const ForcedAlignmentDeadlock = "forced-alignment deadlock"

// OwnBufferWait names the Flink behaviour of a run in which a subtask
// waits for good for its own buffer being filled, its one buffer of a
// subpartition at max-buffers-per-channel 1 (sim.WaitOwnBuffer).
const OwnBufferWait = "own-buffer wait"

// deadlockName names the Flink behaviour of deadlock d.
func deadlockName(d *sim.Deadlock) string {
	if d.OwnBuffer() {
		return OwnBufferWait
	}
	return ForcedAlignmentDeadlock
}

// UncommittedAtFinish names the Flink behaviour of a bounded run whose
// exactly-once sinks finished without checkpoints after tasks finished
// (before Flink 1.15, FLIP-147): the records of the transactions they
// held then are never committed (sim.Summary.LostAtFinish).
const UncommittedAtFinish = "uncommitted at finish"

// lostAtFinish reports, as Flink's behaviour, a drained run whose every
// lost record was in a transaction that a finishing exactly-once sink
// dropped, and, if duplicates count, that wrote no record twice; nil for
// any other run.
func lostAtFinish(res *sim.Result, duplicates bool) error {
	s := res.Summary
	if s.Lost == 0 || s.Lost != s.LostAtFinish || (duplicates && s.Duplicates != 0) {
		return nil
	}
	return flinkBehaviour(UncommittedAtFinish, fmt.Sprintf("the %d lost record(s) were in the transactions the exactly-once sinks held when they finished: Flink %s takes no checkpoint after tasks finished (FLIP-147), so close aborts the open transaction and the pre-committed ones are never committed",
		s.Lost, res.FlinkVersion))
}

// behaviourError is a run's violation of a property as Flink's own: the
// behaviour's name (ForcedAlignmentDeadlock, say) and why.
type behaviourError struct{ name, why string }

func (e *behaviourError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrFlinkBehaviour, e.name, e.why)
}
func (e *behaviourError) Is(target error) bool {
	return target == ErrFlinkBehaviour || target == ErrNotApplicable
}

func flinkBehaviour(name, why string) error { return &behaviourError{name, why} }

// BehaviourOf names the Flink behaviour err reports ("" if it names
// none).
func BehaviourOf(err error) string {
	var b *behaviourError
	if errors.As(err, &b) {
		return b.name
	}
	return ""
}

// errFaults is the verdict of the fault-free properties on a run with
// faults: a recovery replays records and restarts tasks, which their
// statements do not account for.
var errFaults = notApplicable("the run injects faults")

// errFailover is their verdict on a run whose job failed over (after too
// many failed checkpoints, say).
var errFailover = notApplicable("the job failed over")

// errRestore is their verdict on a run that the user stops or restores:
// a resubmission restarts every task and replays records too.
var errRestore = notApplicable("the run stops or restores the job manually")

// The shipped properties. Consistent cut, snapshot state and determinism
// hold on every run, with or without faults; liveness and bounded drain
// are about fault-free runs and do not apply to a run with faults or a
// failover; exactly-once state, end-to-end and no loss compare a drained
// run (bounded sources, the job FINISHED) with the failure-free reference,
// whatever failed and recovered on the way.
var (
	// ConsistentCut: every completed checkpoint is a consistent cut. In
	// the exactly-once modes the engine's consistent-snapshot invariant
	// must hold (state plus persisted channel state is exactly what was
	// ahead of the barriers); in at-least-once mode the at-least-once-
	// snapshot invariant (no record from before a cut is missing). In
	// aligned and at-least-once mode the check is repeated from the
	// trace, independently of the engine's bookkeeping.
	ConsistentCut = Property{
		Name: "consistent-cut",
		Doc:  "every completed checkpoint is a consistent cut (at-least-once: no record from before a cut is missing)",
		Check: func(r *Run) error {
			if r.Result.Summary.Completed == 0 {
				return notApplicable("no checkpoint completed")
			}
			name := "consistent-snapshot"
			if r.Config.Checkpoint.Mode == sim.AtLeastOnce {
				name = "at-least-once-snapshot"
			}
			if err := invariantHolds(r, name); err != nil {
				return err
			}
			extra, missing, ok := r.CutCounts()
			switch {
			case !ok:
			case missing > 0:
				return fmt.Errorf("from the trace: %d record(s) from before a cut are in neither the state nor the channel state of a completed checkpoint, yet the engine reported no problem", missing)
			case extra > 0 && r.Config.Checkpoint.Mode == sim.Aligned:
				return fmt.Errorf("from the trace: %d record(s) from after a cut are in the state of a completed aligned checkpoint, yet the engine reported no problem", extra)
			}
			return nil
		},
	}

	// SnapshotState: the keyed state of every completed exactly-once
	// checkpoint without channel state equals a failure-free reference
	// computed from the source logs up to its offsets (the engine's
	// snapshot-state invariant).
	SnapshotState = Property{
		Name: "snapshot-state",
		Doc:  "the keyed state of every completed exactly-once checkpoint equals the failure-free reference at its source offsets",
		Focus: func(b *Bounds) {
			b.Modes = []sim.Mode{sim.Aligned, sim.Unaligned}
			b.Aggregates.Min = max(b.Aggregates.Min, min(1, b.Aggregates.Max))
		},
		Check: func(r *Run) error {
			if r.Config.Checkpoint.Mode == sim.AtLeastOnce {
				return notApplicable("at-least-once mode")
			}
			if r.Result.Summary.Completed == 0 {
				return notApplicable("no checkpoint completed")
			}
			return invariantHolds(r, "snapshot-state")
		},
	}

	// ExactlyOnceState: in the exactly-once modes, the final keyed state
	// of a drained run equals the failure-free reference over the whole
	// input, however often the job failed over and restored (the engine's
	// exactly-once-state invariant). It applies to runs whose job
	// FINISHED and that have keyed state.
	ExactlyOnceState = Property{
		Name: "exactly-once-state",
		Doc:  "in the exactly-once modes, a drained run's final keyed state equals the failure-free reference, whatever failed and recovered on the way",
		Focus: focusRecovery(func(b *Bounds) {
			b.Modes = exactlyOnceModes(b.Modes)
			b.Aggregates.Min = max(b.Aggregates.Min, min(1, b.Aggregates.Max))
		}),
		Check: func(r *Run) error {
			if r.Config.Checkpoint.Mode == sim.AtLeastOnce {
				return notApplicable("at-least-once mode")
			}
			if !slices.ContainsFunc(r.Config.Graph.Operators, func(op topology.Operator) bool { return op.Kind == topology.Aggregate }) {
				return notApplicable("no keyed state")
			}
			return endInvariant(r, "exactly-once-state")
		},
	}

	// EndToEnd: in the exactly-once modes, with every sink a two-phase
	// commit sink, the committed output of a drained run holds every
	// record of the failure-free output exactly once: no duplicate, no
	// loss (the engine's end-to-end invariant, and its Duplicates and Lost
	// counts). It does not apply to a run that restored an older
	// checkpoint than the latest one completed (an unreadable checkpoint,
	// or prefer-checkpoint-for-recovery behind a newer savepoint): the
	// output committed since is then written again, in Flink too.
	EndToEnd = Property{
		Name: "end-to-end",
		Doc:  "in the exactly-once modes with two-phase commit sinks, a drained run's committed output has no duplicate and no lost record, whatever failed and recovered on the way",
		Focus: focusRecovery(func(b *Bounds) {
			b.Modes = exactlyOnceModes(b.Modes)
			b.SinkModes = []topology.SinkMode{topology.TwoPhaseCommitSink}
		}),
		Check: checkEndToEnd,
	}

	// NoLoss: in every mode and with every sink, every record of a drained
	// run reaches the sinks at least as often as in the failure-free
	// output (the engine's no-loss invariant and its Lost count).
	NoLoss = Property{
		Name:  "no-loss",
		Doc:   "in every mode and with every sink, a drained run loses no record: each reaches the sinks, whatever failed and recovered on the way",
		Focus: focusRecovery(nil),
		Check: func(r *Run) error {
			if err := lostAtFinish(r.Result, false); err != nil {
				return err
			}
			if err := endInvariant(r, "no-loss"); err != nil {
				return err
			}
			if lost := r.Result.Summary.Lost; lost != 0 {
				return fmt.Errorf("the invariant no-loss held, yet the summary counts %d lost record(s)", lost)
			}
			return nil
		},
	}

	// TwoPhaseCommit: from the trace, independently of the engine's
	// end-to-end checks and in every run with a two-phase commit sink,
	// drained or not: a transaction is committed only once a checkpoint
	// at or after the one that pre-committed it completed (or when the
	// job FINISHED), and a restore commits every transaction of the
	// restored snapshot not committed yet (TwoPhaseCommitSinkFunction's
	// notifyCheckpointComplete and recoverAndCommit).
	TwoPhaseCommit = Property{
		Name: "two-phase-commit",
		Doc:  "a two-phase commit sink commits a transaction only after a checkpoint at or after its own completed, and a restore commits every transaction of the restored snapshot (from the trace, in every run)",
		Check: func(r *Run) error {
			if !r.obs.commits.any() {
				return notApplicable("no two-phase commit sink")
			}
			if r.obs.rescaled {
				return notApplicable("a rescaling restore moved the transactions between sink subtasks, which the trace does not show")
			}
			if v := r.obs.commits.violations(); len(v) > 0 {
				return fmt.Errorf("%s", strings.Join(v[:min(len(v), 3)], "; ")+more(len(v)-3))
			}
			return nil
		},
	}

	// SharedState: with a backend whose checkpoints share files
	// (incremental RocksDB, the changelog), the shared-state registry
	// never deletes a file that a retained checkpoint references, however
	// checkpoints complete, expire, fail over and leave the store (the
	// engine's shared-state invariant, checked at every deletion).
	SharedState = Property{
		Name: "shared-state",
		Doc:  "with incremental or changelog checkpoints, no file a retained checkpoint references is deleted (SharedStateRegistry)",
		Focus: func(b *Bounds) {
			b.Backends = slices.DeleteFunc(Backends(), func(sb sim.StateBackendConfig) bool {
				return !(sb.Incremental && sb.Type == sim.RocksDB) && !sb.Changelog.Enabled
			})
			b.Aggregates.Min = max(b.Aggregates.Min, min(1, b.Aggregates.Max))
		},
		Check: func(r *Run) error {
			if _, ok := r.Invariant("shared-state"); !ok {
				return notApplicable("no shared state files (the backend makes full snapshots)")
			}
			if r.Result.Summary.Completed == 0 {
				return notApplicable("no checkpoint completed")
			}
			return invariantHolds(r, "shared-state")
		},
	}

	// Determinism: running the same Config again gives the identical
	// trace and result.
	Determinism = Property{
		Name: "determinism",
		Doc:  "a second run of the same scenario gives the identical trace (hash) and result",
		Check: func(r *Run) error {
			again, err := Simulate(r.Config)
			if err != nil {
				return err
			}
			r.Events += again.Events
			switch {
			case again.TraceEvents != r.TraceEvents || again.TraceHash != r.TraceHash:
				return fmt.Errorf("the second run's trace differs: %d events, hash %016x; first run: %d events, hash %016x",
					again.TraceEvents, again.TraceHash, r.TraceEvents, r.TraceHash)
			case !reflect.DeepEqual(again.Result, r.Result):
				return fmt.Errorf("the second run's result differs although its trace is identical")
			}
			return nil
		},
	}

	// Liveness: without faults, checkpoints keep completing. It applies to
	// unbounded runs whose checkpoint timeout exceeds CheckpointBound (so
	// no checkpoint may expire) and in which the job runs long enough for
	// two completions: the first completion comes within the first
	// interval plus one window, and every later window (interval + min
	// pause + CheckpointBound) holds a completion, up to the end of the
	// run. A run the user stops or restores is judged over each span in
	// which the job runs (see runningSpans): from its start, or from the
	// end of a resubmission's restore, to the stop, the cancellation of a
	// resubmission or the end of the run.
	Liveness = Property{
		Name: "liveness",
		Doc:  "without faults, checkpoints keep completing: one at least every interval + min pause + bound on a checkpoint's duration",
		Focus: func(b *Bounds) {
			b.Bounded = Never
			b.Faults = Range{0, 0}
			b.Timeout.Min = max(b.Timeout.Min, min(b.Timeout.Max, 10*time.Second))
			b.Until.Min = max(b.Until.Min, min(b.Until.Max, b.Until.Max/2))
		},
		Check: checkLiveness,
	}

	// BoundedDrain: with bounded sources and no end time, the job finishes
	// with every subtask finished, the sources have read every record, the
	// sinks' output is the failure-free output (the engine's Lost and
	// Duplicates are 0), and no record was lost or duplicated on the way: every
	// record sent on a channel was processed by its receiver, and every
	// subtask sent each record it emitted exactly once per output edge
	// (once per receiver for broadcast).
	BoundedDrain = Property{
		Name:  "bounded-drain",
		Doc:   "bounded sources drain: the job finishes, all records are read and written once, and every channel and output delivers each record exactly once",
		Focus: func(b *Bounds) { b.Bounded, b.Faults, b.Restores = Always, Range{0, 0}, Never },
		Check: checkDrain,
	}

	// BoundedEnds: a bounded job's run ends, whatever fails on the way.
	// The job FINISHES, FAILS (its restarts exhausted) or is CANCELED, or
	// it reaches a state Flink's job would stay in forever, which the
	// engine proves and stops at: stalled (no final checkpoint
	// completes), a restore loop (an unreadable checkpoint, restarts
	// without end) or a forced-alignment deadlock; those count as Flink's
	// behaviour. A run that goes on until its event budget is a livelock
	// of the engine's making, which the end-to-end properties, skipping
	// undrained runs, would not see.
	BoundedEnds = Property{
		Name:  "bounded-ends",
		Doc:   "a bounded job's run ends, whatever fails: the job finishes, fails or is cancelled, or stays as Flink's would forever (stalled, restore loop, deadlock), never running on until the event budget",
		Focus: focusRecovery(nil),
		Check: checkEnds,
	}

	// AtLeastOnceIsExactlyOnce is false on purpose: it claims that an
	// at-least-once checkpoint holds no record from after its cut. A task
	// with several inputs keeps processing the inputs that already
	// delivered barrier n while it waits for the others, so its snapshot
	// of n includes records from after the cut; after a recovery from n
	// they would be replayed and counted (or written by a
	// non-transactional sink) twice. simulate check refutes it.
	AtLeastOnceIsExactlyOnce = Property{
		Name:     "at-least-once-is-exactly-once",
		Doc:      "at-least-once checkpoints hold no record from after their cut, so a recovery would count nothing twice",
		Negative: true,
		Focus:    func(b *Bounds) { b.Modes, b.Faults, b.Restores = []sim.Mode{sim.AtLeastOnce}, Range{0, 0}, Never },
		Check: func(r *Run) error {
			if r.Config.Checkpoint.Mode != sim.AtLeastOnce {
				return notApplicable("not at-least-once mode")
			}
			if r.Result.Summary.Completed == 0 {
				return notApplicable("no checkpoint completed")
			}
			extra, _, ok := r.CutCounts()
			if !ok {
				return notApplicable("the run has faults, failovers or manual restores")
			}
			if extra > 0 {
				return fmt.Errorf("%d record(s) from after a cut are in the snapshots of %d completed checkpoint(s): a recovery from one of them would replay them, and a non-transactional sink would write them twice",
					extra, r.Result.Summary.Completed)
			}
			return nil
		},
	}
)

// Properties returns the shipped properties, the negative one last.
func Properties() []Property {
	return []Property{ConsistentCut, SnapshotState, ExactlyOnceState, EndToEnd, NoLoss, TwoPhaseCommit, SharedState, Determinism, Liveness, BoundedDrain,
		BoundedEnds, AtLeastOnceIsExactlyOnce}
}

// focusRecovery tightens bounds to drained runs with faults (bounded
// sources, a fault schedule in every run unless faults are ruled out),
// then applies more.
func focusRecovery(more func(*Bounds)) func(*Bounds) {
	return func(b *Bounds) {
		b.Bounded = Always
		if b.Faults.Max > 0 {
			b.Faults.Min = max(b.Faults.Min, 1)
		}
		if more != nil {
			more(b)
		}
	}
}

// exactlyOnceModes are the exactly-once modes among modes, or both when
// there is none.
func exactlyOnceModes(modes []sim.Mode) []sim.Mode {
	out := slices.DeleteFunc(slices.Clone(modes), func(m sim.Mode) bool { return m == sim.AtLeastOnce })
	if len(out) == 0 {
		return []sim.Mode{sim.Aligned, sim.Unaligned}
	}
	return out
}

// Drained reports whether the run drained: its job FINISHED, every
// subtask having ended its input, so that nothing is on its way any more
// and the engine compared the output and the state with the failure-free
// reference.
func (r *Run) Drained() bool { return r.Result.Job == sim.JobFinished }

// endInvariant judges a drained run by one of the engine's end-to-end
// invariants; it does not apply to a run that did not drain, nor where
// the engine's reference cannot follow the records (a filter reading an
// aggregate's output).
func endInvariant(r *Run, name string) error {
	if !r.Drained() {
		return notApplicable(fmt.Sprintf("the run did not drain: the job is %s (stopped by %s at %v)", r.Result.Job, r.Result.Stop, time.Duration(r.Result.VirtualEnd)))
	}
	if _, ok := r.Invariant(name); !ok && filterAfterAggregate(r.Config.Graph) {
		return notApplicable("a filter reads an aggregate's output, which the failure-free reference does not follow")
	}
	return invariantHolds(r, name)
}

func checkEndToEnd(r *Run) error {
	cfg, res := &r.Config, r.Result
	if cfg.Checkpoint.Mode == sim.AtLeastOnce {
		return notApplicable("at-least-once mode")
	}
	for _, op := range cfg.Graph.Operators {
		if op.Kind == topology.Sink && op.SinkMode != topology.TwoPhaseCommitSink {
			return notApplicable(fmt.Sprintf("sink %s is not a two-phase commit (exactly-once) sink", op.Name))
		}
	}
	if older, why := RestoredOlder(res); older {
		return notApplicable(why)
	}
	if err := lostAtFinish(res, true); err != nil {
		return err
	}
	if err := endInvariant(r, "end-to-end"); err != nil {
		return err
	}
	if d, l := res.Summary.Duplicates, res.Summary.Lost; d != 0 || l != 0 {
		return fmt.Errorf("the invariant end-to-end held, yet the summary counts %d duplicate(s) and %d lost record(s)", d, l)
	}
	return nil
}

// RestoredOlder reports whether the run restored an older checkpoint or
// savepoint than the latest one completed before, and why: a manual
// restore rolled the job back, or before Flink 1.15
// prefer-checkpoint-for-recovery chose a checkpoint over a newer
// savepoint. A two-phase commit sink then writes again what it committed
// after the restored checkpoint, as Flink's does. Before Flink 1.15 a
// savepoint commits like a checkpoint (it is notified), so a manual
// restore behind one rolls back too.
func RestoredOlder(res *sim.Result) (bool, string) {
	for _, rs := range res.Resubmissions {
		if rs.Refused != "" {
			continue
		}
		for _, c := range res.Checkpoints {
			committed := !c.Savepoint || res.FlinkVersion.SavepointsInStore()
			if c.Status == sim.Completed && committed && c.Execution == rs.Execution-1 && c.EndAt <= rs.At &&
				(c.Execution > rs.FromExecution || c.ID > rs.RestoredFrom) {
				kind := "checkpoint"
				if c.Savepoint {
					kind = "savepoint"
				}
				return true, fmt.Sprintf("the manual restore at %v restored %d although %s %d was completed", time.Duration(rs.At), rs.RestoredFrom, kind, c.ID)
			}
		}
	}
	for _, f := range res.Failovers {
		if f.RestoredFrom < 0 || f.RestartAt == 0 {
			continue
		}
		exec := executionAt(res, f.At)
		var latest int64
		for _, c := range res.Checkpoints {
			// Since Flink 1.15 a savepoint is never restored by a failover
			// and commits nothing, so only checkpoints count.
			inStore := !c.Savepoint || res.FlinkVersion.SavepointsInStore()
			if c.Status == sim.Completed && inStore && c.Execution == exec && c.EndAt <= f.RestartAt {
				latest = max(latest, c.ID)
			}
		}
		if latest > f.RestoredFrom {
			return true, fmt.Sprintf("the failover at %v restored %d although %d was completed (prefer-checkpoint-for-recovery behind a newer savepoint)", time.Duration(f.At), f.RestoredFrom, latest)
		}
	}
	return false, ""
}

// executionAt is the job's execution at time t: the number of manual
// restores carried out by then.
func executionAt(res *sim.Result, t int64) int {
	n := 0
	for _, rs := range res.Resubmissions {
		if rs.Refused == "" && rs.At <= t {
			n = rs.Execution
		}
	}
	return n
}

// more says how many more there are, if any.
func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" (and %d more)", n)
}

// Lookup returns the shipped property called name.
func Lookup(name string) (Property, bool) {
	for _, p := range Properties() {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// invariantHolds fails unless the engine reported invariant name as held.
func invariantHolds(r *Run, name string) error {
	inv, ok := r.Invariant(name)
	switch {
	case !ok:
		return fmt.Errorf("the engine did not check invariant %s", name)
	case !inv.OK:
		return fmt.Errorf("invariant %s failed: %s", name, inv.Detail)
	}
	return nil
}

// LivenessK is how many checkpoints a run must be long enough to complete
// for the liveness property to apply.
const LivenessK = 2

func checkLiveness(r *Run) error {
	cfg, res := &r.Config, r.Result
	ck := &cfg.Checkpoint
	switch {
	case len(cfg.Faults) > 0:
		return errFaults
	case len(res.Failovers) > 0:
		return errFailover
	case ck.Interval == 0:
		return notApplicable("checkpointing is off")
	case cfg.Until == 0 || slices.ContainsFunc(cfg.Graph.Operators, func(op topology.Operator) bool { return op.Source != nil && op.Source.Records > 0 }):
		return notApplicable("bounded sources")
	case res.Stop != sim.EndTime:
		return notApplicable("the run stopped by " + res.Stop.String())
	}
	bound := r.livenessBound()
	if ck.Timeout < bound {
		return notApplicable(fmt.Sprintf("checkpoint timeout %v is below the bound %v on a checkpoint's duration", ck.Timeout, bound))
	}
	tick := max(ck.Interval, ck.MinPause)
	window := tick + ck.MinPause + bound
	spans := runningSpans(cfg, res)
	if !slices.ContainsFunc(spans, func(sp span) bool { return sp.to-sp.from >= int64(tick+LivenessK*window) }) {
		return notApplicable(fmt.Sprintf("the job runs for less than %v at a time", tick+LivenessK*window))
	}
	var ends []int64
	for _, c := range res.Checkpoints {
		if c.Status == sim.Completed {
			ends = append(ends, c.EndAt)
		}
	}
	slices.Sort(ends)
	for _, sp := range spans {
		last := sp.from + int64(tick)
		for _, e := range ends {
			if e <= sp.from || e > sp.to {
				continue
			}
			if e-last > int64(window) {
				break
			}
			last = max(last, e)
		}
		if sp.to-last <= int64(window) {
			continue
		}
		if d := sp.deadlock; d != nil && d.Since <= last+int64(window) {
			// The stall is Flink's: the span ends in a cycle of waits
			// that began within the window (docs/flink-semantics.md).
			return flinkBehaviour(deadlockName(d), fmt.Sprintf("no checkpoint completed after %v: %s: %s",
				time.Duration(last), d.Stuck(), d.Text))
		}
		return fmt.Errorf("no checkpoint completed between %v and %v although one must every %v (interval %v + min pause %v + bound %v)%s; %d completed, %d expired, %d aborted, %d in progress",
			time.Duration(last), min(time.Duration(last)+window, time.Duration(sp.to)), window, ck.Interval, ck.MinPause, bound, sp.what,
			res.Summary.Completed, res.Summary.Expired, res.Summary.Aborted, res.Summary.InProgress)
	}
	return nil
}

// recordsPerBuffer is the most records one network buffer of cfg holds:
// a segment of the smallest records.
func recordsPerBuffer(cfg *sim.Config) int64 {
	smallest := int64(cfg.Channels.SegmentSize)
	for _, op := range cfg.Graph.Operators {
		if op.Source != nil {
			smallest = min(smallest, int64(op.Source.RecordBytes))
		}
		if op.OutputBytes > 0 {
			smallest = min(smallest, int64(op.OutputBytes))
		}
		if op.RecordSizes != nil {
			lo, _ := op.RecordSizes.Bounds(sim.MaxRecordBytes)
			smallest = min(smallest, int64(lo))
		}
	}
	return int64(cfg.Channels.SegmentSize)/max(smallest, 1) + 1
}

// CheckpointBound is a conservative bound on the end-to-end duration of a
// checkpoint in a fault-free run of cfg: the time to process and transmit
// every record that can be ahead of its barriers, one after the other,
// plus the time a channel takes to carry its buffers ahead of a barrier
// (one credit round trip each: the credit comes back a latency after the
// buffer is consumed), plus the network latency and the synchronous
// phases along the longest path, plus the asynchronous phase uploading
// all keyed state and, for unaligned checkpoints, all in-flight data that
// could be persisted; doubled, plus 10ms.
//
// Ahead of a barrier at an operator are at most the records in its input
// channels (its buffers at both ends, each full of the smallest records;
// a barrier flushes the buffer being filled, so no buffer timeout adds to
// it) and the records its upstream operators emit from the records ahead
// of their own barriers (once per receiver for broadcast).
func CheckpointBound(cfg *sim.Config, eg *topology.ExecutionGraph) time.Duration {
	g := cfg.Graph
	ch, ck := &cfg.Channels, &cfg.Checkpoint
	buffers := int64(ch.BuffersPerChannel + ch.FloatingBuffersPerGate + ch.MaxBuffersPerChannel + 2)
	perChannel := buffers * recordsPerBuffer(cfg)
	order, err := g.Order()
	if err != nil {
		return time.Duration(1<<63 - 1)
	}
	ahead := make([]int64, len(g.Operators))
	depth := make([]int64, len(g.Operators))
	var work, keys, stateBytes, recordBytes int64
	for _, i := range order {
		op := &g.Operators[i]
		if op.Source != nil {
			ahead[i] = int64(op.Parallelism)
			keys += int64(op.Source.Keys)
			recordBytes = max(recordBytes, int64(op.Source.RecordBytes))
		}
		for _, e := range g.Edges {
			if e.To != op.Name {
				continue
			}
			from := g.Index(e.From)
			senders := int64(g.Operators[from].Parallelism)
			channels := senders * int64(op.Parallelism)
			copies := int64(1)
			switch e.Partitioning {
			case topology.Forward:
				channels = senders
			case topology.Broadcast:
				copies = int64(op.Parallelism)
			}
			ahead[i] += channels*perChannel + ahead[from]*copies
			depth[i] = max(depth[i], depth[from]+1)
		}
		cost := op.Cost
		for _, c := range op.SubtaskCost {
			cost = max(cost, c)
		}
		work += ahead[i]*int64(cost) + buffers*2*int64(ch.Latency+ch.Jitter)
		recordBytes = max(recordBytes, int64(op.OutputBytes))
		if op.RecordSizes != nil {
			_, hi := op.RecordSizes.Bounds(sim.MaxRecordBytes)
			recordBytes = max(recordBytes, int64(hi))
		}
		if op.Kind == topology.Aggregate {
			stateBytes += keys * int64(op.StateBytesPerKey)
		}
	}
	hops := slices.Max(depth) + 1
	var inFlight int64
	if ck.Mode == sim.Unaligned {
		inFlight = int64(len(eg.Channels)) * perChannel * recordBytes * int64(ck.MaxConcurrent)
	}
	upload := (stateBytes + inFlight) * int64(time.Second) / max(ck.StorageBandwidth, 1)
	perHop := int64(ch.Latency+ch.Jitter) + int64(ck.SyncDuration)*int64(ck.MaxConcurrent)
	total := work + hops*perHop + int64(ck.AsyncBase) + upload
	return 2*time.Duration(total) + boundSlack
}

// boundSlack is added to CheckpointBound.
const boundSlack = 10 * time.Millisecond

// The Flink behaviours of the runs that never end (BoundedEnds).
const (
	// FinalCheckpointStall: the job waits for a final checkpoint that
	// never completes (sim.Stalled).
	FinalCheckpointStall = "final-checkpoint stall"
	// RestoreLoop: every restart restores an unreadable checkpoint
	// (sim.RestoreLoop).
	RestoreLoop = "restore loop"
)

func checkEnds(r *Run) error {
	cfg, res := &r.Config, r.Result
	if err := drainable(cfg); err != nil {
		return err
	}
	at := time.Duration(res.VirtualEnd)
	switch {
	case res.Stop == sim.JobEnded, res.Stop == sim.Quiescent && res.Job == sim.JobFinished:
		return nil
	case res.Stop == sim.Stalled:
		return flinkBehaviour(FinalCheckpointStall, fmt.Sprintf("no checkpoint completes after the end of input, the job stays %s (stalled at %v)", res.Job, at))
	case res.Stop == sim.RestoreLoop:
		return flinkBehaviour(RestoreLoop, fmt.Sprintf("every restart restores %s, which cannot be read (from %v on)", res.RestoreLoop, at))
	case res.Deadlock != nil:
		return deadlocked(res)
	}
	return fmt.Errorf("the run stopped by %s at %v with the job %s: it neither ended nor reached a state Flink's job stays in (stalled, restore loop, deadlock)", res.Stop, at, res.Job)
}

// drainable reports, as ErrNotApplicable, why cfg's job cannot drain:
// an unbounded source, or an end time that may come first.
func drainable(cfg *sim.Config) error {
	for _, op := range cfg.Graph.Operators {
		if op.Source != nil && op.Source.Records == 0 {
			return notApplicable("unbounded sources")
		}
	}
	if cfg.Until != 0 {
		return notApplicable("the run has an end time")
	}
	return nil
}

// deadlocked is the Flink behaviour of a run that ends in the cycle of
// waits around a forced aligned barrier (res.Deadlock), whatever stopped
// it: newer checkpoints may keep coming and failing until the event
// budget is spent (docs/flink-semantics.md, "Forced alignment deadlock").
func deadlocked(res *sim.Result) error {
	d := res.Deadlock
	return flinkBehaviour(deadlockName(d), fmt.Sprintf("the run stopped by %s at %v: %s: %s",
		res.Stop, time.Duration(res.VirtualEnd), d.Stuck(), d.Text))
}

func checkDrain(r *Run) error {
	cfg, res := &r.Config, r.Result
	switch {
	case len(cfg.Faults) > 0:
		return errFaults
	case len(res.Failovers) > 0:
		return errFailover
	case len(cfg.Restores) > 0 || cfg.Recovery.Stop.At > 0:
		return errRestore
	}
	if err := drainable(cfg); err != nil {
		return err
	}
	var want int64
	for _, op := range cfg.Graph.Operators {
		if op.Source != nil {
			want += int64(op.Parallelism) * op.Source.Records
		}
	}
	o := r.obs
	if res.Stop == sim.Stalled {
		return notApplicable("no checkpoint completes after the end of input: the job waits for its final checkpoint, as Flink's does")
	}
	unfinished := res.Stop != sim.Quiescent && (res.Stop != sim.JobEnded || res.Job != sim.JobFinished)
	if unfinished && res.Deadlock != nil {
		return deadlocked(res) // the job cannot finish for a reason of Flink's own
	}
	switch {
	case unfinished:
		return fmt.Errorf("the run stopped by %s at %v with the job %s, not finished", res.Stop, time.Duration(res.VirtualEnd), res.Job)
	case o.finished != len(r.Graph.Subtasks):
		return fmt.Errorf("only %d of %d subtasks finished", o.finished, len(r.Graph.Subtasks))
	case res.Summary.RecordsIn != want:
		return fmt.Errorf("the sources read %d records, want %d", res.Summary.RecordsIn, want)
	}
	if err := lostAtFinish(res, true); err != nil {
		return err
	}
	if (res.Summary.Lost != 0 || res.Summary.Duplicates != 0) && !filterAfterAggregate(cfg.Graph) {
		return fmt.Errorf("compared with the failure-free output the sinks lost %d records and wrote %d twice", res.Summary.Lost, res.Summary.Duplicates)
	}
	for _, c := range r.Graph.Channels {
		if o.sent[c.ID] != o.taken[c.ID] {
			return fmt.Errorf("channel %s: %d records sent, %d processed by the receiver", r.Graph.ChannelName(int(c.ID)), o.sent[c.ID], o.taken[c.ID])
		}
	}
	for _, st := range r.Graph.Subtasks {
		// What each chained operator that writes a gate emitted: every
		// record the subtask processed, unless a filter on its way
		// through the chain dropped some.
		emitted := map[int]int64{}
		for _, gate := range st.Outputs {
			var sent int64
			for _, c := range gate.Channels {
				sent += o.sent[c]
			}
			copies := int64(1)
			if gate.Partitioning == topology.Broadcast {
				copies = int64(len(gate.Channels))
			}
			want, ok := emitted[gate.From]
			if !ok {
				want = o.processed[st.ID]
				if filtered(r.Graph, gate.From) {
					want = sent / copies
				}
				emitted[gate.From] = want
			}
			if want > o.processed[st.ID] {
				return fmt.Errorf("%s emitted %d records from %d", st.Name, want, o.processed[st.ID])
			}
			if sent != want*copies {
				return fmt.Errorf("%s emitted %d records but sent %d on its output to %s (want %d)", st.Name, want, sent,
					cfg.Graph.Edges[gate.Edge].To, want*copies)
			}
		}
	}
	return nil
}

// filtered reports whether a record a task takes can be dropped before
// operator op emits it: op or an operator before it in its chain is a
// filter.
func filtered(eg *topology.ExecutionGraph, op int) bool {
	g := eg.Graph
	from, to := g.EdgeEnds()
	for {
		if g.Operators[op].Kind == topology.Filter {
			return true
		}
		up := -1
		for e, chained := range eg.Chained {
			if chained && to[e] == op {
				up = from[e]
			}
		}
		if up < 0 {
			return false
		}
		op = up
	}
}

// filterAfterAggregate reports whether a filter lies downstream of an
// aggregate. The engine's failure-free reference of the sinks' output
// (Summary.Lost and Duplicates) lets such a filter decide on the
// aggregate's input value instead of its output, so its counts are wrong
// there even in a fault-free run; bounded-drain then relies on its own
// channel accounting only.
func filterAfterAggregate(g *topology.Graph) bool {
	order, err := g.Order()
	if err != nil {
		return false
	}
	below := make([]bool, len(g.Operators)) // has an aggregate upstream or is one
	for _, i := range order {
		op := &g.Operators[i]
		for _, e := range g.Edges {
			if e.To == op.Name && below[g.Index(e.From)] {
				below[i] = true
			}
		}
		if below[i] && op.Kind == topology.Filter {
			return true
		}
		below[i] = below[i] || op.Kind == topology.Aggregate
	}
	return false
}
