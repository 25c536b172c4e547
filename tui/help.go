package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// keyTable is every key of the UI, as the help overlay and the README
// list them.
var keyTable = [][2]string{
	{"Space", "play / pause ([ and ] change the speed)"},
	{"n  →", "next event"},
	{"p  ←", "previous event: time travel back"},
	{"N  P", "next / previous checkpoint event"},
	{"c", "next completed checkpoint"},
	{"f", "next failure: a checkpoint expired, aborted or declined, a failover (selects the subtask that failed) or a restore; stays if there is none"},
	{"[  ]", "slower / faster playback"},
	{"Home  End", "start / end of the run"},
	{"g", "go to an event number, a time (2.5s, 300ms) or a checkpoint (ck3)"},
	{"r", "restart: back to event 0"},
	{"Tab  Shift-Tab", "next / previous pane (the focused pane has a double border)"},
	{"↑ ↓ PgUp PgDn", "select a subtask (graph, timeline), a checkpoint, a log line; scroll details"},
	{"Enter", "graph: filter the log by subtask · checkpoints: go to its trigger · log: go to the event · timeline: follow"},
	{"+  -", "timeline: zoom in / out"},
	{"h  l", "timeline: scroll back / forward in time"},
	{"/", "filter the log: ck:3 kind:barrier sub:count[1] ch:src[0] text, -word excludes"},
	{"z", "zoom the focused pane to the whole screen (Esc or z again)"},
	{"?", "this help (Esc closes)"},
	{"q  Ctrl-C", "quit"},
	{"mouse", "a click selects a subtask, checkpoint or log line, or travels to the time clicked in the timeline; wheel scrolls"},
}

// legend explains the glyphs.
var legend = []string{
	"Ribbons (sender ─▶ receiver, next item on the right): · record  * record persisted as channel state",
	"  |3 barrier of checkpoint 3  »3 unaligned barrier (overtakes records)  x3 cancel marker  ⊢ end of data  ⊣ end of partition",
	"  ┊ left of it: the sender's output queue  [ ] highlighted + BLOCKED: held back by alignment  FULL: backpressure",
	"  backlog n: the sender's finished buffers waiting  no credit: the receiver has no free buffer for them",
	"Lanes: █▄▁ busy  ░ aligning  ▓ backpressured  S sync snapshot  ~ async upload (chandy-lamport: recording inputs)  ⊣ finished  X failed  R restoring",
	"  markers: n checkpoint n triggered  ✓ completed  ✗ expired/aborted  ! job failover  the highlighted column is the cursor",
}

// helpView is the overlay ? opens; ↑ ↓ scroll it on small screens.
type helpView struct {
	*tview.Box
	u   *UI
	off int
}

func newHelpView(u *UI) *helpView {
	return &helpView{Box: tview.NewBox(), u: u}
}

// helpLine is a line of the help: a key (bold) and text.
type helpLine struct {
	key, text string
	keyed     bool // a row of the key table (continued rows have no key)
	st        tcell.Style
}

// content lays the help out for width w.
func (h *helpView) content(w int) []helpLine {
	th := &h.u.th
	var out []helpLine
	if desc := wrap(termsafe.Line(strings.Join(strings.Fields(firstSentence(h.u.opt.Description)), " ")), w); len(desc) > 0 {
		for _, l := range desc[:min(len(desc), 2)] {
			out = append(out, helpLine{text: l, st: th.dim})
		}
		out = append(out, helpLine{})
	}
	const keyW = 16
	for _, k := range keyTable {
		for i, l := range wrap(k[1], max(10, w-keyW)) {
			key := k[0]
			if i > 0 {
				key = ""
			}
			out = append(out, helpLine{key: key, text: l, keyed: true, st: th.base})
		}
	}
	out = append(out, helpLine{})
	for _, l := range legend {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		for i, part := range wrapItems(strings.TrimSpace(l), max(10, w-indent-2)) {
			prefix := strings.Repeat(" ", indent)
			if i > 0 {
				prefix += "  "
			}
			out = append(out, helpLine{text: prefix + part, st: th.base})
		}
	}
	return out
}

func (h *helpView) Draw(scr tcell.Screen) {
	th := &h.u.th
	sw, sh := scr.Size()
	w := min(sw-2, 118)
	lines := h.content(w - 4)
	ht := min(sh-2, len(lines)+2)
	if w < 10 || ht < 3 {
		return
	}
	h.off = max(0, min(h.off, len(lines)-(ht-2)))
	x, y := (sw-w)/2, (sh-ht)/2
	title := " ckptsim · keys (Esc closes) "
	if len(lines) > ht-2 {
		title = " ckptsim · keys (↑ ↓ scroll, Esc closes) "
	}
	box := tview.NewBox().SetBorder(true).SetTitle(title)
	box.SetRect(x, y, w, ht)
	box.Draw(scr)
	ix, iy, iw, ih := box.GetInnerRect()
	maxX := ix + iw
	for i := 0; i < ih && h.off+i < len(lines); i++ {
		l := lines[h.off+i]
		cx := ix + 1
		if l.keyed {
			cx = text(scr, cx, iy+i, maxX, pad(l.key, 16), th.bold)
		}
		text(scr, cx, iy+i, maxX, l.text, l.st)
	}
	if h.off+ih < len(lines) {
		text(scr, ix+iw-1, iy+ih-1, maxX, "↓", th.dim)
	}
}

// wrapItems wraps a line of items separated by two spaces, keeping each
// item whole where it fits.
func wrapItems(s string, w int) []string {
	var lines []string
	cur := ""
	for _, item := range strings.Split(s, "  ") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		switch {
		case cur == "":
			cur = item
		case len([]rune(cur))+2+len([]rune(item)) <= w:
			cur += "  " + item
		default:
			lines = append(lines, cur)
			cur = item
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	var out []string
	for _, l := range lines {
		if len([]rune(l)) > w {
			out = append(out, wrap(l, w)...) // an item longer than a line
		} else {
			out = append(out, l)
		}
	}
	return out
}

// firstSentence is the first sentence of a description, on one line.
func firstSentence(s string) string {
	words := []rune(s)
	for i, r := range words {
		if r == '\n' {
			words[i] = ' '
		}
	}
	out := string(words)
	for i := 0; i+1 < len(out); i++ {
		if out[i] == '.' && out[i+1] == ' ' {
			return out[:i+1]
		}
	}
	return out
}
