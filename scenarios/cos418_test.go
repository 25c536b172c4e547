package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

func TestParseTopology(t *testing.T) {
	top, err := ParseTopology("t.top", []byte("# comment\n2\r\nN1 3\n\n  N2\t0\nN1 N2\nN2 N1\n"))
	require.NoError(t, err)
	assert.Equal(t, &tokens.Topology{
		Processes: []tokens.Process{{ID: "N1", Tokens: 3}, {ID: "N2", Tokens: 0}},
		Links:     []tokens.Link{{From: "N1", To: "N2"}, {From: "N2", To: "N1"}},
	}, top)
	for _, tc := range []struct{ text, err string }{
		{"", "t.top: empty topology"},
		{"x\n", "t.top:1:1: the first line is the number of processes"},
		{"0\n", "t.top:1:1: the first line is the number of processes, 1 to 1024"},
		{"3\nA 1\nB 1\n", "t.top: the first line says 3 processes, the file lists 2"},
		{"2\nA 1\nA 2\n", "t.top:3:1: process A is listed twice"},
		{"1\nA -1\n", "t.top:2:3: tokens must be a whole number"},
		{"1\nA 1 2\n", "t.top:2:1: expected two words"},
		{"2\nA 1\nB 1\nA C\n", "t.top:4:3: unknown process C"},
		{"2\nA 1\nB 1\nA B\nA B\n", "t.top:5:1: link A B is listed twice"},
		{"1\nA\x01 1\n", "t.top:2:1: a process id has printable characters only"},
		{"1\nA\xff 1\n", "t.top:2: the line is not valid UTF-8"},
	} {
		_, err := ParseTopology("t.top", []byte(tc.text))
		if assert.Error(t, err, tc.text) {
			assert.Contains(t, err.Error(), tc.err)
		}
	}
}

func TestParseEvents(t *testing.T) {
	top := &tokens.Topology{Processes: []tokens.Process{{ID: "A", Tokens: 1}, {ID: "B"}}, Links: []tokens.Link{{From: "A", To: "B"}}}
	events, err := ParseEvents("e", []byte("# c\nsend A B 1\nsnapshot B\ntick\ntick 3\n"), top)
	require.NoError(t, err)
	assert.Equal(t, []tokens.Event{
		{Kind: tokens.Send, From: "A", To: "B", Tokens: 1, Line: 2},
		{Kind: tokens.Snapshot, Process: "B", Line: 3},
		{Kind: tokens.Tick, Ticks: 1, Line: 4},
		{Kind: tokens.Tick, Ticks: 3, Line: 5},
	}, events)
	for _, tc := range []struct{ text, err string }{
		{"send A B\n", "e:1:1: expected \"send src dst n\""},
		{"send A C 1\n", "e:1:8: unknown process C"},
		{"send B A 1\n", "e:1:6: there is no link B A"},
		{"send A B 0\n", "e:1:10: tokens must be a whole number from 1"},
		{"snapshot\n", "e:1:1: expected \"snapshot id\""},
		{"tick 0\n", "e:1:6: ticks must be a whole number from 1"},
		{"tick 1125899906842624\ntick 1\n", "e:2:6: ticks must be"},
		{"tick 1 2\n", "e:1:1: expected \"tick\" or \"tick k\""},
		{"  jump\n", "e:1:3: unknown command \"jump\""},
	} {
		_, err := ParseEvents("e", []byte(tc.text), top)
		if assert.Error(t, err, tc.text) {
			assert.Contains(t, err.Error(), tc.err)
		}
	}
}

// FuzzTokens: whatever the two files hold, parsing and running them ends
// with snapshots that conserve the tokens or with an error, never a panic
// or a hang.
func FuzzTokens(f *testing.F) {
	f.Add([]byte("2\nN1 5\nN2 3\nN1 N2\nN2 N1\n"), []byte("send N1 N2 2\nsend N2 N1 1\nsnapshot N1\ntick 20\nsnapshot N2\n"), false)
	f.Add([]byte("3\nN1 0\nN2 0\nN10 5\nN10 N1\nN2 N1\nN1 N2\nN1 N10\n"), []byte("snapshot N2\ntick\nsend N10 N1 5\n"), true)
	f.Fuzz(func(t *testing.T, topText, eventsText []byte, cos418 bool) {
		top, err := ParseTopology("t", topText)
		if err != nil {
			return
		}
		events, err := ParseEvents("e", eventsText, top)
		if err != nil {
			return
		}
		d := tokens.DeliveryCkptsim
		if cos418 {
			d = tokens.DeliveryCOS418
		}
		res, err := tokens.Run(top, events, tokens.Options{Delivery: d, Seed: 7})
		if err != nil {
			return
		}
		if err := tokens.Conserved(res); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseTokenScenario(t *testing.T) {
	ts, err := ParseTokenScenario("dir/s.yaml", []byte("name: n\nchandy_lamport:\n  topology: a.top\n  events: /abs/b.events\n  delivery: cos418\n  seed: 9\n"))
	require.NoError(t, err)
	assert.Equal(t, &TokenScenario{File: "dir/s.yaml", Name: "n", Topology: "dir/a.top", Events: "/abs/b.events", Delivery: tokens.DeliveryCOS418, Seed: 9}, ts)
	for _, tc := range []struct{ text, err string }{
		{"", "s.yaml: empty file"},
		{"name: n\n", "s.yaml:1:1: missing the chandy_lamport section"},
		{"chandy_lamport: {topology: a, events: b, delivery: tcp}\n", "s.yaml:1:52: chandy_lamport.delivery \"tcp\""},
		{"chandy_lamport: {topology: a, events: b, seed: -1}\n", "s.yaml:1:48: chandy_lamport.seed"},
		{"chandy_lamport: {topology: a, topology: b}\n", "s.yaml:1:31: field \"topology\" given twice"},
		{"x: &a t\nchandy_lamport: {topology: *a, events: b}\n", "s.yaml:1:1: unknown field \"x\""},
		{"chandy_lamport: {topology: &a t, events: *a}\n", "aliases are not allowed"},
		{"chandy_lamport: [a]\n", "s.yaml:1:17: chandy_lamport must be a mapping"},
	} {
		_, err := ParseTokenScenario("s.yaml", []byte(tc.text))
		if assert.Error(t, err, tc.text) {
			assert.Contains(t, err.Error(), tc.err)
		}
	}
}
