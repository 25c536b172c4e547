package tokens_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// bigSystem is a system at the bounds: MaxProcesses processes in a ring
// with MaxLinks links in all, and as many snapshots as MaxMarkers allows,
// all initiated at once with a token on every link.
func bigSystem() (*tokens.Topology, []tokens.Event) {
	top := &tokens.Topology{}
	n := tokens.MaxProcesses
	for i := range n {
		top.Processes = append(top.Processes, tokens.Process{ID: fmt.Sprintf("P%d", i), Tokens: 100})
	}
	for k := 1; len(top.Links) < tokens.MaxLinks; k++ {
		for i := 0; i < n && len(top.Links) < tokens.MaxLinks; i++ {
			top.Links = append(top.Links, tokens.Link{From: top.Processes[i].ID, To: top.Processes[(i+k)%n].ID})
		}
	}
	var events []tokens.Event
	for _, l := range top.Links[:n] {
		events = append(events, tokens.Event{Kind: tokens.Send, From: l.From, To: l.To, Tokens: 1})
	}
	for i := range tokens.MaxMarkers / tokens.MaxLinks {
		events = append(events, tokens.Event{Kind: tokens.Snapshot, Process: top.Processes[i%n].ID})
	}
	return top, events
}

func TestBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("a run at the bounds")
	}
	top, events := bigSystem()
	for _, d := range tokens.Deliveries {
		start := time.Now()
		res, err := tokens.Run(top, events, tokens.Options{Delivery: d})
		require.NoError(t, err)
		require.NoError(t, tokens.Conserved(res))
		t.Logf("%s: %d snapshots, %d ticks, %v", d, len(res.Snapshots), res.Ticks, time.Since(start))
	}
}
