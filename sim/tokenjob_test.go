package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/topology"
)

// tokenRing is the ring p -> q -> r -> p with the tokens given, on a
// network of 1 ms without jitter.
func tokenRing(p, q, r int64) Config {
	g := &topology.Graph{}
	for _, op := range []struct {
		name   string
		tokens int64
	}{{"p", p}, {"q", q}, {"r", r}} {
		g.Operators = append(g.Operators, topology.Operator{Name: op.name, Kind: topology.Process, Parallelism: 1, Tokens: op.tokens})
	}
	g.Edges = []topology.Edge{{From: "p", To: "q", Partitioning: topology.Forward}, {From: "q", To: "r", Partitioning: topology.Forward}, {From: "r", To: "p", Partitioning: topology.Forward}}
	ck := DefaultCheckpointConfig()
	ck.Mode = ChandyLamport
	return Config{Name: "ring", Seed: 1, Graph: g, Channels: DefaultChannelConfig(), Checkpoint: ck}
}

// runTokens runs cfg with a TokenChecker and returns the result, the
// checker and the trace lines of the snapshots.
func runTokens(t *testing.T, cfg Config) (*Result, *TokenChecker) {
	s, err := New(cfg)
	require.NoError(t, err)
	c := NewTokenChecker(&cfg)
	s.Tracer = c.Observe
	return s.Run(), c
}

// TestTokenRingByHand: two concurrent snapshots on a ring, derived by
// hand. p (10 tokens) sends 3 to q at 0 (q has them at 1 ms) and
// initiates snapshot 1 at 0.5 ms: p records 7 and starts recording r -> p.
// r (5) sends 2 to p at 1 ms; they reach p at 2 ms, recorded on r -> p.
// q sends 2 of its 3 to r at 1.2 ms (r has them at 2.2 ms). Marker 1
// reaches q at 1.5 ms (q records 1), r at 2.5 ms (r records 3 + 2 = 5)
// and p at 3.5 ms: snapshot 1 is p 7, q 1, r 5 and 2 on r -> p. r
// initiates snapshot 2 at 2 ms: r records 3 and records q -> r, which
// delivers q's 2 at 2.2 ms; marker 2 reaches p at 3 ms (p records 7 + 2
// = 9), q at 4 ms (1) and r at 5 ms: p 9, q 1, r 3 and 2 on q -> r.
func TestTokenRingByHand(t *testing.T) {
	cfg := tokenRing(10, 0, 5)
	ms := time.Millisecond
	cfg.Tokens = TokenWorkload{
		Sends:     []TokenSend{{At: 0, From: "p", To: "q", Tokens: 3}, {At: ms, From: "r", To: "p", Tokens: 2}, {At: 1200 * time.Microsecond, From: "q[0]", To: "r[0]", Tokens: 2}},
		Snapshots: []TokenSnapshot{{At: ms / 2, Process: "p"}, {At: 2 * ms, Process: "r"}},
	}
	res, c := runTokens(t, cfg)
	require.NoError(t, c.Err())
	assert.Equal(t, 2, c.Checked())
	assert.Empty(t, c.Incomplete())
	require.Len(t, res.Snapshots, 2)
	assert.Equal(t, "1\np[0] 7\nq[0] 1\nr[0] 5\nr[0] p[0] token(2)\n", res.Snapshots[0].String())
	assert.Equal(t, int64(3500*time.Microsecond), res.Snapshots[0].Completed)
	assert.Equal(t, "2\np[0] 9\nq[0] 1\nr[0] 3\nq[0] r[0] token(2)\n", res.Snapshots[1].String())
	assert.Equal(t, int64(5*ms), res.Snapshots[1].Completed)
	assert.Equal(t, int64(15), res.TokenTotal)
}

// strongRing draws a token job whose graph is strongly connected: a ring
// of rebalance edges through every process operator plus random edges
// (rebalance or, at equal parallelism, forward), with random tokens, latency and jitter,
// sends at given times and by the seeded rule, and snapshots initiated
// by random processes at random times, several in flight at once.
func strongRing(t *rapid.T) Config {
	n := rapid.IntRange(1, 5).Draw(t, "operators")
	g := &topology.Graph{}
	for i := range n {
		g.Operators = append(g.Operators, topology.Operator{Name: fmt.Sprintf("p%d", i), Kind: topology.Process,
			Parallelism: rapid.IntRange(1, 3).Draw(t, "parallelism"), Tokens: rapid.Int64Range(0, 20).Draw(t, "tokens")})
	}
	seen := map[[2]int]bool{}
	edge := func(a, b int, ring bool) {
		if a == b || seen[[2]int{a, b}] {
			return
		}
		seen[[2]int{a, b}] = true
		part := topology.Rebalance // the ring connects every subtask to every subtask
		if !ring && g.Operators[a].Parallelism == g.Operators[b].Parallelism && rapid.Bool().Draw(t, "forward") {
			part = topology.Forward
		}
		g.Edges = append(g.Edges, topology.Edge{From: g.Operators[a].Name, To: g.Operators[b].Name, Partitioning: part})
	}
	if n == 1 {
		g.Operators[0].Parallelism = max(2, g.Operators[0].Parallelism)
		g.Operators = append(g.Operators, topology.Operator{Name: "q", Kind: topology.Process, Parallelism: 1})
		n = 2
	}
	for i := range n {
		edge(i, (i+1)%n, true)
	}
	for range rapid.IntRange(0, n).Draw(t, "extra edges") {
		edge(rapid.IntRange(0, n-1).Draw(t, "from"), rapid.IntRange(0, n-1).Draw(t, "to"), false)
	}
	ck := DefaultCheckpointConfig()
	ck.Mode = ChandyLamport
	ch := DefaultChannelConfig()
	ch.Latency = time.Duration(rapid.IntRange(0, 3).Draw(t, "latency ms")) * time.Millisecond
	ch.Jitter = time.Duration(rapid.IntRange(0, 3).Draw(t, "jitter ms")) * time.Millisecond
	cfg := Config{Seed: rapid.Uint64().Draw(t, "seed"), Graph: g, Channels: ch, Checkpoint: ck, Until: time.Second}
	eg, err := topology.Expand(g)
	if err != nil {
		t.Fatal(err)
	}
	at := func() time.Duration {
		return time.Duration(rapid.IntRange(0, 50).Draw(t, "at ms")) * time.Millisecond
	}
	for range rapid.IntRange(0, 10).Draw(t, "sends") {
		c := eg.Channels[rapid.IntRange(0, len(eg.Channels)-1).Draw(t, "channel")]
		cfg.Tokens.Sends = append(cfg.Tokens.Sends, TokenSend{At: at(), From: eg.Subtasks[c.From].Name, To: eg.Subtasks[c.To].Name,
			Tokens: rapid.Int64Range(1, 10).Draw(t, "sent")})
	}
	for range rapid.IntRange(1, 4).Draw(t, "snapshots") {
		cfg.Tokens.Snapshots = append(cfg.Tokens.Snapshots, TokenSnapshot{At: at(),
			Process: eg.Subtasks[rapid.IntRange(0, len(eg.Subtasks)-1).Draw(t, "initiator")].Name})
	}
	if rapid.Bool().Draw(t, "seeded sends") {
		cfg.Tokens.SendEvery = time.Duration(rapid.IntRange(1, 5).Draw(t, "every ms")) * time.Millisecond
		cfg.Tokens.SendMax = rapid.Int64Range(0, 5).Draw(t, "send max")
	}
	return cfg
}

// TestPropertyTokensConserved: on random strongly connected token jobs,
// every snapshot Chandy-Lamport takes completes and is a consistent cut
// (the TokenChecker, from the trace), the engine's own recorded snapshots
// hold every token too, and the same Config gives the same trace.
func TestPropertyTokensConserved(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := strongRing(t)
		trace := func() (*Result, *TokenChecker, string) {
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c := NewTokenChecker(&cfg)
			var b strings.Builder
			s.Tracer = func(ev TraceEvent) {
				c.Observe(ev)
				fmt.Fprintln(&b, ev)
			}
			return s.Run(), c, b.String()
		}
		res, c, first := trace()
		if err := c.Err(); err != nil {
			t.Fatal(err)
		}
		if inc := c.Incomplete(); len(inc) > 0 {
			t.Fatalf("snapshots %v did not complete", inc)
		}
		if c.Checked() != len(cfg.Tokens.Snapshots) {
			t.Fatalf("%d of %d snapshots checked", c.Checked(), len(cfg.Tokens.Snapshots))
		}
		for _, sn := range res.Snapshots {
			if sn.Total() != res.TokenTotal {
				t.Fatalf("snapshot %d holds %d of %d tokens", sn.ID, sn.Total(), res.TokenTotal)
			}
		}
		if _, _, again := trace(); again != first {
			t.Fatal("two runs of the same Config differ")
		}
	})
}

// eager records its state at the first marker and completes at once,
// without recording its inputs: a deliberately wrong protocol.
type eager struct{ seen map[int64]bool }

func (p *eager) Step(in protocol.Input) protocol.Ready {
	if (in.Kind != protocol.Trigger && in.Kind != protocol.Barrier) || p.seen[in.Checkpoint] {
		return protocol.Ready{}
	}
	p.seen[in.Checkpoint] = true
	return protocol.Ready{Actions: []protocol.Action{{Kind: protocol.Snapshot, Checkpoint: in.Checkpoint},
		{Kind: protocol.Forward, Checkpoint: in.Checkpoint}, {Kind: protocol.Acknowledge, Checkpoint: in.Checkpoint}}}
}

// TestTokenCheckerCatchesWrongProtocol: a protocol that does not record
// the channels loses the 2 tokens on r -> p of the hand-derived run, and
// the checker says so from the trace.
func TestTokenCheckerCatchesWrongProtocol(t *testing.T) {
	cfg := tokenRing(10, 0, 5)
	ms := time.Millisecond
	cfg.Tokens = TokenWorkload{
		Sends:     []TokenSend{{At: ms, From: "r", To: "p", Tokens: 2}},
		Snapshots: []TokenSnapshot{{At: ms / 2, Process: "p"}},
	}
	cfg.Checkpoint.Protocol = func(protocol.Spec) protocol.Protocol { return &eager{seen: map[int64]bool{}} }
	_, c := runTokens(t, cfg)
	require.EqualError(t, c.Err(), "snapshot 1 is not a consistent cut: it records 13 tokens (13 in process states, 0 in 0 messages on channels) but the system holds 15")
}

// TestTokenCheckerAlone feeds the checker traces by hand: a state
// recorded twice, a process missing, and a consistent cut.
func TestTokenCheckerAlone(t *testing.T) {
	cfg := tokenRing(1, 1, 1)
	cases := []struct {
		name  string
		trace []TraceEvent
		err   string
	}{
		{"consistent", []TraceEvent{{Kind: TokensRecorded, Subtask: 0, Checkpoint: 1, N: 1}, {Kind: TokensRecorded, Subtask: 1, Checkpoint: 1, N: 0},
			{Kind: InFlightPersisted, Subtask: 1, Checkpoint: 1, Value: 1}, {Kind: TokensRecorded, Subtask: 2, Checkpoint: 1, N: 1}, {Kind: CheckpointCompleted, Checkpoint: 1}}, ""},
		{"twice", []TraceEvent{{Kind: TokensRecorded, Subtask: 0, Checkpoint: 1, N: 1}, {Kind: TokensRecorded, Subtask: 0, Checkpoint: 1, N: 1},
			{Kind: TokensRecorded, Subtask: 2, Checkpoint: 1, N: 1}, {Kind: CheckpointCompleted, Checkpoint: 1}}, "snapshot 1 is not a consistent cut: subtask 0 recorded its state twice"},
		{"missing", []TraceEvent{{Kind: TokensRecorded, Subtask: 0, Checkpoint: 2, N: 3}, {Kind: CheckpointCompleted, Checkpoint: 2}},
			"snapshot 2 is not a consistent cut: 1 of 3 processes recorded their state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewTokenChecker(&cfg)
			for _, ev := range tc.trace {
				c.Observe(ev)
			}
			if tc.err == "" {
				assert.NoError(t, c.Err())
			} else {
				assert.EqualError(t, c.Err(), tc.err)
			}
		})
	}
}
