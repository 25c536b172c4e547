package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// commits follows the transactions of the two-phase commit sinks through
// a run's trace, independently of the engine's bookkeeping, for the
// two-phase-commit property: Flink's TwoPhaseCommitSinkFunction
// pre-commits the open transaction in snapshotState, commits it in
// notifyCheckpointComplete of that checkpoint or a later one, and on a
// restore commits the transactions the restored snapshot holds
// (initializeState, recoverAndCommit). The trace shows a sink's writes
// (RecordProcessed), its pre-commits (SnapshotSyncStart: the snapshot of
// checkpoint n pre-commits what it wrote since the last), its commits
// (TransactionCommitted) and its restores (SubtaskRestoring).
//
// A manual restore starts a new execution whose checkpoint ids continue
// after the restored one's, so ids repeat across executions: transactions
// are told apart by execution (ckID).
type commits struct {
	sinks        []*sinkTxns // by subtask; nil for the other subtasks
	completedMax int64       // the highest checkpoint id completed so far
	finishedAt   int64       // when the job FINISHED, -1 before
	early        []earlyCommit
	owed         []owedCommit
	names        []string // subtask names
	// exec is the current execution; its restores of a checkpoint id up
	// to originID read the restored checkpoint of execution originExec.
	exec, originExec int
	originID         int64
}

// ckID is a checkpoint of an execution.
type ckID struct {
	exec int
	id   int64
}

// of is checkpoint id as a restore in the current execution means it.
func (c *commits) of(id int64) ckID {
	if id <= c.originID {
		return ckID{c.originExec, id}
	}
	return ckID{c.exec, id}
}

// resubmitted starts execution exec, which restored checkpoint id of
// execution from.
func (c *commits) resubmitted(exec, from int, id int64) {
	c.exec, c.originExec, c.originID = exec, from, id
}

// sinkTxns is one two-phase commit sink subtask's transactions.
type sinkTxns struct {
	open    int64   // records written into the open transaction
	pending []int64 // the checkpoint ids of pre-committed, uncommitted transactions
	// lastSnap is the checkpoint of the last snapshot of this attempt,
	// or the one it restored.
	lastSnap int64
	// held are the pending transactions each snapshot held, by
	// checkpoint id; finishedHeld those the subtask held when it
	// finished after its snapshot finishedAfter (what it acknowledges
	// for later checkpoints), nil if it did not finish.
	held          map[ckID][]int64
	finishedHeld  []int64
	finishedAfter int64
	committed     map[ckID]int64 // commit time by checkpoint
}

// earlyCommit is a commit before any checkpoint at or after the
// transaction's own completed (the latest completed was latest).
type earlyCommit struct {
	subtask        int32
	ck, at, latest int64
}

// owedCommit is a transaction a restore must have committed by its time.
type owedCommit struct {
	subtask int32
	// ck is the transaction's pre-commit in the execution of the
	// restored snapshot, or in the execution that restores it.
	ck, again ckID
	at        int64
	restored  int64
}

func newCommits(eg *topology.ExecutionGraph) *commits {
	c := &commits{sinks: make([]*sinkTxns, len(eg.Subtasks)), finishedAt: -1}
	for i, st := range eg.Subtasks {
		c.names = append(c.names, st.Name)
		// A record the subtask processed is a write unless a filter
		// chained ahead of the sink may drop it, which the trace does
		// not show: such a sink is not followed.
		if sinkOp := twoPhaseSink(eg, i); sinkOp >= 0 && !filtered(eg, sinkOp) {
			c.sinks[i] = &sinkTxns{held: map[ckID][]int64{}, committed: map[ckID]int64{}}
		}
	}
	return c
}

// twoPhaseSink is the two-phase commit sink subtask id runs, -1 for none
// (or for several, chained side by side: their writes are not told apart).
func twoPhaseSink(eg *topology.ExecutionGraph, id int) int {
	found := -1
	for _, op := range eg.Chain(id) {
		if o := &eg.Graph.Operators[op]; o.Kind == topology.Sink && o.SinkMode == topology.TwoPhaseCommitSink {
			if found >= 0 {
				return -1
			}
			found = op
		}
	}
	return found
}

// any reports whether the job has a two-phase commit sink.
func (c *commits) any() bool {
	return slices.ContainsFunc(c.sinks, func(s *sinkTxns) bool { return s != nil })
}

// observe folds one trace event.
func (c *commits) observe(ev sim.TraceEvent) {
	switch ev.Kind {
	case sim.CheckpointCompleted:
		c.completedMax = max(c.completedMax, ev.Checkpoint)
		return
	case sim.JobStatusChanged:
		if sim.JobStatus(ev.N) == sim.JobFinished {
			c.finishedAt = ev.At
		}
		return
	}
	if ev.Subtask < 0 || c.sinks[ev.Subtask] == nil {
		return
	}
	s := c.sinks[ev.Subtask]
	switch ev.Kind {
	case sim.RecordProcessed:
		s.open++
	case sim.SnapshotSyncStart:
		if s.open > 0 {
			s.pending, s.open = append(s.pending, ev.Checkpoint), 0
		}
		s.held[ckID{c.exec, ev.Checkpoint}], s.lastSnap = slices.Clone(s.pending), ev.Checkpoint
	case sim.SubtaskFinished:
		if s.open > 0 { // pre-committed for the next checkpoint it takes part in
			s.pending, s.open = append(s.pending, s.lastSnap+1), 0
		}
		s.finishedHeld, s.finishedAfter = slices.Clone(s.pending), s.lastSnap
	case sim.SubtaskFailed:
		s.open, s.pending = 0, nil // aborted with the attempt
	case sim.TransactionCommitted:
		s.committed[ckID{c.exec, ev.Checkpoint}] = ev.At
		s.pending = slices.DeleteFunc(s.pending, func(ck int64) bool { return ck == ev.Checkpoint })
		if ev.Checkpoint > c.completedMax {
			c.early = append(c.early, earlyCommit{subtask: ev.Subtask, ck: ev.Checkpoint, at: ev.At, latest: c.completedMax})
		}
	case sim.SubtaskRestoring:
		restored := c.of(ev.Checkpoint)
		held, ok := s.held[restored]
		if !ok && s.finishedHeld != nil && ev.Checkpoint > s.finishedAfter {
			held, ok = s.finishedHeld, true
		}
		if ok && ev.Checkpoint > 0 {
			for _, ck := range held {
				c.owed = append(c.owed, owedCommit{subtask: ev.Subtask, ck: ckID{restored.exec, ck}, again: ckID{c.exec, ck}, at: ev.At, restored: ev.Checkpoint})
			}
		}
		s.open, s.pending, s.finishedHeld, s.lastSnap = 0, nil, nil, ev.Checkpoint
	}
}

// violations are the commits that came too early (but for those when the
// job FINISHED, which commits what is left) and the transactions a
// restore did not commit.
func (c *commits) violations() []string {
	var out []string
	for _, e := range c.early {
		if e.at != c.finishedAt {
			out = append(out, fmt.Sprintf("%s committed the transaction of checkpoint %d at %v, when the latest completed checkpoint was %d",
				c.names[e.subtask], e.ck, time.Duration(e.at), e.latest))
		}
	}
	for _, o := range c.owed {
		committed := func(ck ckID) bool {
			at, ok := c.sinks[o.subtask].committed[ck]
			return ok && at <= o.at
		}
		if !committed(o.ck) && !committed(o.again) {
			out = append(out, fmt.Sprintf("%s restored checkpoint %d at %v without committing the transaction of checkpoint %d its snapshot holds",
				c.names[o.subtask], o.restored, time.Duration(o.at), o.ck.id))
		}
	}
	return out
}
