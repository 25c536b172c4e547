package tui

import (
	"os"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// theme holds every style the UI draws with. The monochrome theme (for
// NO_COLOR) uses attributes only: everything it shows is also told by a
// glyph or a word, so nothing depends on colour.
type theme struct {
	mono bool

	base, dim, bold, header, label tcell.Style
	selected, cursor, marker       tcell.Style

	// Channel ribbons.
	record, persisted, barrier, prio, cancel, eop, sender tcell.Style
	blocked, warn                                         tcell.Style

	// Timeline lanes, by laneState, and idle/finished.
	lane           [numLaneStates]tcell.Style
	idle, finished tcell.Style

	// Checkpoint status.
	completed, failed, inProgress tcell.Style

	status, statusKey, message tcell.Style
}

// noColor reports whether the NO_COLOR convention asks for no colour.
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

func newTheme(mono bool) theme {
	d := tcell.StyleDefault
	t := theme{mono: mono, base: d, dim: d.Dim(true), bold: d.Bold(true), header: d.Bold(true).Underline(true),
		label: d, selected: d.Reverse(true), cursor: d.Reverse(true), marker: d.Bold(true),
		record: d, persisted: d.Bold(true), barrier: d.Bold(true), prio: d.Bold(true).Underline(true),
		cancel: d.Bold(true), eop: d.Dim(true), sender: d.Dim(true), blocked: d.Reverse(true), warn: d.Bold(true),
		idle: d.Dim(true), finished: d.Dim(true),
		completed: d, failed: d.Bold(true), inProgress: d.Underline(true),
		status: d.Reverse(true), statusKey: d.Reverse(true).Bold(true), message: d.Reverse(true).Bold(true)}
	for st := range numLaneStates {
		t.lane[st] = d
	}
	t.lane[laneSync] = d.Bold(true)
	t.lane[laneFailed] = d.Bold(true).Reverse(true)
	t.lane[laneRestore] = d.Bold(true)
	if mono {
		return t
	}
	fg := func(c tcell.Color) tcell.Style { return d.Foreground(c) }
	t.label = fg(tcell.ColorSilver)
	t.marker = fg(tcell.ColorYellow)
	t.record = fg(tcell.ColorGray)
	t.persisted = fg(tcell.ColorAqua).Bold(true)
	t.barrier = fg(tcell.ColorYellow).Bold(true)
	t.prio = fg(tcell.ColorFuchsia).Bold(true)
	t.cancel = fg(tcell.ColorRed).Bold(true)
	t.eop = fg(tcell.ColorTeal)
	t.sender = fg(tcell.ColorSilver).Dim(true)
	t.blocked = d.Background(tcell.ColorMaroon).Foreground(tcell.ColorWhite).Bold(true)
	t.warn = fg(tcell.ColorOrange).Bold(true)
	t.lane[laneBusy] = fg(tcell.ColorGreen)
	t.lane[laneAlign] = fg(tcell.ColorRed)
	t.lane[laneBP] = fg(tcell.ColorFuchsia)
	t.lane[laneSync] = fg(tcell.ColorYellow).Bold(true)
	t.lane[laneAsync] = fg(tcell.ColorDodgerBlue)
	t.lane[laneFailed] = d.Background(tcell.ColorRed).Foreground(tcell.ColorWhite).Bold(true)
	t.lane[laneRestore] = fg(tcell.ColorAqua).Bold(true)
	t.completed = fg(tcell.ColorGreen)
	t.failed = fg(tcell.ColorRed).Bold(true)
	t.inProgress = fg(tcell.ColorYellow)
	t.status = d.Background(tcell.ColorNavy).Foreground(tcell.ColorWhite)
	t.statusKey = t.status.Foreground(tcell.ColorYellow).Bold(true)
	t.message = d.Background(tcell.ColorOlive).Foreground(tcell.ColorBlack).Bold(true)
	return t
}

// setTviewStyles makes tview's own widgets (borders, input fields) use the
// terminal's default colours, or none.
func setTviewStyles(mono bool) {
	s := &tview.Styles
	s.PrimitiveBackgroundColor = tcell.ColorDefault
	s.ContrastBackgroundColor = tcell.ColorDefault
	s.MoreContrastBackgroundColor = tcell.ColorDefault
	s.BorderColor = tcell.ColorDefault
	s.TitleColor = tcell.ColorDefault
	s.GraphicsColor = tcell.ColorDefault
	s.PrimaryTextColor = tcell.ColorDefault
	s.SecondaryTextColor = tcell.ColorDefault
	s.TertiaryTextColor = tcell.ColorDefault
	s.InverseTextColor = tcell.ColorDefault
	s.ContrastSecondaryTextColor = tcell.ColorDefault
	if !mono {
		s.BorderColor = tcell.ColorSilver
		s.TitleColor = tcell.ColorWhite
		s.SecondaryTextColor = tcell.ColorYellow
	}
}
