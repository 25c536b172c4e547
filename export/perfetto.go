package export

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// The Chrome trace-event JSON (the "Trace Event Format" of catapult,
// which Perfetto's JSON importer follows): an object whose traceEvents
// are, here,
//
//   - M metadata: process_name (one process per operator, and one for the
//     checkpoint coordinator) and thread_name (one thread, or track, per
//     subtask), with sort indexes in the graph's order;
//   - X complete spans on a subtask's track, strictly nested: a record
//     being processed, the sync phase of a snapshot, backpressure,
//     restoring, and failed (from the failover to the redeployment). Not
//     B/E pairs: importers that sort the events by time (Chrome DevTools)
//     would pair an E and a B at the same time the wrong way round;
//   - the events in time order (metadata first), so that on every track
//     ts never goes back;
//   - b/e async spans (cat "checkpoint", paired by id), which may overlap:
//     a subtask aligning a checkpoint (from its first blocked channel to
//     its last unblocked one), a subtask's async phase, and each
//     checkpoint at the coordinator, trigger to completion or abort;
//   - X slices of no duration (cat "barrier") where a barrier is injected,
//     forwarded and received, and s/f flow events (cat "barrier", paired by id) from the
//     forward at the sender to the arrival at the receiver, one per channel;
//   - i instants for faults, aborts, alignment timeouts and the job's
//     status changes;
//   - C counters: records queued on each channel (sent, not yet taken),
//     and the in-flight bytes each subtask persisted for the current
//     checkpoint (unaligned checkpoints).
//
// ts is in microseconds of virtual time, with nanosecond decimals.

// perfetto writes one trace.
type perfetto struct {
	// w holds the event being written; out the events written, each with
	// its time (-1 for metadata), sorted by it at the end.
	w   bytes.Buffer
	out []outEvent
	g   *topology.ExecutionGraph
	// coordPid and coordTid are the coordinator's process and track.
	coordPid, coordTid int
	// open are the spans open on each subtask's track, innermost last.
	open [][]openSpan
	// blocked counts each subtask's blocked channels, aligning its async
	// span id (0: none), async the id of its async phase's span.
	blocked     []int
	aligning    []int64
	alignCk     []int64
	async       map[[2]int64]int64
	checkpoints map[int64]int64
	ids         int64
	received    map[[2]int64]bool
	flows       map[[2]int64]int64
	queued      []int64
	persisted   []int64
	lastTs      int64
}

// outEvent is one event of the output, in JSON.
type outEvent struct {
	ts   int64
	text []byte
}

// openSpan is a span open on a subtask's track.
type openSpan struct {
	name  string
	start int64
	args  string
}

// Span names on a subtask's track.
const (
	spanRecord       = "process record"
	spanSync         = "sync phase"
	spanBackpressure = "backpressured"
	spanRestoring    = "restoring"
	spanFailed       = "failed"
)

// WritePerfetto writes the trace events of a run on execution graph g as
// Chrome trace-event JSON; end is the run's virtual end, where the spans
// still open close.
func WritePerfetto(w io.Writer, g *topology.ExecutionGraph, events []sim.TraceEvent, end int64) error {
	p := &perfetto{g: g,
		coordPid: len(g.Graph.Operators) + 1, coordTid: len(g.Subtasks) + 1,
		open: make([][]openSpan, len(g.Subtasks)), blocked: make([]int, len(g.Subtasks)),
		aligning: make([]int64, len(g.Subtasks)), alignCk: make([]int64, len(g.Subtasks)),
		async: map[[2]int64]int64{}, checkpoints: map[int64]int64{},
		received: map[[2]int64]bool{}, flows: map[[2]int64]int64{},
		queued: make([]int64, len(g.Channels)), persisted: make([]int64, len(g.Subtasks))}
	for _, ev := range events {
		if ev.Kind == sim.BarrierReceived && ev.Channel >= 0 {
			p.received[[2]int64{int64(ev.Channel), ev.Checkpoint}] = true
		}
	}
	p.metadata()
	for _, ev := range events {
		p.event(ev)
	}
	p.closeAll(end)
	slices.SortStableFunc(p.out, func(a, b outEvent) int { return cmp.Compare(a.ts, b.ts) })
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"displayTimeUnit":"ms","otherData":{"generator":"ckptsim"},"traceEvents":[` + "\n")
	for i, ev := range p.out {
		if i > 0 {
			bw.WriteString(",\n")
		}
		bw.Write(ev.text)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// metadata names the processes and tracks.
func (p *perfetto) metadata() {
	for i, op := range p.g.Graph.Operators {
		p.meta("process_name", i+1, 0, op.Name)
		p.metaSort("process_sort_index", i+1, 0, i)
	}
	p.meta("process_name", p.coordPid, 0, "checkpoint coordinator")
	p.metaSort("process_sort_index", p.coordPid, 0, -1)
	p.meta("thread_name", p.coordPid, p.coordTid, "checkpoints")
	for _, st := range p.g.Subtasks {
		p.meta("thread_name", st.Operator+1, st.ID+1, st.Name)
		p.metaSort("thread_sort_index", st.Operator+1, st.ID+1, st.Index)
	}
}

func (p *perfetto) meta(name string, pid, tid int, value string) {
	p.begin("M", name, pid, tid)
	p.w.WriteString(`,"args":{"name":`)
	p.str(value)
	p.w.WriteString("}")
	p.end(-1)
}

func (p *perfetto) metaSort(name string, pid, tid, index int) {
	p.begin("M", name, pid, tid)
	fmt.Fprintf(&p.w, `,"args":{"sort_index":%d}`, index)
	p.end(-1)
}

// begin starts an event object with its phase, name, pid and tid.
func (p *perfetto) begin(ph, name string, pid, tid int) {
	p.w.Reset()
	p.w.WriteString(`{"ph":"` + ph + `","name":`)
	p.str(name)
	fmt.Fprintf(&p.w, `,"pid":%d,"tid":%d`, pid, tid)
}

// end closes the event object, at time ts for the sort.
func (p *perfetto) end(ts int64) {
	p.w.WriteByte('}')
	p.out = append(p.out, outEvent{ts: ts, text: bytes.Clone(p.w.Bytes())})
}

// withArgs writes args, if any, and ends the event at ts.
func (p *perfetto) withArgs(args string, ts int64) {
	if args != "" {
		p.w.WriteString(`,"args":{` + args + "}")
	}
	p.end(ts)
}

// at writes the timestamp: ns as µs with three decimals.
func (p *perfetto) at(ns int64) {
	p.w.WriteString(`,"ts":`)
	p.w.WriteString(micros(ns))
}

// micros formats ns as microseconds.
func micros(ns int64) string {
	return strconv.FormatInt(ns/1000, 10) + "." + fmt.Sprintf("%03d", ns%1000)
}

// str writes s as a JSON string, safe on a terminal.
func (p *perfetto) str(s string) { p.w.Write(sim.AppendJSONString(nil, s)) }

// track is a subtask's pid and tid.
func (p *perfetto) track(subtask int32) (pid, tid int) {
	return p.g.Subtasks[subtask].Operator + 1, int(subtask) + 1
}

// push opens span name on subtask's track.
func (p *perfetto) push(subtask int32, name string, ts int64, args string) {
	p.open[subtask] = append(p.open[subtask], openSpan{name: name, start: ts, args: args})
}

// pop closes span name on subtask's track, and the spans opened inside
// it first, writing each as an X span; it does nothing when name is not
// open.
func (p *perfetto) pop(subtask int32, name string, ts int64) {
	stack := p.open[subtask]
	i := len(stack) - 1
	for i >= 0 && stack[i].name != name {
		i--
	}
	if i < 0 {
		return
	}
	pid, tid := p.track(subtask)
	for j := len(stack) - 1; j >= i; j-- {
		sp := stack[j]
		p.begin("X", sp.name, pid, tid)
		p.at(sp.start)
		p.w.WriteString(`,"dur":` + micros(ts-sp.start))
		p.withArgs(sp.args, sp.start)
	}
	p.open[subtask] = stack[:i]
}

// asyncSpan opens (ph "b") or closes ("e") async span id.
func (p *perfetto) asyncSpan(ph, name string, pid, tid int, id, ts int64, args string) {
	p.begin(ph, name, pid, tid)
	fmt.Fprintf(&p.w, `,"cat":"checkpoint","id":%d`, id)
	p.at(ts)
	p.withArgs(args, ts)
}

// instant writes an instant event; scope is t (track), p (process) or g
// (global).
func (p *perfetto) instant(name string, pid, tid int, ts int64, scope, args string) {
	p.begin("i", name, pid, tid)
	p.at(ts)
	p.w.WriteString(`,"s":"` + scope + `"`)
	p.withArgs(args, ts)
}

// slice writes an X slice of no duration on subtask's track.
func (p *perfetto) slice(subtask int32, name string, ts int64, args string) {
	pid, tid := p.track(subtask)
	p.begin("X", name, pid, tid)
	p.at(ts)
	// The flows' category: Chrome DevTools binds a flow to the slice of
	// its category at its time and track, Perfetto to the enclosing one.
	p.w.WriteString(`,"dur":0,"cat":"barrier"`)
	p.withArgs(args, ts)
}

// flow writes flow event ph (s or f) id on subtask's track.
func (p *perfetto) flow(ph string, subtask int32, id, ts int64, name string) {
	pid, tid := p.track(subtask)
	p.begin(ph, name, pid, tid)
	fmt.Fprintf(&p.w, `,"cat":"barrier","id":%d`, id)
	p.at(ts)
	if ph == "f" {
		p.w.WriteString(`,"bp":"e"`)
	}
	p.end(ts)
}

// counter writes counter name of process pid: one counter track each,
// with one series.
func (p *perfetto) counter(name string, pid int, ts int64, series string, v int64) {
	p.begin("C", name, pid, 0)
	p.at(ts)
	fmt.Fprintf(&p.w, `,"args":{"%s":%d}`, series, v)
	p.end(ts)
}

// newID is a fresh id for an async span or a flow.
func (p *perfetto) newID() int64 {
	p.ids++
	return p.ids
}

// ckArgs is the args of an event about checkpoint n.
func ckArgs(n int64) string { return `"checkpoint":` + strconv.FormatInt(n, 10) }

// event translates one trace event.
func (p *perfetto) event(ev sim.TraceEvent) {
	st, ts := ev.Subtask, ev.At
	switch ev.Kind {
	case sim.RecordSent:
		p.queue(ev.Channel, ts, 1)
	case sim.RecordReceived:
		p.queue(ev.Channel, ts, -1)
		p.pop(st, spanRecord, ts)
		p.push(st, spanRecord, ts, fmt.Sprintf(`"key":%d,"value":%d,"channel":%s`, ev.Key, ev.Value, sim.AppendJSONString(nil, p.g.ChannelName(int(ev.Channel)))))
	case sim.RecordProcessed:
		p.pop(st, spanRecord, ts)
	case sim.SnapshotSyncStart:
		p.push(st, spanSync, ts, ckArgs(ev.Checkpoint))
	case sim.SnapshotSyncEnd:
		p.pop(st, spanSync, ts)
		id := p.newID()
		p.async[[2]int64{int64(st), ev.Checkpoint}] = id
		pid, tid := p.track(st)
		p.asyncSpan("b", "async phase "+strconv.FormatInt(ev.Checkpoint, 10), pid, tid, id, ts, ckArgs(ev.Checkpoint))
	case sim.SnapshotAsyncEnd:
		p.endAsync(st, ev.Checkpoint, ts)
	case sim.Backpressured:
		p.push(st, spanBackpressure, ts, "")
	case sim.BackpressureReleased:
		p.pop(st, spanBackpressure, ts)
	case sim.ChannelBlocked:
		p.block(st, ev.Checkpoint, ts)
	case sim.ChannelUnblocked:
		p.unblock(st, ts, false)
	case sim.BarrierInjected:
		p.slice(st, "barrier "+strconv.FormatInt(ev.Checkpoint, 10)+" injected", ts, ckArgs(ev.Checkpoint)+`,"offset":`+strconv.FormatInt(ev.N, 10))
	case sim.BarrierForwarded:
		p.forward(st, ev.Checkpoint, ts)
	case sim.BarrierReceived:
		name := "barrier " + strconv.FormatInt(ev.Checkpoint, 10) + " received"
		p.slice(st, name, ts, ckArgs(ev.Checkpoint)+`,"channel":`+string(sim.AppendJSONString(nil, p.g.ChannelName(int(ev.Channel)))))
		key := [2]int64{int64(ev.Channel), ev.Checkpoint}
		if id, ok := p.flows[key]; ok {
			p.flow("f", st, id, ts, "barrier "+strconv.FormatInt(ev.Checkpoint, 10))
			delete(p.flows, key)
		}
	case sim.InFlightPersisted:
		p.persisted[st] += ev.N
		pid, _ := p.track(st)
		p.counter("persisted in-flight bytes "+p.g.Subtasks[st].Name, pid, ts, "bytes", p.persisted[st])
	case sim.CheckpointAcked, sim.TaskCheckpointAborted:
		if ev.Kind == sim.TaskCheckpointAborted {
			pid, tid := p.track(st)
			p.instant("checkpoint "+strconv.FormatInt(ev.Checkpoint, 10)+" aborted here", pid, tid, ts, "t", ckArgs(ev.Checkpoint)+`,"reason":"`+ev.Reason.String()+`"`)
			p.endAsync(st, ev.Checkpoint, ts)
			if p.alignCk[st] == ev.Checkpoint {
				p.unblock(st, ts, true)
			}
		}
		if p.persisted[st] != 0 {
			p.persisted[st] = 0
			pid, _ := p.track(st)
			p.counter("persisted in-flight bytes "+p.g.Subtasks[st].Name, pid, ts, "bytes", 0)
		}
	case sim.AlignmentTimedOut, sim.BarrierAnnounced, sim.BarrierOvertook, sim.CancelMarkerReceived, sim.EndOfPartition,
		sim.EndOfData, sim.EndOfInput, sim.SubtaskFinished, sim.NotifyComplete, sim.TransactionCommitted:
		if st >= 0 {
			pid, tid := p.track(st)
			p.instant(ev.Kind.String(), pid, tid, ts, "t", p.args(ev))
		}
	case sim.SubtaskFailed:
		p.fail(st, ts)
	case sim.SubtaskRestoring:
		p.pop(st, spanFailed, ts)
		p.push(st, spanRestoring, ts, ckArgs(ev.Checkpoint)+`,"bytes":`+strconv.FormatInt(ev.N, 10))
	case sim.SubtaskRestored:
		p.pop(st, spanRestoring, ts)
	case sim.CheckpointTriggered:
		id := p.newID()
		p.checkpoints[ev.Checkpoint] = id
		p.asyncSpan("b", "checkpoint "+strconv.FormatInt(ev.Checkpoint, 10), p.coordPid, p.coordTid, id, ts, ckArgs(ev.Checkpoint))
	case sim.CheckpointCompleted, sim.CheckpointExpired, sim.CheckpointAborted:
		if id, ok := p.checkpoints[ev.Checkpoint]; ok {
			p.asyncSpan("e", "checkpoint "+strconv.FormatInt(ev.Checkpoint, 10), p.coordPid, p.coordTid, id, ts, `"status":"`+ev.Kind.String()+`"`)
			delete(p.checkpoints, ev.Checkpoint)
		}
		if ev.Kind != sim.CheckpointCompleted {
			p.instant(ev.Kind.String(), p.coordPid, p.coordTid, ts, "t", p.args(ev))
		}
	case sim.JobFailover, sim.JobStatusChanged, sim.JobResubmitted, sim.RestoreRefused, sim.StopFailed:
		p.instant(ev.Kind.String(), p.coordPid, p.coordTid, ts, "g", p.args(ev))
	}
	p.lastTs = ts
}

// args are the fields of ev that an instant shows.
func (p *perfetto) args(ev sim.TraceEvent) string {
	s := `"n":` + strconv.FormatInt(ev.N, 10)
	if ev.Checkpoint != 0 {
		s += "," + ckArgs(ev.Checkpoint)
	}
	if ev.Reason != sim.NoReason {
		s += `,"reason":"` + ev.Reason.String() + `"`
	}
	if ev.Kind == sim.JobStatusChanged {
		s += `,"status":"` + sim.JobStatus(ev.N).String() + `"`
	}
	if ev.Channel >= 0 {
		s += `,"channel":` + string(sim.AppendJSONString(nil, p.g.ChannelName(int(ev.Channel))))
	}
	return s
}

// queue changes the records queued on channel c by d.
func (p *perfetto) queue(c int32, ts, d int64) {
	if c < 0 {
		return
	}
	p.queued[c] += d
	p.counter("queued "+p.g.ChannelName(int(c)), p.g.Subtasks[p.g.Channels[c].To].Operator+1, ts, "records", p.queued[c])
}

// forward is a barrier leaving subtask st on its output channels: a slice,
// and a flow to each receiver that takes it.
func (p *perfetto) forward(st int32, n, ts int64) {
	p.slice(st, "barrier "+strconv.FormatInt(n, 10)+" forwarded", ts, ckArgs(n))
	for _, gate := range p.g.Subtasks[st].Outputs {
		for _, c := range gate.Channels {
			key := [2]int64{int64(c), n}
			if p.received[key] {
				id := p.newID()
				p.flows[key] = id
				p.flow("s", st, id, ts, "barrier "+strconv.FormatInt(n, 10))
			}
		}
	}
}

// block counts a blocked channel of st, starting its aligning span.
func (p *perfetto) block(st int32, n, ts int64) {
	if p.blocked[st] == 0 {
		id := p.newID()
		p.aligning[st], p.alignCk[st] = id, n
		pid, tid := p.track(st)
		p.asyncSpan("b", "aligning "+strconv.FormatInt(n, 10), pid, tid, id, ts, ckArgs(n))
	}
	p.blocked[st]++
}

// unblock counts an unblocked channel of st (all of them when all is
// set), ending its aligning span with the last.
func (p *perfetto) unblock(st int32, ts int64, all bool) {
	if p.blocked[st] == 0 {
		return
	}
	p.blocked[st]--
	if all {
		p.blocked[st] = 0
	}
	if p.blocked[st] == 0 {
		pid, tid := p.track(st)
		p.asyncSpan("e", "aligning "+strconv.FormatInt(p.alignCk[st], 10), pid, tid, p.aligning[st], ts, "")
		p.aligning[st], p.alignCk[st] = 0, 0
	}
}

// endAsync ends st's async phase of checkpoint n, if it runs.
func (p *perfetto) endAsync(st int32, n, ts int64) {
	key := [2]int64{int64(st), n}
	if id, ok := p.async[key]; ok {
		pid, tid := p.track(st)
		p.asyncSpan("e", "async phase "+strconv.FormatInt(n, 10), pid, tid, id, ts, "")
		delete(p.async, key)
	}
}

// fail cancels subtask st: its spans end, its channels empty, and a failed
// span runs until it is redeployed.
func (p *perfetto) fail(st int32, ts int64) {
	if len(p.open[st]) > 0 {
		p.pop(st, p.open[st][0].name, ts)
	}
	p.unblock(st, ts, true)
	for _, key := range sortedKeys(p.async) {
		if key[0] == int64(st) {
			p.endAsync(st, key[1], ts)
		}
	}
	for c := range p.g.Channels {
		ch := &p.g.Channels[c]
		if (ch.From == st || ch.To == st) && p.queued[c] != 0 {
			p.queue(int32(c), ts, -p.queued[c])
		}
	}
	pid, tid := p.track(st)
	p.instant("subtask failed", pid, tid, ts, "t", "")
	p.push(st, spanFailed, ts, "")
}

// closeAll ends every span still open at the end of the run.
func (p *perfetto) closeAll(end int64) {
	end = max(end, p.lastTs)
	for st := range p.open {
		if len(p.open[st]) > 0 {
			p.pop(int32(st), p.open[st][0].name, end)
		}
		p.unblock(int32(st), end, true)
	}
	for _, key := range sortedKeys(p.async) {
		p.endAsync(int32(key[0]), key[1], end)
	}
	for _, n := range sortedKeys(p.checkpoints) {
		p.asyncSpan("e", "checkpoint "+strconv.FormatInt(n, 10), p.coordPid, p.coordTid, p.checkpoints[n], end, `"status":"in progress"`)
	}
}
