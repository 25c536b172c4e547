package protocol_test

import (
	"fmt"
	"slices"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
)

// scriptRun executes a protocol on one task fed by a sim.Script, without
// the engine: the smallest executor of protocol actions. Items reach the
// task at their step's time with no latency; the task takes priority
// barriers first, else the item that arrived first on an unblocked
// channel; a record takes Script.Cost and is logged when done; the
// coordinator registers the checkpoint of every scripted barrier at its
// first barrier's time, and completes one when the task acknowledged it
// and has nothing left to take at once. It writes the lines of
// sim.ScriptLog.
type scriptRun struct {
	p      protocol.Protocol
	script *sim.Script
	now    int64
	seq    int64
	chans  [][]scriptItem
	// blocked, recording (checkpoint id, 0 none) and overtook (records a
	// taken priority barrier jumped) per input channel.
	blocked   []bool
	recording []int64
	overtook  []int
	busyUntil int64
	working   *scriptItem
	timers    []timer
	acked     []int64
	pending   []int64 // checkpoints pending at the coordinator, ascending
	triggered map[int64]int64
	log       []string
}

type scriptItem struct {
	kind sim.StepKind
	n    int64
	seq  int64
	// priority: the barrier is at the head of its channel's queue, taken
	// first; unaligned: it was sent so (a prioritized one was not).
	priority, unaligned bool
}

type timer struct{ at, ck int64 }

func newScriptRun(p protocol.Protocol, sc *sim.Script) *scriptRun {
	r := &scriptRun{p: p, script: sc, chans: make([][]scriptItem, sc.Channels),
		blocked: make([]bool, sc.Channels), recording: make([]int64, sc.Channels),
		overtook: make([]int, sc.Channels), triggered: map[int64]int64{}}
	for _, st := range sc.Steps {
		if _, ok := r.triggered[st.N]; st.Kind == sim.StepBarrier && !ok {
			r.triggered[st.N] = int64(st.At)
			r.pending = append(r.pending, st.N)
		}
	}
	slices.Sort(r.pending)
	return r
}

// run executes the script and returns the log.
func (r *scriptRun) run(unalignedBarriers bool) []string {
	next := 0
	for {
		// The next event: a record done, a timer due at an idle task, or
		// the next step.
		at := int64(-1)
		if r.working != nil {
			at = r.busyUntil
		}
		for _, tm := range r.timers {
			if r.working == nil && (at < 0 || tm.at < at) {
				at = tm.at
			}
		}
		if next < len(r.script.Steps) {
			if st := int64(r.script.Steps[next].At); at < 0 || st < at {
				at = st
			}
		}
		if at < 0 {
			return r.log
		}
		r.now = max(r.now, at)
		switch {
		case r.working != nil && r.busyUntil == at:
			r.log = append(r.log, fmt.Sprintf("processed r%d", r.working.n))
			r.working = nil
		case r.dueTimer() >= 0:
			i := r.dueTimer()
			tm := r.timers[i]
			r.timers = slices.Delete(r.timers, i, i+1)
			r.step(protocol.Input{Kind: protocol.Timer, Checkpoint: tm.ck})
		default:
			st := r.script.Steps[next]
			next++
			r.arrive(st, unalignedBarriers)
		}
		r.drain()
		r.coordinate()
	}
}

func (r *scriptRun) dueTimer() int {
	for i, tm := range r.timers {
		if r.working == nil && tm.at <= r.now {
			return i
		}
	}
	return -1
}

// arrive queues a step's item on its channel; a priority barrier jumps
// ahead of the records queued there.
func (r *scriptRun) arrive(st sim.ScriptStep, unalignedBarriers bool) {
	r.seq++
	unaligned := st.Kind == sim.StepBarrier && unalignedBarriers
	it := scriptItem{kind: st.Kind, n: st.N, seq: r.seq, priority: unaligned, unaligned: unaligned}
	r.chans[st.Channel] = append(r.chans[st.Channel], it)
	if it.priority {
		r.jump(st.Channel, len(r.chans[st.Channel])-1)
	}
}

// jump moves the barrier at position i of channel ch to the head.
func (r *scriptRun) jump(ch, i int) {
	q := r.chans[ch]
	b := q[i]
	b.priority = true
	r.overtook[ch] = i
	r.chans[ch] = slices.Insert(slices.Delete(q, i, i+1), 0, b)
}

// drain lets the task take items until it is busy or has none it may take.
func (r *scriptRun) drain() {
	for r.working == nil {
		ch := r.pick()
		if ch < 0 {
			return
		}
		it := r.chans[ch][0]
		r.chans[ch] = r.chans[ch][1:]
		in := protocol.Input{Channel: ch, Checkpoint: it.n}
		switch it.kind {
		case sim.StepRecord:
			if r.recording[ch] != 0 {
				r.log = append(r.log, fmt.Sprintf("persisted c%d: r%d", ch, it.n))
			}
			in.Kind = protocol.Record
			r.step(in)
			if r.script.Cost > 0 {
				r.working, r.busyUntil = &it, r.now+int64(r.script.Cost)
				continue
			}
			r.log = append(r.log, fmt.Sprintf("processed r%d", it.n))
			continue
		case sim.StepBarrier:
			in.Kind, in.Triggered, in.Unaligned, in.Prioritized = protocol.Barrier, r.triggered[it.n], it.unaligned, it.priority && !it.unaligned
		case sim.StepCancel:
			in.Kind = protocol.Cancel
		case sim.StepEndOfPartition:
			in.Kind = protocol.EndOfPartition
		}
		r.step(in)
		r.overtook[ch] = 0
	}
}

// pick is the channel of the next item: a priority barrier first, else the
// earliest arrival on an unblocked channel; -1 if none.
func (r *scriptRun) pick() int {
	best := -1
	for ch, q := range r.chans {
		switch {
		case len(q) == 0:
		case q[0].priority && q[0].kind == sim.StepBarrier:
			return ch
		case !r.blocked[ch] && (best < 0 || q[0].seq < r.chans[best][0].seq):
			best = ch
		}
	}
	return best
}

// step feeds an input to the protocol and carries out its actions.
func (r *scriptRun) step(in protocol.Input) {
	in.Now = r.now
	for _, a := range r.p.Step(in).Actions {
		switch a.Kind {
		case protocol.Block:
			r.blocked[a.Channel] = true
			r.log = append(r.log, fmt.Sprintf("blocked c%d", a.Channel))
		case protocol.UnblockAll:
			for ch, b := range r.blocked {
				if b {
					r.blocked[ch] = false
					r.log = append(r.log, fmt.Sprintf("unblocked c%d", ch))
				}
			}
		case protocol.StartRecording:
			r.recording[a.Channel] = a.Checkpoint
		case protocol.StopRecording:
			for _, it := range r.chans[a.Channel][:r.overtook[a.Channel]] {
				r.log = append(r.log, fmt.Sprintf("persisted c%d: r%d", a.Channel, it.n))
			}
			r.recording[a.Channel], r.overtook[a.Channel] = 0, 0
		case protocol.Prioritize:
			for i, it := range r.chans[a.Channel] {
				if it.kind == sim.StepBarrier && it.n == a.Checkpoint && !it.priority {
					r.jump(a.Channel, i)
					break
				}
			}
		case protocol.PersistOutput:
			for _, o := range r.script.OutputQueued {
				r.log = append(r.log, fmt.Sprintf("persisted output: o%d", o))
			}
		case protocol.Snapshot:
			r.log = append(r.log, fmt.Sprintf("checkpoint %d triggered", a.Checkpoint))
		case protocol.Acknowledge:
			r.acked = append(r.acked, a.Checkpoint)
		case protocol.Decline:
			r.log = append(r.log, fmt.Sprintf("checkpoint %d aborted: %s", a.Checkpoint, a.Reason))
			for ch, n := range r.recording {
				if n == a.Checkpoint {
					r.recording[ch] = 0
				}
			}
			if i := slices.Index(r.pending, a.Checkpoint); i >= 0 {
				r.pending = slices.Delete(r.pending, i, i+1)
				r.log = append(r.log, fmt.Sprintf("checkpoint %d %s at the coordinator", a.Checkpoint, a.Reason))
			}
		case protocol.SetTimer:
			r.timers = append(r.timers, timer{at: a.At, ck: a.Checkpoint})
		case protocol.TimedOut:
			r.log = append(r.log, fmt.Sprintf("checkpoint %d alignment timed out", a.Checkpoint))
		}
	}
}

// coordinate completes the acknowledged checkpoints; a completed
// checkpoint subsumes every older pending one.
func (r *scriptRun) coordinate() {
	for _, n := range r.acked {
		i := slices.Index(r.pending, n)
		if i < 0 {
			continue
		}
		r.log = append(r.log, fmt.Sprintf("checkpoint %d completed", n))
		for _, old := range r.pending[:i] {
			r.log = append(r.log, fmt.Sprintf("checkpoint %d subsumed at the coordinator", old))
		}
		r.pending = r.pending[i+1:]
	}
	r.acked = r.acked[:0]
}

// forMode is the protocol a checkpoint config selects, and whether its
// barriers are unaligned (priority) ones.
func forMode(ck sim.CheckpointConfig, spec protocol.Spec) (protocol.Protocol, bool) {
	switch {
	case ck.Mode == sim.AtLeastOnce:
		return protocol.NewCheckpointBarrierTracker(spec), false
	case ck.Mode == sim.Unaligned && ck.AlignedCheckpointTimeout > 0:
		return protocol.NewAlignedWithTimeout(spec, int64(ck.AlignedCheckpointTimeout)), false
	case ck.Mode == sim.Unaligned:
		return protocol.NewUnaligned(spec), true
	}
	return protocol.NewAligned(spec), false
}
