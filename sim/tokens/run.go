package tokens

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// Delivery is the rule by which links deliver their messages.
type Delivery string

// The delivery rules.
const (
	// DeliveryCkptsim is ckptsim's deterministic network (network.go).
	DeliveryCkptsim Delivery = "ckptsim"
	// DeliveryCOS418 is the COS 418 assignment's simulator (cos418.go).
	DeliveryCOS418 Delivery = "cos418"
)

// Deliveries are the delivery rules, the default first.
var Deliveries = []Delivery{DeliveryCkptsim, DeliveryCOS418}

// Options configure a run.
type Options struct {
	// Delivery rule; empty is DeliveryCkptsim.
	Delivery Delivery
	// Seed of DeliveryCkptsim's random source (COS 418 has its own).
	Seed uint64
	// MaxDelay is DeliveryCkptsim's largest latency in ticks (1 to
	// MaxDelay); 0 means 5, as COS 418's maxDelay.
	MaxDelay int64
	// Protocol makes each process's snapshot protocol; nil is
	// protocol.NewChandyLamport. A process's input channels are its
	// incoming links in string order of their source.
	Protocol func(protocol.Spec) protocol.Protocol
}

// message is a token or marker message on a link.
type message struct {
	marker bool
	n      int64 // tokens, or the snapshot id of a marker
	due    int64 // received at or after this tick
	seq    int64 // send order
}

type link struct {
	from, to int
	in       int // the input channel index at to
	queue    []message
	lastDue  int64
}

type process struct {
	id     string
	tokens int64
	proto  protocol.Protocol
	out    []int // links, in string order of destination
	in     []int // links, in string order of source: input channel i is in[i]
}

// network is what a delivery rule does: send a message, and deliver what
// is due at the current tick.
type network interface {
	send(r *run, l int, m message)
	tick(r *run)
}

// EventError is an events line that cannot happen when the run gets to
// it.
type EventError struct {
	// Line of the events file.
	Line int
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *EventError) Error() string { return fmt.Sprintf("events line %d: %s", e.Line, e.Msg) }

// run is one execution.
type run struct {
	procs    []process
	links    []link
	order    []int          // processes in string order of id
	index    map[string]int // process by id (looked up, never ranged over)
	snaps    *Recorder
	now      int64
	inflight int
	net      network
}

// Run executes the events on the topology, then ticks until every
// snapshot completed, and returns the snapshots. It fails on a send of
// more tokens than the sender holds, and when a snapshot cannot complete
// (some process never receives its marker).
func Run(top *Topology, events []Event, opt Options) (*Result, error) {
	if err := Validate(top, events); err != nil {
		return nil, err
	}
	r := newRun(top, opt)
	total := int64(0)
	for _, p := range top.Processes {
		total += p.Tokens
	}
	for _, ev := range events {
		if err := r.event(ev); err != nil {
			return nil, err
		}
	}
	for !r.snaps.AllDone() {
		if r.inflight == 0 {
			return nil, r.snaps.stuck()
		}
		r.advance()
	}
	res := &Result{Total: total, Ticks: r.now}
	for id := range int64(r.snaps.Len()) {
		res.Snapshots = append(res.Snapshots, r.snaps.Snap(id))
	}
	return res, nil
}

func newRun(top *Topology, opt Options) *run {
	index := make(map[string]int, len(top.Processes))
	r := &run{procs: make([]process, len(top.Processes)), index: index}
	for i, p := range top.Processes {
		r.procs[i] = process{id: p.ID, tokens: p.Tokens}
		index[p.ID] = i
		r.order = append(r.order, i)
	}
	slices.SortFunc(r.order, func(a, b int) int { return strings.Compare(r.procs[a].id, r.procs[b].id) })
	for i, l := range top.Links {
		r.links = append(r.links, link{from: index[l.From], to: index[l.To]})
		r.procs[index[l.From]].out = append(r.procs[index[l.From]].out, i)
		r.procs[index[l.To]].in = append(r.procs[index[l.To]].in, i)
	}
	mk := opt.Protocol
	if mk == nil {
		mk = func(s protocol.Spec) protocol.Protocol { return protocol.NewChandyLamport(s) }
	}
	for i := range r.procs {
		p := &r.procs[i]
		slices.SortFunc(p.out, func(a, b int) int { return strings.Compare(r.procs[r.links[a].to].id, r.procs[r.links[b].to].id) })
		slices.SortFunc(p.in, func(a, b int) int { return strings.Compare(r.procs[r.links[a].from].id, r.procs[r.links[b].from].id) })
		for ch, l := range p.in {
			r.links[l].in = ch
		}
		p.proto = mk(protocol.Spec{Inputs: len(p.in), Outputs: len(p.out)})
	}
	names, inputs := make([]string, len(r.procs)), make([]int, len(r.procs))
	for i := range r.procs {
		names[i], inputs[i] = r.procs[i].id, len(r.procs[i].in)
	}
	r.snaps = NewRecorder(names, inputs, 0)
	if opt.Delivery == DeliveryCOS418 {
		r.net = newCOS418()
	} else {
		r.net = newCkptsimNet(opt.Seed, opt.MaxDelay)
	}
	return r
}

// event carries out one events line.
func (r *run) event(ev Event) error {
	switch ev.Kind {
	case Tick:
		for k := ev.Ticks; k > 0; k-- {
			if r.inflight == 0 {
				r.now += k // nothing in flight: the remaining ticks deliver nothing
				return nil
			}
			r.advance()
		}
	case Send:
		p := &r.procs[r.index[ev.From]]
		if p.tokens < ev.Tokens {
			return &EventError{Line: ev.Line, Msg: fmt.Sprintf("%s sends %d tokens but holds %d", ev.From, ev.Tokens, p.tokens)}
		}
		p.tokens -= ev.Tokens
		for _, l := range p.out {
			if r.procs[r.links[l].to].id == ev.To {
				r.send(l, message{n: ev.Tokens})
			}
		}
	case Snapshot:
		id := r.snaps.Begin()
		r.step(r.index[ev.Process], protocol.Input{Kind: protocol.Trigger, Checkpoint: id})
	}
	return nil
}

func (r *run) advance() {
	r.now++
	r.net.tick(r)
}

func (r *run) send(l int, m message) {
	r.inflight++
	r.net.send(r, l, m)
}

// deliver hands the head message of link l to its destination.
func (r *run) deliver(l int) {
	lk := &r.links[l]
	m := lk.queue[0]
	lk.queue = lk.queue[1:]
	r.inflight--
	q := &r.procs[lk.to]
	if m.marker {
		r.step(lk.to, protocol.Input{Kind: protocol.Barrier, Channel: lk.in, Checkpoint: m.n})
		return
	}
	q.tokens += m.n
	r.snaps.Received(lk.to, lk.in, lk.from, m.n)
	r.step(lk.to, protocol.Input{Kind: protocol.Record, Channel: lk.in})
}

// step feeds an input to process i's protocol and carries out its
// actions: the recorder keeps the snapshots, Forward sends the marker on
// every output. The token network never blocks a link nor aborts: other
// actions do nothing.
func (r *run) step(i int, in protocol.Input) {
	in.Now = r.now
	p := &r.procs[i]
	for _, a := range p.proto.Step(in).Actions {
		if a.Kind == protocol.Forward && r.snaps.Known(a.Checkpoint) {
			for _, l := range p.out {
				r.send(l, message{marker: true, n: a.Checkpoint})
			}
		}
		r.snaps.Act(i, p.tokens, a, r.now)
	}
}
