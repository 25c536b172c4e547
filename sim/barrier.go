package sim

// Barriers on channels: the mechanics the engine carries the protocols'
// actions out with (driver.go). Which channel to block, which barrier to
// prioritize and what to persist is the protocols' decision (package
// protocol); how a channel is held back, how a barrier overtakes the data
// ahead of it and how a record becomes channel state is the engine's.

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

// persistQueued adds the first n records queued on c to the input channel
// state of checkpoint ck: the records a priority barrier overtook at the
// receiver.
func (s *Sim) persistQueued(t *task, c *channel, n int, ck int64) {
	for i, done := 0, 0; i < c.in.len() && done < n; i++ {
		if it := c.in.at(i); it.kind == itemRecord {
			s.persist(t, c, it, ck)
			done++
		}
	}
}

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
