package tui

import (
	"strconv"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
)

// timelinePane draws a swimlane per subtask over virtual time, one column
// per time step (the zoom): a checkpoint marker row (trigger id, ✓ or ✗ at
// the end), the time axis, and the lanes, with the cursor's column
// highlighted. It follows the cursor unless scrolled by hand.
type timelinePane struct {
	*tview.Box
	u       *UI
	zoom    int   // index into zooms
	follow  bool  // keep the cursor in view
	t0      int64 // left edge when not following
	off     int   // first lane shown
	lastSel int
	lc      laneCells
	// geometry of the last draw, for the mouse
	labelW, cols int
	start, col   int64
}

var zooms = []time.Duration{
	time.Microsecond, 2 * time.Microsecond, 5 * time.Microsecond,
	10 * time.Microsecond, 20 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second,
}

const defaultZoom = 11 // 5ms per column

// tokenZoom is the zoom of a token job's timeline: 200µs per column, for
// runs of milliseconds.
const tokenZoom = 7

func newTimelinePane(u *UI) *timelinePane {
	zoom := defaultZoom
	if u.m.Config().Checkpoint.Mode == sim.ChandyLamport {
		zoom = tokenZoom
	}
	return &timelinePane{Box: paneBox("Timeline"), u: u, zoom: zoom, follow: true, lastSel: -1}
}

// laneGlyph is what a lane shows in one column, by priority: failed,
// restoring, sync snapshot, aligning, backpressure, processing (by how busy), async
// upload, idle.
func laneGlyph(lc *laneCells, c int, th *theme) (rune, tcell.Style) {
	switch {
	case lc.present[laneFailed][c]:
		return 'X', th.lane[laneFailed]
	case lc.present[laneRestore][c]:
		return 'R', th.lane[laneRestore]
	case lc.present[laneSync][c]:
		return 'S', th.lane[laneSync]
	case lc.present[laneAlign][c]:
		return '░', th.lane[laneAlign]
	case lc.present[laneBP][c]:
		return '▓', th.lane[laneBP]
	case lc.busy[c] >= 0.67:
		return '█', th.lane[laneBusy]
	case lc.busy[c] >= 0.33:
		return '▄', th.lane[laneBusy]
	case lc.busy[c] > 0:
		return '▁', th.lane[laneBusy]
	case lc.present[laneAsync][c]:
		return '~', th.lane[laneAsync]
	}
	return ' ', th.idle
}

func (p *timelinePane) Draw(scr tcell.Screen) {
	u := p.u
	col := int64(zooms[p.zoom])
	p.SetTitle(" Timeline · " + fmtDur(col) + "/column" + map[bool]string{true: "", false: " · scrolled (Enter follows)"}[p.follow] + " ")
	p.DrawForSubclass(scr, p)
	x, y, w, h := p.GetInnerRect()
	if w <= 4 || h <= 0 {
		return
	}
	th := &u.th
	m := u.m
	now, T := m.Clock(), m.TraceLen()
	labelW := 4
	for _, name := range m.names() {
		labelW = max(labelW, len([]rune(name))+1)
	}
	labelW = min(labelW, 16, w/3)
	cols := w - labelW
	start := p.t0
	if p.follow {
		start = max(0, now-col*int64(cols*3/4))
	}
	start = start / col * col
	p.t0, p.labelW, p.cols, p.start, p.col = start, labelW, cols, start, col
	end := start + col*int64(cols)
	colOf := func(t int64) int { return int((t - start) / col) }
	maxX := x + w
	cursorCol := -1
	if now >= start && now < end {
		cursorCol = colOf(now)
	}

	// Row 0: checkpoint markers. Row 1: the time axis.
	marks := make([]rune, cols)
	for i := range m.marks {
		mk := &m.marks[i]
		if mk.triggerSeq >= T {
			break
		}
		if mk.trigger >= start && mk.trigger < end {
			c := colOf(mk.trigger)
			text(scr, x+labelW+c, y, maxX, itoa(int64(i+1)), th.marker)
			marks[c] = '┊'
		}
		if mk.endSeq >= 0 && mk.endSeq < T && mk.end >= start && mk.end < end {
			c := colOf(mk.end)
			g, st := '✓', th.completed
			if mk.status != sim.Completed {
				g, st = '✗', th.failed
			}
			text(scr, x+labelW+c, y, maxX, string(g), st)
			marks[c] = '┊'
		}
	}
	for _, f := range m.failovers {
		if f[1] < T && f[0] >= start && f[0] < end {
			c := colOf(f[0])
			text(scr, x+labelW+c, y, maxX, "!", th.failed)
			marks[c] = '┊'
		}
	}
	if h > 1 {
		text(scr, x, y+1, maxX, pad("time", labelW), th.dim)
		step := int64(10)
		for c := 0; c < cols; c++ {
			t := start + int64(c)*col
			if (t/col)%step == 0 {
				text(scr, x+labelW+c, y+1, maxX, "╵"+fmtAxis(t, step*col), th.dim)
			}
		}
	}

	// The lanes.
	lanesH := h - 2
	if u.sub != p.lastSel {
		p.off = clampScroll(p.off, u.rank[u.sub], len(u.order), lanesH)
		p.lastSel = u.sub
	}
	p.off = max(0, min(p.off, len(u.order)-lanesH))
	for i := 0; i < lanesH && p.off+i < len(u.order); i++ {
		id := u.order[p.off+i]
		row := y + 2 + i
		st := th.label
		if id == u.sub {
			st = th.selected
		}
		text(scr, x, row, maxX, pad(clip(m.SubtaskName(int32(id)), labelW-1), labelW-1), st)
		m.lanes.fill(&p.lc, m.lanes.laneOf(m.Graph(), id), start, col, cols, now, T)
		for c := 0; c < cols; c++ {
			if start+int64(c)*col > now {
				break
			}
			g, gst := laneGlyph(&p.lc, c, th)
			if p.lc.finished[c] {
				g, gst = ' ', th.finished
				if c == 0 || !p.lc.finished[c-1] {
					g = '⊣'
				}
			}
			if g == ' ' && marks[c] != 0 {
				g, gst = marks[c], th.dim
			}
			scr.SetContent(x+labelW+c, row, g, nil, gst)
		}
	}
	if cursorCol >= 0 {
		for row := y; row < y+h; row++ {
			r, _, st, _ := scr.GetContent(x+labelW+cursorCol, row)
			if row >= y+2 && r == ' ' {
				r = '│'
			}
			scr.SetContent(x+labelW+cursorCol, row, r, nil, st.Reverse(true))
		}
	}
}

// fmtAxis labels time t on an axis whose ticks are step apart, with just
// enough decimals.
func fmtAxis(t, step int64) string {
	prec := 0
	for d := int64(time.Second); d > step && prec < 6; d /= 10 {
		prec++
	}
	return strconv.FormatFloat(float64(t)/1e9, 'f', prec, 64) + "s"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (p *timelinePane) pan(cols int) {
	if p.follow {
		p.follow = false
	}
	p.t0 = max(0, p.t0+int64(cols)*int64(zooms[p.zoom]))
}

func (p *timelinePane) setZoom(z int) {
	z = max(0, min(len(zooms)-1, z))
	if z == p.zoom {
		return
	}
	// Keep the time under the cursor column (or the window's middle) put.
	mid := p.t0 + int64(p.cols/2)*int64(zooms[p.zoom])
	p.zoom = z
	p.t0 = max(0, mid-int64(p.cols/2)*int64(zooms[z]))
}

func (p *timelinePane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return p.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		u := p.u
		if u.subtaskKey(ev.Key()) {
			return
		}
		switch ev.Key() {
		case tcell.KeyEnter:
			p.follow = true
		case tcell.KeyRune:
			switch ev.Rune() {
			case '+', '=':
				p.setZoom(p.zoom - 1)
			case '-', '_':
				p.setZoom(p.zoom + 1)
			case 'h':
				p.pan(-max(1, p.cols/4))
			case 'l':
				p.pan(max(1, p.cols/4))
			}
		}
	})
}

func (p *timelinePane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return p.u.paneMouse(p, p.Box, func(x, y int) {
		u := p.u
		if y >= 2 {
			if i := p.off + y - 2; i < len(u.order) {
				u.selectSubtask(u.order[i])
				p.lastSel = u.sub
			}
		}
		if x >= p.labelW && p.col > 0 {
			// Travel to the end of the clicked column.
			u.setPlaying(false)
			u.m.GoToTime(p.start + int64(x-p.labelW+1)*p.col - 1)
		}
	}, func(d int) {
		p.off = max(0, p.off+d)
	})
}
