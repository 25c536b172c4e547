package sim

import "github.com/ckptsim/ckptsim/topology"

// output is one record written to the outside world by a sink.
type output struct {
	part      int32 // origin: source partition and offset
	off       int64
	key       int64
	value     int64
	written   int64 // when the sink wrote it
	visible   int64 // when a read-committed reader could see it
	op        int32 // the sink operator (a task may chain several)
	committed bool
}

// txn is a transaction of a two-phase commit sink: the records a sink
// subtask wrote between two checkpoints. The two-phase commit sinks
// chained in one task share it: each would have its own in Flink, but all
// of them pre-commit at the task's snapshot and commit on the same
// notification, so what readers see is the same.
type txn struct {
	sink      int32
	ck        int64 // the checkpoint that pre-committed it
	recs      []output
	committed bool
}

// sinkState is a sink subtask's side of the outside world, shared by the
// sinks of its chain.
type sinkState struct {
	open    *txn   // the transaction being written (two-phase commit)
	pending []*txn // pre-committed, waiting for notifyCheckpointComplete
}

// write hands a record to sink operator op of subtask t. The outside
// world's copy of the output is kept only when the run can drain (every
// source bounded), since only a drained run is checked end to end; commit
// latencies are measured either way.
func (s *Sim) write(t *task, op int, it *item) {
	o := output{part: it.part, off: it.off, key: it.key, value: it.value, written: s.now, op: int32(op)}
	if s.cfg.Graph.Operators[op].SinkMode != topology.TwoPhaseCommitSink {
		o.visible, o.committed = s.now, true
		s.keep(o)
		return
	}
	if t.sink.open == nil {
		recs, _ := s.txnRecs.pop()
		t.sink.open = &txn{sink: t.id, recs: recs}
	}
	t.sink.open.recs = append(t.sink.open.recs, o)
}

// preCommit is the sink's snapshotState of checkpoint n
// (TwoPhaseCommitSinkFunction): the open transaction is pre-committed under
// n and a new one begins. The snapshot holds the pending transactions.
func (s *Sim) preCommit(t *task, sn *taskSnap, n int64) {
	if !t.twoPhaseCommit() {
		return
	}
	if t.sink.open != nil {
		t.sink.open.ck = n
		t.sink.pending = append(t.sink.pending, t.sink.open)
		t.sink.open = nil
	}
	sn.txns = append([]*txn(nil), t.sink.pending...)
}

// commitUpTo commits every pending transaction of sink t pre-committed
// for a checkpoint <= n: notifyCheckpointComplete commits them all, so a
// transaction of an aborted checkpoint is committed by the next success.
func (s *Sim) commitUpTo(t *task, n int64) {
	keep := t.sink.pending[:0]
	for _, x := range t.sink.pending {
		if x.ck <= n {
			s.commit(x)
		} else {
			keep = append(keep, x)
		}
	}
	t.sink.pending = keep
}

// commit makes a transaction visible; committing twice is a no-op, as
// Flink requires of recoverAndCommit.
func (s *Sim) commit(x *txn) {
	if x.committed {
		return
	}
	x.committed = true
	for _, o := range x.recs {
		o.visible, o.committed = s.now, true
		d := o.visible - o.written
		s.commitLatency += d
		s.committedRecs++
		s.maxCommitLatency = max(s.maxCommitLatency, d)
		s.keep(o)
	}
	s.trace(TraceEvent{Kind: TransactionCommitted, Subtask: x.sink, Channel: -1, Checkpoint: x.ck, N: int64(len(x.recs))})
	// Committed once for all: snapshots that still hold x need only the
	// flag, and the next transaction gets the slice.
	if cap(x.recs) > 0 {
		s.txnRecs.push(x.recs[:0])
	}
	x.recs = nil
}

// restoreSink recovers a two-phase commit sink from checkpoint cs: the
// transactions its snapshot held are committed (recoverAndCommit), the
// others were aborted with the failed attempt.
func (s *Sim) restoreSink(t *task, cs *CheckpointStats) {
	if !t.hasSink() {
		return
	}
	t.sink = sinkState{}
	if cs == nil {
		return
	}
	for _, x := range cs.txns[t.id] {
		x.sink = t.id // after a rescale another subtask may commit it
		s.commit(x)
	}
}

// keep hands a visible output to the end checker (endcheck.go).
func (s *Sim) keep(o output) {
	if s.observe != nil {
		s.observe(o)
	}
	s.checks.output(o)
}
