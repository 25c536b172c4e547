package tui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/internal/termsafe"
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
	case m.AtCap():
		play = "■ trace budget"
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
		termsafe.Line(cfg.Name), mode, fmt.Sprintf("seed %d", cfg.Seed),
		"t " + fmtTime(m.Clock()), "event " + events,
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

// maxMessageLines bounds the rows a message takes above the fields.
const maxMessageLines = 4

// statusLayout is how the bar fills a width: the fields shown, and the
// message either on the fields' line (inline) or wrapped on lines of its
// own above them.
type statusLayout struct {
	fields []string
	shown  []bool
	msg    string
	inline bool
	lines  []string
}

// layout lays the bar out in w columns. The fields keep their place; a
// message goes after them when it fits, and otherwise is wrapped on
// whole words above them, so that it is read whole.
func (b *statusBar) layout(w int) statusLayout {
	l := statusLayout{fields: b.fields()}
	l.shown = make([]bool, len(l.fields))
	width := 0
	for i, f := range l.fields {
		l.shown[i] = true
		width += len([]rune(f)) + 3
	}
	for _, i := range dropOrder {
		if width <= w {
			break
		}
		l.shown[i] = false
		width -= len([]rune(l.fields[i])) + 3
	}
	msg := termsafe.Line(b.u.msg)
	l.msg = msg
	switch {
	case msg == "":
	case width+len([]rune(msg))+1 <= w: // "  " and " msg " after the last field
		l.inline = true
	default:
		l.lines = wrap(msg, max(1, w-2))
		if len(l.lines) > maxMessageLines {
			l.lines = l.lines[:maxMessageLines]
			last := []rune(l.lines[maxMessageLines-1])
			l.lines[maxMessageLines-1] = string(last[:min(len(last), max(0, w-3))]) + "…"
		}
	}
	return l
}

// fit gives the bar the rows it needs on a screen of w×h cells, at most
// a quarter of them.
func (b *statusBar) fit(w, h int) {
	b.u.root.ResizeItem(b, min(1+len(b.layout(w).lines), max(1, h/4)), 0)
}

func (b *statusBar) Draw(scr tcell.Screen) {
	u := b.u
	th := &u.th
	x, y, w, h := b.GetRect()
	l := b.layout(w)
	if len(l.lines) > h-1 { // a screen too small for more: what fits
		l.lines = l.lines[:max(0, h-1)]
		l.inline = h == 1
	}
	for i, line := range l.lines {
		fill(scr, x, y+i, w, ' ', th.message)
		text(scr, x+1, y+i, x+w, line, th.message)
	}
	y += h - 1
	fill(scr, x, y, w, ' ', th.status)
	cx := x
	first := true
	for i, f := range l.fields {
		if !l.shown[i] {
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
	if l.inline {
		cx = text(scr, cx, y, x+w, "  ", th.status)
		text(scr, cx, y, x+w, " "+l.msg+" ", th.message)
		return
	}
	right := " ? help  q quit "
	if len(l.lines) == 0 && cx+len(right) < x+w {
		text(scr, x+w-len([]rune(right)), y, x+w, right, th.status)
	}
}
