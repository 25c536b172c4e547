package tui

import (
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestTokenRingOnScreen: the teaching scenario token-ring shows, while
// its three snapshots run, markers on the channels (|n), the token
// messages a receiver will record (*), the snapshot table with each
// snapshot's token total, and for the selected process what its inputs
// recorded so far; at the end every snapshot holds the 40 tokens.
func TestTokenRingOnScreen(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "token-ring", 30*time.Millisecond), 140, 44)
	m := tu.u.m
	// The first message recorded on a channel for snapshot 1.
	require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.InFlightPersisted && ev.Checkpoint == 1 }))
	tu.draw()
	scr := tu.screen()
	require.Contains(t, scr, "Snapshots · ")
	require.Contains(t, scr, "40 tokens in the system")
	require.Contains(t, scr, "|1", "a marker in a ribbon")
	require.Contains(t, scr, "IN_PROGRESS")
	require.Contains(t, scr, "TOKENS")
	// Snapshot 1 began at a[0]: select it and see its recording inputs.
	require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.CheckpointTriggered && ev.Checkpoint == 3 }))
	tu.draw()
	tu.until("recording for ck", 40, func() { tu.key(tcell.KeyDown, 0) })
	require.Contains(t, tu.screen(), "process · holds")
	require.Contains(t, tu.screen(), "recorded state: ck")
	require.Contains(t, tu.screen(), "· recording for ck", "the graph pane says which snapshots a process records inputs for")
	require.Contains(t, tu.screen(), "*", "a message in flight that its receiver will record")
	// At the end: three completed snapshots, each of the 40 tokens.
	tu.key(tcell.KeyEnd, 0)
	scr = tu.screen()
	require.Contains(t, scr, "Snapshots · 3 initiated")
	require.Contains(t, scr, "COMPLETED")
	require.NotContains(t, scr, "IN_PROGRESS")
	require.Contains(t, scr, "40/40")
	require.Contains(t, scr, "of 40 tokens recorded")
}
