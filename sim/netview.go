package sim

// Read-only views of the network stack in Flink's words: a channel's
// buffers and credits at both ends, and a task's buffer pool usages as
// Flink's network metrics report them (inPoolUsage, outPoolUsage,
// inputQueueLength, outputQueueLength). Like the other views they change
// nothing.

// NetworkChannel is one channel's network buffers: the sender's
// subpartition (PipelinedSubpartition) and the receiver's input channel
// (RemoteInputChannel and its BufferManager, or LocalInputChannel).
type NetworkChannel struct {
	// Local: both ends run in one TaskManager (LocalInputChannel): no
	// network, no credits.
	Local bool
	// Backlog is the sender's finished buffers waiting to be transmitted
	// (the subpartition's buffers in backlog, which every BufferResponse
	// announces to the receiver).
	Backlog int
	// FillingBytes is what the buffer being filled holds that no slice
	// sent yet (what the output flusher would send), FillingRoom what it
	// can still take (0: no buffer is being filled). BufferSize is the
	// size the next buffer is trimmed to: the segment size, or the size
	// the receiver's debloater announced.
	FillingBytes, FillingRoom, BufferSize int
	// Held is the sender's pool buffers the subpartition holds (the
	// backlog, the one being filled and, for a local channel, those the
	// receiver has not consumed); at MaxBuffers its sender is
	// backpressured (max-buffers-per-channel).
	Held, MaxBuffers int
	// Queued is the data buffers the receiver got and has not consumed
	// (inputQueueLength's part of the channel), QueuedBytes their size;
	// OnTheWire the buffers transmitted that have not arrived.
	Queued, OnTheWire int
	QueuedBytes       int64
	// ExclusiveFree and FloatingFree are the receiver's free buffers, its
	// credit (AvailableBufferQueue: exclusive ones of its own, floating
	// ones it took from the gate); a buffer stays free until the data its
	// credit brought lands in it. Exclusive is how many exclusive buffers
	// it has (buffers-per-channel); Required is numRequiredBuffers, the
	// sender's last backlog plus the exclusive buffers.
	ExclusiveFree, FloatingFree, Exclusive, Required int
	// WaitingForFloating: the receiver waits for the gate to recycle a
	// floating buffer.
	WaitingForFloating bool
}

// networkChannel is c's NetworkChannel.
func (s *Sim) networkChannel(c *channel) NetworkChannel {
	v := NetworkChannel{
		Local: c.local, Backlog: c.outBufs.len(), FillingBytes: int(c.openBytes), FillingRoom: int(c.room),
		BufferSize: int(c.bufSize),
		Held:       int(c.held), MaxBuffers: s.cfg.Channels.MaxBuffersPerChannel,
		Queued: int(c.landed), OnTheWire: c.inBufs.len() - int(c.landed),
	}
	for i := range int(c.landed) {
		v.QueuedBytes += int64(c.inBufs.at(i).bytes)
	}
	if !c.local {
		v.ExclusiveFree, v.FloatingFree, v.Required = int(c.exclusive), int(c.floating), int(c.required)
		v.Exclusive, v.WaitingForFloating = s.cfg.Channels.BuffersPerChannel, c.waiting
	}
	return v
}

// TaskNetwork is a subtask's network buffer usage, as Flink's network
// metrics of a task report it (NettyShuffleMetricFactory, buffers group).
// A usage is a fraction, 0 when there are no such buffers.
type TaskNetwork struct {
	// InPoolUsage is the input buffers in use over all of them
	// (CreditBasedInputBuffersUsageGauge): InputExclusiveBuffersUsage of
	// the remote channels' exclusive buffers (ExclusiveBuffersUsageGauge:
	// those not free) and InputFloatingBuffersUsage of the gates' floating
	// ones (FloatingBuffersUsageGauge: taken from the gate and not free at
	// a channel). Local channels have no buffers of their own.
	InPoolUsage, InputExclusiveBuffersUsage, InputFloatingBuffersUsage float64
	// OutPoolUsage is the result partitions' pool buffers in use over the
	// pools' sizes (OutputBufferPoolUsageGauge).
	OutPoolUsage float64
	// InputQueueLength is the buffers received and not consumed on all
	// input channels (InputBuffersGauge: RemoteInputChannel's
	// receivedBuffers, data and events); OutputQueueLength the buffers
	// queued on all subpartitions (OutputBuffersGauge: PipelinedSubpartition
	// counts every BufferConsumer in its queue, so the backlog, the buffer
	// being filled, which joins the queue when it is requested, and the
	// events not yet sent). An event (barrier, cancel marker, EndOfData,
	// end of partition) is a buffer of its own in both.
	InputQueueLength, OutputQueueLength int
	// Backpressured: the task processes nothing until an output buffer is
	// recycled (its RecordWriter is unavailable): Flink's
	// backPressuredTimeMsPerSecond counts this time.
	Backpressured bool
}

// TaskNetwork returns subtask id's network buffer usage now.
func (s *Sim) TaskNetwork(id int) TaskNetwork {
	t := &s.tasks[id]
	var v TaskNetwork
	var exclUsed, exclAll, floatUsed, floatAll int
	for gi := range t.gates {
		g := &t.gates[gi]
		taken := s.cfg.Channels.FloatingBuffersPerGate - g.free
		for _, id := range g.chans {
			c := &s.chans[id]
			v.InputQueueLength += int(c.landed) + s.eventsArrived(c)
			if c.local {
				continue
			}
			exclAll += s.cfg.Channels.BuffersPerChannel
			exclUsed += max(0, s.cfg.Channels.BuffersPerChannel-int(c.exclusive))
			taken -= int(c.floating)
		}
		floatAll += s.cfg.Channels.FloatingBuffersPerGate
		floatUsed += max(0, taken)
	}
	var held, pool int
	for gi := range t.outputs {
		g := &t.outputs[gi]
		held, pool = held+g.held, pool+g.pool
		for _, id := range g.chans {
			c := &s.chans[id]
			v.OutputQueueLength += s.queued(c)
		}
	}
	v.InPoolUsage = usage(exclUsed+floatUsed, exclAll+floatAll)
	v.InputExclusiveBuffersUsage = usage(exclUsed, exclAll)
	v.InputFloatingBuffersUsage = usage(floatUsed, floatAll)
	v.OutPoolUsage = usage(held, pool)
	v.Backpressured = s.outputFull(t)
	return v
}

// eventsArrived is how many events on c have reached its receiver and
// wait there to be taken.
func (s *Sim) eventsArrived(c *channel) int {
	n := 0
	for i := range c.in().len() {
		if it := c.in().at(i); it.kind != itemRecord && it.arrival <= s.now {
			n++
		}
	}
	return n
}

// usage is used over all as a fraction, 0 when all is 0.
func usage(used, all int) float64 {
	if all == 0 {
		return 0
	}
	return float64(used) / float64(all)
}
