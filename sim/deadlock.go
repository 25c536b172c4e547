package sim

import (
	"fmt"
	"strings"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// Deadlock is a cycle of waits that keeps a checkpoint's barrier alignment
// from ever ending, as Flink's own runtime has it: a subtask aligns
// checkpoint Checkpoint on channels without unaligned checkpoints (the
// inputs of an operator with a forward or broadcast input, whose barriers
// are forced aligned: CheckpointOptions.withUnalignedUnsupported, never
// timing out) and blocks the channels that delivered the barrier; the
// barrier it still waits for has not been emitted, because its sender is
// backpressured and its own forced-aligned barrier is queued behind
// records it cannot take; and the backpressure runs back, through full
// output channels, to a channel the aligning subtask blocked. An unaligned
// task on the way (one whose inputs all support unaligned checkpoints)
// started the checkpoint on the first barrier of another sender and let
// it reach the aligning subtask first.
//
// Nothing in Flink breaks the cycle: an alignment ends only when every
// barrier arrived, or on a CancelCheckpointMarker or a newer barrier
// (SingleCheckpointBarrierHandler; AbstractAlternatingAlignedBarrierHandlerState
// switches to unaligned only if the barrier isTimedOut, which a forced
// aligned one never is), and those would have to come through the stuck
// senders too; the coordinator's abort of the expired checkpoint reaches
// the tasks as notifyCheckpointAborted, which SubtaskCheckpointCoordinatorImpl
// only records (abortedCheckpointIds) and which leaves the barrier handler
// alone. The job stalls until the checkpoint expires and then stays stuck:
// without tolerable checkpoint failures the expiry fails the job over.
//
// A Deadlock may also be a single wait, WaitOwnBuffer, without an
// alignment: with max-buffers-per-channel 1 a subtask's one buffer of a
// subpartition, the one it is filling, makes its buffer pool unavailable
// (LocalBufferPool.requestMemorySegment: ++subpartitionBuffersCount ==
// maxBuffersPerChannel), so it takes no input; only its own next record
// or event would finish that buffer, and the output flusher only sends
// what it holds. Its barriers come behind records, so no checkpoint it
// takes part in completes.
type Deadlock struct {
	// Checkpoint is the checkpoint the subtask of the first wait aligns.
	Checkpoint int64
	// Since is when the subtask of the first wait learned of the
	// checkpoint (its first barrier).
	Since int64
	// Waits is the cycle, each subtask waiting for the next one's progress
	// and the last for the first's: it starts at an aligning subtask. Or
	// the last waits, on an output, for a credit that its receiver is
	// never asked for (no exclusive buffers, no output flusher, the
	// finished buffer left out of the backlog), which only a record or an
	// event of its own would change.
	Waits []Wait
	// Text describes the waits with the names of the subtasks and
	// channels, one after the other.
	Text string
}

// OwnBuffer reports whether d is a subtask's wait for its own buffer being
// filled (a single WaitOwnBuffer), not a cycle around an alignment.
func (d *Deadlock) OwnBuffer() bool { return len(d.Waits) == 1 && d.Waits[0].Kind == WaitOwnBuffer }

// Stuck says what the deadlock keeps from completing: "checkpoint N can
// never complete", or "no checkpoint can complete" when none is pending
// (Checkpoint 0), as before the first is triggered or while a stuck
// subtask still recovers its input and so none is.
func (d *Deadlock) Stuck() string {
	if d.Checkpoint == 0 {
		return "no checkpoint can complete"
	}
	return fmt.Sprintf("checkpoint %d can never complete", d.Checkpoint)
}

// WaitKind is why a subtask of a Deadlock waits.
type WaitKind uint8

// The kinds of waits.
const (
	// WaitBarrier: the subtask aligns the deadlock's checkpoint, holds back
	// the channels that delivered its barrier, and waits for the barrier
	// on Channel, which the sender has not emitted.
	WaitBarrier WaitKind = iota
	// WaitBehind: the subtask has not taken the barrier of the checkpoint
	// (Checkpoint): its inputs carry it forced aligned, behind records,
	// and it takes no record while it is backpressured. Channel is an
	// input that holds the barrier, -1 if none does yet.
	WaitBehind
	// WaitUpstream: the subtask waits for the barrier of Checkpoint from
	// the sender of its input Channel, which has not emitted it.
	WaitUpstream
	// WaitOutput: the subtask is backpressured: its output Channel holds
	// buffers it cannot send, because the receiver holds the channel back
	// (alignment) or takes nothing itself.
	WaitOutput
	// WaitOwnBuffer: the subtask is backpressured by its output Channel,
	// at max-buffers-per-channel 1, whose one buffer is the one it is
	// filling: only its own next record or event would finish it (see
	// Deadlock). Checkpoint is the oldest pending checkpoint it has not
	// taken (0: none).
	WaitOwnBuffer
)

// Wait is one step of a Deadlock.
type Wait struct {
	Kind    WaitKind
	Subtask int32
	Channel int32
	// Checkpoint is the barrier waited for (WaitBarrier, WaitBehind,
	// WaitUpstream).
	Checkpoint int64
}

// deadlockText describes d's waits with the subtask and channel names of
// the execution graph, one after the other.
func (s *Sim) deadlockText(d *Deadlock) string {
	eg := s.eg
	name := func(id int32) string { return eg.Subtasks[id].Name }
	ch := func(id int32) string { return eg.ChannelName(int(id)) }
	var parts []string
	for _, w := range d.Waits {
		switch w.Kind {
		case WaitBarrier:
			how := "aligns checkpoint %d"
			if h, ok := s.tasks[w.Subtask].proto.(*protocol.SingleCheckpointBarrierHandler); ok && h.Unaligned() {
				how = "collects checkpoint %d unaligned, still holding back the channels whose barrier came before its alignment timed out,"
			}
			parts = append(parts, fmt.Sprintf("%s "+how+" and waits for its barrier on %s", name(w.Subtask), w.Checkpoint, ch(w.Channel)))
		case WaitBehind:
			where := "its inputs"
			if w.Channel >= 0 {
				where = ch(w.Channel)
			}
			parts = append(parts, fmt.Sprintf("%s has not taken barrier %d, queued forced aligned behind records on %s", name(w.Subtask), w.Checkpoint, where))
		case WaitUpstream:
			parts = append(parts, fmt.Sprintf("%s waits for barrier %d on %s", name(w.Subtask), w.Checkpoint, ch(w.Channel)))
		case WaitOutput:
			c := &eg.Channels[w.Channel]
			why := "whose receiver is backpressured itself"
			switch ch := &s.chans[w.Channel]; {
			case ch.blocked:
				why = fmt.Sprintf("which %s holds back while it aligns", name(int32(c.To)))
			case ch.paused && ch.resumption == resumeOwed:
				why = fmt.Sprintf("whose sender paused after the blocking barrier %d, which %s took and resumes only when it is done with the checkpoint", ch.owed, name(int32(c.To)))
			case s.hiddenBacklog(ch):
				why = "whose receiver is never told of the finished buffer waiting there (no exclusive buffers, no output flusher, and the backlog leaves out the last buffer)"
			}
			parts = append(parts, fmt.Sprintf("%s is backpressured by %s, %s", name(w.Subtask), ch(w.Channel), why))
		case WaitOwnBuffer:
			why := "its barriers queued behind records"
			if s.tasks[w.Subtask].recovering > 0 {
				why = "so it never consumes its recovered input channel state and stays INITIALIZING"
			}
			parts = append(parts, fmt.Sprintf("%s is backpressured by %s, whose one buffer (max_buffers_per_channel: 1) is the one %s is filling: only its next record or event would finish it, and it takes none, %s", name(w.Subtask), ch(w.Channel), name(w.Subtask), why))
		}
	}
	return strings.Join(parts, "; ")
}

// waitFacts are the waits of a deadlock analysis, each assumed true until
// shown breakable (a greatest fixpoint): align[t] "t's alignment of
// alignN[t] never ends", emits[t] "t never emits barrier emitN[t]", bp[t]
// "t stays backpressured".
type waitFacts struct {
	align, bp, emits []bool
	alignN, emitN    []int64
}

// Deadlock finds a cycle of waits that no event of the run can break (see
// Deadlock), nil if there is none. It changes nothing.
func (s *Sim) Deadlock() *Deadlock {
	if s.tokens != nil || s.job.status != JobRunning {
		return nil
	}
	if d := s.alignmentDeadlock(); d != nil {
		return d
	}
	return s.ownBufferWait()
}

// alignmentDeadlock finds a cycle of waits around a forced aligned
// barrier, nil if there is none.
func (s *Sim) alignmentDeadlock() *Deadlock {
	if s.cfg.Checkpoint.Mode == AtLeastOnce {
		return nil
	}
	n := len(s.tasks)
	f := waitFacts{align: make([]bool, n), bp: make([]bool, n), emits: make([]bool, n), alignN: make([]int64, n), emitN: make([]int64, n)}
	any := false
	for i := range s.tasks {
		if ck, ok := s.aligningForced(&s.tasks[i]); ok {
			f.align[i], f.alignN[i], any = true, ck, true
		}
	}
	if !any {
		return nil
	}
	// The barrier a sender would have to emit is the oldest its aligning
	// receivers wait for, directly or through tasks that wait for it
	// themselves (and have not emitted it yet: one that has needs nothing
	// more of its senders for it); never emitting it, the sender emits no
	// newer one. A barrier it emitted already it need not emit.
	lower := func(u int32, ck int64) bool {
		if s.tasks[u].isSource() || ck <= s.tasks[u].lastSnap || f.emitN[u] != 0 && f.emitN[u] <= ck {
			return false
		}
		f.emitN[u] = ck
		return true
	}
	// A backpressured task that takes barriers with priority moves on
	// only when one comes (see stuckOutput), and so does the alignment of
	// one that collects a checkpoint unaligned after a timeout
	// (deliveredUnaligned): it needs of each sender the barrier after the
	// last one that sender emitted to it.
	for i := range s.tasks {
		if t := &s.tasks[i]; !s.inOrder(t) && (t.backpressured || f.align[i]) {
			for _, cid := range t.inputs {
				c := &s.chans[cid]
				lower(c.from, int64(c.epoch)+1)
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range s.tasks {
			t := &s.tasks[i]
			for _, ck := range [2]int64{f.alignN[i], f.emitN[i]} {
				if t.lastSnap >= ck {
					continue
				}
				for _, cid := range t.inputs {
					changed = lower(s.chans[cid].from, ck) || changed
				}
			}
		}
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		f.bp[i] = t.backpressured && !t.busy && !t.finished && !t.restoring
		f.emits[i] = f.emitN[i] > 0 && !t.finished && !t.restoring && t.lastSnap < f.emitN[i]
	}
	for changed := true; changed; {
		changed = false
		for i := range s.tasks {
			t := &s.tasks[i]
			if f.align[i] && s.missingInput(&f, t, f.alignN[i], true) < 0 {
				f.align[i], changed = false, true
			}
			if f.emits[i] && !s.emitStuck(&f, t) {
				f.emits[i], changed = false, true
			}
			if f.bp[i] && s.stuckOutput(&f, t) < 0 {
				f.bp[i], changed = false, true
			}
		}
	}
	for i := range s.tasks {
		if f.align[i] {
			return s.witness(&f, int32(i))
		}
	}
	return nil
}

// ownBufferWait finds a subtask that waits for its own buffer being filled
// (WaitOwnBuffer), nil if none does. The subtask takes barriers in order
// (not unaligned mode, or forced aligned inputs: a priority barrier would
// be taken and its broadcast would finish the buffer), or still recovers
// its input channel state (INITIALIZING: no checkpoint is triggered until
// every subtask is RUNNING, allRunning, so no barrier comes), is not triggered
// directly (a source, or a task whose upstream finished), and no task can
// finish (unbounded sources, or noneFinishes): then nothing but its own
// progress could free the buffer.
func (s *Sim) ownBufferWait() *Deadlock {
	if s.cfg.Channels.MaxBuffersPerChannel != 1 || s.bounded && !s.noneFinishes() {
		return nil
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if !t.backpressured || t.busy || t.finished || t.restoring || s.job.waiting[t.id] || t.isSource() || len(t.triggers) > 0 ||
			s.cfg.Checkpoint.Mode == Unaligned && !s.inOrder(t) && t.recovering == 0 || s.bounded && s.snapshotPending(t) {
			continue
		}
		for g := range t.outputs {
			for _, cid := range t.outputs[g].chans {
				if c := &s.chans[cid]; c.held == 1 && c.room > 0 && c.outBufs.len() == 0 {
					d := &Deadlock{Checkpoint: s.coord.pendingAfter(t.lastSnap), Since: -1,
						Waits: []Wait{{Kind: WaitOwnBuffer, Subtask: t.id, Channel: cid}}}
					d.Waits[0].Checkpoint = d.Checkpoint
					d.Text = s.deadlockText(d)
					return d
				}
			}
		}
	}
	return nil
}

// noneFinishes reports whether no task of a bounded job can finish while a
// task waits for its own buffer, unless a pending checkpoint already holds
// that task's snapshot (snapshotPending): no task finished yet (one
// upstream of the waiting task would let the coordinator trigger it
// directly), and tasks finish only after a final checkpoint
// (finalCheckpoints: StreamTask waits for one after its end of input),
// which needs the waiting task's snapshot. Seed 13092490 of simulate check
// --mode unaligned --faults always --restores always ran to its event
// budget in such a wait: its one source had read its last record and
// waited for the checkpoint that its map, backpressured by its own buffer,
// held up.
func (s *Sim) noneFinishes() bool {
	if !s.finalCheckpoints() {
		return false
	}
	for i := range s.tasks {
		if s.tasks[i].finished {
			return false
		}
	}
	return true
}

// snapshotPending reports whether t took the snapshot of a checkpoint
// still pending (the oldest pending one is no newer than its last), which
// may then complete without it.
func (s *Sim) snapshotPending(t *task) bool {
	p := s.coord.pending
	return len(p) > 0 && p[0] <= t.lastSnap
}

// aligningForced reports the checkpoint t aligns, if it holds back at
// least one channel until every barrier of it came (unaligned mode, a
// checkpoint that is not a savepoint): it aligns forced aligned barriers
// (inputs without unaligned checkpoints: they never time out), or it
// collects the checkpoint unaligned after its alignment timed out
// (deliveredUnaligned). Only such an alignment starts a cycle in Flink: with
// every barrier of a checkpoint aligned (aligned mode, a savepoint) a task
// emits its barrier on all outputs at once, after all its senders did, and
// none reaches an aligning task early.
func (s *Sim) aligningForced(t *task) (int64, bool) {
	h, ok := t.proto.(*protocol.SingleCheckpointBarrierHandler)
	if !ok || t.finished || t.restoring || !h.Pending() || s.cfg.Checkpoint.Mode != Unaligned || !h.Unaligned() && !s.forcedInputs(t) {
		return 0, false
	}
	n := h.Current()
	blocked := false
	for i, cid := range t.inputs {
		if s.chans[cid].blocked {
			if !h.Delivered(i) {
				return 0, false // held back for another reason than this alignment
			}
			blocked = true
		}
	}
	return n, blocked && !s.coord.isSavepoint(n)
}

// forcedInputs reports whether t's inputs carry forced aligned barriers
// (StreamGraphGenerator disables unaligned checkpoints on every input edge
// of an operator with a forward or broadcast input).
func (s *Sim) forcedInputs(t *task) bool {
	for _, cid := range t.inputs {
		if s.eg.Channels[cid].AlignedOnly {
			return true
		}
	}
	return false
}

// deliveredUnaligned reports whether t collects checkpoint n unaligned
// and its input i delivered the barrier. After an alignment timed out, t
// keeps holding back the channels whose barrier came before
// (AlternatingCollectingBarriers.alignedCheckpointTimeout leaves them
// blocked, and only AlternatingCollectingBarriersUnaligned.finishCheckpoint,
// on the last barrier, a newer one or an abort, unblocks them); on an
// input that delivered it and is not held back, only a newer barrier
// could end the checkpoint.
func (s *Sim) deliveredUnaligned(t *task, i int, n int64) bool {
	h, ok := t.proto.(*protocol.SingleCheckpointBarrierHandler)
	return ok && h.Unaligned() && h.Current() == n && h.Delivered(i)
}

// inOrder reports whether barriers reach t behind the records on its
// inputs (forced aligned), not as priority barriers that t takes at once,
// also while backpressured. The checkpoints of the analysis are unaligned
// ones, not savepoints (aligningForced).
func (s *Sim) inOrder(t *task) bool { return s.forcedInputs(t) }

// missingInput returns an open input of t that t has not taken barrier n
// from and whose sender never emits it; with all, only if every such input
// is so (then no newer barrier and no cancel marker comes either). -1 if
// there is none.
func (s *Sim) missingInput(f *waitFacts, t *task, n int64, all bool) int32 {
	found := int32(-1)
	for i, cid := range t.inputs {
		c := &s.chans[cid]
		if c.ended || c.blocked {
			continue
		}
		switch {
		case int64(c.epoch) < n && f.emits[c.from] && f.emitN[c.from] <= n:
			if found < 0 {
				found = cid
			}
		case int64(c.epoch) == n && s.deliveredUnaligned(t, i, n) && f.emits[c.from] && f.emitN[c.from] <= n+1:
			// Delivered; its sender never emits the next barrier.
		case all:
			return -1
		}
	}
	return found
}

// emitStuck: t never emits barrier emitN[t]. A barrier that reaches t in
// order is behind records, which t does not take while it stays
// backpressured; or it needs an input whose sender never emits it; or
// t's own alignment of it (or of an older one) never ends. A priority
// barrier t takes at once, so then the sender of every input must be
// stuck.
func (s *Sim) emitStuck(f *waitFacts, t *task) bool {
	n := f.emitN[t.id]
	if t.isSource() {
		return false
	}
	if !s.inOrder(t) {
		return s.missingInput(f, t, n, true) >= 0
	}
	return f.bp[t.id] || s.missingInput(f, t, n, false) >= 0 || f.align[t.id] && f.alignN[t.id] <= n
}

// stuckOutput returns an output channel of t that keeps it backpressured
// for good, -1 if none does: a subpartition at max-buffers-per-channel, or
// one holding buffers of an exhausted pool whose every busy channel is
// so, that can release no buffer because its receiver never takes from
// it (a channel holding only the buffer being filled releases none).
func (s *Sim) stuckOutput(f *waitFacts, t *task) int32 {
	lim := int32(s.cfg.Channels.MaxBuffersPerChannel)
	// A task that takes barriers with priority takes the next
	// checkpoint's while backpressured, and broadcasting it (or a cancel
	// marker) finishes every buffer being filled
	// (BufferWritingResultPartition.broadcastEvent): a receiver that takes
	// from the channel then frees that buffer too. Only if one of its
	// senders emits such a barrier: seed 7228927 of simulate check
	// --faults always deadlocked with every sender stuck.
	events := !s.inOrder(t) && s.barrierComes(f, t)
	for g := range t.outputs {
		gt := &t.outputs[g]
		exhausted := gt.held >= gt.pool
		first := int32(-1)
		for _, cid := range gt.chans {
			c := &s.chans[cid]
			stuck := s.channelStuck(f, c) || !events && s.hiddenBacklog(c)
			if c.held >= lim && stuck {
				return cid
			}
			// The buffer being filled is finished only by the records
			// the backpressured task does not write, or an event: its
			// segment returns to the pool only with the others, unless
			// the task emits an event.
			if c.held > 0 && (c.room == 0 || c.held > 1 || events) {
				if !stuck {
					exhausted = false
				} else if first < 0 {
					first = cid
				}
			}
		}
		if exhausted && first >= 0 {
			return first
		}
	}
	return -1
}

// barrierComes reports whether a sender of t may emit a barrier newer
// than the last it emitted to t, or a cancel marker, which would be its
// next event on that channel.
func (s *Sim) barrierComes(f *waitFacts, t *task) bool {
	for _, cid := range t.inputs {
		c := &s.chans[cid]
		if !c.ended && !(f.emits[c.from] && f.emitN[c.from] <= int64(c.epoch)+1) {
			return true
		}
	}
	return false
}

// channelStuck reports whether c's sender can never release a buffer of
// it: the receiver holds c back for an alignment that never ends (the
// sender paused after the blocking barrier), or it takes nothing and the
// sender cannot send either: it paused after a blocking barrier the
// receiver has not taken, or the channel is local, or the receiver has no
// buffer it could announce as credit (none free, none floating in its
// gate, no credit left at the sender).
func (s *Sim) channelStuck(f *waitFacts, c *channel) bool {
	switch {
	case heldBack(f, c):
		return c.resumption != resumeSent && f.align[c.to]
	case c.resumption == resumeSent || !f.bp[c.to]:
		return false
	case c.paused || c.local:
		return true // the sender sends nothing until the receiver takes the barrier
	}
	s.landLazy(c)
	return c.credit == 0 && c.exclusive+c.floating == 0 && s.tasks[c.to].gates[c.gate].free == 0
}

// heldBack reports whether c's receiver holds c back for a checkpoint:
// it blocked the channel, or, aligning one that never ends, it took the
// blocking barrier that paused the sender and owes it the resumption,
// which it sends only when it is done with the checkpoint. After an
// alignment timed out, an aligned barrier that comes late leaves its
// channel so (the credit-based network blocks it;
// AlternatingCollectingBarriersUnaligned.barrierReceived only books it as
// blocked, and finishCheckpoint resumes it).
func heldBack(f *waitFacts, c *channel) bool {
	return c.blocked || c.paused && c.resumption == resumeOwed && f.align[c.to]
}

// hiddenBacklog reports whether the receiver of c never learns of the
// finished buffer c's sender holds for it, so never gives it a credit:
// the receiver has no exclusive buffer (whose recycling would bring
// credit) and none for c now, nor waits for a floating one; the sender
// has no credit, and its backlog, as announced, is 0: without a flush
// (no output flusher) getBuffersInBacklogUnsafe leaves out the last data
// buffer of the queue, finished or not, and only adding the next buffer,
// a flush or an event notifies the reader (PipelinedSubpartition.add,
// shouldNotifyDataAvailable). The caller knows that the sender writes no
// record and emits no event.
func (s *Sim) hiddenBacklog(c *channel) bool {
	ch := &s.cfg.Channels
	if c.local || c.paused || ch.BuffersPerChannel > 0 || ch.BufferTimeout >= 0 || c.outBufs.len() == 0 {
		return false
	}
	s.landLazy(c)
	return c.credit == 0 && c.availableBuffers() == 0 && !c.waiting && s.backlog(c) == 0
}

// witness walks the waits from aligning subtask t until it closes a cycle
// and returns the cycle, starting at an aligning subtask.
func (s *Sim) witness(f *waitFacts, t int32) *Deadlock {
	var path []Wait
	seen := map[[2]int32]int{} // (kind, subtask) -> index in path
	cur, kind := t, WaitBarrier
walk:
	for {
		key := [2]int32{int32(kind), cur}
		if i, ok := seen[key]; ok {
			path = path[i:]
			break
		}
		seen[key] = len(path)
		task := &s.tasks[cur]
		switch kind {
		case WaitBarrier:
			n := f.alignN[cur]
			cid := s.missingInput(f, task, n, false)
			path = append(path, Wait{Kind: WaitBarrier, Subtask: cur, Channel: cid, Checkpoint: n})
			cur, kind = s.chans[cid].from, WaitBehind
		case WaitBehind:
			n := f.emitN[cur]
			switch cid := s.missingInput(f, task, n, false); {
			case s.inOrder(task) && f.bp[cur]:
				path = append(path, Wait{Kind: WaitBehind, Subtask: cur, Channel: s.queuedBarrierInput(task, n), Checkpoint: n})
				kind = WaitOutput
			case cid < 0: // its own alignment never ends
				kind = WaitBarrier
			default:
				path = append(path, Wait{Kind: WaitUpstream, Subtask: cur, Channel: cid, Checkpoint: n})
				cur = s.chans[cid].from
			}
		case WaitOutput:
			cid := s.stuckOutput(f, task)
			path = append(path, Wait{Kind: WaitOutput, Subtask: cur, Channel: cid})
			c := &s.chans[cid]
			held := heldBack(f, c)
			if !held && !f.bp[c.to] {
				break walk // a credit its receiver is never asked for (hiddenBacklog)
			}
			cur, kind = c.to, WaitOutput
			if held {
				kind = WaitBarrier
			}
		}
	}
	for i, w := range path {
		if w.Kind == WaitBarrier {
			path = append(path[i:], path[:i]...)
			break
		}
	}
	d := &Deadlock{Checkpoint: path[0].Checkpoint, Since: -1, Waits: path}
	if h, ok := s.tasks[path[0].Subtask].proto.(*protocol.SingleCheckpointBarrierHandler); ok {
		_, _, d.Since = h.Alignment()
	}
	d.Text = s.deadlockText(d)
	return d
}

// queuedBarrierInput is an input of t on which barrier n is queued, -1 if none.
func (s *Sim) queuedBarrierInput(t *task, n int64) int32 {
	for _, cid := range t.inputs {
		if int64(s.chans[cid].epoch) >= n {
			return cid
		}
	}
	return -1
}
