package sim

// Recovery of in-flight data after a restore, as Flink's
// StreamTask.restoreStateAndGates (restoreGates) does it. A redeployed
// subtask writes the output channel state of its checkpoint into its own
// subpartitions before its operators open
// (SequentialChannelStateReaderImpl.readOutputData,
// ResultSubpartitionRecoveredStateHandler): from there it is sent as any
// output, with credits, and a priority barrier may overtake it. Its input
// channels start as RecoveredInputChannels (LocalRecoveredInputChannel,
// RemoteRecoveredInputChannel), which hold the input channel state
// (readInputData) and request nothing from the senders; an input gate
// requests its partitions (SingleInputGate.requestPartitions, which turns
// the recovered channels into real ones: convertRecoveredInputChannels)
// only once the task has taken all of its recovered records
// (getStateConsumedFuture), so new data and barriers reach the task on
// that gate only behind them. The task is RUNNING once every gate has
// (Task.restoreAndInvoke: INITIALIZING to RUNNING after restore), and
// the coordinator triggers no checkpoint before every subtask is
// (allRunning: DefaultCheckpointPlanCalculator.checkTasksStarted). A
// barrier that would still start an unaligned checkpoint while a gate
// recovers is declined (RecoveredInputChannel.checkpointStarted throws
// CHECKPOINT_DECLINED_TASK_NOT_READY; protocol.Input.Recovering), a guard
// that the engine's runs do not reach.

// startRecovery marks every input gate of the redeployed subtask t as
// recovering: its channels request nothing until the gate's recovered
// input is taken.
func (s *Sim) startRecovery(t *task) {
	t.recovering = int32(len(t.gates))
	t.recoveredOut = t.recoveredOut[:0]
	for gi := range t.gates {
		g := &t.gates[gi]
		g.recovering, g.recoveredLeft = true, 0
		for _, id := range g.chans {
			s.chans[id].unrequested = true
		}
	}
}

// recoverInput puts record it of the input channel state on c, at the
// receiver, where its RecoveredInputChannel holds it without a credit.
func (s *Sim) recoverInput(c *channel, it item) {
	s.tasks[c.to].gates[c.gate].recoveredLeft++
	s.deliverRecovered(c, it)
	s.scheduleOn(c, s.now, evArrive, 0)
}

// finishRestore is the part of restoreGates that follows the state
// download of t: its output channel state goes into its subpartitions,
// and every gate without recovered input requests its partitions at once.
func (s *Sim) finishRestore(t *task) {
	for _, p := range t.recoveredOut {
		s.send(&s.chans[p.channel], p.item)
	}
	// Each recovered buffer is added to its subpartition finished
	// (ResultSubpartitionRecoveredStateHandler.recover finishes it), so
	// the last one is not left open for the output flusher.
	for _, p := range t.recoveredOut {
		c := &s.chans[p.channel]
		s.finishOpen(c)
		s.transmit(c)
	}
	t.recoveredOut = nil
	for gi := range t.gates {
		if g := &t.gates[gi]; g.recovering && g.recoveredLeft == 0 {
			s.requestPartitions(t, gi)
		}
	}
}

// recoveredTaken notes that t took a record of c's recovered input: the
// last one of its gate lets the gate request its partitions. A recovering
// gate carries nothing else, its senders having sent it nothing yet.
func (s *Sim) recoveredTaken(t *task, c *channel) {
	g := &t.gates[c.gate]
	if !g.recovering {
		return
	}
	if g.recoveredLeft--; g.recoveredLeft == 0 {
		s.requestPartitions(t, int(c.gate))
	}
}

// requestPartitions is SingleInputGate.requestPartitions on gate gi of t,
// once its recovered state is consumed: its channels become real input
// channels and request their subpartitions, a remote one with a
// PartitionRequest that reaches the sender one network latency later with
// the channel's initial credit (its exclusive buffers), a local one at
// once. Only then does the sender transmit on them.
func (s *Sim) requestPartitions(t *task, gi int) {
	g := &t.gates[gi]
	g.recovering = false
	t.recovering--
	for _, id := range g.chans {
		c := &s.chans[id]
		if c.local {
			s.partitionRequested(c)
			continue
		}
		s.deliver(c, s.delay(c), evPartitionRequest, 0)
	}
	s.trace(TraceEvent{Kind: InputRecovered, Subtask: t.id, Channel: -1, N: int64(t.recovering)})
}

// partitionRequested is the receiver's partition request reaching the
// sender of c: what it queued for c goes out.
func (s *Sim) partitionRequested(c *channel) {
	if c.unrequested {
		c.unrequested = false
		s.transmit(c)
	}
}

// queuePriority queues priority barrier it at the head of c's output queue,
// behind the priority barriers already there, while the receiver has not
// requested the subpartition or the sender, paused after a blocking
// barrier, waits for the receiver's resumeConsumption: it overtakes the
// queued data there (PipelinedSubpartition.addPriorityElement) and goes
// out first once the subpartition is requested (partitionRequested) or
// resumed (resumed).
func (s *Sim) queuePriority(c *channel, it item) {
	i := 0
	for i < c.out().len() && c.out().at(i).kind == itemBarrier && c.out().at(i).priority {
		i++
	}
	c.items.insert(int(c.nIn)+i, it)
}
