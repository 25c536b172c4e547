package main

import (
	"strings"
	"sync"
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

// readyScreen is a simulation screen that says when the UI initialised
// it, and keeps a copy of its bottom line each time the UI shows it, for
// the test to read without racing the UI's goroutine.
type readyScreen struct {
	tcell.SimulationScreen
	once  sync.Once
	ready chan struct{}
	mu    sync.Mutex
	last  string
}

func (s *readyScreen) Init() error {
	err := s.SimulationScreen.Init()
	s.once.Do(func() { close(s.ready) })
	return err
}

func (s *readyScreen) Show() {
	s.SimulationScreen.Show()
	cells, w, h := s.GetContents()
	var b strings.Builder
	for x := 0; h > 0 && x < w; x++ {
		b.Write(cells[(h-1)*w+x].Bytes)
	}
	s.mu.Lock()
	s.last = b.String()
	s.mu.Unlock()
}

func (s *readyScreen) bottom() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// TestTUIRuns opens the UI on a simulation screen and quits it.
func TestTUIRuns(t *testing.T) {
	scr := &readyScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), ready: make(chan struct{})}
	old := tuiScreen
	tuiScreen = func() (tcell.Screen, error) { return scr, nil }
	defer func() { tuiScreen = old }()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runArgs("tui", "alignment", "--mode", "unaligned", "--seed", "3")
		done <- code
	}()
	select {
	case <-scr.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the UI did not start")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(scr.bottom(), "alignment │ unaligned │ seed 3") {
		require.True(t, time.Now().Before(deadline), "no status bar: %q", scr.bottom())
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
