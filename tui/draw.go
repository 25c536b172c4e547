package tui

import (
	"github.com/gdamore/tcell/v2"
)

// text draws s at (x, y) up to column maxX (exclusive), one cell per rune,
// and returns the column after it.
func text(scr tcell.Screen, x, y, maxX int, s string, st tcell.Style) int {
	for _, r := range s {
		if x >= maxX {
			break
		}
		scr.SetContent(x, y, r, nil, st)
		x++
	}
	return x
}

// fill draws n copies of r from (x, y).
func fill(scr tcell.Screen, x, y, n int, r rune, st tcell.Style) {
	for i := range n {
		scr.SetContent(x+i, y, r, nil, st)
	}
}

// restyle changes the style of the cells of row y from x to maxX.
func restyle(scr tcell.Screen, x, y, maxX int, st tcell.Style) {
	for ; x < maxX; x++ {
		r, comb, _, _ := scr.GetContent(x, y)
		scr.SetContent(x, y, r, comb, st)
	}
}

// pad cuts or pads s to exactly w runes.
func pad(s string, w int) string {
	rs := []rune(s)
	if len(rs) >= w {
		return string(rs[:max(0, w)])
	}
	b := make([]rune, w)
	copy(b, rs)
	for i := len(rs); i < w; i++ {
		b[i] = ' '
	}
	return string(b)
}

// clip cuts s to at most w runes, ending in … when it was longer.
func clip(s string, w int) string {
	rs := []rune(s)
	if len(rs) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	return string(rs[:w-1]) + "…"
}

// padLeft right-aligns s in w runes.
func padLeft(s string, w int) string {
	rs := []rune(s)
	if len(rs) >= w {
		return string(rs[:max(0, w)])
	}
	b := make([]rune, w)
	n := w - len(rs)
	for i := range n {
		b[i] = ' '
	}
	copy(b[n:], rs)
	return string(b)
}

// clampScroll keeps a scroll offset such that row sel of n rows is
// visible in h rows.
func clampScroll(off, sel, n, h int) int {
	if h <= 0 {
		return 0
	}
	if sel < off {
		off = sel
	}
	if sel >= off+h {
		off = sel - h + 1
	}
	return max(0, min(off, n-h))
}
