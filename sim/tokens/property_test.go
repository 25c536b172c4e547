package tokens_test

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// genSystem draws a strongly connected topology (a directed ring through
// every process, plus random links) and events: random sends of tokens a
// process surely holds (at most what it held at the last tick, less what
// it sent since), snapshots at random processes, ticks.
func genSystem(t *rapid.T) (*tokens.Topology, []tokens.Event) {
	n := rapid.IntRange(2, 9).Draw(t, "processes")
	top := &tokens.Topology{}
	held := make([]int64, n)
	for i := range n {
		held[i] = rapid.Int64Range(0, 20).Draw(t, "tokens")
		top.Processes = append(top.Processes, tokens.Process{ID: fmt.Sprintf("P%d", i+1), Tokens: held[i]})
	}
	linked := map[[2]int]bool{}
	link := func(a, b int) {
		if a != b && !linked[[2]int{a, b}] {
			linked[[2]int{a, b}] = true
			top.Links = append(top.Links, tokens.Link{From: top.Processes[a].ID, To: top.Processes[b].ID})
		}
	}
	for i := range n {
		link(i, (i+1)%n)
	}
	for range rapid.IntRange(0, n*n).Draw(t, "extra links") {
		link(rapid.IntRange(0, n-1).Draw(t, "from"), rapid.IntRange(0, n-1).Draw(t, "to"))
	}
	var events []tokens.Event
	for line := range rapid.IntRange(1, 40).Draw(t, "events") {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			events = append(events, tokens.Event{Kind: tokens.Tick, Ticks: rapid.Int64Range(1, 6).Draw(t, "ticks"), Line: line + 1})
		case 1:
			p := rapid.IntRange(0, n-1).Draw(t, "initiator")
			events = append(events, tokens.Event{Kind: tokens.Snapshot, Process: top.Processes[p].ID, Line: line + 1})
		default:
			l := top.Links[rapid.IntRange(0, len(top.Links)-1).Draw(t, "link")]
			var from int
			fmt.Sscanf(l.From, "P%d", &from)
			if held[from-1] == 0 {
				continue
			}
			k := rapid.Int64Range(1, held[from-1]).Draw(t, "sent")
			held[from-1] -= k
			events = append(events, tokens.Event{Kind: tokens.Send, From: l.From, To: l.To, Tokens: k, Line: line + 1})
		}
	}
	return top, events
}

// TestConservationProperty: on every strongly connected system, under
// both deliveries, every Chandy-Lamport snapshot completes and records
// exactly the system's tokens, and the same run twice gives the same
// snapshots.
func TestConservationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		top, events := genSystem(t)
		d := rapid.SampledFrom(tokens.Deliveries).Draw(t, "delivery")
		opt := tokens.Options{Delivery: d, Seed: rapid.Uint64().Draw(t, "seed")}
		res, err := tokens.Run(top, events, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := tokens.Conserved(res); err != nil {
			t.Fatal(err)
		}
		again, _ := tokens.Run(top, events, opt)
		for i := range res.Snapshots {
			if res.Snapshots[i].String() != again.Snapshots[i].String() {
				t.Fatalf("snapshot %d differs between two runs", i)
			}
		}
	})
}
