package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// ring is a token job: a -> b -> a, in mode chandy-lamport unless a test
// replaces the checkpoint section.
const ring = `name: r
operators:
  - {name: a, kind: process, tokens: 3}
  - {name: b, kind: process, parallelism: 2}
edges:
  - {from: a, to: b, partitioning: rebalance}
  - {from: b, to: a, partitioning: rebalance}
`

// TestTokenScenarioErrors: what is wrong in a token job is reported at
// the line and column that wrote it, with what is allowed.
func TestTokenScenarioErrors(t *testing.T) {
	cl := "checkpoint: {mode: chandy-lamport}\n"
	cases := []struct{ name, yaml, err string }{
		{"cycle in mode aligned", ring + "checkpoint: {mode: aligned}\n",
			`t.yaml:7:5: edge b -> a closes the cycle a -> b -> a: mode aligned needs an acyclic job graph; cycles are accepted only by checkpointing mode chandy-lamport, in a job of process operators`},
		{"process in mode unaligned", "name: r\noperators:\n  - {name: a, kind: process}\n  - {name: b, kind: process}\nedges:\n  - {from: a, to: b}\ncheckpoint: {mode: unaligned}\n",
			`t.yaml:3:5: operator "a" is a process of the token-passing workload, which only mode chandy-lamport runs (the mode is unaligned)`},
		{"flink operator in chandy-lamport", "name: r\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink}\nedges:\n  - {from: src, to: sink}\n" + cl,
			`t.yaml:3:5: operator "src" is a source: mode chandy-lamport runs the token-passing workload, a job of process operators only`},
		{"tokens in mode aligned", "name: r\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink}\nedges:\n  - {from: src, to: sink}\ntokens:\n  send_every: 1ms\n",
			`t.yaml:8:3: the tokens section applies to mode chandy-lamport only (the mode is aligned)`},
		{"tokens on a map", "name: r\noperators:\n  - {name: a, kind: map, tokens: 2}\n",
			`t.yaml:3:26: field "tokens" is not allowed on a map operator; only process operators accept it`},
		{"unknown process", ring + cl + "tokens:\n  snapshots:\n    - {at: 1ms, process: c}\n",
			`t.yaml:11:26: snapshot 1: unknown process "c" (processes: a[0], b[0], b[1])`},
		{"no channel", ring + cl + "tokens:\n  sends:\n    - {at: 1ms, from: \"b[0]\", to: \"b[1]\", tokens: 1}\n",
			`t.yaml:11:5: send 1: there is no channel b[0] -> b[1]`},
		{"no tokens", ring + cl + "tokens:\n  sends:\n    - {at: 1ms, from: a, to: \"b[1]\", tokens: 0}\n",
			`t.yaml:11:46: send 1: tokens must be between 1 and 1125899906842624, not 0`},
		{"unknown field", ring + cl + "tokens:\n  snapshot: []\n",
			`t.yaml:10:3: unknown field "snapshot" in tokens (allowed: sends, snapshots, send_every, send_max)`},
		{"self channel", "name: r\noperators:\n  - {name: a, kind: process}\nedges:\n  - {from: a, to: a}\n" + cl,
			`t.yaml:5:5: edge a -> a: a process has no channel to itself`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, tc.yaml, tc.err)
		})
	}
}

// TestTokenRingTeaches checks what the bundled token-ring says: its
// three snapshots run at once (the second and third start before the
// first completes), every one completes, and each holds the 40 tokens.
func TestTokenRingTeaches(t *testing.T) {
	sc, err := Load("token-ring")
	require.NoError(t, err)
	s, err := sim.New(sc.Config)
	require.NoError(t, err)
	r := s.Run()
	require.True(t, r.OK(), "%+v", r.Invariants)
	require.Len(t, r.Snapshots, 3)
	for _, sn := range r.Snapshots {
		assert.True(t, sn.Done)
		assert.Equal(t, int64(40), sn.Total())
		assert.NotEmpty(t, sn.Messages, "snapshot %d records tokens in flight", sn.ID)
	}
	assert.Less(t, int64(7*time.Millisecond), r.Snapshots[0].Completed, "snapshot 1 is still running when snapshot 3 starts")
	for _, res := range sc.Check(r) {
		assert.True(t, res.OK, "%s: want %s, got %s", res.Name, res.Want, res.Got)
	}
}
