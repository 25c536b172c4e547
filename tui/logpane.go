package tui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/sim"
)

// logPane shows the trace up to the cursor, newest at the bottom,
// filtered with /. ↑ and ↓ select an older line; Enter travels to it.
type logPane struct {
	*tview.Box
	u    *UI
	back int // selected line, counted back from the newest
	// the trace indexes shown by the last draw, for the mouse
	shown []int64
}

func newLogPane(u *UI) *logPane {
	return &logPane{Box: paneBox("Log"), u: u}
}

// kindStyle colours a log line by what it is about.
func (u *UI) kindStyle(k sim.TraceKind) tcell.Style {
	th := &u.th
	switch k {
	case sim.RecordSent, sim.RecordReceived, sim.RecordProcessed:
		return th.dim
	case sim.BarrierInjected, sim.BarrierReceived, sim.BarrierForwarded, sim.BarrierAnnounced:
		return th.barrier
	case sim.BarrierOvertook, sim.InFlightPersisted, sim.AlignmentTimedOut:
		return th.prio
	case sim.ChannelBlocked, sim.ChannelUnblocked:
		return th.lane[laneAlign]
	case sim.Backpressured, sim.BackpressureReleased:
		return th.lane[laneBP]
	case sim.SnapshotSyncStart, sim.SnapshotSyncEnd:
		return th.lane[laneSync]
	case sim.SnapshotAsyncEnd, sim.CheckpointAcked:
		return th.lane[laneAsync]
	case sim.CheckpointCompleted:
		return th.completed.Bold(true)
	case sim.CheckpointTriggered:
		return th.marker
	}
	if failureKind(sim.TraceEvent{Kind: k}) {
		return th.failed
	}
	return th.base
}

// logLine is how the log shows trace event ev.
func (u *UI) logLine(ev sim.TraceEvent) string {
	return fmtTime(ev.At) + "  " + u.m.fmtEvent(ev)
}

func (p *logPane) Draw(scr tcell.Screen) {
	u := p.u
	_, _, _, h := p.GetInnerRect()
	end := u.m.TraceLen()
	skip := max(0, p.back-(h-1))
	idx, total := u.filter.before(u.m, end, max(h, 0), skip)
	p.back = min(p.back, max(0, total-1))
	title := fmt.Sprintf(" Log · %s events", fmtCount(end))
	if !u.filter.all() {
		title = fmt.Sprintf(" Log · %s of %s events · filter %s", fmtCount(int64(total)), fmtCount(end), termsafe.Line(u.filter.text))
	}
	p.SetTitle(tview.Escape(title + " "))
	p.DrawForSubclass(scr, p)
	x, y, w, h := p.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	th := &u.th
	p.shown = append(p.shown[:0], idx...)
	top := y + h - len(idx)
	if len(idx) == 0 && h > 0 {
		msg := "no trace event yet"
		if !u.filter.all() {
			msg = "no event matches the filter (/ to change it)"
		}
		text(scr, x, y, x+w, msg, th.dim)
	}
	for i, ti := range idx {
		ev := u.m.TraceAt(ti)
		row := top + i
		back := len(idx) - 1 - i + skip
		st := u.kindStyle(ev.Kind)
		mark := " "
		if ti == end-1 {
			mark = "▶" // the cursor's latest event
		}
		cx := text(scr, x, row, x+w, mark, th.bold)
		text(scr, cx, row, x+w, u.logLine(ev), st)
		if back == p.back && p.HasFocus() {
			restyle(scr, x, row, x+w, th.selected)
		}
	}
}

func (p *logPane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return p.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		_, _, _, h := p.GetInnerRect()
		switch ev.Key() {
		case tcell.KeyUp:
			p.back++
		case tcell.KeyDown:
			p.back = max(0, p.back-1)
		case tcell.KeyPgUp:
			p.back += max(1, h-1)
		case tcell.KeyPgDn:
			p.back = max(0, p.back-max(1, h-1))
		case tcell.KeyEnter:
			p.travel()
		}
	})
}

// travel moves the cursor to the selected line's event.
func (p *logPane) travel() {
	u := p.u
	idx, _ := u.filter.before(u.m, u.m.TraceLen(), 1, p.back)
	if len(idx) == 0 {
		return
	}
	ev := u.m.TraceAt(idx[0])
	u.setPlaying(false)
	u.m.GoTo(u.m.EventOf(idx[0]))
	p.back = 0
	// The event may be followed by others of the same engine event.
	for i := u.m.TraceLen() - 1; i > idx[0]; i-- {
		if u.filter.all() || u.filter.match(u.m, u.m.TraceAt(i)) {
			p.back++
		}
	}
	u.msg = "at " + u.logLine(ev)
	u.selectSubtask(u.m.cursorSubtask(ev))
}

func (p *logPane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return p.u.paneMouse(p, p.Box, func(_, y int) {
		_, _, _, h := p.GetInnerRect()
		top := h - len(p.shown)
		if i := y - top; i >= 0 && i < len(p.shown) {
			skip := max(0, p.back-(h-1))
			p.back = len(p.shown) - 1 - i + skip
		}
	}, func(d int) {
		p.back = max(0, p.back-d)
	})
}
