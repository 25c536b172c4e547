package protocol

import (
	"maps"
	"slices"
)

// ChandyLamport is the classic snapshot algorithm of Chandy and Lamport
// ("Distributed Snapshots: Determining Global States of Distributed
// Systems", 1985) at one process: the process records its state when it
// initiates a snapshot (a Trigger) or takes the first marker of it, sends a
// marker on every output, and records each other input from then until
// that input's marker arrives. Nothing is ever blocked, any process may
// initiate, several snapshots may be in flight at once (told apart by
// their ids, which may start at 0), and the graph may have cycles.
type ChandyLamport struct {
	out     actions
	ended   []bool
	floor   int64                 // Spec.Floor
	order   []int64               // the running snapshots, in the order they started here
	running map[int64]*clSnapshot // by id (looked up, never ranged over)
	done    map[int64]bool        // snapshots complete or aborted here (looked up, never ranged over)
}

// clSnapshot is a snapshot in progress at the process.
type clSnapshot struct {
	id       int64
	received []bool // the input's marker arrived (or the input ended)
	missing  int
}

// NewChandyLamport is the protocol of a process with spec's inputs. The
// snapshots up to spec.Floor, if it is above 0, are over from the start.
func NewChandyLamport(spec Spec) *ChandyLamport {
	return &ChandyLamport{ended: make([]bool, spec.Inputs), floor: spec.Floor, running: map[int64]*clSnapshot{}, done: map[int64]bool{}}
}

// Clone implements Cloner.
func (p *ChandyLamport) Clone() Cloner {
	c := &ChandyLamport{ended: slices.Clone(p.ended), floor: p.floor, order: slices.Clone(p.order),
		running: make(map[int64]*clSnapshot, len(p.running)), done: maps.Clone(p.done)}
	for id, s := range p.running {
		x := *s
		x.received = slices.Clone(s.received)
		c.running[id] = &x
	}
	return c
}

// over reports whether snapshot id is complete or aborted here.
func (p *ChandyLamport) over(id int64) bool { return p.done[id] || p.floor > 0 && id <= p.floor }

// Step implements Protocol.
func (p *ChandyLamport) Step(in Input) Ready {
	p.out.reset()
	switch in.Kind {
	case Trigger:
		if p.running[in.Checkpoint] == nil && !p.over(in.Checkpoint) {
			p.start(in.Checkpoint, -1)
		}
	case Barrier:
		switch s := p.running[in.Checkpoint]; {
		case s != nil:
			p.markerReceived(s, in.Channel)
		case !p.over(in.Checkpoint):
			p.start(in.Checkpoint, in.Channel)
		}
	case EndOfPartition:
		if p.ended[in.Channel] {
			break
		}
		// An ended input carries no more messages: its state is complete
		// for every running snapshot, and empty for every later one.
		p.ended[in.Channel] = true
		for _, id := range slices.Clone(p.order) {
			p.markerReceived(p.running[id], in.Channel)
		}
	case Abort:
		if p.running[in.Checkpoint] != nil {
			p.finish(in.Checkpoint)
		}
	}
	return p.out.ready()
}

// Running are the ids of the snapshots in progress at the process, in
// the order they started here.
func (p *ChandyLamport) Running() []int64 { return slices.Clone(p.order) }

// start records the process's state for snapshot id, whose first marker
// came on input from (-1: the process initiates it), sends the marker on,
// and records every other open input.
func (p *ChandyLamport) start(id int64, from int) {
	p.out.add(Action{Kind: Snapshot, Checkpoint: id})
	p.out.add(Action{Kind: Forward, Checkpoint: id})
	s := &clSnapshot{id: id, received: make([]bool, len(p.ended))}
	for j := range s.received {
		if j == from || p.ended[j] {
			s.received[j] = true
			continue
		}
		s.missing++
		p.out.add(Action{Kind: StartRecording, Channel: j, Checkpoint: id})
	}
	p.running[id] = s
	p.order = append(p.order, id)
	if s.missing == 0 {
		p.complete(id)
	}
}

// markerReceived ends the recording of input ch for running snapshot s.
func (p *ChandyLamport) markerReceived(s *clSnapshot, ch int) {
	if s.received[ch] {
		return
	}
	s.received[ch] = true
	s.missing--
	p.out.add(Action{Kind: StopRecording, Channel: ch, Checkpoint: s.id})
	if s.missing == 0 {
		p.complete(s.id)
	}
}

func (p *ChandyLamport) complete(id int64) {
	p.finish(id)
	p.out.add(Action{Kind: Acknowledge, Checkpoint: id})
}

// finish forgets running snapshot id.
func (p *ChandyLamport) finish(id int64) {
	delete(p.running, id)
	p.order = slices.DeleteFunc(p.order, func(n int64) bool { return n == id })
	p.done[id] = true
}
