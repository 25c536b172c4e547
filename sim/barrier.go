package sim

// Barriers on channels: the mechanics the engine carries the protocols'
// actions out with (driver.go). Which channel to block, which barrier to
// prioritize and what to persist is the protocols' decision (package
// protocol); how a channel is held back, how a barrier overtakes the data
// ahead of it and how a record becomes channel state is the engine's.

// prioritize turns barrier n, if it is queued on c, into a priority barrier
// that overtakes the data ahead of it when it arrives (at once if it has).
func (s *Sim) prioritize(c *channel, n int64) {
	for i := range c.in().len() {
		it := c.in().at(i)
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
	for i := 0; i < c.in().len() && c.prio > 0; i++ {
		it := c.in().at(i)
		if it.arrival > s.now {
			return
		}
		if it.kind != itemBarrier || !it.priority || it.jumped {
			continue
		}
		c.prio--
		var overtook int32
		for j := range i {
			if c.in().at(j).kind == itemRecord {
				overtook++
			}
		}
		b := c.in().remove(i)
		b.jumped = true
		b.setOvertook(overtook, int32(i))
		c.in().pushFront(b)
		s.refreshInput(c)
		if b.overtook() > 0 {
			s.trace(TraceEvent{Kind: BarrierOvertook, Channel: c.id, Subtask: c.to, Checkpoint: b.ck, N: int64(b.overtook())})
		}
	}
}

// block holds channel c back until the task's alignment of n ends.
func (s *Sim) block(t *task, c *channel, n int64) {
	s.setBlocked(c, true)
	s.releaseBlocked(c)
	s.trace(TraceEvent{Kind: ChannelBlocked, Subtask: t.id, Channel: c.id, Checkpoint: n})
}

// unblockAll resumes every input of t held back by the alignment of
// checkpoint n that ends: those it blocked and those whose blocking
// barrier of n or older it took without blocking them (the last barrier
// of an unaligned checkpoint that arrived aligned), as
// ChannelState.unblockAllChannels resumes the blocked ones. An input whose
// sender paused after a barrier the task has not taken yet stays paused:
// the task resumes it after taking that barrier; so does one whose sender
// paused after a newer barrier, whose alignment this ends by subsuming n:
// that barrier's own alignment blocks it next.
func (s *Sim) unblockAll(t *task, n int64) {
	for _, id := range t.inputs {
		c := &s.chans[id]
		if c.blocked || c.resumption == resumeOwed && c.owed <= n {
			if c.blocked {
				s.trace(TraceEvent{Kind: ChannelUnblocked, Subtask: t.id, Channel: c.id})
			}
			s.resume(c)
		}
	}
}

// startRecording starts recording c's input channel state: no buffer of
// it is persisted yet.
func (s *Sim) startRecording(c *channel) { c.framed = c.recycled - 1 }

// persistQueued adds the first n records queued on c to the input channel
// state of checkpoint ck: the records a priority barrier overtook at the
// receiver, in the buffers queued ahead of it and in the rest of the one
// being read.
func (s *Sim) persistQueued(t *task, c *channel, n int, ck int64) {
	j, left := 0, int32(0)
	for i, done := 0, 0; i < c.in().len() && done < n; i++ {
		it := c.in().at(i)
		if it.kind != itemRecord {
			continue
		}
		for ; left == 0; j++ {
			left = c.inBufs.at(j).recs
		}
		left--
		s.persist(t, c, it, ck, s.persistedBuffers(c, j-1))
		done++
	}
}

// persistTaken adds a record the task takes from c to the input channel
// state of checkpoint n: it ends in the first of c's buffers that still
// holds a record.
func (s *Sim) persistTaken(t *task, c *channel, it *item, n int64) {
	j := 0
	for c.inBufs.at(j).recs == 0 {
		j++
	}
	s.persist(t, c, it, n, s.persistedBuffers(c, j))
}

// persistedBuffers is how many buffers of c's receiver up to inBufs.at(j)
// become input channel state now: those after the last one the state
// being recorded holds (a spanning record's middle buffers among them,
// recycled or not). Flink persists whole buffers: those queued when the
// checkpoint starts (RemoteInputChannel.getInflightBuffersUnsafe), what
// the deserializer has not consumed (StreamTaskNetworkInput.
// prepareSnapshot: getUnconsumedBuffer, the rest of the buffer being
// read), and each buffer arriving before the barrier
// (ChannelStatePersister.maybePersist). Where the deserializer holds the
// first bytes of the next record out of buffers it recycled before the
// checkpoint started, Flink writes them with a header of their own; the
// model counts those bytes with the record, without that header.
func (s *Sim) persistedBuffers(c *channel, j int) int {
	id := c.recycled + uint32(j)
	d := int32(id - c.framed) // modulo 2^32
	if d <= 0 {
		return 0
	}
	c.framed = id
	return int(d)
}

// BufferHeaderBytes is what persisting a buffer of channel state adds to
// its readable bytes: the length ChannelStateSerializerImpl.writeData
// writes before them. The persisted data of a checkpoint is the size of
// its channel state handles (AsyncCheckpointRunnable's
// bytesPersistedDuringAlignment), so every persisted buffer counts its
// readable bytes and this header.
const BufferHeaderBytes = 4

// persist puts one record of channel c into the channel state that task t
// writes for checkpoint n, with the headers of the bufs buffers it is the
// first persisted record of: input channel state when t is c's receiver,
// output channel state when t is its sender.
func (s *Sim) persist(t *task, c *channel, it *item, n int64, bufs int) {
	if it.persistedTo == 0 {
		it.persistedFrom = int32(n)
	}
	it.persistedTo = int32(n)
	header := int32(bufs * BufferHeaderBytes)
	if sn := t.snap(n); sn != nil {
		sn.persistedRecs++
		sn.persistedBytes += int64(it.bytes + header)
		p := persistedRecord{channel: c.id, header: header, item: *it}
		if c.to == t.id {
			sn.inState = append(sn.inState, p)
		} else {
			sn.outState = append(sn.outState, p)
		}
	}
	s.trace(TraceEvent{Kind: InFlightPersisted, Subtask: t.id, Channel: c.id, Checkpoint: n, Key: it.key, Value: it.value, N: int64(it.bytes + header)})
}
