package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// The layout, in one place:
//
//	┌ graph ──────────────────────┐┌ checkpoints ──────────┐
//	└─────────────────────────────┘└───────────────────────┘
//	┌ timeline ─────────────────────────────────────────────┐
//	└───────────────────────────────────────────────────────┘
//	┌ details ────────────┐┌ log ────────────────────────────┐
//	└─────────────────────┘└─────────────────────────────────┘
//	 status bar (or the prompt of / and g)
//
// z shows the focused pane alone; ? lays the help over everything.

func (u *UI) buildLayout() {
	u.graph = newGraphPane(u)
	u.timeline = newTimelinePane(u)
	u.ckpts = newCheckpointPane(u)
	u.details = newDetailsPane(u)
	u.log = newLogPane(u)
	u.status = newStatusBar(u)
	u.help = newHelpView(u)
	u.panes = []tview.Primitive{u.graph, u.timeline, u.ckpts, u.details, u.log}

	u.top = tview.NewFlex().
		AddItem(u.graph, 0, 3, true).
		AddItem(u.ckpts, 0, 2, false)
	u.bottom = tview.NewFlex().
		AddItem(u.details, 0, 2, false).
		AddItem(u.log, 0, 3, false)
	u.body = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(u.top, 0, 3, true).
		AddItem(u.timeline, 0, 2, false).
		AddItem(u.bottom, 0, 2, false)
	u.root = tview.NewFlex().SetDirection(tview.FlexRow)
	u.layoutRoot()

	u.input = tview.NewInputField()
	u.input.SetFieldStyle(u.th.base.Underline(true))
	u.input.SetLabelStyle(u.th.bold)
	u.input.SetDoneFunc(u.promptDone)

	u.pages = tview.NewPages().
		AddPage("main", u.root, true, true).
		AddPage("help", u.help, true, false)
	u.app.SetRoot(u.pages, true)
	u.app.SetFocus(u.graph)
}

// layoutRoot fills the root: the body (or the zoomed pane) over the
// status line (or the prompt).
func (u *UI) layoutRoot() {
	u.root.Clear()
	if u.zoomed {
		u.root.AddItem(u.panes[u.focus], 0, 1, true)
	} else {
		u.root.AddItem(u.body, 0, 1, true)
	}
	if u.prompting {
		u.root.AddItem(u.input, 1, 0, true)
	} else {
		u.root.AddItem(u.status, 1, 0, false)
	}
}

// setFocus focuses pane i (modulo the number of panes).
func (u *UI) setFocus(i int) {
	n := len(u.panes)
	u.focus = ((i % n) + n) % n
	if u.zoomed {
		u.layoutRoot()
	}
	u.app.SetFocus(u.panes[u.focus])
}

// focusPane focuses p (after a mouse click).
func (u *UI) focusPane(p tview.Primitive) {
	for i, q := range u.panes {
		if q == p {
			u.focus = i
		}
	}
}

// setZoom shows the focused pane alone, or all panes.
func (u *UI) setZoom(on bool) {
	u.zoomed = on
	u.layoutRoot()
	u.app.SetFocus(u.panes[u.focus])
}

// showHelp opens or closes the help overlay.
func (u *UI) showHelp(on bool) {
	u.helpOpen = on
	if on {
		u.pages.ShowPage("help")
	} else {
		u.pages.HidePage("help")
		u.app.SetFocus(u.panes[u.focus])
	}
}

// prompt asks for a line in place of the status bar; done applies it and
// may refuse it with an error, shown in the status bar.
func (u *UI) prompt(label, initial string, done func(string) error) {
	u.prompting = true
	u.onPrompt = done
	u.input.SetLabel(label)
	u.input.SetText(initial)
	u.layoutRoot()
	u.app.SetFocus(u.input)
}

func (u *UI) promptDone(key tcell.Key) {
	text := u.input.GetText()
	u.prompting = false
	u.layoutRoot()
	u.app.SetFocus(u.panes[u.focus])
	if key == tcell.KeyEnter && u.onPrompt != nil {
		if err := u.onPrompt(text); err != nil {
			u.msg = err.Error()
		}
	}
}

// paneBox is the frame every pane draws in: a border whose title names
// the pane, doubled when the pane has the focus.
func paneBox(title string) *tview.Box {
	return tview.NewBox().SetBorder(true).SetTitle(" " + title + " ").SetTitleAlign(tview.AlignLeft)
}

// mouseIn translates a mouse event to coordinates inside a pane's inner
// rectangle; ok is false outside it.
func mouseIn(b *tview.Box, ev *tcell.EventMouse) (x, y int, ok bool) {
	mx, my := ev.Position()
	ix, iy, iw, ih := b.GetInnerRect()
	x, y = mx-ix, my-iy
	return x, y, x >= 0 && y >= 0 && x < iw && y < ih
}

// paneMouse is the mouse handling every pane shares: a click focuses the
// pane and is passed to click; the wheel is passed to wheel.
func (u *UI) paneMouse(p tview.Primitive, b *tview.Box, click func(x, y int), wheel func(d int)) func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return b.WrapMouseHandler(func(action tview.MouseAction, ev *tcell.EventMouse, setFocus func(tview.Primitive)) (bool, tview.Primitive) {
		if !b.InRect(ev.Position()) {
			return false, nil
		}
		switch action {
		case tview.MouseLeftClick:
			u.msg = ""
			setFocus(p)
			u.focusPane(p)
			if x, y, ok := mouseIn(b, ev); ok && click != nil {
				click(x, y)
			}
			return true, nil
		case tview.MouseScrollUp:
			if wheel != nil {
				wheel(-3)
			}
			return true, nil
		case tview.MouseScrollDown:
			if wheel != nil {
				wheel(3)
			}
			return true, nil
		}
		return false, nil
	})
}
