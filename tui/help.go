package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// keyTable is every key of the UI, as the help overlay and the README
// list them.
var keyTable = [][2]string{
	{"Space", "play / pause ([ and ] change the speed)"},
	{"n  →", "next event"},
	{"p  ←", "previous event: time travel back"},
	{"N  P", "next / previous checkpoint event"},
	{"c", "next completed checkpoint"},
	{"f", "next failure: checkpoint expired, aborted or declined, alignment timeout, task failure or recovery"},
	{"[  ]", "slower / faster playback"},
	{"Home  End", "start / end of the run"},
	{"g", "go to an event number, a time (2.5s, 300ms) or a checkpoint (ck3)"},
	{"r", "restart: back to event 0"},
	{"Tab  Shift-Tab", "next / previous pane (the focused pane has a double border)"},
	{"↑ ↓ PgUp PgDn", "select a subtask (graph, timeline), a checkpoint, a log line; scroll details"},
	{"Enter", "graph: filter the log by the subtask · checkpoints: go to the trigger · log: go to the event · timeline: follow the cursor"},
	{"+  -", "timeline: zoom in / out"},
	{"h  l", "timeline: scroll back / forward in time"},
	{"/", "filter the log: ck:3 kind:barrier sub:count[1] ch:src[0] text, -word excludes"},
	{"z", "zoom the focused pane to the whole screen (Esc or z again)"},
	{"?", "this help (Esc closes)"},
	{"q  Ctrl-C", "quit"},
	{"mouse", "click selects a subtask, checkpoint or log line; a click in the timeline travels to that time; the wheel scrolls"},
}

// legend explains the glyphs.
var legend = []string{
	"Ribbons (sender ─▶ receiver, next item on the right): · record  * record persisted as channel state",
	"  |3 barrier of checkpoint 3  »3 unaligned barrier (overtakes records)  x3 cancel marker  ⊣ end of partition",
	"  ┊ left of it: the sender's output queue  [ ] highlighted + BLOCKED: held back by alignment  FULL: backpressure",
	"Lanes: █▄▁ processing (how busy)  ░ aligning  ▓ backpressured  S sync snapshot  ~ async upload  ⊣ finished  X failed  R restoring",
	"  markers: n checkpoint n triggered, ✓ completed, ✗ expired/aborted; the highlighted column is the cursor",
}

// helpView is the overlay ? opens.
type helpView struct {
	*tview.Box
	u *UI
}

func newHelpView(u *UI) *helpView {
	return &helpView{Box: tview.NewBox(), u: u}
}

func (h *helpView) Draw(scr tcell.Screen) {
	th := &h.u.th
	sw, sh := scr.Size()
	w := min(sw-2, 118)
	lines := len(keyTable) + len(legend) + 6
	if h.u.opt.Description != "" {
		lines += 2
	}
	ht := min(sh-2, lines)
	x, y := (sw-w)/2, (sh-ht)/2
	box := tview.NewBox().SetBorder(true).SetTitle(" ckptsim · keys (Esc closes) ")
	box.SetRect(x, y, w, ht)
	box.Draw(scr)
	ix, iy, iw, ih := box.GetInnerRect()
	maxX := ix + iw
	row := iy
	put := func(s string, st tcell.Style) {
		if row < iy+ih {
			text(scr, ix+1, row, maxX, s, st)
		}
		row++
	}
	if d := h.u.opt.Description; d != "" {
		put(firstSentence(d), th.dim)
		row++
	}
	for _, k := range keyTable {
		if row < iy+ih {
			cx := text(scr, ix+1, row, maxX, pad(k[0], 16), th.bold)
			text(scr, cx, row, maxX, k[1], th.base)
		}
		row++
	}
	row++
	for _, l := range legend {
		put(l, th.base)
	}
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
