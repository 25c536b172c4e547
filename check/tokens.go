package check

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/sim/tokens"
	"github.com/ckptsim/ckptsim/topology"
)

// The consistent-cut property of a snapshot protocol on the token-passing
// workload (package sim/tokens): every snapshot a run takes completes,
// and the tokens it recorded in the process states and on the links equal
// the tokens in the system. TokenSweep draws systems and checks it for
// any protocol, the user's own included, on package tokens' network or
// on the engine's mode chandy-lamport (TokenConfig); ShrinkTokens makes a
// failing system small.

// TokenOptions configure TokenSweep.
type TokenOptions struct {
	// Runs is the number of systems to draw (default 1,000).
	Runs int
	// Seed of the first system; run i uses Seed+i.
	Seed uint64
	// Protocol makes each process's protocol; nil is Chandy-Lamport.
	Protocol func(protocol.Spec) protocol.Protocol
	// MaxShrinkRuns bounds the runs the shrinker may spend (default
	// 2,000).
	MaxShrinkRuns int
	// Engine runs every system on ckptsim's engine (TokenConfig, mode
	// chandy-lamport, checked by sim.TokenChecker) instead of package
	// tokens' two deliveries.
	Engine bool
}

// TokenCounterexample is a system on which the property fails, shrunk.
type TokenCounterexample struct {
	// Seed the system was drawn from.
	Seed uint64
	// Run is the sweep's run number.
	Run int
	// Delivery the failure shows under (run i uses Deliveries[i%2]); ""
	// on the engine.
	Delivery tokens.Delivery
	// Topology of the shrunk system.
	Topology *tokens.Topology
	// Events of the shrunk system.
	Events []tokens.Event
	// Err is the violation: a snapshot that does not conserve the tokens,
	// or one that cannot complete.
	Err error
	// Shrinks is the number of runs the shrinker spent.
	Shrinks int
}

// String is the counterexample as the two files simulate cl replays.
func (c *TokenCounterexample) String() string {
	var b strings.Builder
	on := "delivery " + string(c.Delivery)
	if c.Delivery == "" {
		on = "on the engine"
	}
	fmt.Fprintf(&b, "run %d (seed %d), %s: %v\n", c.Run, c.Seed, on, c.Err)
	fmt.Fprintf(&b, "topology:\n%s", indent(c.Topology.String()))
	fmt.Fprintf(&b, "events:\n%s", indent(tokens.FormatEvents(c.Events)))
	return b.String()
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

// TokenSweep draws opt.Runs systems and returns the first one on which the
// property fails, shrunk, or nil.
func TokenSweep(opt TokenOptions) *TokenCounterexample {
	if opt.Runs <= 0 {
		opt.Runs = 1000
	}
	for i := range opt.Runs {
		seed := opt.Seed + uint64(i)
		top, events := TokenSystem(seed)
		d := tokens.Deliveries[i%len(tokens.Deliveries)]
		if opt.Engine {
			d = ""
		}
		if err := tokenViolation(top, events, d, opt.Protocol); err != nil {
			c := ShrinkTokens(top, events, d, opt.Protocol, opt.MaxShrinkRuns)
			c.Seed, c.Run = seed, i
			return c
		}
	}
	return nil
}

// TokenSystem draws a strongly connected token-passing system from seed:
// 2 to 6 processes on a directed ring plus random links, and up to 20
// events (sends of tokens the sender surely holds, snapshots, ticks).
func TokenSystem(seed uint64) (*tokens.Topology, []tokens.Event) {
	r := rand.New(rand.NewPCG(seed, 0x746f6b656e73))
	n := 2 + r.IntN(5)
	top := &tokens.Topology{}
	held := make([]int64, n)
	for i := range n {
		held[i] = r.Int64N(10)
		top.Processes = append(top.Processes, tokens.Process{ID: fmt.Sprintf("P%d", i+1), Tokens: held[i]})
	}
	type pair struct{ from, to int }
	var links []pair
	add := func(a, b int) {
		if a != b && !slices.Contains(links, pair{a, b}) {
			links = append(links, pair{a, b})
			top.Links = append(top.Links, tokens.Link{From: top.Processes[a].ID, To: top.Processes[b].ID})
		}
	}
	for i := range n {
		add(i, (i+1)%n)
	}
	for range r.IntN(n * n / 2) {
		add(r.IntN(n), r.IntN(n))
	}
	var events []tokens.Event
	for line := range 1 + r.IntN(20) {
		ev := tokens.Event{Line: line + 1}
		switch k := r.IntN(4); {
		case k == 0:
			ev.Kind, ev.Ticks = tokens.Tick, 1+r.Int64N(5)
		case k == 1:
			ev.Kind, ev.Process = tokens.Snapshot, top.Processes[r.IntN(n)].ID
		default:
			l := links[r.IntN(len(links))]
			if held[l.from] == 0 {
				continue
			}
			ev.Kind, ev.From, ev.To, ev.Tokens = tokens.Send, top.Processes[l.from].ID, top.Processes[l.to].ID, 1+r.Int64N(held[l.from])
			held[l.from] -= ev.Tokens
		}
		events = append(events, ev)
	}
	return top, events
}

// errStuck marks a snapshot that cannot complete.
var errStuck = errors.New("stuck")

// tokenViolation runs the system with delivery d ("": on the engine) and
// returns the property's violation, or nil. A system that cannot run
// (invalid, or a send of more tokens than held, after shrinking) is no
// violation.
func tokenViolation(top *tokens.Topology, events []tokens.Event, d tokens.Delivery, mk func(protocol.Spec) protocol.Protocol) error {
	if tokens.Validate(top, events) != nil {
		return nil // a shrink step went too far
	}
	if d == "" {
		return engineViolation(top, events, mk)
	}
	res, err := tokens.Run(top, events, tokens.Options{Delivery: d, Seed: 1, Protocol: mk})
	var ee *tokens.EventError
	switch {
	case errors.As(err, &ee):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %v", errStuck, err)
	}
	return tokens.Conserved(res)
}

// ShrinkTokens makes a failing system smaller while it fails the same way
// (a conservation violation stays one, a stuck snapshot stays one): it
// drops events, links and processes, and lowers tick counts and token
// numbers, greedily, until nothing smaller fails or maxRuns runs are spent
// (0: 2,000).
func ShrinkTokens(top *tokens.Topology, events []tokens.Event, d tokens.Delivery, mk func(protocol.Spec) protocol.Protocol, maxRuns int) *TokenCounterexample {
	if maxRuns <= 0 {
		maxRuns = 2000
	}
	c := &TokenCounterexample{Delivery: d, Topology: top, Events: events, Err: tokenViolation(top, events, d, mk)}
	stuck := errors.Is(c.Err, errStuck)
	for progress := true; progress && c.Shrinks < maxRuns; {
		progress = false
		for _, cand := range tokenCandidates(c.Topology, c.Events) {
			if c.Shrinks >= maxRuns {
				break
			}
			c.Shrinks++
			err := tokenViolation(cand.top, cand.events, d, mk)
			if err != nil && errors.Is(err, errStuck) == stuck {
				c.Topology, c.Events, c.Err, progress = cand.top, cand.events, err, true
				break
			}
		}
	}
	for i := range c.Events {
		c.Events[i].Line = i + 1
	}
	return c
}

type tokenCandidate struct {
	top    *tokens.Topology
	events []tokens.Event
}

// tokenCandidates are the one-step simplifications of a system, the
// boldest first.
func tokenCandidates(top *tokens.Topology, events []tokens.Event) []tokenCandidate {
	var out []tokenCandidate
	for i := range top.Processes {
		if len(top.Processes) > 1 {
			out = append(out, withoutProcess(top, events, top.Processes[i].ID))
		}
	}
	for i := range events {
		out = append(out, tokenCandidate{top, slices.Delete(slices.Clone(events), i, i+1)})
	}
	for i, l := range top.Links {
		t := *top
		t.Links = slices.Delete(slices.Clone(top.Links), i, i+1)
		out = append(out, tokenCandidate{&t, slices.DeleteFunc(slices.Clone(events), func(ev tokens.Event) bool {
			return ev.Kind == tokens.Send && ev.From == l.From && ev.To == l.To
		})})
	}
	for i, ev := range events {
		if (ev.Kind == tokens.Tick && ev.Ticks > 1) || (ev.Kind == tokens.Send && ev.Tokens > 1) {
			evs := slices.Clone(events)
			evs[i].Ticks, evs[i].Tokens = min(ev.Ticks, 1), min(ev.Tokens, 1)
			out = append(out, tokenCandidate{top, evs})
		}
	}
	for i, p := range top.Processes {
		if p.Tokens > 0 {
			t := *top
			t.Processes = slices.Clone(top.Processes)
			t.Processes[i].Tokens = p.Tokens - 1
			out = append(out, tokenCandidate{&t, events})
		}
	}
	return out
}

// withoutProcess drops process id with its links and events.
func withoutProcess(top *tokens.Topology, events []tokens.Event, id string) tokenCandidate {
	t := &tokens.Topology{}
	for _, p := range top.Processes {
		if p.ID != id {
			t.Processes = append(t.Processes, p)
		}
	}
	for _, l := range top.Links {
		if l.From != id && l.To != id {
			t.Links = append(t.Links, l)
		}
	}
	evs := slices.DeleteFunc(slices.Clone(events), func(ev tokens.Event) bool {
		return ev.From == id || ev.To == id || ev.Process == id
	})
	return tokenCandidate{t, evs}
}

// TokenTick is the virtual time of one tick of a token system on the
// engine (TokenConfig).
const TokenTick = time.Millisecond

// TokenConfig is a token system in the COS 418 format as a run of the
// engine's mode chandy-lamport: a process operator of parallelism 1 per
// process, a forward edge per link, the channels' latency one tick plus a
// jitter below four more (COS 418's 1 to 5 ticks), each send and snapshot
// at its tick (TokenTick), the commands of one tick a nanosecond apart in
// file order; the run goes on until nothing is left in flight. mk is the
// processes' protocol (nil: Chandy-Lamport). The engine refuses what
// tokens.Validate refuses, and a send of more tokens than the process
// holds sends what it holds.
func TokenConfig(top *tokens.Topology, events []tokens.Event, mk func(protocol.Spec) protocol.Protocol) sim.Config {
	g := &topology.Graph{}
	for _, p := range top.Processes {
		g.Operators = append(g.Operators, topology.Operator{Name: p.ID, Kind: topology.Process, Parallelism: 1, Tokens: p.Tokens})
	}
	for _, l := range top.Links {
		g.Edges = append(g.Edges, topology.Edge{From: l.From, To: l.To, Partitioning: topology.Forward})
	}
	cfg := sim.Config{Seed: 1, Graph: g, Channels: sim.DefaultChannelConfig(), Checkpoint: sim.DefaultCheckpointConfig()}
	cfg.Channels.Latency, cfg.Channels.Jitter = TokenTick, 4*TokenTick
	cfg.Checkpoint.Mode, cfg.Checkpoint.Protocol = sim.ChandyLamport, mk
	at := time.Duration(0)
	for i, ev := range events {
		t := at + time.Duration(i) // file order within a tick
		switch ev.Kind {
		case tokens.Tick:
			at += time.Duration(ev.Ticks) * TokenTick
		case tokens.Send:
			cfg.Tokens.Sends = append(cfg.Tokens.Sends, sim.TokenSend{At: t, From: ev.From, To: ev.To, Tokens: ev.Tokens})
		case tokens.Snapshot:
			cfg.Tokens.Snapshots = append(cfg.Tokens.Snapshots, sim.TokenSnapshot{At: t, Process: ev.Process})
		}
	}
	return cfg
}

// engineViolation runs the system on the engine: the checker's
// violation, or a snapshot that did not complete (errStuck).
func engineViolation(top *tokens.Topology, events []tokens.Event, mk func(protocol.Spec) protocol.Protocol) error {
	cfg := TokenConfig(top, events, mk)
	s, err := sim.New(cfg)
	if err != nil {
		return nil // a shrink step went too far
	}
	c := sim.NewTokenChecker(&cfg)
	s.Tracer = c.Observe
	s.Run()
	if err := c.Err(); err != nil {
		return err
	}
	if inc := c.Incomplete(); len(inc) > 0 {
		return fmt.Errorf("%w: snapshot %d did not complete", errStuck, inc[0])
	}
	return nil
}
