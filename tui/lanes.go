package tui

import (
	"sort"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// laneState is one thing a subtask can be doing, drawn in its timeline
// swimlane. The states may overlap (a task processes records while it
// aligns or uploads); a cell shows the most significant one.
type laneState uint8

const (
	laneBusy    laneState = iota // processing a record
	laneAlign                    // some input blocked by alignment
	laneBP                       // backpressured
	laneSync                     // synchronous snapshot
	laneAsync                    // asynchronous upload
	laneFailed                   // failed, until redeployed
	laneRestore                  // restoring state after a failover
	numLaneStates
)

// span is an interval of one state of one subtask. It became known with
// trace event seq (and, if it has ended, ended with trace event endSeq);
// to is -1 while open.
type span struct {
	from, to    int64
	seq, endSeq int64
}

// lane is the timeline of one subtask, built from the trace as it is
// recorded. Spans of one state never overlap and are in time order.
type lane struct {
	spans       [numLaneStates][]span
	blocked     int            // blocked inputs
	async       map[int64]bool // checkpoints uploading
	finished    int64          // time it finished, or -1
	finishedSeq int64
}

// lanes are the timelines of every subtask, a lane per subtask name: a
// subtask keeps its lane across a rescaling restore, and a subtask the
// rescale adds gets a new one.
type lanes struct {
	l     []lane
	cost  []int64 // processing time per record, by lane
	sync  int64   // sync phase duration
	async map[int64][]int32
	// of maps the subtasks of each execution graph deployed so far to
	// their lanes, by subtask ID; cur is the table of the graph the trace
	// is at, byName the lane of each name.
	of     map[*topology.ExecutionGraph][]int32
	cur    []int32
	byName map[string]int32
}

func newLanes(eg *topology.ExecutionGraph, sync time.Duration) *lanes {
	ls := &lanes{sync: int64(sync), async: map[int64][]int32{}, of: map[*topology.ExecutionGraph][]int32{}, byName: map[string]int32{}}
	ls.deploy(eg)
	return ls
}

// deploy makes eg the graph the trace is at, with a lane for each of its
// subtasks.
func (ls *lanes) deploy(eg *topology.ExecutionGraph) {
	table := make([]int32, len(eg.Subtasks))
	for i, st := range eg.Subtasks {
		id, ok := ls.byName[st.Name]
		if !ok {
			id = int32(len(ls.l))
			ls.byName[st.Name] = id
			ls.l = append(ls.l, lane{finished: -1, async: map[int64]bool{}})
			ls.cost = append(ls.cost, 0)
		}
		ls.cost[id] = 0
		for _, op := range eg.Chain(i) { // a record that reaches the whole chain
			ls.cost[id] += int64(eg.Graph.Operators[op].CostOf(st.Index))
		}
		table[i] = id
	}
	ls.of[eg], ls.cur = table, table
}

// laneOf is the lane of subtask id of eg, a graph deployed so far.
func (ls *lanes) laneOf(eg *topology.ExecutionGraph, id int) int { return int(ls.of[eg][id]) }

func (ls *lanes) open(sub int32, st laneState, at, seq int64) {
	l := &ls.l[sub]
	l.spans[st] = append(l.spans[st], span{from: at, to: -1, seq: seq, endSeq: -1})
}

func (ls *lanes) close(sub int32, st laneState, at, seq int64) {
	sp := ls.l[sub].spans[st]
	if n := len(sp); n > 0 && sp[n-1].to < 0 {
		sp[n-1].to, sp[n-1].endSeq = at, seq
	}
}

func (ls *lanes) endAsync(sub int32, n int64, at, seq int64) {
	l := &ls.l[sub]
	if !l.async[n] {
		return
	}
	delete(l.async, n)
	if len(l.async) == 0 {
		ls.close(sub, laneAsync, at, seq)
	}
}

// observe updates the lanes with one new trace event.
func (ls *lanes) observe(ev sim.TraceEvent) {
	sub, at, seq := int32(-1), ev.At, ev.Seq
	if ev.Subtask >= 0 && int(ev.Subtask) < len(ls.cur) {
		sub = ls.cur[ev.Subtask]
	}
	switch ev.Kind {
	case sim.JobResubmitted:
		// Every subtask of the old job was stopped, and the new job's are
		// deployed.
		for i := range ls.l {
			ls.closeAll(int32(i), at, seq)
			l := &ls.l[i]
			l.blocked, l.finished = 0, -1
			clear(l.async)
		}
	case sim.RecordProcessed:
		c := ls.cost[sub]
		if c == 0 {
			return
		}
		sp := &ls.l[sub].spans[laneBusy]
		if n := len(*sp); n > 0 && (*sp)[n-1].to == at-c {
			(*sp)[n-1].to, (*sp)[n-1].endSeq = at, seq
			return
		}
		*sp = append(*sp, span{from: at - c, to: at, seq: seq, endSeq: seq})
	case sim.ChannelBlocked:
		l := &ls.l[sub]
		l.blocked++
		if l.blocked == 1 {
			ls.open(sub, laneAlign, at, seq)
		}
	case sim.ChannelUnblocked:
		l := &ls.l[sub]
		if l.blocked > 0 {
			l.blocked--
			if l.blocked == 0 {
				ls.close(sub, laneAlign, at, seq)
			}
		}
	case sim.Backpressured:
		ls.open(sub, laneBP, at, seq)
	case sim.BackpressureReleased:
		ls.close(sub, laneBP, at, seq)
	case sim.SnapshotSyncStart:
		// The sync phase lasts the configured duration; an abort during it
		// emits no end.
		ls.l[sub].spans[laneSync] = append(ls.l[sub].spans[laneSync], span{from: at, to: at + ls.sync, seq: seq, endSeq: seq})
	case sim.SnapshotSyncEnd, sim.TokensRecorded:
		// A token job's process records its inputs from its state's
		// recording until its part is done (CheckpointAcked): drawn as
		// the async lane.
		l := &ls.l[sub]
		if len(l.async) == 0 {
			ls.open(sub, laneAsync, at, seq)
		}
		l.async[ev.Checkpoint] = true
		ls.async[ev.Checkpoint] = append(ls.async[ev.Checkpoint], sub)
	case sim.SnapshotAsyncEnd, sim.TaskCheckpointAborted, sim.CheckpointAcked:
		ls.endAsync(sub, ev.Checkpoint, at, seq)
	case sim.CheckpointAborted, sim.CheckpointExpired, sim.CheckpointCompleted:
		for _, s := range ls.async[ev.Checkpoint] {
			ls.endAsync(s, ev.Checkpoint, at, seq)
		}
		delete(ls.async, ev.Checkpoint)
	case sim.SubtaskFinished:
		l := &ls.l[sub]
		l.finished, l.finishedSeq = at, seq
		ls.closeAll(sub, at, seq)
	default:
		ls.observeRecovery(ev.Kind.String(), sub, ev)
	}
}

// observeRecovery follows failures and recoveries of lane sub by the names
// of their trace kinds (subtask_failed, subtask_restoring,
// subtask_restored), so that the lanes show them whichever engine version
// emits them.
func (ls *lanes) observeRecovery(kind string, sub int32, ev sim.TraceEvent) {
	at, seq := ev.At, ev.Seq
	if sub < 0 {
		return
	}
	switch kind {
	case "subtask_failed":
		// The subtask is cancelled: whatever it was doing ends.
		ls.closeAll(sub, at, seq)
		l := &ls.l[sub]
		l.blocked = 0
		clear(l.async)
		l.finished = -1
		ls.open(sub, laneFailed, at, seq)
	case "subtask_restoring":
		ls.close(sub, laneFailed, at, seq)
		ls.open(sub, laneRestore, at, seq)
	case "subtask_restored":
		ls.close(sub, laneFailed, at, seq)
		ls.close(sub, laneRestore, at, seq)
	}
}

// closeAll ends every open span of subtask sub.
func (ls *lanes) closeAll(sub int32, at, seq int64) {
	for st := range numLaneStates {
		ls.close(sub, st, at, seq)
	}
}

// laneCells are what one lane shows per column of a time window.
type laneCells struct {
	busy     []float64 // fraction of the column spent processing
	present  [numLaneStates][]bool
	finished []bool
}

func (lc *laneCells) reset(w int) {
	if cap(lc.busy) < w {
		lc.busy = make([]float64, w)
		for st := range lc.present {
			lc.present[st] = make([]bool, w)
		}
		lc.finished = make([]bool, w)
	}
	lc.busy = lc.busy[:w]
	clear(lc.busy)
	for st := range lc.present {
		lc.present[st] = lc.present[st][:w]
		clear(lc.present[st])
	}
	lc.finished = lc.finished[:w]
	clear(lc.finished)
}

// fill computes subtask sub's cells for w columns from t0, each colDur
// long, as the trace stood with traceLen events at time now: spans learnt
// later are left out, spans still open then end at now.
func (ls *lanes) fill(lc *laneCells, sub int, t0, colDur int64, w int, now, traceLen int64) {
	lc.reset(w)
	t1 := t0 + colDur*int64(w)
	l := &ls.l[sub]
	for st := range numLaneStates {
		sp := l.spans[st]
		i := sort.Search(len(sp), func(i int) bool { return sp[i].to < 0 || sp[i].to > t0 || sp[i].endSeq >= traceLen })
		for ; i < len(sp); i++ {
			s := &sp[i]
			if s.seq >= traceLen || s.from >= t1 || s.from > now {
				break
			}
			to := s.to
			if to < 0 || s.endSeq >= traceLen || to > now {
				to = now
			}
			from := max(s.from, t0)
			to = min(to, t1)
			if to < from {
				continue
			}
			c0 := int((from - t0) / colDur)
			c1 := int((to - t0) / colDur)
			if to > from && (to-t0)%colDur == 0 {
				c1-- // ends on the boundary
			}
			c1 = min(c1, w-1)
			for c := c0; c <= c1; c++ {
				if st == laneBusy {
					cs, ce := t0+int64(c)*colDur, t0+int64(c+1)*colDur
					lc.busy[c] += float64(min(to, ce)-max(from, cs)) / float64(colDur)
				}
				lc.present[st][c] = true
			}
		}
	}
	if l.finished >= 0 && l.finishedSeq < traceLen && l.finished < t1 {
		for c := max(0, int((l.finished-t0)/colDur)); c < w; c++ {
			if t0+int64(c)*colDur <= now {
				lc.finished[c] = true
			}
		}
	}
}
