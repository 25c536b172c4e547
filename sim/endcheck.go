package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// The end-to-end checkers compare what the run produced with a
// failure-free reference over the same input. They need a run that
// drained: bounded sources, every subtask finished (the job FINISHED), so
// that nothing is still on its way. Each sink output carries its origin
// (source partition and offset), so duplicates and losses are counted per
// source record, whatever the aggregates computed on the way.
//
// The end checker is an observer (observer.go): it counts what the sinks
// make visible (output) and, at the end, compares it and the final keyed
// state with the reference (reference.go), which it reads.

// endChecker holds what the sinks made visible and judges a drained run.
type endChecker struct {
	g   *topology.Graph // the job graph (names, kinds and sink modes)
	ref *reference      // the failure-free reference, the run's
	// counted: the job's sources are bounded (or a stop-with-savepoint
	// ends it), so that it can drain and be checked; only such a run
	// counts its outputs. checkable: the reference knows which records
	// reach the sinks (see checkable).
	counted, checkable bool
	atLeastOnce        bool
	modes              []topology.SinkMode
	// delivered counts what the sinks made visible; dropped what the
	// two-phase commit sinks held uncommitted when they finished without
	// checkpoints after tasks finished (Flink before 1.15).
	delivered, dropped outputCounts
}

// newEndChecker checks a run of job graph g against ref; bounded says
// whether the run can drain.
func newEndChecker(g *topology.Graph, ref *reference, bounded, atLeastOnce bool) endChecker {
	return endChecker{g: g, ref: ref, counted: bounded, checkable: checkable(g), atLeastOnce: atLeastOnce, modes: sinkModes(g)}
}

// output counts output o, which a sink made visible.
func (e *endChecker) output(o output) {
	if e.counted {
		e.delivered.add(o, &e.g.Operators[o.op])
	}
}

// abandoned counts output o, which a two-phase commit sink held in a
// transaction it dropped when it finished.
func (e *endChecker) abandoned(o output) {
	if e.counted {
		e.dropped.add(o, &e.g.Operators[o.op])
	}
}

// completed and rescaled change nothing: the end checker judges the
// drained run only.
func (e *endChecker) completed(*CheckpointStats, *topology.ExecutionGraph) {}
func (e *endChecker) rescaled(*topology.Graph)                             {}

// clone returns a deep copy that still reads e's reference (checkers.clone
// repoints it).
func (e *endChecker) clone() endChecker {
	x := *e
	x.delivered = e.delivered.clone()
	x.dropped = e.dropped.clone()
	return x
}

// report runs the end-to-end checks on a drained run (a FINISHED job
// whose outputs the reference knows): it sets r's duplicates and losses
// and appends the invariants exactly-once-state (not in mode
// AtLeastOnce), no-loss and, for a job with sinks, end-to-end.
func (e *endChecker) report(run *runView, r *Result) {
	if !run.finished || !e.checkable {
		return
	}
	var duplicates, lost, atFinish int64
	ref := e.ref
	for p, l := range ref.logs {
		for off := range run.inputEnd[p] {
			key, value := l.record(off)
			want := ref.copies(ref.srcOp[p], key, value)
			got := e.delivered.count(int32(p), off)
			if got > want {
				duplicates += got - want
			} else if got < want {
				lost += want - got
				atFinish += min(want-got, e.dropped.count(int32(p), off))
			}
		}
	}
	r.Summary.Duplicates, r.Summary.Lost, r.Summary.LostAtFinish = duplicates, lost, atFinish
	// Keyed state: the final state of every first-level aggregate equals
	// the reference over the whole logs.
	ref.advanceAll(run.inputEnd)
	if !e.atLeastOnce {
		ok, d := e.checkState(run)
		r.Invariants = append(r.Invariants, Invariant{Name: "exactly-once-state", OK: ok, Detail: d})
	}
	d := "every source record reached the sinks at least once"
	if lost > 0 {
		d = fmt.Sprintf("%d record(s) never reached a sink", lost)
	}
	if atFinish > 0 {
		d += fmt.Sprintf(", %d of them in the transactions the exactly-once sinks dropped when they finished, as Flink before 1.15 does (no checkpoints after tasks finished, FLIP-147)", atFinish)
	}
	r.Invariants = append(r.Invariants, Invariant{Name: "no-loss", OK: lost == 0, Detail: d})
	if len(e.modes) == 0 {
		return
	}
	twoPC := !e.atLeastOnce && !slices.ContainsFunc(e.modes, func(m topology.SinkMode) bool { return m != topology.TwoPhaseCommitSink })
	e2e := Invariant{Name: "end-to-end", OK: lost == 0}
	switch {
	case twoPC:
		e2e.OK = e2e.OK && duplicates == 0
		e2e.Detail = fmt.Sprintf("committed output: %d duplicate(s), %d lost: exactly once", duplicates, lost)
		if !e2e.OK {
			e2e.Detail = fmt.Sprintf("committed output: %d duplicate(s), %d lost", duplicates, lost)
		}
	default:
		e2e.Detail = fmt.Sprintf("at least once: %d duplicate(s) written, %d lost", duplicates, lost)
		if ok, d := e.checkUpserts(); !ok {
			e2e.OK, e2e.Detail = false, d
		} else if slices.Contains(e.modes, topology.UpsertSink) {
			e2e.Detail += "; the upsert tables equal the failure-free ones"
		}
	}
	r.Invariants = append(r.Invariants, e2e)
}

// checkState compares the final keyed state of every first-level
// aggregate with the reference, which has seen the whole input.
func (e *endChecker) checkState(run *runView) (bool, string) {
	for i := range run.eg.Subtasks {
		st := e.ref.state[run.eg.Subtasks[i].Operator]
		if st == nil {
			continue
		}
		want, got := st[run.eg.Subtasks[i].Index], run.states[i]
		if !want.equal(got) {
			return false, fmt.Sprintf("%s: final state holds %d keys, the failure-free reference %d keys%s",
				run.eg.Subtasks[i].Name, len(got), want.len(), firstDiff(want.toMap(), got))
		}
	}
	return true, "the final keyed state equals the failure-free reference over the whole input"
}

// checkUpserts compares each idempotent (upsert) sink's final table with
// the table a failure-free run writes: per key the value of the last
// write. Only first-level aggregates feeding the sink directly give values
// the reference knows (their final state), so other tables are not
// compared.
func (e *endChecker) checkUpserts() (bool, string) {
	g := e.g
	for op := range g.Operators {
		if g.Operators[op].SinkMode != topology.UpsertSink {
			continue
		}
		table := e.delivered.tables[g.Operators[op].Name]
		if table == nil {
			table = map[int64]int64{}
		}
		want := map[int64]int64{}
		for _, edge := range g.Edges {
			if edge.To != g.Operators[op].Name {
				continue
			}
			st := e.ref.state[g.Index(edge.From)]
			if st == nil {
				return true, ""
			}
			for _, ks := range st {
				ks.each(func(k, v int64) { want[k] = v })
			}
		}
		if !maps.Equal(want, table) {
			return false, fmt.Sprintf("sink %s: final table has %d keys, the failure-free table %d keys%s",
				g.Operators[op].Name, len(table), len(want), firstDiff(want, table))
		}
	}
	return true, ""
}

// appendDuplicates appends to buf, up to limit of them, the source
// records read so far whose outputs the sinks wrote more often than a
// failure-free run (see Sim.AppendDuplicates).
func (e *endChecker) appendDuplicates(buf []Duplicate, limit int) (out []Duplicate, extra int64, ok bool) {
	if !e.counted || !e.checkable {
		return buf, 0, false
	}
	ref := e.ref
	for p, l := range ref.logs {
		for off := range e.delivered.end(p) {
			got := e.delivered.count(int32(p), off)
			if got == 0 {
				continue
			}
			key, value := l.record(off)
			if want := ref.copies(ref.srcOp[p], key, value); got > want {
				extra += got - want
				if len(buf) < limit {
					buf = append(buf, Duplicate{Partition: p, Offset: off, Key: key, Value: value, Written: got, Want: want})
				}
			}
		}
	}
	return buf, extra, true
}

// origin is a source record: its partition and offset.
type origin struct {
	part int32
	off  int64
}

// outputCounts is what the sinks made visible, kept so that memory does not
// grow with the outputs: per source record the number of outputs that
// derive from it (one byte; the rare counts past 255 go to overflow), and
// per upsert sink the external table, key by key. A partition's counts
// are in pages of countPage offsets, made as its outputs reach them: a
// slice of them all would be copied into larger ones as the offsets
// advance (a byte for each of the big job's 10 M records, and about
// three times that allocated regrowing it).
type outputCounts struct {
	counts   []partCounts // by source partition
	overflow map[origin]int64
	tables   map[string]map[int64]int64 // by upsert sink operator
}

// partCounts are a partition's counts: of offset off in pages[off /
// countPage], and end is one past the highest offset counted.
type partCounts struct {
	pages [][]uint8
	end   int64
}

// countPage is the number of offsets a page of counts holds.
const countPage = 4096

// add counts output o of a sink of operator op.
func (d *outputCounts) add(o output, op *topology.Operator) {
	for int(o.part) >= len(d.counts) {
		d.counts = append(d.counts, partCounts{})
	}
	c := &d.counts[o.part]
	k := int(o.off / countPage)
	for k >= len(c.pages) {
		c.pages = append(c.pages, nil)
	}
	if c.pages[k] == nil {
		c.pages[k] = make([]uint8, countPage)
	}
	c.end = max(c.end, o.off+1)
	if n := &c.pages[k][o.off%countPage]; *n < math.MaxUint8 {
		*n++
	} else {
		if d.overflow == nil {
			d.overflow = map[origin]int64{}
		}
		d.overflow[origin{o.part, o.off}]++
	}
	if op.SinkMode == topology.UpsertSink {
		if d.tables == nil {
			d.tables = map[string]map[int64]int64{}
		}
		t := d.tables[op.Name]
		if t == nil {
			t = map[int64]int64{}
			d.tables[op.Name] = t
		}
		t[o.key] = o.value
	}
}

// count is the number of outputs that derive from source record (part, off).
func (d *outputCounts) count(part int32, off int64) int64 {
	if int(part) >= len(d.counts) || off >= d.counts[part].end {
		return 0
	}
	page := d.counts[part].pages[off/countPage]
	if page == nil {
		return 0
	}
	return int64(page[off%countPage]) + d.overflow[origin{part, off}]
}

// end is one past the highest offset of partition part that was counted.
func (d *outputCounts) end(part int) int64 {
	if part >= len(d.counts) {
		return 0
	}
	return d.counts[part].end
}

// clone returns a deep copy.
func (d *outputCounts) clone() outputCounts {
	c := outputCounts{counts: make([]partCounts, len(d.counts)), overflow: maps.Clone(d.overflow)}
	for i, x := range d.counts {
		c.counts[i] = partCounts{pages: make([][]uint8, len(x.pages)), end: x.end}
		for k, page := range x.pages {
			c.counts[i].pages[k] = slices.Clone(page)
		}
	}
	if d.tables != nil {
		c.tables = make(map[string]map[int64]int64, len(d.tables))
		for k, t := range d.tables {
			c.tables[k] = maps.Clone(t)
		}
	}
	return c
}

// checkable reports whether the reference knows which records reach the
// sinks of g: not when a filter decides on the output of an aggregate,
// whose values depend on the order in which the aggregate saw its input.
func checkable(g *topology.Graph) bool {
	order, _ := g.Order()
	inputs := operatorInputs(g)
	afterAggregate := make([]bool, len(g.Operators))
	for _, op := range order {
		for _, from := range inputs[op] {
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

// sinkModes lists the modes of the sinks of g.
func sinkModes(g *topology.Graph) []topology.SinkMode {
	var modes []topology.SinkMode
	for _, op := range g.Operators {
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
