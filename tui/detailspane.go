package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// detailsPane shows the selected subtask: what it does, its checkpoint
// and pending snapshots, its input and output channels, its source offset
// and its keyed state, sorted by key.
type detailsPane struct {
	*tview.Box
	u   *UI
	off int
	sub int
	kv  []sim.KeyValue
	// dups are the records the sinks wrote more than once, dupExtra the
	// extra outputs, as of event dupAt (-1: not yet looked at).
	dups     []sim.Duplicate
	dupExtra int64
	dupOK    bool
	dupAt    int64
}

func newDetailsPane(u *UI) *detailsPane {
	return &detailsPane{Box: paneBox("Details"), u: u, sub: -1, dupAt: -1}
}

// dline is one line of styled parts.
type dline []dpart

type dpart struct {
	s  string
	st tcell.Style
}

// Most lines the details of a checkpoint's contents or of the duplicates
// show of each list.
const (
	savedKeys    = 8
	savedRecords = 6
)

// saved shows what the selected checkpoint, if completed and still in
// storage, holds for subtask id: what a restore from it would load.
func (p *detailsPane) saved(id int, add func(...dpart), plain func(string, ...any) dpart) {
	u := p.u
	n := u.selectedCheckpoint()
	v, ok := u.m.Sim().SavedState(n, id)
	if !ok {
		return
	}
	th := &u.th
	add(dpart{fmt.Sprintf("saved in %s: what a restore from it loads", u.checkpointName(n)), th.header})
	if v.Source && len(v.Splits) == 0 {
		add(plain("  source splits: none (its partitions had ended)"))
	}
	for _, sp := range v.Splits {
		add(plain("  source partition %d offset %s: reading resumes there", sp.Partition, fmtCount(sp.Offset)))
	}
	if len(v.State) > 0 {
		top := slices.Clone(v.State)
		slices.SortStableFunc(top, func(a, b sim.KeyValue) int { return cmp.Compare(b.Value, a.Value) })
		cells := make([]string, 0, savedKeys)
		for _, kv := range top[:min(savedKeys, len(top))] {
			cells = append(cells, fmt.Sprintf("%d=%d", kv.Key, kv.Value))
		}
		add(plain("  keyed state: %d keys; top: %s", len(v.State), strings.Join(cells, " ")))
	}
	if len(v.Channel) > 0 {
		var bytes int
		for _, r := range v.Channel {
			bytes += r.Bytes
		}
		add(dpart{fmt.Sprintf("  channel state: %d records, %s, replayed before new input", len(v.Channel), fmtBytes(int64(bytes))), th.prio})
		for _, r := range v.Channel[:min(savedRecords, len(v.Channel))] {
			from := "input"
			if r.Output {
				from = "sender's output"
			}
			add(plain("    %d=%d from %s (%s)", r.Key, r.Value, u.m.ChannelName(int32(r.Channel)), from))
		}
		if len(v.Channel) > savedRecords {
			add(dpart{fmt.Sprintf("    and %d more", len(v.Channel)-savedRecords), th.dim})
		}
	}
	for _, x := range v.Transactions {
		add(plain("  pending transaction of ck%d: %d records, committed by a restore", x.Checkpoint, x.Records))
	}
	if len(v.State) == 0 && len(v.Channel) == 0 && len(v.Transactions) == 0 && !v.Source {
		add(dpart{"  nothing: the subtask has no state", th.dim})
	}
}

// duplicates shows the records the sinks wrote more than once: an
// at-least-once sink after a restore.
func (p *detailsPane) duplicates(add func(...dpart), plain func(string, ...any) dpart) {
	u := p.u
	if at := u.m.Event(); at != p.dupAt {
		p.dupAt = at
		p.dups, p.dupExtra, p.dupOK = u.m.Sim().AppendDuplicates(p.dups[:0], savedRecords)
	}
	if !p.dupOK || p.dupExtra == 0 {
		return
	}
	th := &u.th
	add(dpart{fmt.Sprintf("duplicates at the sinks: %s outputs written more than once", fmtCount(p.dupExtra)), th.warn})
	for _, d := range p.dups {
		add(plain("  partition %d offset %s (key %d, value %d): written %d×, %d× in a failure-free run", d.Partition, fmtCount(d.Offset), d.Key, d.Value, d.Written, d.Want))
	}
}

// network shows subtask id's channels and network buffers in Flink's
// words: each input channel from the receiver's side (buffers queued and
// on the wire, its free exclusive and floating buffers, which are the
// credit it grants, and the sender's backlog it knows of), each output
// channel from the sender's side (its backlog, the buffer being filled,
// the credit it has, its share of the pool), then the task's buffer
// metrics (the buffers metric group of Flink's tasks).
func (p *detailsPane) network(id int, add func(...dpart), plain func(string, ...any) dpart) {
	u := p.u
	th := &u.th
	s := u.m.Sim()
	st := u.m.Graph().Subtasks[id]
	if len(st.Inputs) > 0 {
		add(dpart{"inputs", th.header})
	}
	for _, ch := range st.Inputs {
		c := s.ChannelView(int(ch))
		parts := []dpart{plain("  %s  %s", u.m.ChannelName(int32(ch)), inputText(c))}
		if c.Network.WaitingForFloating {
			parts = append(parts, dpart{" waiting for a floating buffer", th.warn})
		}
		if c.Blocked {
			parts = append(parts, dpart{" BLOCKED", th.blocked})
		}
		if c.Ended {
			parts = append(parts, dpart{" ended", th.dim})
		}
		add(parts...)
	}
	outs := 0
	for _, g := range st.Outputs {
		outs += len(g.Channels)
	}
	if outs > 0 {
		add(dpart{"outputs", th.header})
	}
	for _, g := range st.Outputs {
		for _, ch := range g.Channels {
			c := s.ChannelView(int(ch))
			parts := []dpart{plain("  %s  %s · %s", u.m.ChannelName(int32(ch)), g.Partitioning, outputText(c))}
			if c.Full {
				parts = append(parts, dpart{" FULL: backpressured", th.warn})
			}
			if c.Paused {
				parts = append(parts, dpart{" paused after barrier", th.dim})
			}
			add(parts...)
		}
	}
	if len(st.Inputs) == 0 && outs == 0 {
		return
	}
	nv := s.TaskNetwork(id)
	var metrics []string
	if len(st.Inputs) > 0 {
		metrics = append(metrics, "inPoolUsage "+fmtPct(nv.InPoolUsage), fmt.Sprintf("inputQueueLength %d", nv.InputQueueLength))
	}
	if outs > 0 {
		metrics = append(metrics, "outPoolUsage "+fmtPct(nv.OutPoolUsage), fmt.Sprintf("outputQueueLength %d", nv.OutputQueueLength))
	}
	add(dpart{"buffers ", th.header}, plain("%s", strings.Join(metrics, " · ")))
}

// inputText is the receiver's side of channel c: its queue, and its
// credit: the free buffers it announced or will announce to the sender.
func inputText(c sim.ChannelView) string {
	nw := c.Network
	s := fmt.Sprintf("%d buffers queued (%s)", nw.Queued, fmtBytes(nw.QueuedBytes))
	if nw.OnTheWire > 0 {
		s += fmt.Sprintf(", %d on the wire", nw.OnTheWire)
	}
	if nw.Local {
		return s + " · local: no credit"
	}
	s += fmt.Sprintf(" · credit %d (exclusive %d/%d, floating %d)", nw.ExclusiveFree+nw.FloatingFree, nw.ExclusiveFree, nw.Exclusive, nw.FloatingFree)
	if b := nw.Required - nw.Exclusive; b > 0 {
		s += fmt.Sprintf(" · sender backlog %d", b)
	}
	return s
}

// outputText is the sender's side of channel c.
func outputText(c sim.ChannelView) string {
	nw := c.Network
	s := fmt.Sprintf("backlog %d", nw.Backlog)
	if nw.FillingRoom > 0 {
		s += fmt.Sprintf(" + filling (%s unsent, %s free)", fmtBytes(int64(nw.FillingBytes)), fmtBytes(int64(nw.FillingRoom)))
	}
	if !nw.Local {
		s += fmt.Sprintf(" · credit %d", c.Credit)
	}
	return s + fmt.Sprintf(" · %d/%d buffers", nw.Held, nw.MaxBuffers)
}

// lines builds the content for subtask id, in w columns.
func (p *detailsPane) lines(id, w int) []dline {
	u := p.u
	th := &u.th
	s := u.m.Sim()
	eg := u.m.Graph()
	v := s.SubtaskView(id)
	var out []dline
	add := func(parts ...dpart) { out = append(out, dline(parts)) }
	plain := func(format string, args ...any) dpart { return dpart{fmt.Sprintf(format, args...), th.base} }
	if eg.Op(id).Kind == topology.Process {
		p.processLines(id, add, plain)
		return out
	}

	// The kinds of the task's chained operators, head first.
	var kinds []string
	for _, i := range eg.Chain(id) {
		op := &eg.Graph.Operators[i]
		k := string(op.Kind)
		if op.Kind == topology.Aggregate {
			k += " (" + string(op.Func) + ")"
		}
		kinds = append(kinds, k)
	}
	kind := strings.Join(kinds, " -> ")
	g, gst, act := u.activity(id, v)
	add(dpart{u.m.SubtaskName(int32(id)), th.bold}, plain(" %s · ", kind), dpart{string(g), gst}, plain(" %s", act))
	add(plain("processed %s · emitted %s", fmtCount(v.Processed), fmtCount(v.Emitted)))
	if v.Source {
		add(plain("%s", splitsText(v.Splits)))
	}
	for _, line := range u.m.rescaledHere(id) {
		add(dpart{line, th.label})
	}
	// The barrier handler.
	switch {
	case v.Pending && v.Unaligned:
		add(dpart{fmt.Sprintf("checkpoint %d: unaligned, %d/%d inputs delivered the barrier, persisting the others", v.Checkpoint, v.AlignedInputs, v.TargetInputs), th.prio})
	case v.Pending:
		add(dpart{fmt.Sprintf("checkpoint %d: aligning, %d/%d inputs delivered the barrier, since %s", v.Checkpoint, v.AlignedInputs, v.TargetInputs, fmtTime(v.FirstBarrierAt)), th.lane[laneAlign]})
	case v.Source:
		add(plain("triggered by the coordinator; last snapshot ck%d", v.LastSnapshot))
	case v.Checkpoint > 0:
		add(plain("checkpoint %d: barrier handled; last snapshot ck%d", v.Checkpoint, v.LastSnapshot))
	default:
		add(dpart{"no barrier yet", th.dim})
	}
	if v.RestoredFrom > 0 {
		add(plain("restored from %s", u.checkpointName(v.RestoredFrom)))
	}
	if len(v.Tracked) > 0 {
		add(plain("at-least-once: counting barriers of %v", v.Tracked))
	}
	for _, sn := range v.Snapshots {
		line := fmt.Sprintf("snapshot ck%d: %s, state %s", sn.Checkpoint, sn.Phase, fmtBytes(sn.StateBytes))
		if sn.PersistedRecords > 0 {
			line += fmt.Sprintf(", in-flight %d records %s", sn.PersistedRecords, fmtBytes(sn.PersistedBytes))
		}
		if sn.Phase == sim.PhaseAsync {
			line += " until " + fmtTime(sn.AsyncDue)
		}
		add(dpart{line, th.lane[laneAsync]})
	}
	p.network(id, add, plain)
	// A two-phase commit sink's transactions.
	if v.SinkOpenRecords >= 0 || len(v.SinkPending) > 0 {
		add(dpart{"sink transactions", th.header})
		if v.SinkOpenRecords >= 0 {
			add(plain("  open: %d records, pre-committed at the next checkpoint", v.SinkOpenRecords))
		}
		for _, x := range v.SinkPending {
			add(plain("  pre-committed by ck%d: %d records, committed when a checkpoint >= %d completes", x.Checkpoint, x.Records, x.Checkpoint))
		}
	}
	p.saved(id, add, plain)
	if eg.HasKind(id, topology.Sink) {
		p.duplicates(add, plain)
	}
	// Keyed state: an aggregate is always a chain's head.
	if eg.Op(id).Kind == topology.Aggregate {
		p.kv = s.AppendKeyedState(p.kv[:0], id)
		add(dpart{fmt.Sprintf("keyed state: %d keys, %s", len(p.kv), fmtBytes(v.StateBytes)), th.header})
		cellW := 0
		cells := make([]string, len(p.kv))
		for i, kv := range p.kv {
			cells[i] = fmt.Sprintf("%d=%d", kv.Key, kv.Value)
			cellW = max(cellW, len(cells[i])+2)
		}
		perLine := max(1, (w-2)/max(cellW, 1))
		for i := 0; i < len(cells); i += perLine {
			var b strings.Builder
			b.WriteString("  ")
			for _, c := range cells[i:min(i+perLine, len(cells))] {
				b.WriteString(pad(c, cellW))
			}
			add(plain("%s", strings.TrimRight(b.String(), " ")))
		}
	}
	return out
}

func (p *detailsPane) Draw(scr tcell.Screen) {
	u := p.u
	p.SetTitle(tview.Escape(" Details · " + u.m.SubtaskName(int32(u.sub)) + " "))
	p.DrawForSubclass(scr, p)
	x, y, w, h := p.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	if p.sub != u.sub {
		p.sub, p.off = u.sub, 0
	}
	lines := wrapLines(p.lines(u.sub, w), w)
	p.off = max(0, min(p.off, len(lines)-h))
	for i := 0; i < h && p.off+i < len(lines); i++ {
		for j, c := range lines[p.off+i] {
			scr.SetContent(x+j, y+i, c.r, nil, c.st)
		}
	}
	if len(lines) > h {
		if p.off > 0 {
			text(scr, x+w-1, y, x+w, "↑", u.th.dim)
		}
		if p.off+h < len(lines) {
			text(scr, x+w-1, y+h-1, x+w, "↓", u.th.dim)
		}
	}
}

// wrapLines lays styled lines out in cells, w wide: a longer line goes on
// on the next, indented.
func wrapLines(lines []dline, w int) [][]rcell {
	var out [][]rcell
	const indent = 4
	for _, l := range lines {
		var cur []rcell
		for _, part := range l {
			for _, r := range part.s {
				if len(cur) == w && w > 2*indent {
					// Break after the last space, if there is one far
					// enough right.
					cut := w
					for i := w - 1; i > w/2; i-- {
						if cur[i].r == ' ' {
							cut = i + 1
							break
						}
					}
					next := make([]rcell, indent, w)
					for i := range next {
						next[i] = rcell{' ', part.st}
					}
					next = append(next, cur[cut:]...)
					out = append(out, cur[:cut])
					cur = next
				}
				if len(cur) < w {
					cur = append(cur, rcell{r, part.st})
				}
			}
		}
		out = append(out, cur)
	}
	return out
}

func (p *detailsPane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return p.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		_, _, _, h := p.GetInnerRect()
		switch ev.Key() {
		case tcell.KeyUp:
			p.off = max(0, p.off-1)
		case tcell.KeyDown:
			p.off++
		case tcell.KeyPgUp:
			p.off = max(0, p.off-max(1, h-1))
		case tcell.KeyPgDn:
			p.off += max(1, h-1)
		}
	})
}

func (p *detailsPane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return p.u.paneMouse(p, p.Box, nil, func(d int) { p.off = max(0, p.off+d) })
}

// splitsText describes the splits a source subtask reads.
func splitsText(splits []sim.SplitView) string {
	if len(splits) == 0 {
		return "source: no split to read"
	}
	parts := make([]string, len(splits))
	for i, sp := range splits {
		parts[i] = fmt.Sprintf("partition %d · offset %s", sp.Partition, fmtCount(sp.Offset))
	}
	return "source " + strings.Join(parts, ", ")
}
