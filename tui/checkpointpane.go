package tui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
)

// checkpointPane is the table Flink's web UI shows, as of the cursor, and
// below it the selected checkpoint's per-subtask figures with a line on
// what made it slow (or what it waits for).
type checkpointPane struct {
	*tview.Box
	u   *UI
	off int // first checkpoint row shown
	// geometry of the last draw, for the mouse
	tableRows, subY, subOff int
	explain                 struct {
		n, traceLen int64
		text        string
	}
}

func newCheckpointPane(u *UI) *checkpointPane {
	return &checkpointPane{Box: paneBox("Checkpoints"), u: u}
}

// column is a table column: its header, width and priority; when the
// pane is narrow, the columns of lowest priority (highest number) are
// left out.
type column struct {
	head  string
	w     int
	right bool
	prio  int
}

// ckColumns are Flink's checkpoint history columns (1.15+): the
// checkpointed and the full data size, and the processed (persisted)
// in-flight data, here in two columns.
var ckColumns = []column{
	{"ID", 4, true, 0}, {"STATUS", 12, false, 1}, {"TRIGGERED", 10, true, 4}, {"END-TO-END", 11, true, 2},
	{"ACKED", 7, true, 3}, {"CHECKPOINTED", 13, true, 5}, {"FULL SIZE", 10, true, 8}, {"PERSISTED", 10, true, 6},
	{"PROCESSED", 10, true, 9}, {"ALIGNMENT", 10, true, 7},
}

var subColumns = []column{
	{"SUBTASK", 0, false, 0}, {"ACK", 4, false, 1}, {"DELAY", 8, true, 3}, {"ALIGN", 8, true, 2}, {"SYNC", 7, true, 5},
	{"ASYNC", 8, true, 4}, {"STATE", 9, true, 6}, {"IN-FLIGHT", 10, true, 7}, {"PROCESSED", 10, true, 8},
}

// fitColumns keeps the columns of highest priority that fit in w.
func fitColumns(cols []column, w int) []bool {
	show := make([]bool, len(cols))
	used := 0
	for prio := 0; prio < len(cols); prio++ {
		for i, c := range cols {
			if c.prio == prio && used+c.w <= w {
				show[i] = true
				used += c.w
			}
		}
	}
	return show
}

// drawRow draws the cells of the columns shown; styles may be nil (all
// in st) or one per cell.
func drawRow(scr tcell.Screen, x, y, w int, cols []column, show []bool, cells []string, st tcell.Style, styles []tcell.Style) {
	cx := x
	for i, c := range cols {
		if !show[i] || i >= len(cells) {
			continue
		}
		s := cells[i]
		if c.right {
			s = padLeft(s, c.w-1) + " "
		} else {
			s = pad(clip(s, c.w-1), c.w)
		}
		cst := st
		if styles != nil && styles[i] != (tcell.Style{}) {
			cst = styles[i]
		}
		text(scr, cx, y, x+w, s, cst)
		cx += c.w
	}
}

func (u *UI) statusStyle(st sim.Status) tcell.Style {
	switch st {
	case sim.Completed:
		return u.th.completed
	case sim.InProgress:
		return u.th.inProgress
	}
	return u.th.failed
}

func (p *checkpointPane) Draw(scr tcell.Screen) {
	u := p.u
	s := u.m.Sim()
	if s.Config().Checkpoint.Mode == sim.ChandyLamport {
		p.drawSnapshots(scr)
		return
	}
	n := int64(s.NumCheckpoints())
	sel := u.selectedCheckpoint()
	title := fmt.Sprintf(" Checkpoints · %d triggered ", n)
	if b := s.Config().StateBackend; !b.IsDefault() {
		title += fmt.Sprintf("· storage %s ", fmtBytes(s.StorageBytes())) // what the checkpoints in storage take
	}
	x, y, w, h, ok := p.frame(scr, title)
	if !ok {
		return
	}
	th := &u.th
	tableH := p.tableHeight(n, h)
	show := fitColumns(ckColumns, w)
	drawRow(scr, x, y, w, ckColumns, show, []string{"ID", "STATUS", "TRIGGERED", "END-TO-END", "ACKED", "CHECKPOINTED", "FULL SIZE", "PERSISTED", "PROCESSED", "ALIGNMENT"}, th.header, nil)
	if sel > 0 {
		p.off = clampScroll(p.off, int(sel-1), int(n), p.tableRows)
	}
	for i := 0; i < p.tableRows && int64(p.off+i) < n; i++ {
		id := int64(p.off + i + 1)
		cs, ok := s.CheckpointView(id, true)
		if !ok {
			st := th.dim
			if id == sel {
				st = th.selected
			}
			drawRow(scr, x, y+1+i, w, ckColumns[:1], show[:1], []string{itoa(id)}, st, nil)
			text(scr, x+ckColumns[0].w, y+1+i, x+w, p.goneShort(id), st)
			continue
		}
		e2e := fmtDur(cs.EndToEnd())
		if cs.Status == sim.InProgress {
			e2e = "+" + fmtDur(u.m.Clock()-cs.TriggerAt)
		}
		row := []string{itoa(id), cs.Status.String(), fmtTimeMs(cs.TriggerAt), e2e,
			fmt.Sprintf("%d/%d", cs.Acked, cs.Total), fmtBytes(cs.CheckpointedBytes), fmtBytes(cs.StateBytes), fmtBytes(cs.PersistedBytes),
			fmtBytes(cs.ProcessedBytes), fmtDur(cs.MaxAlignment())}
		st := th.base
		if id == sel {
			st = th.selected
		}
		styles := make([]tcell.Style, len(row))
		if id != sel {
			styles[1] = u.statusStyle(cs.Status)
		}
		drawRow(scr, x, y+1+i, w, ckColumns, show, row, st, styles)
	}
	if h < 6 || sel == 0 {
		if sel == 0 && h > 1 {
			text(scr, x, y+1, x+w, "no checkpoint yet: the first trigger comes within the interval", th.dim)
		}
		return
	}

	// The selected checkpoint.
	cs, ok := s.CheckpointView(sel, true)
	ry := y + tableH
	if !ok {
		cx := text(scr, x, ry, x+w, fmt.Sprintf("── ck%d ", sel), th.bold)
		fill(scr, cx, ry, x+w-cx, '─', th.dim)
		for i, line := range wrap(p.gone(sel), w) {
			if ry+1+i >= y+h {
				break
			}
			text(scr, x, ry+1+i, x+w, line, th.dim)
		}
		return
	}
	head := fmt.Sprintf("── ck%d %s ", sel, cs.Status)
	cx := text(scr, x, ry, x+w, head, u.statusStyle(cs.Status).Bold(true))
	fill(scr, cx, ry, x+w-cx, '─', th.dim)
	ry++
	why := p.why(sel)
	lines := wrap("why: "+why, w)
	whyH := min(len(lines), max(1, (y+h-ry)/3))
	for i := 0; i < whyH; i++ {
		text(scr, x, ry+i, x+w, lines[i], th.bold)
	}
	ry += whyH
	if ry >= y+h {
		return
	}
	cols := append([]column(nil), subColumns...)
	nameW := 8
	for _, name := range u.m.names() {
		nameW = max(nameW, len([]rune(name))+2)
	}
	cols[0].w = min(nameW, 18)
	show = fitColumns(cols, w)
	drawRow(scr, x, ry, w, cols, show, []string{"SUBTASK", "ACK", "DELAY", "ALIGN", "SYNC", "ASYNC", "STATE", "IN-FLIGHT", "PROCESSED"}, th.header, nil)
	ry++
	p.subY = ry - y
	rows := y + h - ry
	slow := -1
	if cs.Status == sim.Completed {
		for i := range cs.Subtasks {
			r := &cs.Subtasks[i]
			if r.Acked && !r.Finished && (slow < 0 || r.AckAt > cs.Subtasks[slow].AckAt) {
				slow = i
			}
		}
	}
	p.subOff = clampScroll(p.subOff, u.rank[u.sub], len(u.order), rows)
	for i := 0; i < rows && p.subOff+i < len(u.order); i++ {
		id := u.order[p.subOff+i]
		r := &cs.Subtasks[id]
		ack := "-"
		switch {
		case r.Finished:
			ack = "fin"
		case r.Acked:
			ack = "yes"
		}
		name := u.m.SubtaskName(int32(id))
		if id == slow {
			name += " ◀"
		}
		dash := func(d int64, ok bool) string {
			if !ok {
				return "-"
			}
			return fmtDur(d)
		}
		started := r.FirstBarrierAt >= 0
		synced := r.Sync > 0 || r.Acked
		inflight := fmtBytes(r.PersistedBytes)
		if r.Unaligned {
			inflight += " U"
		}
		row := []string{name, ack, dash(r.StartDelay, started), dash(r.Alignment, started && (synced || r.Alignment > 0)),
			dash(r.Sync, synced), dash(r.Async, r.Acked && !r.Finished), dash(r.StateBytes, false), inflight,
			dash(r.ProcessedBytes, false)}
		if synced {
			row[6] = fmtBytes(r.StateBytes)
		}
		if r.Alignment > 0 || synced {
			row[8] = fmtBytes(r.ProcessedBytes)
		}
		st := th.base
		if id == u.sub {
			st = th.selected
		}
		drawRow(scr, x, ry+i, w, cols, show, row, st, nil)
	}
}

// frame draws the pane's border with title and returns its inner
// rectangle, ok if it has room.
func (p *checkpointPane) frame(scr tcell.Screen, title string) (x, y, w, h int, ok bool) {
	p.SetTitle(title)
	p.DrawForSubclass(scr, p)
	x, y, w, h = p.GetInnerRect()
	return x, y, w, h, w > 0 && h > 0
}

// tableHeight is the height of the table of n rows in a pane h high: about
// half of it, the selected row's details take the rest; it sets the rows
// the table shows.
func (p *checkpointPane) tableHeight(n int64, h int) int {
	tableH := max(2, min(int(n)+1, (h-1)/2))
	if h < 6 {
		tableH = h
	}
	p.tableRows = tableH - 1
	return tableH
}

// goneShort is the table row of checkpoint n, whose statistics the run no
// longer holds.
func (p *checkpointPane) goneShort(n int64) string {
	if p.u.m.Sim().Evicted(n) {
		return "no longer in the history"
	}
	return "of an earlier execution"
}

// gone says why the details of checkpoint n are not shown, as Flink's web
// UI does for a checkpoint that left its history.
func (p *checkpointPane) gone(n int64) string {
	if !p.u.m.Sim().Evicted(n) {
		return fmt.Sprintf("checkpoint %d belongs to an earlier execution of the job: this execution's ids continue after the checkpoint it was restored from", n)
	}
	return fmt.Sprintf("the details of checkpoint %d are no longer in the checkpoint history: like Flink's web UI (web.checkpoints.history), the run keeps them for the latest %d checkpoints and for those in progress, retained or restored from; older ones count in the summary only (checkpoint.history keeps more)",
		n, p.u.m.Config().Checkpoint.History)
}

// why caches the explanation of checkpoint n at the cursor.
func (p *checkpointPane) why(n int64) string {
	t := p.u.m.TraceLen()
	if p.explain.n != n || p.explain.traceLen != t {
		p.explain.n, p.explain.traceLen = n, t
		p.explain.text = p.u.m.Explain(n)
	}
	return p.explain.text
}

// wrap breaks s into lines of at most w runes at spaces.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		r := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(r) > w {
			lines = append(lines, string(cur))
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, r...)
		for len(cur) > w {
			lines = append(lines, string(cur[:w]))
			cur = cur[w:]
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

func (p *checkpointPane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return p.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		u := p.u
		n := int64(u.m.Sim().NumCheckpoints())
		sel := u.selectedCheckpoint()
		move := func(d int64) {
			if n == 0 {
				return
			}
			sel = max(1, min(n, sel+d))
			u.ck = sel
			if sel == n {
				u.ck = 0 // the last row follows new checkpoints
			}
		}
		switch ev.Key() {
		case tcell.KeyUp:
			move(-1)
		case tcell.KeyDown:
			move(1)
		case tcell.KeyPgUp:
			move(-10)
		case tcell.KeyPgDn:
			move(10)
		case tcell.KeyEnter:
			if sel > 0 {
				u.setPlaying(false)
				u.m.GoTo(u.m.EventOf(u.m.marks[sel-1].triggerSeq))
				u.ck = sel
				u.msg = fmt.Sprintf("at the trigger of checkpoint %d", sel)
			}
		}
	})
}

func (p *checkpointPane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return p.u.paneMouse(p, p.Box, func(_, y int) {
		u := p.u
		n := int64(u.m.Sim().NumCheckpoints())
		switch {
		case y >= 1 && y <= p.tableRows:
			if id := int64(p.off + y); id <= n {
				u.ck = id
			}
		case p.subY > 0 && y >= p.subY:
			if i := p.subOff + y - p.subY; i < len(u.order) {
				u.selectSubtask(u.order[i])
			}
		}
	}, func(d int) {
		n := int64(p.u.m.Sim().NumCheckpoints())
		if n > 0 {
			p.u.ck = max(1, min(n, p.u.selectedCheckpoint()+int64(d/3)))
		}
	})
}
