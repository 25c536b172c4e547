package protocol

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
	running []clSnapshot   // in initiation order
	done    map[int64]bool // snapshots complete or aborted here (looked up, never ranged over)
}

// clSnapshot is a snapshot in progress at the process.
type clSnapshot struct {
	id       int64
	received []bool // the input's marker arrived (or the input ended)
	missing  int
}

// NewChandyLamport is the protocol of a process with spec's inputs.
func NewChandyLamport(spec Spec) *ChandyLamport {
	return &ChandyLamport{ended: make([]bool, spec.Inputs), done: map[int64]bool{}}
}

// Step implements Protocol.
func (p *ChandyLamport) Step(in Input) Ready {
	p.out.reset()
	switch in.Kind {
	case Trigger:
		if p.find(in.Checkpoint) < 0 && !p.done[in.Checkpoint] {
			p.start(in.Checkpoint, -1)
		}
	case Barrier:
		switch i := p.find(in.Checkpoint); {
		case i >= 0:
			p.markerReceived(i, in.Channel)
		case !p.done[in.Checkpoint]:
			p.start(in.Checkpoint, in.Channel)
		}
	case EndOfPartition:
		if p.ended[in.Channel] {
			break
		}
		// An ended input carries no more messages: its state is complete
		// for every running snapshot, and empty for every later one.
		p.ended[in.Channel] = true
		for i := 0; i < len(p.running); {
			if !p.markerReceived(i, in.Channel) {
				i++
			}
		}
	case Abort:
		if i := p.find(in.Checkpoint); i >= 0 {
			p.running = append(p.running[:i], p.running[i+1:]...)
			p.done[in.Checkpoint] = true
		}
	}
	return p.out.ready()
}

// Running are the ids of the snapshots in progress at the process, in
// the order they started here.
func (p *ChandyLamport) Running() []int64 {
	ids := make([]int64, len(p.running))
	for i, s := range p.running {
		ids[i] = s.id
	}
	return ids
}

func (p *ChandyLamport) find(id int64) int {
	for i := range p.running {
		if p.running[i].id == id {
			return i
		}
	}
	return -1
}

// start records the process's state for snapshot id, whose first marker
// came on input from (-1: the process initiates it), sends the marker on,
// and records every other open input.
func (p *ChandyLamport) start(id int64, from int) {
	p.out.add(Action{Kind: Snapshot, Checkpoint: id})
	p.out.add(Action{Kind: Forward, Checkpoint: id})
	s := clSnapshot{id: id, received: make([]bool, len(p.ended))}
	for j := range s.received {
		if j == from || p.ended[j] {
			s.received[j] = true
			continue
		}
		s.missing++
		p.out.add(Action{Kind: StartRecording, Channel: j, Checkpoint: id})
	}
	p.running = append(p.running, s)
	if s.missing == 0 {
		p.complete(len(p.running) - 1)
	}
}

// markerReceived ends the recording of input ch for running snapshot i,
// and reports whether that completed (and removed) the snapshot.
func (p *ChandyLamport) markerReceived(i, ch int) bool {
	s := &p.running[i]
	if s.received[ch] {
		return false
	}
	s.received[ch] = true
	s.missing--
	p.out.add(Action{Kind: StopRecording, Channel: ch, Checkpoint: s.id})
	if s.missing > 0 {
		return false
	}
	p.complete(i)
	return true
}

func (p *ChandyLamport) complete(i int) {
	id := p.running[i].id
	p.running = append(p.running[:i], p.running[i+1:]...)
	p.done[id] = true
	p.out.add(Action{Kind: Acknowledge, Checkpoint: id})
}
