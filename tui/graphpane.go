package tui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// graphPane lists the subtasks in topological order, each followed by its
// input channels drawn as ribbons of what they hold.
type graphPane struct {
	*tview.Box
	u       *UI
	off     int // first row shown
	lastSel int
	rows    []graphRow
	eg      *topology.ExecutionGraph // the graph rows are of
	buf     []sim.QueuedItem
}

// graphRow is a subtask (ch -1) or one of its input channels.
type graphRow struct {
	sub, ch int
}

func newGraphPane(u *UI) *graphPane {
	p := &graphPane{Box: paneBox("Graph"), u: u, lastSel: -1}
	p.sync()
	return p
}

// sync lists the rows of the graph at the cursor, anew after a rescaling
// restore deployed another one.
func (p *graphPane) sync() {
	u := p.u
	if p.eg == u.m.Graph() {
		return
	}
	p.eg, p.rows, p.lastSel = u.m.Graph(), nil, -1
	for _, id := range u.order {
		p.rows = append(p.rows, graphRow{id, -1})
		for _, ch := range p.eg.Subtasks[id].Inputs {
			p.rows = append(p.rows, graphRow{id, int(ch)})
		}
	}
}

// activity describes what a subtask is doing: a glyph (the one its
// timeline lane uses), its style and a few words. A running task is busy,
// backpressured or idle, the three states whose time per second Flink's
// web UI shows for every task (busyTimeMsPerSecond,
// backPressuredTimeMsPerSecond, idleTimeMsPerSecond); a sync snapshot,
// shown apart, is busy time in Flink's metrics.
func (u *UI) activity(id int, v sim.SubtaskView) (rune, tcell.Style, string) {
	if u.m.Config().Checkpoint.Mode == sim.ChandyLamport {
		return u.processActivity(id, u.m.Sim())
	}
	th := &u.th
	var g rune
	var st tcell.Style
	var s string
	switch v.Activity {
	case sim.ActivityFinished:
		return '⊣', th.finished, "finished"
	case sim.ActivityFailed:
		return 'X', th.lane[laneFailed], u.failedText(id, v) + ", waiting for the restart"
	case sim.ActivityRestoring:
		s := "restoring, no checkpoint"
		if v.RestoredFrom > 0 {
			s = "restoring from " + u.checkpointName(v.RestoredFrom)
		}
		return 'R', th.lane[laneRestore], s
	case sim.ActivitySync:
		g, st, s = 'S', th.lane[laneSync], fmt.Sprintf("sync snapshot ck%d", v.LastSnapshot)
	case sim.ActivityBackpressured:
		g, st, s = '▓', th.lane[laneBP], "backpressured"
	case sim.ActivityProcessing:
		g, st, s = '█', th.lane[laneBusy], "busy"
	case sim.ActivityFinishing:
		g, st, s = '⊢', th.idle, "end of input, waiting for its final checkpoint"
	default:
		g, st, s = '·', th.idle, "idle"
	}
	if v.Pending && !v.Source {
		mode := "aligning"
		if v.Unaligned {
			mode = "unaligned, persisting"
		}
		if v.Activity != sim.ActivitySync {
			g, st = '░', th.lane[laneAlign]
			if v.Unaligned {
				g, st = '»', th.prio
			}
		}
		s += fmt.Sprintf(" · %s ck%d %d/%d", mode, v.Checkpoint, v.AlignedInputs, v.TargetInputs)
	}
	for _, sn := range v.Snapshots {
		if sn.Phase != sim.PhaseSync {
			s += fmt.Sprintf(" · ck%d %s", sn.Checkpoint, sn.Phase)
			if g == '·' {
				g, st = '~', th.lane[laneAsync]
			}
			break
		}
	}
	if v.Source {
		s += " · " + offsetText(v)
	}
	return g, st, s
}

// failedText says why a failed subtask failed: as Flink's scheduler
// does, the subtask whose fault started the failover FAILED, the others
// it restarts (its pipelined region, or the whole job) were canceled with
// it (DefaultScheduler.restartTasksWithDelay cancels the vertices to
// restart of FailureHandlingResult, which names the failed execution).
func (u *UI) failedText(id int, v sim.SubtaskView) string {
	f, ok := u.m.Sim().Failover(v.Failover)
	switch {
	case !ok:
		return "failed"
	case v.FailedBy == int32(id):
		return "failed: " + f.Cause
	case v.FailedBy < 0:
		return "canceled: " + f.Cause
	case u.m.Config().Recovery.Failover == sim.FullFailover:
		return "canceled with " + u.m.SubtaskName(v.FailedBy) + " (full failover)"
	}
	return "canceled with " + u.m.SubtaskName(v.FailedBy) + " (same region)"
}

// checkpointName names checkpoint n as the UI does: "ck3", or "savepoint
// 3" for a savepoint.
func (u *UI) checkpointName(n int64) string {
	if cs, ok := u.m.Sim().CheckpointView(n, false); ok && cs.Savepoint {
		return fmt.Sprintf("savepoint %d", n)
	}
	return fmt.Sprintf("ck%d", n)
}

func (p *graphPane) Draw(scr tcell.Screen) {
	p.sync()
	u := p.u
	p.DrawForSubclass(scr, p)
	x, y, w, h := p.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	s := u.m.Sim()
	// Keep the selected subtask and its inputs in view when the selection
	// changed.
	if u.sub != p.lastSel {
		first, last := -1, -1
		for i, r := range p.rows {
			if r.sub == u.sub {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		p.off = clampScroll(p.off, min(last, first+h-1), len(p.rows), h)
		p.off = clampScroll(p.off, first, len(p.rows), h)
		p.lastSel = u.sub
	}
	p.off = max(0, min(p.off, len(p.rows)-h))
	nameW := 4 // room for the longest name, indented under its receiver, and a space
	for _, name := range u.m.names() {
		nameW = max(nameW, len([]rune(name))+3)
	}
	nameW = min(nameW, max(8, w/3))
	ribW := max(4, min(40, w-nameW-16))
	th := &u.th
	maxX := x + w
	for i := 0; i < h && p.off+i < len(p.rows); i++ {
		r := p.rows[p.off+i]
		row := y + i
		if r.ch < 0 {
			v := s.SubtaskView(r.sub)
			g, gst, act := u.activity(r.sub, v)
			nst := th.bold
			mark := ' '
			if r.sub == u.sub {
				nst, mark = th.selected, '▶'
			}
			cx := text(scr, x, row, maxX, string(mark), th.bold)
			text(scr, cx, row, maxX, pad(clip(u.m.SubtaskName(int32(r.sub)), nameW-1), nameW), nst)
			cx += nameW
			cx = text(scr, cx, row, maxX, string(g), gst)
			text(scr, cx+1, row, maxX, act, th.base)
			continue
		}
		// An input channel: sender name, ribbon, counts and flags.
		c := s.ChannelView(r.ch)
		from := u.m.Graph().Channels[r.ch].From
		cx := text(scr, x+2, row, maxX, pad(clip(u.m.SubtaskName(int32(from)), nameW-3), nameW-2), th.label)
		cx++
		lb, rb := '[', ']'
		bst := th.dim
		if c.Blocked {
			bst = th.blocked
		}
		cx = text(scr, cx, row, maxX, string(lb), bst)
		p.buf = s.AppendQueued(p.buf[:0], r.ch)
		for _, cell := range ribbon(p.buf, ribW, th) {
			if cx < maxX {
				scr.SetContent(cx, row, cell.r, nil, cell.st)
			}
			cx++
		}
		cx = text(scr, cx, row, maxX, string(rb)+"▶", bst)
		cx = text(scr, cx+1, row, maxX, fmt.Sprintf("%d", c.ReceiverRecords), th.base)
		if c.SenderRecords > 0 {
			cx = text(scr, cx, row, maxX, fmt.Sprintf("+%d", c.SenderRecords), th.sender)
		}
		nw := c.Network
		for _, f := range []struct {
			on   bool
			text string
			st   tcell.Style
		}{
			{c.Blocked, "BLOCKED", th.blocked},
			{c.Paused && !c.Blocked, "paused", th.warn},
			{c.Full, "FULL", th.warn},
			{nw.Backlog > 0, fmt.Sprintf("backlog %d", nw.Backlog), th.sender},
			{!nw.Local && c.Credit == 0 && nw.Backlog > 0, "no credit", th.warn},
			{c.Ended, "ended", th.dim},
		} {
			if f.on {
				cx = text(scr, cx+1, row, maxX, f.text, f.st)
			}
		}
	}
	if p.off > 0 {
		text(scr, x+w-1, y, maxX, "↑", th.dim)
	}
	if p.off+h < len(p.rows) {
		text(scr, x+w-1, y+h-1, maxX, "↓", th.dim)
	}
}

func (p *graphPane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return p.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		u := p.u
		if u.subtaskKey(ev.Key()) {
			return
		}
		if ev.Key() == tcell.KeyEnter {
			u.filterSubtask(u.sub)
		}
	})
}

func (p *graphPane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return p.u.paneMouse(p, p.Box, func(_, y int) {
		if i := p.off + y; i < len(p.rows) {
			p.u.selectSubtask(p.rows[i].sub)
			p.lastSel = p.u.sub // a click does not scroll
		}
	}, func(d int) {
		p.off = max(0, p.off+d)
	})
}

// filterSubtask toggles a log filter on a subtask.
func (u *UI) filterSubtask(id int) {
	text := "sub:" + u.m.SubtaskName(int32(id))
	if u.filter.text == text {
		text = ""
	}
	u.filter, _ = parseFilter(text)
	u.log.back = 0
	if text == "" {
		u.msg = "log filter cleared"
	} else {
		u.msg = "log filtered: " + text
	}
}

// offsetText is what a source subtask has read: the offset of its one
// split, or its number of splits and the records read from them.
func offsetText(v sim.SubtaskView) string {
	if len(v.Splits) == 1 {
		return fmt.Sprintf("offset %d", v.Offset)
	}
	return fmt.Sprintf("%d splits, read %d", len(v.Splits), v.Offset)
}
