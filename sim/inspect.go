package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"unsafe"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// Read-only views of a run's state, for a UI or a debugger: what is queued
// on each channel, what each subtask is doing, its keyed state, and the
// checkpoints so far. None of them changes the run. Clone copies a run, so
// that a UI can keep snapshots and travel back in time.

// QueuedKind is what an item queued on a channel is.
type QueuedKind uint8

// The kinds of queued items.
const (
	// QueuedRecord is a data record.
	QueuedRecord QueuedKind = iota
	// QueuedBarrier is a checkpoint barrier.
	QueuedBarrier
	// QueuedCancel is a cancel checkpoint marker.
	QueuedCancel
	// QueuedEndOfPartition is the end of the sender's partition.
	QueuedEndOfPartition
	// QueuedEndOfData is the sender's EndOfData event: no record follows
	// (FLIP-147), but barriers still do until its end of partition.
	QueuedEndOfData
)

// QueuedItem is one item queued on a channel.
type QueuedItem struct {
	// Kind of item.
	Kind QueuedKind
	// Checkpoint is the id of a barrier or cancel marker; for a record,
	// its epoch: the id of the last barrier its sender emitted before it.
	Checkpoint int64
	// Priority marks an unaligned barrier, which overtakes queued data.
	Priority bool
	// Persisted marks a record that is in the channel state of a
	// checkpoint (PersistedFrom..PersistedTo).
	Persisted                  bool
	PersistedFrom, PersistedTo int64
	// AtSender marks an item still in the sender's output queue; otherwise
	// it is on the wire (InFlight) or queued at the receiver.
	AtSender bool
	// InFlight marks a transmitted item that has not reached the receiver.
	InFlight bool
}

// ChannelView is the state of one channel.
type ChannelView struct {
	// Queued items: AtSender in the sender's output queue, the others on
	// the wire or at the receiver; Records of each are the data records.
	AtSender, AtReceiver           int
	SenderRecords, ReceiverRecords int
	SenderBytes                    int64
	// Credit is how many more buffers the sender may transmit: the
	// credits the receiver announced (AddCredit) and the sender has not
	// used. A local channel needs none; -1 for a channel without credits
	// (mode chandy-lamport).
	Credit int
	// Blocked: the receiver holds the channel back while aligning.
	Blocked bool
	// Paused: the sender stopped after an aligned barrier until the
	// receiver resumes the channel.
	Paused bool
	// Ended: the receiver consumed end of partition.
	Ended bool
	// Full: the subpartition holds max-buffers-per-channel buffers, so
	// its sender is backpressured until one is recycled.
	Full bool
	// Epoch is the id of the last barrier the sender emitted here.
	Epoch int64
	// Network is the channel's buffers and credits (see NetworkChannel).
	Network NetworkChannel
}

// ChannelView returns the state of channel id (an execution graph channel).
func (s *Sim) ChannelView(id int) ChannelView {
	if s.tokens != nil {
		return s.tokenChannelView(id)
	}
	c := &s.chans[id]
	s.landLazy(c)
	return ChannelView{
		AtSender: c.out().len(), AtReceiver: c.in().len(),
		SenderRecords: int(c.outRecs), ReceiverRecords: int(c.inRecs), SenderBytes: c.outBytes,
		Credit: int(c.credit), Blocked: c.blocked, Paused: c.paused, Ended: c.ended,
		Full:  int(c.held) >= s.cfg.Channels.MaxBuffersPerChannel,
		Epoch: int64(c.epoch), Network: s.networkChannel(c),
	}
}

// AppendQueued appends the items queued on channel id to buf in the order
// the receiver will take them: first the receiver's queue from its head,
// then the sender's output queue from its head.
func (s *Sim) AppendQueued(buf []QueuedItem, id int) []QueuedItem {
	if s.tokens != nil {
		return s.appendTokenQueue(buf, id)
	}
	c := &s.chans[id]
	for i := range c.in().len() {
		it := c.in().at(i)
		q := queuedOf(it)
		q.InFlight = it.arrival > s.now
		buf = append(buf, q)
	}
	for i := range c.out().len() {
		q := queuedOf(c.out().at(i))
		q.AtSender = true
		buf = append(buf, q)
	}
	return buf
}

func queuedOf(it *item) QueuedItem {
	return QueuedItem{Kind: QueuedKind(it.kind), Checkpoint: it.ck, Priority: it.priority,
		Persisted: it.persistedTo > 0, PersistedFrom: int64(it.persistedFrom), PersistedTo: int64(it.persistedTo)}
}

// Activity is what a subtask is doing at the current instant.
type Activity uint8

// The activities, from the most to the least specific.
const (
	// ActivityIdle: waiting for input (idleTimeMsPerSecond), also with
	// every input blocked by an alignment.
	ActivityIdle Activity = iota
	// ActivityProcessing: processing a record; "busy", as Flink's web UI
	// and busyTimeMsPerSecond call it (neither idle nor backpressured).
	ActivityProcessing
	// ActivitySync: taking the synchronous part of a snapshot; the task
	// processes nothing. Flink's metrics count it as busy time
	// (busyTimeMsPerSecond is what is neither idle nor backpressured).
	ActivitySync
	// ActivityBackpressured: stopped without an output buffer: a
	// subpartition holds max-buffers-per-channel buffers or the result
	// partition's pool is used up (backPressuredTimeMsPerSecond).
	ActivityBackpressured
	// ActivityFinished: its input is exhausted.
	ActivityFinished
	// ActivityFailed: cancelled by a failover, waiting to be redeployed.
	ActivityFailed
	// ActivityRestoring: redeployed, loading its state.
	ActivityRestoring
	// ActivityFinishing: at the end of its input, waiting for its final
	// checkpoint to complete before it finishes (FLIP-147).
	ActivityFinishing
)

var activityNames = [...]string{"idle", "busy", "sync snapshot", "backpressured", "finished", "failed", "restoring", "waiting for final checkpoint"}

// String names the activity.
func (a Activity) String() string { return activityNames[a] }

// SnapshotPhase is where a checkpoint the subtask took but has not yet
// acknowledged stands.
type SnapshotPhase uint8

// The snapshot phases.
const (
	// PhaseSync: the synchronous snapshot is being taken.
	PhaseSync SnapshotPhase = iota
	// PhaseAsync: the state is uploading.
	PhaseAsync
	// PhaseChannelState: uploaded, but the input channel state of an
	// unaligned checkpoint is still being collected.
	PhaseChannelState
	// PhaseOutput: waiting for its aligned barriers (aligned checkpoint
	// timeout) to leave the output queues.
	PhaseOutput
	// PhaseAck: ready to acknowledge.
	PhaseAck
)

var phaseNames = [...]string{"sync", "async upload", "collecting channel state", "barriers queued at output", "acknowledging"}

// String names the phase.
func (p SnapshotPhase) String() string { return phaseNames[p] }

// PendingSnapshot is a checkpoint a subtask has snapshotted and not yet
// acknowledged.
type PendingSnapshot struct {
	Checkpoint int64
	Phase      SnapshotPhase
	// StateBytes is the snapshotted state; PersistedRecords and
	// PersistedBytes the in-flight data persisted so far.
	StateBytes                       int64
	PersistedRecords, PersistedBytes int64
	// AsyncDue is when the upload finishes (once the sync phase ended).
	AsyncDue int64
	// Offset is what a source had read of its splits at the snapshot
	// (the sum of their offsets).
	Offset int64
}

// SubtaskView is the state of one subtask.
type SubtaskView struct {
	Activity Activity
	// Checkpoint is the checkpoint the barrier handler is at (Flink's
	// currentCheckpointId; for at-least-once the newest one tracked) and
	// Pending says whether its barriers are still being collected.
	Checkpoint int64
	Pending    bool
	// AlignedInputs of TargetInputs delivered the barrier of Checkpoint
	// (or ended) while it is pending.
	AlignedInputs, TargetInputs int
	// Unaligned: the pending checkpoint was taken unaligned and its input
	// channel state is being collected.
	Unaligned bool
	// FirstBarrierAt is when the pending checkpoint's first barrier (or
	// announcement) came.
	FirstBarrierAt int64
	// LastSnapshot is the id of the last checkpoint the subtask snapshotted.
	LastSnapshot int64
	// Processed and Emitted count records.
	Processed, Emitted int64
	// Source only: the Splits it reads, in the order of its list state,
	// and Offset, the sum of their offsets (what it has read).
	Source bool
	Splits []SplitView
	Offset int64
	// StateKeys is the number of keys of an aggregate's keyed state and
	// StateBytes the size a snapshot would have now.
	StateKeys  int
	StateBytes int64
	// Snapshots not yet acknowledged, oldest first.
	Snapshots []PendingSnapshot
	// Tracked are the checkpoints an at-least-once subtask counts barriers
	// for.
	Tracked []int64
	// RestoredFrom is the checkpoint (or savepoint) whose state this
	// incarnation of the subtask restored, 0 for none: the one the
	// restart chose, not the latest id the coordinator handed out.
	RestoredFrom int64
	// While the subtask is failed (ActivityFailed), Failover is the
	// failover that stopped it; FailedBy is the subtask whose fault
	// started that failover (the subtask itself for the origin of a
	// crash, another one of its region or the job for those restarted
	// with it), -1 for a job-wide cause. Failover is -1 otherwise.
	Failover int
	FailedBy int32
	// A two-phase commit sink's transactions: SinkOpenRecords written to
	// the open one (-1: none open), and SinkPending, the pre-committed
	// ones waiting for the completion of their checkpoint, oldest first.
	SinkOpenRecords int
	SinkPending     []SinkTransaction
}

// SplitView is a source split: its Partition (global index, see
// CheckpointStats.Offsets) and Offset, the next offset to read.
type SplitView struct {
	Partition int
	Offset    int64
}

// splitViews are the views of splits.
func splitViews(splits []split) []SplitView {
	out := make([]SplitView, len(splits))
	for i, sp := range splits {
		out[i] = SplitView{int(sp.part), sp.offset}
	}
	return out
}

// SinkTransaction is a pre-committed transaction of a two-phase commit
// sink.
type SinkTransaction struct {
	// Checkpoint that pre-committed it; Records written to it.
	Checkpoint int64
	Records    int
}

// SubtaskView returns the state of subtask id (an execution graph subtask).
func (s *Sim) SubtaskView(id int) SubtaskView {
	t := &s.tasks[id]
	v := SubtaskView{
		LastSnapshot: t.lastSnap, Processed: t.processed, Emitted: t.emitted,
		Source: t.isSource(), StateKeys: t.state.len(), StateBytes: stateBytesOf(t), FirstBarrierAt: -1,
		RestoredFrom: t.restored, SinkOpenRecords: -1, Failover: -1, FailedBy: -1,
	}
	if t.sink.open != nil {
		v.SinkOpenRecords = len(t.sink.open.recs)
	}
	for _, x := range t.sink.pending {
		v.SinkPending = append(v.SinkPending, SinkTransaction{Checkpoint: x.ck, Records: len(x.recs)})
	}
	if v.Source {
		// A source has no barrier handler (SourceStreamTask triggers its
		// checkpoints itself): it stays at the checkpoint its incarnation
		// was restored after.
		v.Checkpoint = t.floor
	} else {
		var p protocol.Protocol = t.proto
		if u, ok := p.(*userProtocol); ok {
			p = u.p // Flink's handler through the user's factory shows as itself
		}
		switch p := p.(type) {
		case *protocol.SingleCheckpointBarrierHandler:
			v.Checkpoint, v.Pending, v.Unaligned = p.Current(), p.Pending(), p.Unaligned()
			if v.Pending {
				v.AlignedInputs, v.TargetInputs, v.FirstBarrierAt = p.Alignment()
			}
		case *protocol.CheckpointBarrierTracker:
			v.Checkpoint, v.Tracked = p.Latest(), p.Tracked()
		}
	}
	if v.Source {
		v.Splits, v.Offset = splitViews(t.splits), t.readOffsets()
	}
	syncing := false
	for _, sn := range t.snaps {
		p := PendingSnapshot{Checkpoint: sn.id, StateBytes: sn.stateBytes, PersistedRecords: sn.persistedRecs,
			PersistedBytes: sn.persistedBytes, Offset: sn.read}
		switch {
		case !sn.syncDone:
			p.Phase, syncing = PhaseSync, true
		case s.now < sn.asyncDue:
			p.Phase, p.AsyncDue = PhaseAsync, sn.asyncDue
		case !sn.channelDone:
			p.Phase, p.AsyncDue = PhaseChannelState, sn.asyncDue
		case sn.outPending > 0:
			p.Phase, p.AsyncDue = PhaseOutput, sn.asyncDue
		default:
			p.Phase, p.AsyncDue = PhaseAck, sn.asyncDue
		}
		v.Snapshots = append(v.Snapshots, p)
	}
	switch {
	case id < len(s.job.waiting) && s.job.waiting[id]:
		v.Activity = ActivityFailed
		v.Failover = s.job.stoppedBy[id]
		v.FailedBy = s.job.failovers[v.Failover].Origin
	case t.restoring:
		v.Activity = ActivityRestoring
	case t.finished:
		v.Activity = ActivityFinished
	case t.busy && syncing:
		v.Activity = ActivitySync
	case t.busy:
		v.Activity = ActivityProcessing
	case t.backpressured:
		v.Activity = ActivityBackpressured
	case t.endOfData:
		v.Activity = ActivityFinishing
	}
	return v
}

// KeyValue is one key of a keyed state.
type KeyValue struct{ Key, Value int64 }

// AppendKeyedState appends the keyed state of subtask id to buf, sorted by
// key (nothing for a subtask without keyed state).
func (s *Sim) AppendKeyedState(buf []KeyValue, id int) []KeyValue {
	t := &s.tasks[id]
	n := len(buf)
	t.state.each(func(k, v int64) { buf = append(buf, KeyValue{k, v}) })
	slices.SortFunc(buf[n:], func(a, b KeyValue) int { return cmp.Compare(a.Key, b.Key) })
	return buf
}

// Failover returns failover i (in the order they happened, as
// Result.Failovers lists them) if it happened yet.
func (s *Sim) Failover(i int) (FailoverStats, bool) {
	if i < 0 || i >= len(s.job.failovers) {
		return FailoverStats{}, false
	}
	f := s.job.failovers[i]
	return f, true
}

// JobStatus is the job's status now.
func (s *Sim) JobStatus() JobStatus { return s.job.status }

// NumCheckpoints is the id of the current execution's latest checkpoint:
// the ids CheckpointView knows are at most that. (After a manual restore
// the ids up to the restored checkpoint's belong to earlier executions;
// CheckpointView shows the restored one for its id and nothing below.)
// In a token job it is the number of snapshots begun (TokenSnapshots).
func (s *Sim) NumCheckpoints() int {
	if s.tokens != nil {
		return s.tokens.rec.Len()
	}
	return int(s.coord.lastID())
}

// Evicted reports whether checkpoint n of the current execution was
// triggered but its statistics are no longer kept: it is older than the
// latest Config.Checkpoint.History checkpoints and the engine no longer
// needs it, so CheckpointView does not know it, as Flink's web UI no longer
// shows a checkpoint that left its history.
func (s *Sim) Evicted(n int64) bool { return s.coord.evictedID(n) }

// CheckpointView returns a copy of checkpoint n's figures so far, with the
// per-subtask rows when subtasks is set (they are the costly part to copy).
func (s *Sim) CheckpointView(n int64, subtasks bool) (CheckpointStats, bool) {
	cs := s.coord.get(n)
	if cs == nil {
		return CheckpointStats{}, false
	}
	c := *cs
	c.states = nil
	c.Offsets = slices.Clone(cs.Offsets)
	c.Subtasks = nil
	if subtasks {
		c.Subtasks = slices.Clone(cs.Subtasks)
	}
	return c, true
}

// TraceCount is the number of trace events emitted so far: the Seq the
// next one gets.
func (s *Sim) TraceCount() int64 { return s.traced }

// Resubmissions are the manual restores carried out or refused so far, in
// order (Result.Resubmissions).
func (s *Sim) Resubmissions() []ResubmissionStats { return slices.Clone(s.job.resubmissions) }

// Stopped says why the run ended, or Running.
func (s *Sim) Stopped() StopReason { return s.stop }

// NextEventAt is the time of the next event to fire, if any.
func (s *Sim) NextEventAt() (int64, bool) {
	if s.stop != Running {
		return 0, false
	}
	if e, _ := s.next(); e != nil {
		return e.at, true
	}
	return 0, false
}

// ObserveAt says that the run is looked at as it stands at virtual time
// t, at or after its last event and before its next (the caller stepped
// every event due by t): the views then also show the credits that
// reached their senders by t, which the engine keeps aside rather than
// fire as events (credit.go). Any other t changes nothing; the next Step
// moves on from the event it fires.
func (s *Sim) ObserveAt(t int64) {
	if t < s.seenAt {
		return
	}
	if e, _ := s.next(); e != nil && e.at <= t {
		return
	}
	s.seenAt, s.seenOrd = t, math.MaxUint64
}

// CloneBytes estimates the memory a Clone holds of its own: the channels,
// the subtasks, the scheduled events and the items on the channels (a big
// job's clone is about 90 MB, most of it its 187,500 channels). The TUI
// spaces and bounds its clones by it.
func (s *Sim) CloneBytes() int64 {
	return int64(len(s.chans))*int64(unsafe.Sizeof(channel{})) + int64(len(s.tasks))*int64(unsafe.Sizeof(task{})) +
		int64(s.q.len())*int64(unsafe.Sizeof(event{})) + s.inFlight*int64(unsafe.Sizeof(item{}))
}

// Clone returns an independent copy of the run: stepping either leaves the
// other as it was, and the copy continues exactly as the original would,
// trace event for trace event. The copy has no Tracer. Immutable parts
// (the graph, the source logs, snapshots already taken) are shared.
func (s *Sim) Clone() *Sim {
	c := *s
	c.Tracer = nil
	pcg := *s.pcg
	c.pcg = &pcg
	c.rng = rand.New(c.pcg)
	c.q = s.q.clone()
	c.lazy = slices.Clone(s.lazy)
	c.chunks, c.bufs, c.txnRecs = chunkPool{}, ringPool[netBuf]{}, stack[[]output]{}
	c.announcing, c.annRings = slices.Clone(s.announcing), ringPool[announcement]{}
	for i := range c.announcing {
		c.announcing[i].buf = slices.Clone(c.announcing[i].buf)
	}
	if s.tokens != nil {
		c.tokens = s.tokens.clone()
	}
	// Transactions are shared between a sink, its snapshots and the
	// checkpoints that hold them, and are changed by commits: each is
	// copied once and every holder gets the copy.
	txns := map[*txn]*txn{}
	cloneTxn := func(x *txn) *txn {
		if x == nil {
			return nil
		}
		if y, ok := txns[x]; ok {
			return y
		}
		y := *x
		y.recs = slices.Clone(x.recs)
		txns[x] = &y
		return &y
	}
	cloneTxns := func(xs []*txn) []*txn {
		ys := slices.Clone(xs)
		for i, x := range ys {
			ys[i] = cloneTxn(x)
		}
		return ys
	}
	c.tasks = slices.Clone(s.tasks)
	for i := range c.tasks {
		t := &c.tasks[i]
		cloneTask(t)
		t.sink.open = cloneTxn(t.sink.open)
		t.sink.pending = cloneTxns(t.sink.pending)
		for _, sn := range t.snaps {
			sn.txns = cloneTxns(sn.txns)
		}
	}
	c.chans = slices.Clone(s.chans)
	for i := range c.chans {
		ch := &c.chans[i]
		ch.items = ch.items.clone(&c.chunks)
		ch.outBufs.buf = slices.Clone(ch.outBufs.buf)
		ch.inBufs.rest.buf = slices.Clone(ch.inBufs.rest.buf)
		c.poolQueues(ch)
	}
	co := &c.coord
	co.stats = slices.Clone(co.stats)
	cloneStats := func(cs *CheckpointStats) *CheckpointStats {
		x := *cs
		if cs == s.coord.latest {
			co.latest = &x
		}
		if cs == s.coord.origin {
			co.origin = &x
		}
		x.Offsets = slices.Clone(cs.Offsets)
		x.Subtasks = slices.Clone(cs.Subtasks)
		x.states = slices.Clone(cs.states) // the maps are never changed once taken
		x.txns = slices.Clone(cs.txns)
		for j := range x.txns {
			x.txns[j] = cloneTxns(x.txns[j])
		}
		x.inState = slices.Clone(cs.inState) // each subtask's list is never changed once acknowledged
		x.outState = slices.Clone(cs.outState)
		x.files = slices.Clone(cs.files) // each subtask's files are never changed once taken
		return &x
	}
	for i, cs := range co.stats {
		co.stats[i] = cloneStats(cs)
	}
	if co.origin != nil && co.origin == s.coord.origin {
		cloneStats(s.coord.origin) // not in stats: a rescaled view, or evicted
	}
	co.pending = slices.Clone(co.pending)
	co.retained = slices.Clone(co.retained)
	co.shared.clone()
	co.savepoints = slices.Clone(co.savepoints)
	co.done = slices.Clone(co.done)
	j := &c.job
	j.restarter.failures = slices.Clone(j.restarter.failures)
	j.loop.units = slices.Clone(j.loop.units)
	j.failovers = slices.Clone(j.failovers)
	j.resubmissions = slices.Clone(j.resubmissions)
	if j.stop != nil {
		st := *j.stop
		j.stop = &st
	}
	j.waiting = slices.Clone(j.waiting)
	j.waitingFor = slices.Clone(j.waitingFor)
	j.stoppedBy = slices.Clone(j.stoppedBy)
	j.restarts = slices.Clone(j.restarts)
	j.fired = slices.Clone(j.fired)
	c.checks = s.checks.clone()
	c.script = slices.Clone(s.script)
	return &c
}

// cloneTask deep-copies what a task changes while it runs; the operator,
// its inputs, its output channel lists and its source log never change.
func cloneTask(t *task) {
	t.outputs = slices.Clone(t.outputs)
	t.triggers = slices.Clone(t.triggers)
	t.splits = slices.Clone(t.splits)
	t.state = t.state.clone()
	t.proto = t.proto.Clone()
	t.recording = slices.Clone(t.recording)
	t.readable = t.readable.clone()
	t.snaps = slices.Clone(t.snaps)
	for i, sn := range t.snaps {
		x := *sn // x.state is never changed once taken
		x.inState = slices.Clone(sn.inState)
		x.outState = slices.Clone(sn.outState)
		t.snaps[i] = &x
	}
	t.abortedCk = slices.Clone(t.abortedCk)
	t.localCopies = slices.Clone(t.localCopies)
	t.backend.clone()
	t.dirty = slices.Clone(t.dirty)
	t.recoveredOut = slices.Clone(t.recoveredOut)
	t.gates = slices.Clone(t.gates)
	for i := range t.gates {
		t.gates[i].waiters.buf = slices.Clone(t.gates[i].waiters.buf)
	}
}
