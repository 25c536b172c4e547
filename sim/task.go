package sim

import (
	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/topology"
)

// gate is one output edge of a subtask: the channels it writes and how it
// picks among them.
type gate struct {
	part   topology.Partitioning
	chans  []int32     // the graph's (topology.OutputGate.Channels)
	rr     int         // next channel of a rebalance gate
	owners *ownerTable // a hash gate's: which of its channels a key goes to (the receiver's key group ranges)
	// held is the buffers of the result partition's pool in use, pool its
	// size (ChannelConfig.outputPool).
	held, pool int
}

// broadcast reports whether the gate sends every record on all its
// channels.
func (gt *gate) broadcast() bool { return gt.part == topology.Broadcast }

// pick is the channel the gate sends the next record, with key, on; not
// for a broadcast gate.
func (gt *gate) pick(key int64) int32 {
	switch gt.part {
	case topology.Rebalance:
		return gt.chans[gt.rr]
	case topology.Hash:
		return gt.chans[gt.owners.of(key)]
	}
	return gt.chans[0] // forward
}

// task is the runtime of one subtask: Flink's StreamTask with its mailbox
// reduced to "one record, barrier or timer at a time", running the
// operators of its chain.
type task struct {
	// The fields a record touches come first, so that they share a few
	// cache lines: a big job's thousand tasks do not stay in cache.
	id            int32
	attempt       uint32 // incarnation: a restart starts a new one
	busy          bool   // processing a record or taking a sync snapshot
	backpressured bool
	finished      bool
	restoring     bool // loading its state after a restart
	// endOfData: the task reached the end of its input and waits for its
	// final checkpoint, finalCk, the first it snapshots after that
	// (StreamTask.finalCheckpointMinId); finalDone: a checkpoint >= finalCk
	// was notified complete.
	endOfData bool
	finalDone bool
	// suspended: a source that took the synchronous savepoint of a stop
	// without drain, waiting for it to complete.
	suspended bool
	curCh     int32 // the channel of the record being processed, -1 for a source
	// recovering counts the input gates still reading recovered input
	// channel state: the task is RUNNING once it is 0 (see
	// requestPartitions). Every record taken reads it.
	recovering int32
	op         *topology.Operator // the chain's head
	chain      []link             // the chained operators, head first
	timeoutDue int64              // aligned checkpoint timeout that fired while busy, or 0
	lastSnap   int64              // id of the last checkpoint this task snapshotted
	floor      int64              // the coordinator's latest id when this incarnation was restored
	inputs     []int32            // the graph's (topology.Subtask.Inputs)
	outputs    []gate
	// Keyed state of an aggregate, the chain's head: key -> count or sum;
	// backend models the state backend that holds it.
	state       *keyedState
	fullOutputs int  // exhausted subpartitions and result partitions (setHeld)
	cur         item // the record being processed
	// idleSince is when the task started waiting for input (-1: it does
	// not), idleTime the idle time since the debloater's last sample.
	idleSince, idleTime int64

	// Source only: the splits it reads, in the order of its list state.
	splits   []split
	wakeAt   int64 // time of the scheduled evSourceNext, or -1
	triggers []int64

	// Counters: records taken, emitted to the task's gates, and received
	// by its chained sinks.
	processed, emitted, sunk int64
	readable                 inputSet // the inputs nextInput may choose from

	// proto is the task's snapshot protocol (driver.go); recording, per
	// input, the checkpoint whose channel state the records taken from it
	// belong to (0: none), as the protocol's StartRecording and
	// StopRecording say.
	proto     protocol.Cloner
	recording []int64
	// resumeAfterSync: the alignment that triggered the running sync
	// phase releases its channels when that phase ends.
	resumeAfterSync bool
	sink            sinkState

	opIdx      int
	openInputs int // inputs not ended (no end of partition yet)
	dataInputs int // inputs that have not delivered EndOfData
	finalCk    int64
	backend    backend
	snaps      []*taskSnap
	restartReq int // the restart that redeployed it
	// localCopies are the checkpoints of which the subtask keeps a
	// task-local copy (local recovery): as Flink's TaskLocalStateStore,
	// every snapshot newer than the last confirmed checkpoint, pruned when
	// a checkpoint completes; never savepoints.
	localCopies []int64
	abortedCk   []int64  // checkpoints the coordinator aborted before this task took them
	restored    int64    // the checkpoint (or savepoint) this incarnation restored, 0 for none
	gates       []inGate // input gates, one per input edge
	// dirty lists the output channels with a buffer being filled, which
	// the output flusher sends when it fires at flushAt (-1: none due).
	dirty   []int32
	flushAt int64
	// recoveredOut is the output channel state it writes into its
	// subpartitions once its state is restored (recovered.go).
	recoveredOut []persistedRecord
}

func (t *task) isSource() bool { return t.op.Kind == topology.Source }

// tryWork runs the task's loop until it has to wait: for an input, for
// credit, or for the end of a record's processing or a sync phase.
func (s *Sim) tryWork(t *task) {
	for started := 0; !t.busy && !t.finished && !t.restoring && !s.job.waiting[t.id]; started++ {
		if started == MaxRecordsPerEvent {
			s.schedule(t, s.now, evWake, 0) // the rest in an event of its own
			return
		}
		if t.timeoutDue != 0 {
			n := t.timeoutDue
			t.timeoutDue = 0
			s.alignmentTimeout(t, n)
			continue
		}
		if s.readyToFinish(t) {
			s.finish(t)
			return
		}
		if len(t.triggers) > 0 {
			n := t.triggers[0]
			t.triggers = t.triggers[1:]
			if s.closing(t) {
				s.declineClosing(t, n)
			} else {
				s.triggerDirect(t, n)
			}
			continue
		}
		if t.isSource() {
			// A source whose records are all due now reads on within one
			// event; past the in-flight budget it stops, and the run with
			// it (Step), before they outgrow the memory the budget bounds.
			if s.inFlight > MaxInFlightRecords || !s.sourceStep(t) {
				return
			}
			continue
		}
		c := s.nextInput(t)
		if c == nil {
			if s.cfg.Channels.Debloat.Enabled && !t.backpressured {
				t.idle(s.now, true)
			}
			return
		}
		if t.idleSince >= 0 {
			t.idle(s.now, false)
		}
		it := c.in().popFront()
		switch {
		case it.kind == itemBarrier && it.jumped:
			c.passable = it.jumpedItems() // what it jumped was sent before it
		case c.passable > 0:
			c.passable--
		}
		s.refreshInput(c)
		switch it.kind {
		case itemRecord:
			s.takeRecord(t, c, &it)
		case itemBarrier:
			if it.blocking {
				c.resumption, c.owed = resumeOwed, it.ck
			}
			s.trace(TraceEvent{Kind: BarrierReceived, Subtask: t.id, Channel: c.id, Checkpoint: it.ck})
			s.stepProtocol(t, s.barrierInput(c, &it), int(it.overtook()))
		case itemCancel:
			s.trace(TraceEvent{Kind: CancelMarkerReceived, Subtask: t.id, Channel: c.id, Checkpoint: it.ck})
			s.stepProtocol(t, protocol.Input{Kind: protocol.Cancel, Channel: int(c.input), Checkpoint: it.ck}, 0)
		case itemEndOfData:
			s.trace(TraceEvent{Kind: EndOfData, Subtask: t.id, Channel: c.id})
			s.takeEndOfData(t, c)
		case itemEOP:
			s.trace(TraceEvent{Kind: EndOfPartition, Subtask: t.id, Channel: c.id})
			c.ended = true
			s.releaseEnded(c)
			t.openInputs--
			s.stepProtocol(t, protocol.Input{Kind: protocol.EndOfPartition, Channel: int(c.input)}, 0)
			if !c.dataEnded {
				s.takeEndOfData(t, c) // a sender that finished without EndOfData (Flink 1.14)
			}
		}
	}
}

// takeRecord starts processing a record from c.
func (s *Sim) takeRecord(t *task, c *channel, it *item) {
	if n := t.recording[c.input]; n != 0 {
		s.persistTaken(t, c, it, n) // input channel state of an unaligned checkpoint
	}
	s.checks.taken(s.coord.execution, t.id, t.lastSnap, t.floor, it)
	// The protocol counts the bytes taken during an alignment
	// (addProcessedBytes). Stepped here, not through stepProtocol, to save
	// a copy of the Input on the path of every record.
	in := protocol.Input{Kind: protocol.Record, Channel: int(c.input), Now: s.now, Bytes: int64(it.bytes)}
	if r := t.proto.Step(in); len(r.Actions) > 0 {
		s.executeReady(t, &in, 0, r.Actions)
	}
	if !s.untraced() {
		s.emitTrace(TraceEvent{Kind: RecordReceived, Subtask: t.id, Channel: c.id, Key: it.key, Value: it.value})
	}
	s.consumed(c, it.bytes)
	if t.recovering > 0 {
		s.recoveredTaken(t, c)
	}
	s.startRecord(t, it, c.id)
}

// startRecord begins processing record it from channel ch (-1: read by a
// source). A record that costs nothing is finished at once, without an
// event for the end of its processing; the task's loop then goes on with
// its next input.
func (s *Sim) startRecord(t *task, it *item, ch int32) {
	t.cur, t.curCh = *it, ch
	if cost := s.costOf(t, t.chainCost(0, it)); cost > 0 {
		t.busy = true
		s.schedule(t, s.now+cost, evProcessDone, 0)
		if s.prefetch {
			s.prefetchBusy(t)
		}
		return
	}
	s.finishRecord(t)
}

// processDone ends the processing of a record that had a cost; the task
// then takes its next input.
func (s *Sim) processDone(t *task) {
	s.finishRecord(t)
	s.tryWork(t)
}

// finishRecord finishes the current record: run it through the chain.
func (s *Sim) finishRecord(t *task) {
	it := &t.cur
	t.busy = false
	t.processed++
	var n int64
	if t.isSource() {
		n = it.off
	}
	if !s.untraced() {
		s.emitTrace(TraceEvent{Kind: RecordProcessed, Subtask: t.id, Channel: t.curCh, Key: it.key, Value: it.value, N: n})
	}
	s.apply(t, 0, it)
	if !t.backpressured && s.outputFull(t) {
		t.backpressured = true
		s.trace(TraceEvent{Channel: -1, Kind: Backpressured, Subtask: t.id})
	}
}

// maybeResume releases a backpressured task once its outputs drained.
func (t *task) maybeResume(s *Sim) {
	if t.backpressured && !s.outputFull(t) {
		t.backpressured = false
		s.trace(TraceEvent{Channel: -1, Kind: BackpressureReleased, Subtask: t.id})
		s.schedule(t, s.now, evWake, 0)
	}
}

// broadcastEvent sends an event item on every output channel.
func (s *Sim) broadcastEvent(t *task, it item) {
	for g := range t.outputs {
		for _, c := range t.outputs[g].chans {
			s.send(&s.chans[c], it)
		}
	}
}

// sourceStep reads the next record of a source's splits if one is
// available and the source is not backpressured: of the splits not at
// their end, the one whose next record appeared first (the first in the
// list on a tie). A source whose splits are all at their end, or that has
// none of a bounded log, ends its input. It reports whether the source
// started work.
func (s *Sim) sourceStep(t *task) bool {
	if s.job.stopped && !t.endOfData {
		s.finish(t) // stop-with-savepoint: the source ends as it stands
		return false
	}
	if t.backpressured || t.endOfData || t.suspended {
		return false
	}
	var next *split
	for i := range t.splits {
		sp := &t.splits[i]
		if !sp.ended() && (next == nil || sp.log.available(sp.offset) < next.log.available(next.offset)) {
			next = sp
		}
	}
	if next == nil {
		if t.op.Source.Records > 0 {
			s.endInput(t)
		}
		return false // an unbounded source without splits idles
	}
	if at := next.log.available(next.offset); at > s.now {
		if t.wakeAt != at {
			t.wakeAt = at
			s.schedule(t, at, evSourceNext, 0)
			if s.prefetch {
				key, _ := next.log.record(next.offset)
				s.prefetchOutputs(t, key)
			}
		}
		return false
	}
	key, value := next.log.record(next.offset)
	next.offset++
	s.sourceReads++
	it := item{kind: itemRecord, key: key, value: value, part: next.part, off: next.offset - 1}
	it.bytes = t.chain[0].sizes.size(t.op.Source.RecordBytes, it.part, it.off)
	s.startRecord(t, &it, -1)
	return true
}

// readOffsets is what a source subtask has read: the sum of its splits'
// offsets (a trace event's N).
func (t *task) readOffsets() int64 {
	var n int64
	for _, sp := range t.splits {
		n += sp.offset
	}
	return n
}

// keeps decides a filter by a hash of the record, so a replay filters the
// same records.
func keeps(op *topology.Operator, key, value int64) bool {
	return int(mix(uint64(key)*0x9e3779b97f4a7c15^uint64(value))%100) < op.KeepPercent
}
