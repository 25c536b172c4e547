package tui

import (
	"fmt"
	"sort"

	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Model is a run under inspection with a cursor that can travel both ways.
// The engine is deterministic, so the model records the trace once, as far
// as the run has ever been stepped (the frontier), and keeps a clone of the
// engine every snapEvery events. Going back to event k restores the clone
// at or before k and steps it forward; the recorded trace is not changed
// by that, and every replayed trace event is checked against it.
//
// Event k means: the engine has fired k events (sim.Sim.Events); the trace
// at event k is the trace events those k events emitted.
type Model struct {
	cfg sim.Config
	cur *sim.Sim

	trace   traceStore
	stepEnd []int64 // stepEnd[j]: trace events emitted by the first j events; len = frontier+1
	// snaps[i] is the run at event i*snapEvery, never stepped itself.
	snaps     []*sim.Sim
	snapEvery int64
	maxSnaps  int
	// traceCap bounds the recorded trace (maxTraceEvents); capped: the
	// frontier stopped there, the run going on beyond it.
	traceCap int64
	capped   bool

	// The end of the run, once the frontier reached it.
	ended    bool
	endAt    int64 // events of the whole run
	endStop  sim.StopReason
	mismatch int64 // replayed trace events that differ from the recording

	// clock is the playback clock (PlayTo) while it is ahead of the
	// cursor's event, -1 otherwise.
	clock int64

	lanes     *lanes
	marks     []ckMark   // by checkpoint id - 1
	failovers [][2]int64 // time and trace index of each job failover
	// deps are the job's deployments recorded so far, in trace order: the
	// first, and one for each rescaling restore (a new execution graph).
	deps []deployment
	// resubs are the manual restores recorded so far, with the trace
	// index of their JobResubmitted event.
	resubs []resubMark
}

// deployment is an execution graph the job ran on from trace index seq,
// with its subtask and channel names made safe to show.
type deployment struct {
	eg             *topology.ExecutionGraph
	seq            int64
	names, chNames []string
}

// resubMark is a manual restore and where it is in the trace.
type resubMark struct {
	seq   int64
	stats sim.ResubmissionStats
}

// newDeployment names the subtasks and channels of eg, deployed from trace
// index seq.
func newDeployment(eg *topology.ExecutionGraph, seq int64) deployment {
	d := deployment{eg: eg, seq: seq}
	for _, st := range eg.Subtasks {
		d.names = append(d.names, termsafe.Line(st.Name))
	}
	for c := range eg.Channels {
		d.chNames = append(d.chNames, termsafe.Line(eg.ChannelName(c)))
	}
	return d
}

// ckMark is where a checkpoint begins and ends in the trace.
type ckMark struct {
	trigger, end       int64 // times
	triggerSeq, endSeq int64 // trace indexes; endSeq -1 while in progress
	status             sim.Status
}

// Snapshot spacing: a clone every defaultSnapEvery events, at most
// maxSnapshots of them (then every other one is dropped and the spacing
// doubles), so memory stays bounded and going back costs at most one
// clone plus snapEvery steps. A big job's clones are fewer and further
// apart (snapSpacing): together they take at most snapBudget bytes, and
// a clone every (its bytes / cloneBytesPerEvent) events keeps the time
// spent cloning near a fifth of the time spent stepping (a clone of the
// 187,500 channels of testdata/bench/big-job.yaml copies about 90 MB in
// 70 ms: one every 1.4 M events).
const (
	// maxTraceEvents bounds the trace the UI records (64 bytes each: 1
	// GiB): a big job emits millions a second of virtual time, and the UI
	// stops there rather than fill the machine's memory.
	maxTraceEvents = 1 << 24

	defaultSnapEvery   = 4096
	maxSnapshots       = 256
	snapBudget         = 1 << 30
	cloneBytesPerEvent = 64
)

// snapSpacing is the spacing of the clones of a run whose clone takes
// about bytes, and how many of them are kept at most (at least 2).
func snapSpacing(bytes int64) (every int64, most int) {
	return max(defaultSnapEvery, bytes/cloneBytesPerEvent), int(max(2, min(maxSnapshots, snapBudget/max(1, bytes))))
}

// NewModel builds a run of cfg at event 0.
//
// A rescaling restore deploys another execution graph: the panes show the
// graph at the cursor (Graph), the trace's events are named in the graph
// they happened in, and a subtask's timeline lane continues across the
// restore under its name.
func NewModel(cfg sim.Config) (*Model, error) {
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, clock: -1, traceCap: maxTraceEvents}
	m.snapEvery, m.maxSnaps = snapSpacing(s.CloneBytes())
	m.deps = []deployment{newDeployment(s.Graph(), 0)}
	m.lanes = newLanes(s.Graph(), cfg.Checkpoint.SyncDuration)
	m.snaps = []*sim.Sim{s.Clone()}
	m.cur = s
	m.cur.Tracer = m.record
	m.stepEnd = []int64{s.TraceCount()}
	return m, nil
}

// record receives every trace event of the current engine: new ones are
// appended, replayed ones compared with the recording.
func (m *Model) record(ev sim.TraceEvent) {
	n := m.trace.len()
	switch {
	case ev.Seq == n:
		m.trace.append(ev)
		m.observe(ev)
	case ev.Seq < n:
		if m.trace.at(ev.Seq) != ev {
			m.mismatch++
		}
	default:
		m.mismatch++
	}
}

// observe updates what is derived from the trace: timeline lanes and
// checkpoint marks.
func (m *Model) observe(ev sim.TraceEvent) {
	if eg := m.cur.Graph(); eg != m.deps[len(m.deps)-1].eg {
		// The first event of a rescaled deployment: its JobResubmitted.
		m.deps = append(m.deps, newDeployment(eg, ev.Seq))
		m.lanes.deploy(eg)
	}
	if ev.Kind == sim.JobResubmitted {
		rs := m.cur.Resubmissions()
		m.resubs = append(m.resubs, resubMark{seq: ev.Seq, stats: rs[len(rs)-1]})
	}
	m.lanes.observe(ev)
	switch ev.Kind {
	case sim.JobFailover:
		m.failovers = append(m.failovers, [2]int64{ev.At, ev.Seq})
	case sim.CheckpointTriggered:
		for int64(len(m.marks)) < ev.Checkpoint {
			m.marks = append(m.marks, ckMark{trigger: ev.At, triggerSeq: ev.Seq, endSeq: -1})
		}
	case sim.CheckpointCompleted, sim.CheckpointExpired, sim.CheckpointAborted:
		if i := ev.Checkpoint - 1; i >= 0 && i < int64(len(m.marks)) && m.marks[i].endSeq < 0 {
			mk := &m.marks[i]
			mk.end, mk.endSeq = ev.At, ev.Seq
			mk.status = map[sim.TraceKind]sim.Status{sim.CheckpointCompleted: sim.Completed,
				sim.CheckpointExpired: sim.Expired, sim.CheckpointAborted: sim.Aborted}[ev.Kind]
		}
	}
}

// step fires one event of the current engine.
func (m *Model) step() bool {
	m.clock = -1
	if m.cur.Events() == m.Frontier() && m.trace.len() >= m.traceCap {
		m.capped = true
		return false
	}
	if !m.cur.Step() {
		if k := m.cur.Events(); !m.ended && k == int64(len(m.stepEnd))-1 {
			m.ended, m.endAt, m.endStop = true, k, m.cur.Stopped()
		}
		return false
	}
	k := m.cur.Events()
	if k == int64(len(m.stepEnd)) {
		m.stepEnd = append(m.stepEnd, m.cur.TraceCount())
		if k%m.snapEvery == 0 {
			m.snaps = append(m.snaps, m.cur.Clone())
			if _, most := snapSpacing(m.cur.CloneBytes()); most < m.maxSnaps {
				m.maxSnaps = most // the clones grew with what is queued
			}
			for len(m.snaps) > m.maxSnaps {
				kept := m.snaps[:0]
				for i, s := range m.snaps {
					if i%2 == 0 {
						kept = append(kept, s)
					}
				}
				clear(m.snaps[len(kept):])
				m.snaps = kept
				m.snapEvery *= 2
			}
		}
	}
	return true
}

// Sim is the engine at the cursor. Callers must only read it.
func (m *Model) Sim() *sim.Sim { return m.cur }

// Config is the run's configuration.
func (m *Model) Config() sim.Config { return m.cfg }

// Graph is the execution graph at the cursor: the one of its execution.
func (m *Model) Graph() *topology.ExecutionGraph { return m.cur.Graph() }

// dep is the deployment of execution graph eg (one the run has deployed
// by the frontier), or a new one if the run has not.
func (m *Model) dep(eg *topology.ExecutionGraph) *deployment {
	for i := len(m.deps) - 1; i >= 0; i-- {
		if m.deps[i].eg == eg {
			return &m.deps[i]
		}
	}
	d := newDeployment(eg, -1)
	return &d
}

// names are the subtask names of the graph at the cursor.
func (m *Model) names() []string { return m.dep(m.Graph()).names }

// depAt is the deployment in which trace event seq happened.
func (m *Model) depAt(seq int64) *deployment {
	i := sort.Search(len(m.deps), func(i int) bool { return m.deps[i].seq > seq }) - 1
	return &m.deps[max(i, 0)]
}

// resubAt is the manual restore whose JobResubmitted is trace event seq.
func (m *Model) resubAt(seq int64) (sim.ResubmissionStats, bool) {
	i := sort.Search(len(m.resubs), func(i int) bool { return m.resubs[i].seq >= seq })
	if i == len(m.resubs) || m.resubs[i].seq != seq {
		return sim.ResubmissionStats{}, false
	}
	return m.resubs[i].stats, true
}

// rescaledHere says what the rescaling restore that deployed the graph
// at the cursor gave subtask id of it: the key groups it owns, or the
// splits it reads, and where they were.
func (m *Model) rescaledHere(id int) []string {
	eg := m.Graph()
	rs, ok := m.resubAt(m.dep(eg).seq)
	if !ok {
		return nil
	}
	st := &eg.Subtasks[id]
	var out []string
	for _, op := range rs.Rescaled {
		if op.Operator != eg.Graph.Operators[st.Operator].Name {
			continue
		}
		name := termsafe.Line(op.Operator)
		head := fmt.Sprintf("rescaled %d→%d from %s %d:", op.From, op.To, map[bool]string{true: "savepoint", false: "checkpoint"}[rs.Savepoint], rs.RestoredFrom)
		out = append(out, head)
		moved := func(was int) string {
			if was == st.Index {
				return ""
			}
			return fmt.Sprintf(" (moved from %s[%d])", name, was)
		}
		for _, r := range op.Ranges {
			if r.Subtask == st.Index {
				out = append(out, fmt.Sprintf("  key groups %d-%d%s", r.First, r.Last, moved(r.Was)))
			}
		}
		for _, sp := range op.Splits {
			if sp.Subtask == st.Index {
				out = append(out, fmt.Sprintf("  split of partition %d from offset %s%s", sp.Partition, fmtCount(sp.Offset), moved(sp.Was)))
			}
		}
	}
	return out
}

// cursorSubtask is the subtask of the graph at the cursor that has the
// name trace event ev's subtask had, -1 for none.
func (m *Model) cursorSubtask(ev sim.TraceEvent) int {
	if ev.Subtask < 0 {
		return -1
	}
	d := m.depAt(ev.Seq)
	if d.eg == m.Graph() {
		return int(ev.Subtask)
	}
	if id, ok := m.Graph().SubtaskNamed(d.eg.Subtasks[ev.Subtask].Name); ok {
		return id
	}
	return -1
}

// Event is the cursor: the number of events fired.
func (m *Model) Event() int64 { return m.cur.Events() }

// Now is the virtual time at the cursor: the time of its last event.
func (m *Model) Now() int64 { return m.cur.Now() }

// Clock is the virtual time the UI shows: the playback clock after
// PlayTo, which runs on between events, or else Now. The state at the
// cursor is the state at that time: no event is due between Now and Clock.
func (m *Model) Clock() int64 {
	if m.clock > m.cur.Now() {
		return m.clock
	}
	return m.cur.Now()
}

// TraceLen is the number of trace events at the cursor.
func (m *Model) TraceLen() int64 { return m.cur.TraceCount() }

// Frontier is the furthest event the run has been stepped to.
func (m *Model) Frontier() int64 { return int64(len(m.stepEnd)) - 1 }

// End reports the number of events of the whole run once it is known.
func (m *Model) End() (int64, bool) { return m.endAt, m.ended }

// AtEnd reports whether the cursor is at the end of the run, or at the
// frontier where the trace budget stopped it (Capped).
func (m *Model) AtEnd() bool {
	return m.cur.Stopped() != sim.Running || (m.ended && m.Event() == m.endAt) || m.AtCap()
}

// AtCap reports whether the cursor is at the frontier and the recorded
// trace reached its budget there, so that the UI goes no further.
func (m *Model) AtCap() bool { return m.capped && m.Event() == m.Frontier() }

// capText says where the trace budget stopped the UI and what shows the rest.
func (m *Model) capText() string {
	return fmt.Sprintf("the UI records at most %s trace events and stops here, at event %s; simulate run --trace FILE writes the whole trace",
		fmtCount(m.traceCap), fmtCount(m.Frontier()))
}

// Mismatches counts replayed trace events that differed from the first
// run: always 0 for a deterministic engine.
func (m *Model) Mismatches() int64 { return m.mismatch }

// TraceAt returns trace event i (i < the frontier's trace length).
func (m *Model) TraceAt(i int64) sim.TraceEvent { return m.trace.at(i) }

// failoverOf returns the failover a JobFailover trace event (at or
// before the cursor) reports.
func (m *Model) failoverOf(ev sim.TraceEvent) (sim.FailoverStats, bool) {
	i := sort.Search(len(m.failovers), func(i int) bool { return m.failovers[i][1] >= ev.Seq })
	if ev.Kind != sim.JobFailover || i == len(m.failovers) || m.failovers[i][1] != ev.Seq {
		return sim.FailoverStats{}, false
	}
	return m.cur.Failover(i)
}

// SubtaskName and ChannelName name elements of the graph at the cursor
// ("" for -1).
func (m *Model) SubtaskName(id int32) string { return nameIn(m.dep(m.Graph()).names, id) }

// ChannelName names a channel of the graph at the cursor ("" for -1).
func (m *Model) ChannelName(id int32) string { return nameIn(m.dep(m.Graph()).chNames, id) }

// eventSubtask and eventChannel name trace event ev's subtask and channel
// in the graph it happened in.
func (m *Model) eventSubtask(ev sim.TraceEvent) string {
	return nameIn(m.depAt(ev.Seq).names, ev.Subtask)
}

func (m *Model) eventChannel(ev sim.TraceEvent) string {
	return nameIn(m.depAt(ev.Seq).chNames, ev.Channel)
}

// nameIn is names[id], "" for an id out of range (-1).
func nameIn(names []string, id int32) string {
	if id < 0 || int(id) >= len(names) {
		return ""
	}
	return names[id]
}

// GoTo moves the cursor to event k (clamped to the run).
func (m *Model) GoTo(k int64) {
	m.clock = -1
	k = max(k, 0)
	cur := m.cur.Events()
	// Back, or forward past a snapshot within the recorded run: start from
	// the snapshot at or before k.
	if k < cur || (k <= m.Frontier() && k/m.snapEvery > cur/m.snapEvery) {
		i := min(k/m.snapEvery, int64(len(m.snaps)-1))
		m.cur = m.snaps[i].Clone()
		m.cur.Tracer = m.record
	}
	for m.cur.Events() < k && m.step() {
	}
}

// Next moves to the next event that emits a trace event (events that
// emit none are internal wake-ups); it reports whether it moved.
func (m *Model) Next() bool {
	before := m.cur.TraceCount()
	moved := false
	for m.cur.TraceCount() == before {
		if !m.step() {
			return moved
		}
		moved = true
	}
	return true
}

// Prev moves back to the previous event that emitted a trace event (or
// event 0); it reports whether it moved.
func (m *Model) Prev() bool {
	k := m.Event()
	if k == 0 {
		return false
	}
	j := k - 1
	for j > 0 && m.stepEnd[j] == m.stepEnd[j-1] {
		j--
	}
	m.GoTo(j)
	return true
}

// seekBudget bounds how many events a search steps through.
const seekBudget = 20_000_000

// SeekNext moves forward to the first event that emits a trace event
// matching match. It reports whether one was found before the end of the
// run (within seekBudget events); if not, the cursor stays where it was.
func (m *Model) SeekNext(match func(sim.TraceEvent) bool) bool {
	k, clock := m.Event(), m.clock
	for n := 0; n < seekBudget; n++ {
		before := m.cur.TraceCount()
		if !m.step() {
			break
		}
		for i := before; i < m.cur.TraceCount(); i++ {
			if match(m.trace.at(i)) {
				return true
			}
		}
	}
	m.GoTo(k)
	m.clock = clock
	return false
}

// SeekPrev moves back to the last earlier event that emitted a trace event
// matching match; it reports whether there was one.
func (m *Model) SeekPrev(match func(sim.TraceEvent) bool) bool {
	k := m.Event()
	if k == 0 {
		return false
	}
	for i := m.stepEnd[k-1] - 1; i >= 0; i-- {
		if match(m.trace.at(i)) {
			m.GoTo(m.EventOf(i))
			return true
		}
	}
	return false
}

// EventOf is the event that emitted trace event i (i below the frontier's
// trace length): going there shows i as the latest trace event.
func (m *Model) EventOf(i int64) int64 {
	return int64(sort.Search(len(m.stepEnd), func(j int) bool { return m.stepEnd[j] > i }))
}

// AdvanceTo steps while the next event is due at or before time t, until
// over (checked every 1024 events; nil: never) says to stop. It reports
// whether every event due by t fired (reached) and whether the run ended.
func (m *Model) AdvanceTo(t int64, over func() bool) (reached, ended bool) {
	for n := 1; ; n++ {
		at, ok := m.cur.NextEventAt()
		if !ok {
			m.step() // let the engine note its end
			return true, true
		}
		if at > t {
			m.cur.ObserveAt(t) // the state at t: credits that came by then too
			return true, false
		}
		if !m.step() {
			return true, true
		}
		if over != nil && n%1024 == 0 && over() {
			return false, false
		}
	}
}

// PlayTo moves the playback clock to t and fires every event due by then,
// until over says to stop (the clock then stays at the last event fired).
// Playback keeps its own clock because the next event may be further away
// than a frame advances: a clock that restarted from the last event's
// time every frame would never reach it. PlayTo reports whether the run
// ended.
func (m *Model) PlayTo(t int64, over func() bool) (ended bool) {
	reached, ended := m.AdvanceTo(t, over)
	if reached && !ended {
		m.clock = t
	}
	return ended
}

// GoToTime moves the cursor to the last event at or before time t.
func (m *Model) GoToTime(t int64) {
	if t >= m.Now() {
		m.AdvanceTo(t, nil)
		return
	}
	// The first trace event after t; the cursor goes to just before the
	// event that emitted it.
	n := m.trace.len()
	i := int64(sort.Search(int(n), func(i int) bool { return m.trace.at(int64(i)).At > t }))
	if i >= n {
		m.AdvanceTo(t, nil)
		return
	}
	m.GoTo(m.EventOf(i) - 1)
	if m.Now() > t {
		m.Prev() // a silent event after t: back to the one that emitted trace event i-1
	}
}

// traceStore keeps trace events in fixed-size chunks, so that a long run
// never copies its whole trace to grow it.
type traceStore struct {
	chunks [][]sim.TraceEvent
	n      int64
}

const traceChunk = 1 << 14

func (ts *traceStore) len() int64 { return ts.n }

func (ts *traceStore) append(ev sim.TraceEvent) {
	if ts.n%traceChunk == 0 {
		ts.chunks = append(ts.chunks, make([]sim.TraceEvent, 0, traceChunk))
	}
	c := &ts.chunks[len(ts.chunks)-1]
	*c = append(*c, ev)
	ts.n++
}

func (ts *traceStore) at(i int64) sim.TraceEvent { return ts.chunks[i/traceChunk][i%traceChunk] }
