package sim

import "github.com/ckptsim/ckptsim/sim/protocol"

// The engine's side of the snapshot protocols (package protocol). Every
// task holds the protocol its checkpointing mode selects, a pure state
// machine; the engine tells it what happens at the task (an item taken
// from input i, a trigger, the alignment timer) with stepProtocol and
// carries out the actions of its Ready on the job model: channels,
// snapshots, the coordinator's statistics, the trace. In mode
// ChandyLamport the job model is the token job (tokenjob.go), whose
// executeToken carries out the actions on its processes and FIFO links.
//
//	task loop, events ──Input──▶ protocol.Protocol ──Ready{Actions}──▶ stepProtocol
//	(task.go, engine.go)          (sim/protocol)                        (this file)

// newProtocol is the protocol of task t: the user's own
// (CheckpointConfig.Protocol, userprotocol.go), or the one the run's
// checkpointing mode selects; floor is the newest checkpoint that is over
// for t when it starts (protocol.Spec.Floor).
func (s *Sim) newProtocol(t *task, floor int64) protocol.Cloner {
	spec := protocol.Spec{Inputs: len(t.inputs), Floor: floor}
	for g := range t.outputs {
		spec.Outputs += len(t.outputs[g].chans)
	}
	ck := &s.cfg.Checkpoint
	switch {
	case ck.Protocol != nil:
		return newUserProtocol(ck.Protocol, spec)
	case ck.Mode == ChandyLamport:
		return protocol.NewChandyLamport(spec)
	case ck.Mode == AtLeastOnce:
		return protocol.NewCheckpointBarrierTracker(spec)
	case s.alternating():
		return protocol.NewAlignedWithTimeout(spec, int64(ck.AlignedCheckpointTimeout))
	case ck.Mode == Unaligned:
		return protocol.NewUnaligned(spec)
	}
	return protocol.NewAligned(spec)
}

// currentCheckpoint is the newest checkpoint protocol p heard of (Flink's
// currentCheckpointId; the tracker's latestPendingCheckpointID).
func currentCheckpoint(p protocol.Protocol) int64 {
	switch p := p.(type) {
	case *protocol.SingleCheckpointBarrierHandler:
		return p.Current()
	case *protocol.CheckpointBarrierTracker:
		return p.Latest()
	case *userProtocol:
		return p.heard
	}
	return 0
}

// alternating reports whether checkpoints start aligned and may time out
// into unaligned ones.
func (s *Sim) alternating() bool {
	return s.cfg.Checkpoint.Mode == Unaligned && s.cfg.Checkpoint.AlignedCheckpointTimeout > 0
}

// readyState is what the executor remembers within one Ready.
type readyState struct {
	// snap is the snapshot that the Ready's Forward or Snapshot of
	// checkpoint snapID started (nil: the task refused it, see
	// beginSnapshot).
	snapID int64
	snap   *taskSnap
	// syncing: an aligned Snapshot started the sync phase, so the
	// UnblockAll after it waits for the phase to end (the task thread is
	// busy: StreamTask.triggerCheckpointOnBarrier).
	syncing bool
	// announced: the input is an announcement, traced with the Ready's
	// first action (an announcement that changes nothing is not traced).
	announced bool
}

// stepProtocol is the engine's executor of snapshot protocols: it feeds
// in, what happened at task t, to t's protocol and carries out the
// actions of the Ready it answers, in order. overtook is, for a Barrier,
// the records it jumped on its channel, still queued behind it.
func (s *Sim) stepProtocol(t *task, in protocol.Input, overtook int) {
	in.Now, in.Recovering = s.now, t.recovering > 0
	if r := t.proto.Step(in); len(r.Actions) > 0 {
		s.executeReady(t, &in, overtook, r.Actions)
	}
}

// executeReady carries out the actions of the Ready that in gave, in
// order.
func (s *Sim) executeReady(t *task, in *protocol.Input, overtook int, actions []protocol.Action) {
	x := readyState{snapID: -1, announced: in.Kind == protocol.Announcement}
	for i := range actions {
		s.execute(t, in, overtook, &actions[i], &x)
	}
}

// execute carries out one action of a Ready.
func (s *Sim) execute(t *task, in *protocol.Input, overtook int, a *protocol.Action, x *readyState) {
	if s.tokens != nil {
		s.executeToken(t, a)
		return
	}
	n := a.Checkpoint
	if x.announced {
		x.announced = false
		s.trace(TraceEvent{Kind: BarrierAnnounced, Subtask: t.id, Channel: t.inputs[in.Channel], Checkpoint: in.Checkpoint})
	}
	switch a.Kind {
	case protocol.Block:
		s.block(t, &s.chans[t.inputs[a.Channel]], n)
	case protocol.UnblockAll:
		if x.syncing {
			x.syncing = false
			t.resumeAfterSync = true
			return
		}
		s.unblockAll(t, a.Checkpoint)
	case protocol.Resume:
		s.resume(&s.chans[t.inputs[a.Channel]])
	case protocol.StartRecording:
		t.recording[a.Channel] = n
		s.startRecording(&s.chans[t.inputs[a.Channel]])
	case protocol.StopRecording:
		if in.Kind == protocol.Barrier && a.Channel == in.Channel {
			// The records the barrier overtook complete the channel state.
			s.persistQueued(t, &s.chans[t.inputs[a.Channel]], overtook, n)
		}
		t.recording[a.Channel] = 0
	case protocol.Prioritize:
		s.prioritize(&s.chans[t.inputs[a.Channel]], n)
	case protocol.Forward:
		if sn := s.readySnap(t, n, x); sn != nil {
			s.forwardBarrier(t, sn, a.Triggered, a.Priority)
		}
	case protocol.PersistOutput:
		// Done by a priority Forward, channel by channel as the barrier
		// overtakes the channel's output data (sendPriority).
	case protocol.Snapshot:
		if sn := s.readySnap(t, n, x); sn != nil {
			s.snapshotState(t, sn, a.Unaligned)
			x.syncing = !a.Unaligned
		}
	case protocol.Acknowledge:
		s.stopRecording(t, n)
		s.channelStateDone(t, n)
	case protocol.Decline:
		s.stopRecording(t, n)
		s.declineAtTask(t, n, reasonOf(a.Reason))
	case protocol.SetTimer:
		s.schedule(t, a.At, evAlignTimeout, n)
	case protocol.AlignmentStart:
		// markAlignmentStart: the alignment and its start delay are
		// measured from the first barrier taken, not from an announcement.
		s.coord.firstBarrier(t, n, s.now)
	case protocol.AlignmentEnd:
		s.coord.alignmentEnd(t, n, s.now, a.Bytes)
	case protocol.TimedOut:
		s.trace(TraceEvent{Channel: -1, Kind: AlignmentTimedOut, Subtask: t.id, Checkpoint: n})
	case protocol.Started:
		s.phaseHook(t, Aligning, n)
	}
}

// readySnap is the snapshot of checkpoint n that this Ready takes: begun
// by its first Forward or Snapshot.
func (s *Sim) readySnap(t *task, n int64, x *readyState) *taskSnap {
	if x.snapID != n {
		x.snapID, x.snap = n, s.beginSnapshot(t, n)
	}
	return x.snap
}

// stopRecording ends the recording of every input that records checkpoint
// n's channel state: n is complete or aborted at the task.
func (s *Sim) stopRecording(t *task, n int64) {
	for i, r := range t.recording {
		if r == n {
			t.recording[i] = 0
		}
	}
}

// declineAtTask aborts checkpoint n at a task (Flink's abortInternal): its
// snapshot is dropped, the task declines n to the coordinator and
// broadcasts a cancel marker downstream.
func (s *Sim) declineAtTask(t *task, n int64, why Reason) {
	s.dropSnap(t, n)
	s.trace(TraceEvent{Channel: -1, Kind: TaskCheckpointAborted, Subtask: t.id, Checkpoint: n, Reason: why})
	s.coord.decline(s, t, n, why)
	s.broadcastEvent(t, item{kind: itemCancel, ck: n})
}

// reasonOf is the engine's name of a protocol's decline reason.
func reasonOf(r protocol.Reason) Reason {
	switch r {
	case protocol.Subsumed:
		return ReasonSubsumed
	case protocol.Cancelled:
		return ReasonCancelled
	case protocol.TaskNotReady:
		return ReasonTaskNotReady
	}
	return ReasonDeclined
}

// barrierInput is the Input of barrier it taken from input c.
func (s *Sim) barrierInput(c *channel, it *item) protocol.Input {
	return protocol.Input{Kind: protocol.Barrier, Channel: int(c.input), Checkpoint: it.ck, Triggered: it.trigger(),
		Unaligned: !it.blocking, Prioritized: it.priority && it.blocking, Savepoint: s.coord.isSavepoint(it.ck),
		ForcedAligned: s.eg.Channels[c.id].AlignedOnly}
}

// announce hands the protocol the announcement of a timeoutable barrier
// that reached the receiver's input queue behind data (Flink's
// EventAnnouncement, sent as a priority event): the task learns of
// checkpoint n before the barrier reaches the head of the queue, so its
// alignment timer runs and, at the deadline, the barrier can overtake the
// data ahead of it.
func (s *Sim) announce(c *channel, n, trigger int64) {
	t := &s.tasks[c.to]
	if t.finished {
		return
	}
	s.stepProtocol(t, protocol.Input{Kind: protocol.Announcement, Channel: int(c.input), Checkpoint: n, Triggered: trigger}, 0)
}

// alignmentTimeout fires the alignment timer of checkpoint n; a task busy
// with a record or a sync phase takes it once it is done (its mailbox).
func (s *Sim) alignmentTimeout(t *task, n int64) {
	if t.busy {
		// Only the newest timer can still matter: a timer is set for the
		// task's current checkpoint, and an older one is stale.
		t.timeoutDue = max(t.timeoutDue, n)
		return
	}
	s.stepProtocol(t, protocol.Input{Kind: protocol.Timer, Checkpoint: n}, 0)
}
