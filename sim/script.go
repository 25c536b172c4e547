package sim

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// Script drives one task with an exact sequence of inputs instead of a
// generated workload: the textbook and unit-test cases of barrier handling.
// The task under test ("task") reads Channels input channels c0, c1, ...
// from scripted senders and writes one output channel whose receiver grants
// no credit, so whatever the task emits stays queued there. Checkpoints are
// not triggered periodically: a checkpoint exists when the script sends its
// barrier, and its trigger time is that of its first barrier.
type Script struct {
	// Channels is the number of input channels.
	Channels int
	// Steps are the items, in the order they become available.
	Steps []ScriptStep
	// OutputQueued are the numbers of records (o1, o2, ...) already waiting
	// in the task's output channel when the script starts.
	OutputQueued []int64
	// Cost is the task's processing time per record.
	Cost time.Duration
	// Emit makes the task forward every record (a map); by default it
	// forwards none (a filter keeping nothing), so only barriers and
	// cancel markers reach its output.
	Emit bool
}

// StepKind is what a script step delivers.
type StepKind uint8

// The script step kinds.
const (
	// StepRecord is a data record rN.
	StepRecord StepKind = iota
	// StepBarrier is the barrier B(n) of checkpoint n.
	StepBarrier
	// StepCancel is a cancel marker X(n) for checkpoint n.
	StepCancel
	// StepEndOfPartition is EOP: the channel ends.
	StepEndOfPartition
)

// ScriptStep is one item of a script.
type ScriptStep struct {
	// At is when the item becomes available at the task.
	At time.Duration
	// Channel is the input channel index.
	Channel int
	// Kind of item.
	Kind StepKind
	// N is the record number (rN) or the checkpoint id.
	N int64
}

var stepSyntax = regexp.MustCompile(`^c(\d+):(?:r(\d+)|B\((\d+)\)|X\((\d+)\)|(EOP))$`)

// ParseStep reads one step written as in the conformance cases: "c0:r1",
// "c1:B(2)", "c0:X(1)" or "c1:EOP". At is left zero.
func ParseStep(text string) (ScriptStep, error) {
	m := stepSyntax.FindStringSubmatch(text)
	if m == nil {
		return ScriptStep{}, fmt.Errorf("step %q: expected cI:rN (record), cI:B(n) (barrier), cI:X(n) (cancel marker) or cI:EOP (end of partition)", text)
	}
	st := ScriptStep{}
	ch, err := strconv.Atoi(m[1])
	if err != nil || ch > 1<<16 {
		return st, fmt.Errorf("step %q: channel number out of range", text)
	}
	st.Channel = ch
	num := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("step %q: numbers must be between 1 and %d", text, int64(1<<63-1))
		}
		return n, nil
	}
	switch {
	case m[2] != "":
		st.Kind = StepRecord
		st.N, err = num(m[2])
	case m[3] != "":
		st.Kind = StepBarrier
		st.N, err = num(m[3])
	case m[4] != "":
		st.Kind = StepCancel
		st.N, err = num(m[4])
	default:
		st.Kind = StepEndOfPartition
	}
	return st, err
}

// String writes the step as ParseStep reads it.
func (st ScriptStep) String() string {
	switch st.Kind {
	case StepRecord:
		return fmt.Sprintf("c%d:r%d", st.Channel, st.N)
	case StepBarrier:
		return fmt.Sprintf("c%d:B(%d)", st.Channel, st.N)
	case StepCancel:
		return fmt.Sprintf("c%d:X(%d)", st.Channel, st.N)
	}
	return fmt.Sprintf("c%d:EOP", st.Channel)
}

// Names of the operators of a script's graph.
const (
	scriptSenders = "script"
	scriptTask    = "task"
	scriptOut     = "downstream"
)

// Graph is the job a script runs: Channels scripted senders, the task
// under test, and a downstream operator.
func (sc *Script) Graph() *topology.Graph {
	task := topology.Operator{Name: scriptTask, Kind: topology.Filter, Parallelism: 1, Cost: sc.Cost}
	if sc.Emit {
		task = topology.Operator{Name: scriptTask, Kind: topology.Map, Parallelism: 1, Cost: sc.Cost, Multiply: 1}
	}
	// The task's output edge is rebalance, which is never chained and
	// allows unaligned checkpoints (a forward edge would do neither).
	return &topology.Graph{
		Operators: []topology.Operator{
			{Name: scriptSenders, Kind: topology.Source, Parallelism: max(1, sc.Channels),
				Source: &topology.SourceSpec{Rate: 1, Keys: 1, Distribution: topology.Uniform, MaxValue: 1, RecordBytes: 1}},
			task,
			{Name: scriptOut, Kind: topology.Sink, Parallelism: 1},
		},
		Edges: []topology.Edge{
			{From: scriptSenders, To: scriptTask, Partitioning: topology.Rebalance},
			{From: scriptTask, To: scriptOut, Partitioning: topology.Rebalance},
		},
	}
}

// validate checks the script: channels in range, times not decreasing,
// barriers of increasing ids per channel, nothing after end of partition.
func (sc *Script) validate() error {
	if sc.Channels < 1 || sc.Channels > 1024 {
		return fmt.Errorf("script channels %d is out of range (allowed: 1..1024)", sc.Channels)
	}
	lastBarrier := make([]int64, sc.Channels)
	ended := make([]bool, sc.Channels)
	var last time.Duration
	for i, st := range sc.Steps {
		switch {
		case st.Channel < 0 || st.Channel >= sc.Channels:
			return fmt.Errorf("script step %d (%s): channel c%d does not exist (channels: c0..c%d)", i+1, st, st.Channel, sc.Channels-1)
		case st.At < last:
			return fmt.Errorf("script step %d (%s): time %v is before the previous step's %v", i+1, st, st.At, last)
		case ended[st.Channel]:
			return fmt.Errorf("script step %d (%s): channel c%d already ended (EOP)", i+1, st, st.Channel)
		case st.Kind == StepBarrier && st.N <= lastBarrier[st.Channel]:
			return fmt.Errorf("script step %d (%s): barriers on a channel must have increasing checkpoint ids", i+1, st)
		}
		last = st.At
		switch st.Kind {
		case StepBarrier:
			lastBarrier[st.Channel] = st.N
		case StepEndOfPartition:
			ended[st.Channel] = true
		}
	}
	return nil
}

// scriptStart prepares a scripted run: the senders stay idle, the output
// channel grants no credit and holds the pre-queued records, the script's
// checkpoints are registered and every step is scheduled.
func (s *Sim) scriptStart() {
	sc := s.cfg.Script
	s.scriptTask = int32(s.eg.ByOperator[s.cfg.Graph.Index(scriptTask)][0])
	t := &s.tasks[s.scriptTask]
	out := &s.chans[t.outputs[0].chans[0]]
	// No credit, and none will come: the receiver has exclusive buffers
	// (Validate), so it sends no credit before a buffer reaches it.
	out.credit = 0
	for _, n := range sc.OutputQueued {
		s.send(out, item{kind: itemRecord, key: outputKey, value: n, bytes: 1})
		s.finishOpen(out) // each its own buffer, waiting for credit
	}
	s.starve(out, len(sc.OutputQueued) > 0)
	for i := range s.tasks {
		if s.tasks[i].isSource() {
			s.tasks[i].finished = true // scripted senders never run
		}
	}
	for i, st := range sc.Steps {
		if st.Kind == StepBarrier && st.N > s.coord.lastID() {
			s.coord.register(s, st.N, int64(st.At))
		}
		s.q.push(int64(st.At), evScript, int32(i), 0, 0)
	}
}

// outputKey marks the records pre-queued in a script's output channel.
const outputKey = -1

// scriptStep delivers step i to the task under test.
func (s *Sim) scriptStep(i int) {
	st := s.cfg.Script.Steps[i]
	t := &s.tasks[s.scriptTask]
	c := &s.chans[t.inputs[st.Channel]]
	it := item{kind: itemRecord, value: st.N, bytes: 1}
	switch st.Kind {
	case StepBarrier:
		mode := s.cfg.Checkpoint.Mode
		it = barrierItem(st.N, s.coord.triggerTime(st.N))
		it.priority = mode == Unaligned && !s.alternating()
		it.blocking = mode != AtLeastOnce && !it.priority
		it.timeoutable = it.blocking && s.alternating()
	case StepCancel:
		it = item{kind: itemCancel, ck: st.N}
	case StepEndOfPartition:
		it = item{kind: itemEOP}
	default:
		it.ck = int64(c.epoch)
	}
	if it.kind == itemBarrier {
		c.epoch = int32(it.ck)
	}
	// The item is available now: put it on the wire with no latency.
	it.arrival = s.now
	c.lastArr = s.now
	if it.kind == itemRecord {
		s.deliverRecovered(c, it)
		s.tryWork(t)
		return
	}
	if it.priority {
		c.prio++
		c.in().pushBack(it)
		s.jumpPriority(c)
	} else {
		c.in().pushBack(it)
		s.refreshInput(c)
	}
	s.tryWork(t)
}

// scriptLog turns the task's trace events into the lines of ScriptLog.
func (s *Sim) scriptLog(ev TraceEvent) {
	if ev.Subtask != s.scriptTask && ev.Kind != CheckpointCompleted && ev.Kind != CheckpointAborted && ev.Kind != CheckpointExpired {
		return
	}
	t := &s.tasks[s.scriptTask]
	chName := func() string {
		for i, id := range t.inputs {
			if id == ev.Channel {
				return fmt.Sprintf("c%d", i)
			}
		}
		return "output"
	}
	var line string
	switch ev.Kind {
	case RecordProcessed:
		line = fmt.Sprintf("processed r%d", ev.Value)
	case SnapshotSyncStart:
		line = fmt.Sprintf("checkpoint %d triggered", ev.Checkpoint)
	case TaskCheckpointAborted:
		line = fmt.Sprintf("checkpoint %d aborted: %s", ev.Checkpoint, ev.Reason)
	case ChannelBlocked:
		line = fmt.Sprintf("blocked %s", chName())
	case ChannelUnblocked:
		line = fmt.Sprintf("unblocked %s", chName())
	case InFlightPersisted:
		prefix := "r"
		if ev.Key == outputKey {
			prefix = "o"
		}
		line = fmt.Sprintf("persisted %s: %s%d", chName(), prefix, ev.Value)
	case AlignmentTimedOut:
		line = fmt.Sprintf("checkpoint %d alignment timed out", ev.Checkpoint)
	case CheckpointCompleted:
		line = fmt.Sprintf("checkpoint %d completed", ev.Checkpoint)
	case CheckpointAborted, CheckpointExpired:
		line = fmt.Sprintf("checkpoint %d %s at the coordinator", ev.Checkpoint, ev.Reason)
	default:
		return
	}
	s.script = append(s.script, line)
}

// ScriptLog is, for a scripted run, what happened at the task under test,
// one line per happening in order: "processed rN", "emitted rN" (with
// Emit), "checkpoint N triggered", "checkpoint N aborted: REASON", "blocked cI", "unblocked cI",
// "persisted cI: rN" (input channel state), "persisted output: oN" (output
// channel state), "checkpoint N alignment timed out", "checkpoint N
// completed".
func (s *Sim) ScriptLog() []string { return s.script }
