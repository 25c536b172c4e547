package sim

import (
	"fmt"
	"slices"

	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/sim/tokens"
)

// The token job: mode ChandyLamport runs Chandy and Lamport's textbook
// workload on the engine's event queue, clock, random source, execution
// graph and trace. Every subtask of a Process operator is a process that
// holds tokens; every channel of the execution graph is a FIFO link
// (cycles allowed) on which a message takes the channel latency plus a
// jitter in [0, Jitter) and never overtakes the one sent before it.
// Network buffers, credits and backpressure do not apply: the algorithm
// assumes reliable FIFO channels without bounds, and bounded credit-based
// channels in a cycle could deadlock.
//
// Each process (a task) holds its snapshot protocol
// (CheckpointConfig.Protocol, protocol.ChandyLamport by default), made and
// stepped by the engine's executor (driver.go) as in every mode: a token
// message it takes is a Record, a marker a Barrier, an initiation a
// Trigger. executeToken carries out the actions of the Ready on the token
// job: Snapshot, Forward, StartRecording, StopRecording and Acknowledge,
// whose bookkeeping tokens.Recorder keeps as for package tokens. The job
// never blocks an input nor aborts a snapshot; other actions do nothing.
// Snapshots are numbered from 1, as Flink numbers checkpoints.
//
// The trace shows the run: RecordSent and RecordReceived carry a token
// message's tokens as Value, BarrierForwarded and BarrierReceived the
// markers (a forward once, N = the output channels, as in Flink modes),
// CheckpointTriggered an initiation (Subtask is the initiator),
// TokensRecorded a process's recorded state, RecordingStarted and
// RecordingStopped an input channel's recording, InFlightPersisted each
// message recorded on a channel, CheckpointAcked a process's completed
// part and CheckpointCompleted a snapshot's completion (N is the tokens
// it recorded). TokenChecker checks a run from this trace alone.
type tokenJob struct {
	held  []int64           // tokens per subtask
	links []deque[tokenMsg] // per channel: the messages in flight
	due   []int64           // per channel: the arrival time of its last message
	rec   *tokens.Recorder
	check *TokenChecker // observes every trace event of the job
	total int64
	// sends are the resolved channels of Config.Tokens.Sends and
	// initiators the subtasks of Config.Tokens.Snapshots; started are the
	// initiators of the snapshots begun, by id - 1.
	sends, initiators, started []int
}

// tokenMsg is a message on a channel: tokens, or the marker of snapshot n.
type tokenMsg struct {
	marker bool
	n      int64
}

// startTokenJob sets up the processes and schedules the workload.
func (s *Sim) startTokenJob() {
	eg := s.eg
	tj := &tokenJob{held: make([]int64, len(s.tasks)),
		links: make([]deque[tokenMsg], len(s.chans)), due: make([]int64, len(s.chans))}
	names, inputs := make([]string, len(s.tasks)), make([]int, len(s.tasks))
	for i := range s.tasks {
		st := &eg.Subtasks[i]
		tj.held[i] = eg.Op(i).Tokens
		tj.total += tj.held[i]
		names[i], inputs[i] = st.Name, len(st.Inputs)
	}
	tj.rec = tokens.NewRecorder(names, inputs, 1)
	tj.check = NewTokenChecker(&s.cfg)
	w := &s.cfg.Tokens
	for i, sd := range w.Sends {
		c, _ := tokenChannel(eg, sd.From, sd.To)
		tj.sends = append(tj.sends, c)
		s.q.push(int64(sd.At), evTokenSend, int32(i), 0, 0)
	}
	for i, sn := range w.Snapshots {
		p, _ := tokenProcess(eg, sn.Process)
		tj.initiators = append(tj.initiators, p)
		s.q.push(int64(sn.At), evTokenSnapshot, int32(i), 0, 0)
	}
	if w.SendEvery > 0 {
		s.q.push(int64(w.SendEvery), evTokenRule, 0, 0, 0)
	}
	s.tokens = tj
}

// tokenOutputs are the output channels of subtask i, gate by gate.
func (s *Sim) tokenOutputs(i int) []int {
	var out []int
	for _, g := range s.eg.Subtasks[i].Outputs {
		for _, id := range g.Channels {
			out = append(out, int(id))
		}
	}
	return out
}

// tokenEvent dispatches an event of the token job.
func (s *Sim) tokenEvent(e event) {
	tj := s.tokens
	switch e.kind() {
	case evTokenSend:
		c := tj.sends[e.a]
		s.sendTokens(c, s.cfg.Tokens.Sends[e.a].Tokens)
	case evTokenSnapshot:
		p := tj.initiators[e.a]
		id := tj.rec.Begin()
		tj.started = append(tj.started, p)
		s.tokenTrace(TraceEvent{Kind: CheckpointTriggered, Subtask: int32(p), Channel: -1, Checkpoint: id})
		s.stepProcess(p, protocol.Input{Kind: protocol.Trigger, Checkpoint: id})
	case evTokenRule:
		s.seededSends()
		s.q.push(s.now+int64(s.cfg.Tokens.SendEvery), evTokenRule, 0, 0, 0)
	case evTokenArrive:
		s.tokenArrived(int(e.a))
	}
}

// seededSends is one round of the seeded rule: each process that holds
// tokens, in subtask order, draws an output channel and a number of
// tokens.
func (s *Sim) seededSends() {
	tj := s.tokens
	for p := range tj.held {
		outs := s.tokenOutputs(p)
		if tj.held[p] == 0 || len(outs) == 0 {
			continue
		}
		c := outs[s.rng.IntN(len(outs))]
		most := tj.held[p]
		if m := s.cfg.Tokens.SendMax; m > 0 {
			most = min(most, m)
		}
		s.sendTokens(c, 1+s.rng.Int64N(most))
	}
}

// sendTokens sends n tokens of channel c's sender on c, at most what it
// holds.
func (s *Sim) sendTokens(c int, n int64) {
	tj := s.tokens
	from := s.chans[c].from
	if n = min(n, tj.held[from]); n == 0 {
		return
	}
	tj.held[from] -= n
	s.tokenTrace(TraceEvent{Kind: RecordSent, Subtask: from, Channel: int32(c), Value: n})
	s.tokenSend(c, tokenMsg{n: n})
}

// tokenSend puts m on channel c: it arrives after the latency and a
// jitter, never before the message ahead of it.
func (s *Sim) tokenSend(c int, m tokenMsg) {
	tj := s.tokens
	at := s.now + int64(s.cfg.Channels.Latency)
	if j := int64(s.cfg.Channels.Jitter); j > 0 {
		at += s.rng.Int64N(j)
	}
	at = max(at, tj.due[c])
	tj.due[c] = at
	tj.links[c].pushBack(m)
	s.q.push(at, evTokenArrive, int32(c), 0, 0)
}

// tokenArrived hands the head message of channel c to its receiver.
func (s *Sim) tokenArrived(c int) {
	tj := s.tokens
	ch := &s.chans[c]
	m := tj.links[c].popFront()
	p := int(ch.to)
	if m.marker {
		s.tokenTrace(TraceEvent{Kind: BarrierReceived, Subtask: ch.to, Channel: int32(c), Checkpoint: m.n})
		s.stepProcess(p, protocol.Input{Kind: protocol.Barrier, Channel: int(ch.input), Checkpoint: m.n})
		return
	}
	tj.held[p] += m.n
	s.tokenTrace(TraceEvent{Kind: RecordReceived, Subtask: ch.to, Channel: int32(c), Value: m.n})
	for _, id := range tj.rec.Received(p, int(ch.input), int(ch.from), m.n) {
		s.tokenTrace(TraceEvent{Kind: InFlightPersisted, Subtask: ch.to, Channel: int32(c), Checkpoint: id, Value: m.n})
	}
	s.stepProcess(p, protocol.Input{Kind: protocol.Record, Channel: int(ch.input)})
}

// stepProcess feeds an input to process p's protocol through the engine's
// executor (driver.go), which hands each action to executeToken.
func (s *Sim) stepProcess(p int, in protocol.Input) { s.stepProtocol(&s.tasks[p], in, 0) }

// executeToken carries out one action of process t's protocol.
func (s *Sim) executeToken(t *task, a *protocol.Action) {
	tj := s.tokens
	p := int(t.id)
	if !tj.rec.Known(a.Checkpoint) {
		return // not a snapshot of this run
	}
	ev := TraceEvent{Subtask: t.id, Channel: -1, Checkpoint: a.Checkpoint}
	switch a.Kind {
	case protocol.Snapshot:
		ev.Kind, ev.N = TokensRecorded, tj.held[p]
	case protocol.Forward:
		outs := s.tokenOutputs(p)
		s.tokenTrace(TraceEvent{Kind: BarrierForwarded, Subtask: t.id, Channel: -1, Checkpoint: a.Checkpoint, N: int64(len(outs))})
		for _, c := range outs {
			s.tokenSend(c, tokenMsg{marker: true, n: a.Checkpoint})
		}
		return
	case protocol.StartRecording, protocol.StopRecording:
		if a.Channel < 0 || a.Channel >= len(t.inputs) {
			return // no such input
		}
		ev.Kind, ev.Channel = RecordingStarted, t.inputs[a.Channel]
		if a.Kind == protocol.StopRecording {
			ev.Kind = RecordingStopped
		}
	case protocol.Acknowledge:
		ev.Kind = CheckpointAcked
	default:
		return
	}
	s.tokenTrace(ev)
	if tj.rec.Act(p, tj.held[p], *a, s.now) {
		snap := tj.rec.Snap(a.Checkpoint)
		s.tokenTrace(TraceEvent{Kind: CheckpointCompleted, Subtask: -1, Channel: -1, Checkpoint: a.Checkpoint, N: snap.Total()})
	}
}

// tokenTrace traces an event of the token job, which its checker
// observes whether or not anyone listens to the trace.
func (s *Sim) tokenTrace(ev TraceEvent) {
	s.tokens.check.Observe(ev)
	s.trace(ev)
}

// tokenResult fills the result of a token job: its snapshots and the
// checker's verdict.
func (s *Sim) tokenResult(r *Result) {
	tj := s.tokens
	r.TokenTotal = tj.total
	for id := int64(1); id <= int64(tj.rec.Len()); id++ {
		r.Snapshots = append(r.Snapshots, tj.rec.Snap(id))
	}
	d := fmt.Sprintf("%d completed snapshot(s) record the %d tokens of the system: in the process states plus on the channels", tj.check.Checked(), tj.total)
	if err := tj.check.Err(); err != nil {
		d = err.Error()
	}
	r.Invariants = []Invariant{{Name: "token-conservation", OK: tj.check.Err() == nil, Detail: d}}
}

// clone returns an independent copy of the token job for Sim.Clone (the
// processes' protocols are the tasks', which Clone copies).
func (tj *tokenJob) clone() *tokenJob {
	c := *tj
	c.held, c.due, c.started = slices.Clone(tj.held), slices.Clone(tj.due), slices.Clone(tj.started)
	c.links = slices.Clone(tj.links)
	for i := range c.links {
		c.links[i].buf = slices.Clone(tj.links[i].buf)
	}
	c.rec, c.check = tj.rec.Clone(), tj.check.clone()
	return &c
}
