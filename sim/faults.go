package sim

import (
	"fmt"
	"math"
)

// faultTargets resolves the subtask and channel names of the faults.
func (s *Sim) faultTargets() (subtask, channel []int32, err error) {
	subtask = make([]int32, len(s.cfg.Faults))
	channel = make([]int32, len(s.cfg.Faults))
	for i, f := range s.cfg.Faults {
		var ok bool
		if subtask[i], ok = find(f.Subtask, s.eg.SubtaskNamed); !ok {
			return nil, nil, fmt.Errorf("fault %d (%s): unknown subtask %q", i+1, f.Kind, f.Subtask)
		}
		if channel[i], ok = find(f.Channel, s.eg.ChannelNamed); !ok {
			return nil, nil, fmt.Errorf("fault %d (%s): unknown channel %q%s", i+1, f.Kind, f.Channel, s.chainedChannel(f.Channel))
		}
	}
	return subtask, channel, nil
}

// find returns the index of the thing called name: -1 for no name, !ok
// for an unknown one. Subtasks and channels can be named after their
// operators too (topology.ExecutionGraph.SubtaskNamed, ChannelNamed).
func find(name string, named func(string) (int, bool)) (int32, bool) {
	if name == "" {
		return -1, true
	}
	id, ok := named(name)
	return int32(id), ok
}

// chainedChannel explains an unknown channel name that names a chained
// edge: chained operators exchange records without a channel.
func (s *Sim) chainedChannel(name string) string {
	g := s.cfg.Graph
	from, _ := g.EdgeEnds()
	for e, chained := range s.eg.Chained {
		if !chained {
			continue
		}
		for i := range g.Operators[from[e]].Parallelism {
			if name == fmt.Sprintf("%s[%d]->%s[%d]", g.Edges[e].From, i, g.Edges[e].To, i) {
				return fmt.Sprintf(" (edge %s -> %s is chained: its operators run in one task, without a channel)", g.Edges[e].From, g.Edges[e].To)
			}
		}
	}
	return ""
}

// scheduleFaults plans the faults that strike at a time.
func (s *Sim) scheduleFaults() {
	s.job.fired = make([]bool, len(s.cfg.Faults))
	for i, f := range s.cfg.Faults {
		switch {
		case f.Kind == Crash && f.Phase == AtTime:
			s.q.push(int64(f.At), evFault, int32(i), 0, 0)
		case f.Kind == RandomCrashes:
			s.q.push(int64(f.At)+s.expDraw(f.MTBF.Nanoseconds()), evFault, int32(i), 0, 0)
		case f.Kind == CorruptCheckpoint:
			s.job.corrupt[f.Checkpoint] = true
		case f.Kind == Partition:
			s.q.push(int64(f.At), evFault, int32(i), 0, 0)
		}
	}
}

// expDraw draws an exponentially distributed delay with the given mean.
func (s *Sim) expDraw(mean int64) int64 {
	return max(1, nanos(math.Round(s.rng.ExpFloat64()*float64(mean))))
}

// strike makes fault i happen now, unless a rescaling restore removed its
// subtask or channel (redeployGraph).
func (s *Sim) strike(i int) {
	f := &s.cfg.Faults[i]
	if s.faultSubtask[i] == math.MaxInt32 {
		return
	}
	switch f.Kind {
	case Crash:
		s.crash(s.faultSubtask[i], f.MachineLost)
	case Partition:
		s.partition(&s.chans[s.faultChannel[i]], f)
	case RandomCrashes:
		if f.Until > 0 && s.now > int64(f.Until) {
			return
		}
		victim := s.faultSubtask[i]
		if victim < 0 {
			victim = int32(s.rng.IntN(len(s.tasks)))
		}
		s.crash(victim, f.MachineLost)
		s.q.push(later(s.now, s.expDraw(f.MTBF.Nanoseconds())), evFault, int32(i), 0, 0)
	}
}

// crash fails one subtask. A subtask already waiting for a restart cannot
// fail again.
//
// A FINISHED subtask cannot fail either: it holds no resources any more.
func (s *Sim) crash(id int32, machineLost bool) {
	if s.job.waiting[id] || s.tasks[id].finished || s.job.status != JobRunning && s.job.status != JobRestarting {
		return
	}
	if !machineLost {
		s.failover("crash of "+s.eg.Subtasks[id].Name, id)
		return
	}
	// The machine is lost with every subtask placed on its TaskManager
	// (Placement) and their task-local copies.
	tm := s.cfg.Placement.TaskManagerOf(&s.eg.Subtasks[id])
	failed := []int32{id}
	for i := range s.tasks {
		t := &s.tasks[i]
		if s.cfg.Placement.TaskManagerOf(&s.eg.Subtasks[i]) != tm {
			continue
		}
		t.localCopies = nil // the local copies were on that machine
		if t.id != id && !s.job.waiting[i] && !t.finished {
			failed = append(failed, t.id)
		}
	}
	cause := "crash of " + s.eg.Subtasks[id].Name
	if len(failed) > 1 {
		cause += fmt.Sprintf(" and the loss of its TaskManager with %d subtask(s)", len(failed))
	}
	s.failover(cause, failed...)
}

// partition starts a partition of channel c: what is on the wire stays
// there until the partition heals (what is sent during it, channelDelay
// holds back). The buffers held land when it heals: the event that was to
// land them finds them still on the wire, and a buffer that never lands
// is never recycled, so its receiver would never give the credit back.
func (s *Sim) partition(c *channel, f *Fault) {
	heal := int64(never)
	if f.Until > 0 {
		heal = int64(f.Until)
	}
	c.heal, c.struck = max(c.heal, heal), s.q.seq
	held := false
	for i := range c.in().len() {
		if it := c.in().at(i); it.arrival > s.now {
			it.arrival = max(it.arrival, heal)
			held = true
		}
	}
	for i := range c.inBufs.len() {
		if b := c.inBufs.at(i); b.arrival > s.now {
			b.arrival = max(b.arrival, heal)
			held = true
		}
	}
	if held {
		s.refreshInput(c)
		c.lastArr = max(c.lastArr, heal)
		s.scheduleOn(c, heal, evBuffer, 0)
	}
}

// heldByPartition reports whether e, a message of c's sender to its
// receiver (a backlog announcement, an event announcement), was on the
// wire when a partition of c struck and is due by the time it heals: it
// then arrives when it heals, behind the data sent before it, which one
// TCP connection keeps in order, and is scheduled again for then. Let
// through, a backlog announcement would overtake a held buffer whose own,
// older backlog the receiver would then take last.
func (s *Sim) heldByPartition(c *channel, e *event) bool {
	if s.now > c.heal || e.ord>>8 >= c.struck {
		return false
	}
	s.scheduleOn(c, c.heal, e.kind(), e.b)
	return true
}

// phaseHook crashes subtask t if a fault says it crashes in this phase of
// checkpoint n (for Restoring, n counts failovers).
func (s *Sim) phaseHook(t *task, phase Phase, n int64) {
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if f.Kind == Crash && f.Phase == phase && f.Checkpoint == n && s.faultSubtask[i] == t.id && !s.job.fired[i] {
			s.job.fired[i] = true
			s.q.push(s.now, evFault, int32(i), 0, 0)
		}
	}
}

// window reports whether fault f is active now.
func (s *Sim) window(f *Fault) bool {
	return s.now >= int64(f.At) && (f.Until == 0 || s.now < int64(f.Until))
}

// costOf is subtask t's processing cost now of a record that costs cost,
// slowed by Slow faults.
func (s *Sim) costOf(t *task, cost int64) int64 {
	for i := range s.cfg.Faults {
		if f := &s.cfg.Faults[i]; f.Kind == Slow && s.faultSubtask[i] == t.id && s.window(f) {
			cost = nanos(float64(cost) * f.Factor)
		}
	}
	return cost
}

// channelDelay is when an item sent now on c arrives: latency, delay
// spikes and partitions (delivery resumes when a partition heals).
func (s *Sim) channelDelay(c *channel, arrival int64) int64 {
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if s.faultChannel[i] != c.id || !s.window(f) {
			continue
		}
		switch f.Kind {
		case DelaySpike:
			arrival = later(arrival, int64(f.Delay))
		case Partition:
			if f.Until == 0 {
				arrival = never
			} else {
				arrival = max(arrival, int64(f.Until))
			}
		}
	}
	return arrival
}

// uploadFactor is how much slower subtask t's async phase is now.
func (s *Sim) uploadFactor(t *task) float64 {
	factor := 1.0
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if f.Kind == SlowUpload && (s.faultSubtask[i] < 0 || s.faultSubtask[i] == t.id) && s.window(f) {
			factor = min(factor*f.Factor, never) // finite: 0 × factor stays 0
		}
	}
	return factor
}

// uploadFails reports whether subtask t's upload of checkpoint n fails.
func (s *Sim) uploadFails(t *task, n int64) bool {
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if f.Kind == FailUpload && s.faultSubtask[i] == t.id && f.Checkpoint == n {
			return true
		}
	}
	return false
}
