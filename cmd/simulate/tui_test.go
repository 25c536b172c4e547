package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/stretchr/testify/require"
)

func TestTUICommand(t *testing.T) {
	code, out, _ := runArgs("tui", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Usage: simulate tui [FILE|NAME]")
	code, _, errOut := runArgs("tui", "no-such-scenario")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "unknown scenario")
	code, _, errOut = runArgs("tui", "minimal", "--mode", "sideways")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "allowed are aligned")
	code, _, errOut = runArgs("tui", "minimal", "alignment")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "tui takes one scenario")
	_, out, _ = runArgs("--help")
	require.Contains(t, out, "simulate tui [FILE|NAME]")
}

// TestTUIRuns opens the UI on a simulation screen and quits it.
func TestTUIRuns(t *testing.T) {
	scr := tcell.NewSimulationScreen("UTF-8")
	old := tuiScreen
	tuiScreen = func() (tcell.Screen, error) { return scr, nil }
	defer func() { tuiScreen = old }()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runArgs("tui", "alignment", "--mode", "unaligned", "--seed", "3")
		done <- code
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cells, w, h := scr.GetContents()
		var last strings.Builder
		for x := 0; h > 0 && x < w; x++ {
			last.Write(cells[(h-1)*w+x].Bytes)
		}
		if strings.Contains(last.String(), "alignment │ unaligned │ seed 3") {
			break
		}
		require.True(t, time.Now().Before(deadline), "no status bar: %q", last.String())
		time.Sleep(10 * time.Millisecond)
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(5 * time.Second):
		t.Fatal("q did not quit")
	}
}
