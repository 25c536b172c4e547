package tui

import (
	"fmt"
	"strings"
	"unicode"
)

// safe makes text from the scenario (names, its description) or typed by
// the user harmless on a terminal: control characters (C0, DEL, C1) and
// invisible format characters (such as the bidirectional overrides) are
// written as Go escapes, \x1b or \u202e, so that a name cannot move the
// cursor, clear the screen or reorder what is drawn after it. The panes
// draw text cell by cell, so tview's [style] tags matter only in pane
// titles, which tview parses: those with a name or typed text go through
// tview.Escape as well.
func safe(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// unsafeRune reports whether r must not reach the terminal as it is.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
