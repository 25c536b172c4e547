package sim

// barrierHandler is a task's barrier handling state. In exactly-once modes
// it follows Flink's SingleCheckpointBarrierHandler (one checkpoint at a
// time; aligned, unaligned, or aligned with a timeout that switches to
// unaligned); in at-least-once mode it follows CheckpointBarrierTracker.
type barrierHandler struct {
	// ck is the current checkpoint id (currentCheckpointId) and lastDone
	// the last one triggered or cancelled here
	// (lastCancelledOrCompletedCheckpointId): a checkpoint is pending while
	// they differ.
	ck, lastDone int64
	aligned      []bool // per input: barrier ck received or channel ended
	numAligned   int
	target       int   // targetChannelCount: open inputs when ck started
	firstAt      int64 // when the first barrier (or announcement) of ck was taken
	trigger      int64 // ck's trigger time, from its barrier
	unaligned    bool  // ck was taken unaligned: inputs are being persisted
	// alignBytes counts the bytes of the records taken since ck's first
	// barrier (CheckpointBarrierHandler.bytesProcessedDuringAlignment).
	alignBytes int64
	// resumeAfterSync: the alignment that triggered the running sync
	// phase releases its channels when that phase ends.
	resumeAfterSync bool

	tracked       []trackedCheckpoint // at-least-once: ascending ids
	latestTracked int64
}

// trackedCheckpoint is a checkpoint the at-least-once tracker counts
// barriers for.
type trackedCheckpoint struct {
	id      int64
	seen    []bool
	count   int
	target  int
	firstAt int64
	bytes   int64 // processed since its first barrier
	aborted bool
}

// maxTracked is CheckpointBarrierTracker.MAX_CHECKPOINTS_TO_TRACK.
const maxTracked = 50

func (h *barrierHandler) pending() bool { return h.ck > 0 && h.ck != h.lastDone }

// alternating reports whether checkpoints start aligned and may time out
// into unaligned ones.
func (s *Sim) alternating() bool {
	return s.cfg.Checkpoint.Mode == Unaligned && s.cfg.Checkpoint.AlignedCheckpointTimeout > 0
}

// timedOut reports whether a checkpoint triggered at trigger has exceeded
// the aligned checkpoint timeout: measured, as since Flink 1.14, from the
// checkpoint's trigger time carried by the barrier, so every task of the
// job times out at the same instant.
//
// Savepoints are always aligned and never time out.
func (s *Sim) timedOut(trigger int64) bool {
	return s.alternating() && s.now-trigger > int64(s.cfg.Checkpoint.AlignedCheckpointTimeout)
}

func (s *Sim) onBarrier(t *task, c *channel, it item) {
	if s.cfg.Checkpoint.Mode == AtLeastOnce {
		s.trackBarrier(t, c, it)
		return
	}
	n := it.ck
	if t.ck > n || (t.ck == n && !t.pending()) {
		// Obsolete: its checkpoint was subsumed or cancelled here. Let the
		// upstream, which paused after this barrier, send again.
		if !it.priority {
			s.resume(c)
		}
		return
	}
	if n > t.ck {
		s.newCheckpoint(t, n, it.trigger)
	}
	// markAlignmentStart: the alignment and its start delay are measured
	// from the first barrier taken, not from an announcement.
	s.coord.firstBarrier(t, n, s.now)
	t.aligned[c.input] = true
	t.numAligned++
	if t.unaligned {
		// Collecting channel state: this channel's state is complete with
		// the records the barrier overtook at the receiver.
		s.persistQueued(t, c, int(it.overtook))
		if it.blocking && t.numAligned < t.target {
			s.block(t, c, n)
		}
		s.maybeAligned(t)
		return
	}
	// A forced-aligned barrier (an edge without unaligned checkpoints)
	// is aligned: the task blocks its channel and waits for the others.
	if s.cfg.Checkpoint.Mode == Unaligned && !s.coord.isSavepoint(n) && !s.eg.Channels[c.id].AlignedOnly &&
		(!s.alternating() || it.priority || (s.timedOut(it.trigger) && t.numAligned < t.target)) {
		s.startUnaligned(t, c, it)
		return
	}
	// AbstractAlignedBarrierHandlerState.barrierReceived blocks the channel
	// of every aligned barrier, the last one's included.
	s.block(t, c, n)
	s.maybeAligned(t)
}

// newCheckpoint starts checkpoint n at a task, on its first barrier or
// announcement (Flink's checkNewCheckpoint): an older pending checkpoint is
// aborted as subsumed, and with an aligned checkpoint timeout the timer is
// set for the checkpoint's deadline.
func (s *Sim) newCheckpoint(t *task, n, trigger int64) {
	if t.pending() {
		s.abortAtTask(t, t.ck, ReasonSubsumed)
	}
	t.ck, t.firstAt, t.trigger, t.unaligned = n, s.now, trigger, false
	clear(t.aligned)
	t.numAligned, t.target, t.alignBytes = 0, t.openInputs, 0
	s.phaseHook(t, Aligning, n)
	// Forced-aligned barriers are not timeoutable: no timer for a task
	// that only gets those (SingleCheckpointBarrierHandler registers it
	// for a timeoutable barrier).
	if s.alternating() && !s.coord.isSavepoint(n) && !t.alignedOnly {
		s.schedule(t, max(s.now, trigger+int64(s.cfg.Checkpoint.AlignedCheckpointTimeout)+1), evAlignTimeout, n)
	}
}

// announce handles the announcement of a timeoutable barrier that reached
// the receiver's input queue behind data (Flink's EventAnnouncement, sent
// as a priority event): the task learns of checkpoint n before the barrier
// reaches the head of the queue, so its alignment timer runs and, at the
// deadline, the barrier can overtake the data ahead of it.
func (s *Sim) announce(c *channel, n, trigger int64) {
	t := &s.tasks[c.to]
	if t.finished || n <= t.ck {
		return
	}
	s.trace(TraceEvent{Kind: BarrierAnnounced, Subtask: t.id, Channel: c.id, Checkpoint: n})
	s.newCheckpoint(t, n, trigger)
}

// maybeAligned triggers (aligned) or completes the channel state
// (unaligned) of the current checkpoint once every input is aligned. In
// every mode the alignment ends here, with the last barrier
// (SingleCheckpointBarrierHandler.markAlignmentEnd), as the web UI's
// alignment duration and processed data report it.
func (s *Sim) maybeAligned(t *task) {
	if !t.pending() || t.numAligned < t.target {
		return
	}
	n := t.ck
	t.lastDone = n
	s.coord.alignmentEnd(t, n, s.now, t.alignBytes)
	if t.unaligned {
		t.unaligned = false
		s.unblockAll(t)
		s.channelStateDone(t, n)
		return
	}
	// AbstractAlignedBarrierHandlerState.triggerGlobalCheckpoint triggers
	// the checkpoint first (StreamTask.triggerCheckpointOnBarrier runs the
	// sync phase in the task thread) and only then unblocks every channel.
	if s.triggerAtTask(t, n, t.trigger, false) {
		t.resumeAfterSync = true
		return
	}
	s.unblockAll(t)
}

// startUnaligned takes checkpoint t.ck unaligned at once: on its first
// barrier (c, it), or when alignment timed out (c nil).
func (s *Sim) startUnaligned(t *task, c *channel, it item) {
	n := t.ck
	t.unaligned = true
	s.triggerAtTask(t, n, t.trigger, true)
	if c != nil {
		s.persistQueued(t, c, int(it.overtook))
	}
	// Barriers already queued behind data on the other inputs jump ahead.
	for i, id := range t.inputs {
		if !t.aligned[i] {
			s.prioritize(&s.chans[id], n)
		}
	}
	s.maybeAligned(t)
}

// alignmentTimeout switches a checkpoint that is still aligning to
// unaligned. Channels that already delivered their barrier stay blocked
// and persist nothing; the others are persisted up to their barrier. A
// task that has only been announced the checkpoint, and taken none of its
// barriers yet, does not snapshot at the deadline: the announced barriers
// become priority barriers, and the first one it takes starts the
// unaligned checkpoint (AlternatingWaitingForFirstBarrier.
// alignedCheckpointTimeout prioritizes the announcements).
func (s *Sim) alignmentTimeout(t *task, n int64) {
	if t.ck != n || !t.pending() || t.unaligned || t.numAligned >= t.target {
		return
	}
	if t.busy {
		t.timeoutDue = n
		return
	}
	s.trace(TraceEvent{Channel: -1, Kind: AlignmentTimedOut, Subtask: t.id, Checkpoint: n})
	if t.numAligned == 0 {
		for _, id := range t.inputs {
			s.prioritize(&s.chans[id], n)
		}
		return
	}
	s.startUnaligned(t, nil, item{})
}

// prioritize turns barrier n, if it is queued on c, into a priority barrier
// that overtakes the data ahead of it when it arrives (at once if it has).
func (s *Sim) prioritize(c *channel, n int64) {
	for i := range c.in.len() {
		it := c.in.at(i)
		if it.kind == itemBarrier && it.ck == n && !it.priority {
			it.priority, it.timeoutable = true, false
			c.prio++
			if it.arrival <= s.now {
				s.jumpPriority(c)
			}
			s.refreshInput(c)
			return
		}
	}
}

// jumpPriority moves every arrived priority barrier of c to the head of
// the queue, ahead of the data it overtakes, and counts that data.
func (s *Sim) jumpPriority(c *channel) {
	for i := 0; i < c.in.len() && c.prio > 0; i++ {
		it := c.in.at(i)
		if it.arrival > s.now {
			return
		}
		if it.kind != itemBarrier || !it.priority || it.jumped {
			continue
		}
		c.prio--
		var overtook int32
		for j := range i {
			if c.in.at(j).kind == itemRecord {
				overtook++
			}
		}
		b := c.in.remove(i)
		b.jumped, b.overtook = true, overtook
		c.in.pushFront(b)
		s.refreshInput(c)
		if b.overtook > 0 {
			s.trace(TraceEvent{Kind: BarrierOvertook, Channel: c.id, Subtask: c.to, Checkpoint: b.ck, N: int64(b.overtook)})
		}
	}
}

func (s *Sim) onCancel(t *task, n int64) {
	if s.cfg.Checkpoint.Mode == AtLeastOnce {
		s.trackCancel(t, n)
		return
	}
	if n > t.ck || (n == t.ck && t.pending() && t.numAligned > 0) {
		s.abortAtTask(t, n, ReasonCancelled)
	}
}

func (s *Sim) onEndOfPartition(t *task, c *channel) {
	if s.cfg.Checkpoint.Mode == AtLeastOnce {
		s.trackEndOfPartition(t, c)
		return
	}
	// With checkpoints after tasks finish (Flink >= 1.15) an ended channel
	// counts as having delivered every later barrier.
	if !t.pending() || t.aligned[c.input] {
		return
	}
	t.aligned[c.input] = true
	t.numAligned++
	if !t.unaligned && !t.alignedOnly && s.timedOut(t.trigger) && t.numAligned < t.target {
		s.startUnaligned(t, nil, item{})
		return
	}
	s.maybeAligned(t)
}

// abortAtTask aborts checkpoint n at a task (Flink's abortInternal): the
// alignment is dropped, every channel resumes, the task declines n to the
// coordinator and broadcasts a cancel marker downstream.
func (s *Sim) abortAtTask(t *task, n int64, why Reason) {
	t.ck = max(t.ck, n)
	t.lastDone = max(t.lastDone, n)
	t.unaligned = false
	clear(t.aligned)
	t.numAligned, t.alignBytes = 0, 0
	s.unblockAll(t)
	s.dropSnap(t, n)
	s.trace(TraceEvent{Channel: -1, Kind: TaskCheckpointAborted, Subtask: t.id, Checkpoint: n, Reason: why})
	s.coord.decline(s, t, n, why)
	s.broadcastEvent(t, item{kind: itemCancel, ck: n})
}

// addProcessedBytes counts a record of n bytes the task takes during an
// alignment (CheckpointBarrierHandler.addProcessedBytes, called by
// CheckpointedInputGate for every buffer): between the first and the last
// barrier of the pending checkpoint, or of each checkpoint the
// at-least-once tracker counts barriers for.
func (h *barrierHandler) addProcessedBytes(n int64) {
	if h.pending() && h.numAligned > 0 {
		h.alignBytes += n
	}
	for i := range h.tracked {
		h.tracked[i].bytes += n
	}
}

// block holds channel c back until the task's alignment of n ends.
func (s *Sim) block(t *task, c *channel, n int64) {
	s.setBlocked(c, true)
	s.releaseBlocked(c)
	s.trace(TraceEvent{Kind: ChannelBlocked, Subtask: t.id, Channel: c.id, Checkpoint: n})
}

func (s *Sim) unblockAll(t *task) {
	for _, id := range t.inputs {
		c := &s.chans[id]
		if c.blocked || c.paused {
			if c.blocked {
				s.trace(TraceEvent{Kind: ChannelUnblocked, Subtask: t.id, Channel: c.id})
			}
			s.resume(c)
		}
	}
}

// collecting reports whether records taken from c now belong to the
// channel state of an unaligned checkpoint.
func (s *Sim) collecting(t *task, c *channel) bool {
	return t.unaligned && t.pending() && !t.aligned[c.input]
}

// persistQueued adds the first n records queued on c to the input channel
// state of the task's current checkpoint: the records a priority barrier
// overtook at the receiver.
func (s *Sim) persistQueued(t *task, c *channel, n int) {
	for i, done := 0, 0; i < c.in.len() && done < n; i++ {
		if it := c.in.at(i); it.kind == itemRecord {
			s.persist(t, c, it, t.ck)
			done++
		}
	}
}

// persistTaken adds a record the task takes from c to the input channel
// state of its current checkpoint.
func (s *Sim) persistTaken(t *task, c *channel, it *item) { s.persist(t, c, it, t.ck) }

// persist puts one record of channel c into the channel state that task t
// writes for checkpoint n: input channel state when t is c's receiver,
// output channel state when t is its sender.
func (s *Sim) persist(t *task, c *channel, it *item, n int64) {
	if it.persistedTo == 0 {
		it.persistedFrom = n
	}
	it.persistedTo = n
	if sn := t.snap(n); sn != nil {
		sn.persistedRecs++
		sn.persistedBytes += int64(it.bytes)
		p := persistedRecord{channel: c.id, item: *it}
		if c.to == t.id {
			sn.inState = append(sn.inState, p)
		} else {
			sn.outState = append(sn.outState, p)
		}
	}
	s.trace(TraceEvent{Kind: InFlightPersisted, Subtask: t.id, Channel: c.id, Checkpoint: n, Key: it.key, Value: it.value, N: int64(it.bytes)})
}
