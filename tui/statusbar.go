package tui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
)

// statusBar is the bottom line: scenario, mode, seed, virtual time, events,
// play state and speed, and the last message.
type statusBar struct {
	*tview.Box
	u *UI
}

func newStatusBar(u *UI) *statusBar { return &statusBar{Box: tview.NewBox(), u: u} }

// fields are the status bar's parts in display order, with their
// priority: on a narrow screen the least important ones are left out.
func (b *statusBar) fields() []string {
	u := b.u
	m := u.m
	cfg := m.Config()
	play := "⏸ paused"
	switch {
	case u.playing.Load():
		play = "▶ playing"
	case m.AtEnd():
		play = "■ ended"
	}
	events := fmtCount(m.Event())
	if end, ok := m.End(); ok {
		events += "/" + fmtCount(end)
	}
	mode := string(cfg.Checkpoint.Mode)
	if cfg.Checkpoint.AlignedCheckpointTimeout > 0 {
		mode += " (aligned timeout " + fmtDur(int64(cfg.Checkpoint.AlignedCheckpointTimeout)) + ")"
	}
	f := []string{
		cfg.Name, mode, fmt.Sprintf("seed %d", cfg.Seed),
		"t " + fmtTime(m.Now()), "event " + events,
		play, fmtSpeed(speeds[u.speed]),
	}
	if job := m.Sim().JobStatus(); job != sim.JobRunning {
		f = append(f, "job "+job.String())
	}
	if n := m.Mismatches(); n > 0 {
		f = append(f, fmt.Sprintf("REPLAY MISMATCH %d", n))
	}
	return f
}

// dropOrder lists the fields left out first when the bar is too narrow:
// seed, speed, mode, then the scenario name.
var dropOrder = []int{2, 6, 1, 0}

func (b *statusBar) Draw(scr tcell.Screen) {
	u := b.u
	th := &u.th
	x, y, w, _ := b.GetRect()
	fill(scr, x, y, w, ' ', th.status)
	fields := b.fields()
	shown := make([]bool, len(fields))
	width := 0
	for i, f := range fields {
		shown[i] = true
		width += len([]rune(f)) + 3
	}
	for _, i := range dropOrder {
		if width <= w {
			break
		}
		shown[i] = false
		width -= len([]rune(fields[i])) + 3
	}
	cx := x
	first := true
	for i, f := range fields {
		if !shown[i] {
			continue
		}
		if !first {
			cx = text(scr, cx, y, x+w, " │ ", th.status)
		}
		first = false
		st := th.status
		if i == 0 || i == 3 || i == 4 {
			st = th.statusKey
		}
		cx = text(scr, cx, y, x+w, f, st)
	}
	right := " ? help  q quit "
	if u.msg != "" {
		right = " " + u.msg + " "
		cx = text(scr, cx, y, x+w, "  ", th.status)
		text(scr, cx, y, x+w, right, th.message)
		return
	}
	if cx+len(right) < x+w {
		text(scr, x+w-len([]rune(right)), y, x+w, right, th.status)
	}
}
