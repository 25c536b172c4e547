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

// fields are the status bar's parts, most important first.
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

func (b *statusBar) Draw(scr tcell.Screen) {
	u := b.u
	th := &u.th
	x, y, w, _ := b.GetRect()
	fill(scr, x, y, w, ' ', th.status)
	cx := x
	for i, f := range b.fields() {
		if i > 0 {
			cx = text(scr, cx, y, x+w, " │ ", th.status)
		}
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
