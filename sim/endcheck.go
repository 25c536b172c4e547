package sim

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// The end-to-end checkers compare what the run produced with a
// failure-free reference over the same input. They need a run that
// drained: bounded sources, every subtask finished (the job FINISHED), so
// that nothing is still on its way. Each sink output carries its origin
// (source partition and offset), so duplicates and losses are counted per
// source record, whatever the aggregates computed on the way.

// endChecks are the verdicts of a drained run.
type endChecks struct {
	drained          bool
	duplicates, lost int64
	stateOK          bool
	stateDetail      string
	upsertOK         bool
	upsertDetail     string
}

// copies counts how many times a record of operator op reaches a sink in
// a failure-free run.
func (s *Sim) copies(op int, key, value int64) int64 {
	var n int64
	s.flow(op, key, value, func(to int, _, _ int64) bool {
		if s.cfg.Graph.Operators[to].Kind == topology.Sink {
			n++
		}
		return true
	})
	return n
}

// inputEnd is how much of partition p the job consumed in the end: all of
// it, or for a job stopped with a savepoint the savepoint's offset.
func (s *Sim) inputEnd(p int, l *sourceLog) int64 {
	if st := s.job.stop; st != nil && st.Failed == "" && s.job.stopped {
		if cs := s.coord.get(st.Savepoint); cs != nil && cs.Offsets[p] >= 0 {
			return cs.Offsets[p]
		}
	}
	return l.spec.Records
}

// endCheck runs the end-to-end checkers.
func (s *Sim) endCheck() endChecks {
	var ec endChecks
	if s.job.status != JobFinished || !s.checkable() {
		return ec
	}
	ec.drained = true
	r := &s.ref
	for p, l := range r.logs {
		for off := range s.inputEnd(p, l) {
			key, value := l.record(off)
			want := s.copies(r.srcOp[p], key, value)
			got := s.delivered.count(int32(p), off)
			if got > want {
				ec.duplicates += got - want
			} else {
				ec.lost += want - got
			}
		}
	}
	// Keyed state: the final state of every first-level aggregate equals
	// the reference over the whole logs.
	for p, l := range r.logs {
		s.advanceReference(p, s.inputEnd(p, l))
	}
	ec.stateOK = true
	for i := range s.tasks {
		t := &s.tasks[i]
		st := r.state[t.opIdx]
		if st == nil {
			continue
		}
		want := st[s.eg.Subtasks[i].Index]
		if !maps.Equal(want, t.state) {
			ec.stateOK = false
			ec.stateDetail = fmt.Sprintf("%s: final state holds %d keys, the failure-free reference %d keys%s",
				s.eg.Subtasks[i].Name, len(t.state), len(want), firstDiff(want, t.state))
			break
		}
	}
	ec.upsertOK, ec.upsertDetail = s.checkUpserts()
	return ec
}

// checkUpserts compares each idempotent (upsert) sink's final table with
// the table a failure-free run writes: per key the value of the last
// write. Only first-level aggregates feeding the sink directly give values
// the reference knows (their final state), so other tables are not
// compared.
func (s *Sim) checkUpserts() (bool, string) {
	g := s.cfg.Graph
	for op := range g.Operators {
		if g.Operators[op].SinkMode != topology.UpsertSink {
			continue
		}
		table := s.delivered.tables[g.Operators[op].Name]
		if table == nil {
			table = map[int64]int64{}
		}
		want := map[int64]int64{}
		for _, e := range g.Edges {
			if e.To != g.Operators[op].Name {
				continue
			}
			st := s.ref.state[g.Index(e.From)]
			if st == nil {
				return true, ""
			}
			for _, m := range st {
				maps.Copy(want, m)
			}
		}
		if !maps.Equal(want, table) {
			return false, fmt.Sprintf("sink %s: final table has %d keys, the failure-free table %d keys%s",
				g.Operators[op].Name, len(table), len(want), firstDiff(want, table))
		}
	}
	return true, ""
}

// checkable reports whether the reference knows which records reach the
// sinks: not when a filter decides on the output of an aggregate, whose
// values depend on the order in which the aggregate saw its input.
func (s *Sim) checkable() bool {
	g := s.cfg.Graph
	order, _ := g.Order()
	afterAggregate := make([]bool, len(g.Operators))
	for _, op := range order {
		for _, e := range g.Edges {
			if g.Index(e.To) != op {
				continue
			}
			from := g.Index(e.From)
			if afterAggregate[from] || g.Operators[from].Kind == topology.Aggregate {
				afterAggregate[op] = true
			}
		}
		if afterAggregate[op] && g.Operators[op].Kind == topology.Filter {
			return false
		}
	}
	return true
}

// endInvariants turns the end-to-end checks into invariants.
func (s *Sim) endInvariants(ec endChecks) []Invariant {
	if !ec.drained {
		return nil
	}
	var invs []Invariant
	exactlyOnce := s.cfg.Checkpoint.Mode != AtLeastOnce
	if exactlyOnce {
		d := "the final keyed state equals the failure-free reference over the whole input"
		if !ec.stateOK {
			d = ec.stateDetail
		}
		invs = append(invs, Invariant{Name: "exactly-once-state", OK: ec.stateOK, Detail: d})
	}
	d := "every source record reached the sinks at least once"
	if ec.lost > 0 {
		d = fmt.Sprintf("%d record(s) never reached a sink", ec.lost)
	}
	invs = append(invs, Invariant{Name: "no-loss", OK: ec.lost == 0, Detail: d})
	modes := s.sinkModes()
	if len(modes) == 0 {
		return invs
	}
	twoPC := exactlyOnce && !slices.ContainsFunc(modes, func(m topology.SinkMode) bool { return m != topology.TwoPhaseCommitSink })
	e2e := Invariant{Name: "end-to-end", OK: ec.lost == 0}
	switch {
	case twoPC:
		e2e.OK = e2e.OK && ec.duplicates == 0
		e2e.Detail = fmt.Sprintf("committed output: %d duplicate(s), %d lost: exactly once", ec.duplicates, ec.lost)
		if !e2e.OK {
			e2e.Detail = fmt.Sprintf("committed output: %d duplicate(s), %d lost", ec.duplicates, ec.lost)
		}
	default:
		e2e.Detail = fmt.Sprintf("at least once: %d duplicate(s) written, %d lost", ec.duplicates, ec.lost)
		if !ec.upsertOK {
			e2e.OK, e2e.Detail = false, ec.upsertDetail
		} else if slices.Contains(modes, topology.UpsertSink) {
			e2e.Detail += "; the upsert tables equal the failure-free ones"
		}
	}
	return append(invs, e2e)
}

// sinkModes lists the modes of the job's sinks.
func (s *Sim) sinkModes() []topology.SinkMode {
	var modes []topology.SinkMode
	for _, op := range s.cfg.Graph.Operators {
		if op.Kind == topology.Sink {
			m := op.SinkMode
			if m == "" {
				m = topology.AtLeastOnceSink
			}
			modes = append(modes, m)
		}
	}
	return modes
}
