package sim

// At-least-once barrier handling, as Flink's CheckpointBarrierTracker: no
// input is ever blocked; a checkpoint triggers once its barrier arrived on
// every open input, and completing it silently drops every older pending
// one.

func (s *Sim) trackBarrier(t *task, c *channel, it item) {
	n := it.ck
	pos := -1
	for i := range t.tracked {
		if t.tracked[i].id == n {
			pos = i
			break
		}
	}
	if pos < 0 {
		if n <= t.latestTracked {
			return // an older checkpoint cannot succeed any more
		}
		t.latestTracked = n
		if len(t.tracked) == maxTracked {
			t.tracked = t.tracked[1:]
		}
		t.tracked = append(t.tracked, trackedCheckpoint{id: n, seen: make([]bool, len(t.inputs)), target: t.openInputs, firstAt: s.now})
		pos = len(t.tracked) - 1
		s.coord.firstBarrier(t, n, s.now)
	}
	tc := &t.tracked[pos]
	if !tc.seen[c.input] {
		tc.seen[c.input] = true
		tc.count++
	}
	if tc.count >= tc.target {
		s.completeTracked(t, pos, it.trigger)
	}
}

// completeTracked triggers tracked checkpoint pos (unless aborted) and
// forgets it and every older one.
func (s *Sim) completeTracked(t *task, pos int, trigger int64) {
	tc := t.tracked[pos]
	t.tracked = append(t.tracked[:0], t.tracked[pos+1:]...)
	if !tc.aborted {
		// The tracker blocks nothing, but its alignment still spans the
		// first to the last barrier (markAlignmentEnd).
		s.coord.alignmentEnd(t, tc.id, s.now, tc.bytes)
		s.triggerAtTask(t, tc.id, trigger, false)
	}
}

func (s *Sim) trackCancel(t *task, n int64) {
	for len(t.tracked) > 0 && t.tracked[0].id < n {
		if !t.tracked[0].aborted {
			s.abortTracked(t, t.tracked[0].id)
		}
		t.tracked = t.tracked[1:]
	}
	if len(t.tracked) > 0 && t.tracked[0].id == n {
		if !t.tracked[0].aborted {
			t.tracked[0].aborted = true
			s.abortTracked(t, n)
		}
		return
	}
	if n > t.latestTracked {
		t.latestTracked = n
		t.tracked = append([]trackedCheckpoint{{id: n, seen: make([]bool, len(t.inputs)), target: t.openInputs, aborted: true}}, t.tracked...)
		s.abortTracked(t, n)
	}
}

func (s *Sim) abortTracked(t *task, n int64) {
	s.trace(TraceEvent{Channel: -1, Kind: TaskCheckpointAborted, Subtask: t.id, Checkpoint: n, Reason: ReasonCancelled})
	s.coord.decline(s, t, n, ReasonCancelled)
	s.broadcastEvent(t, item{kind: itemCancel, ck: n})
}

// trackEndOfPartition counts an ended input as aligned for every pending
// checkpoint, and triggers the newest one that becomes complete.
func (s *Sim) trackEndOfPartition(t *task, c *channel) {
	for i := len(t.tracked) - 1; i >= 0; i-- {
		tc := &t.tracked[i]
		if !tc.seen[c.input] {
			tc.seen[c.input] = true
			tc.count++
		}
		if tc.count >= tc.target {
			s.completeTracked(t, i, s.coord.triggerTime(tc.id))
			return
		}
	}
}
