package tui

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// testUI is a UI on a simulation screen, driven synchronously: keys go
// through the same path as in the application's event loop, and every
// key is followed by a redraw.
type testUI struct {
	t   testing.TB
	u   *UI
	scr tcell.SimulationScreen
	// wall is the UI's wall clock: it moves only when the test says.
	wall time.Time
}

func newTestUI(t testing.TB, cfg sim.Config, w, h int) *testUI {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	u, err := New(cfg, Options{Screen: scr, Mono: true})
	require.NoError(t, err)
	scr.SetSize(w, h)
	tu := &testUI{t: t, u: u, scr: scr, wall: time.Unix(1e9, 0)}
	u.wall = func() time.Time { return tu.wall }
	tu.draw()
	return tu
}

// frames lets n playback frames of wall time pass, each drawn.
func (tu *testUI) frames(n int) {
	for range n {
		tu.wall = tu.wall.Add(tickEvery)
		tu.u.tick()
		tu.draw()
	}
}

func (tu *testUI) draw() { tu.u.app.ForceDraw() }

// key sends one key event as tview's event loop would: the global keys
// first, then the focused primitive.
func (tu *testUI) key(k tcell.Key, r rune) {
	ev := tcell.NewEventKey(k, r, tcell.ModNone)
	if ev = tu.u.onKey(ev); ev != nil {
		if h := tu.u.pages.InputHandler(); h != nil {
			h(ev, func(p tview.Primitive) { tu.u.app.SetFocus(p) })
		}
	}
	tu.draw()
}

// keys sends runes, each as a key.
func (tu *testUI) keys(s string) {
	for _, r := range s {
		tu.key(tcell.KeyRune, r)
	}
}

// click sends a left click at (x, y).
func (tu *testUI) click(x, y int) {
	ev := tcell.NewEventMouse(x, y, tcell.Button1, tcell.ModNone)
	if h := tu.u.pages.MouseHandler(); h != nil {
		h(tview.MouseLeftClick, ev, func(p tview.Primitive) { tu.u.app.SetFocus(p) })
	}
	tu.draw()
}

// emitted reports whether the event at the cursor emitted a trace event
// of kind for checkpoint n.
func emitted(m *Model, kind sim.TraceKind, n int64) bool {
	for i := m.stepEnd[m.Event()-1]; i < m.TraceLen(); i++ {
		if ev := m.TraceAt(i); ev.Kind == kind && ev.Checkpoint == n {
			return true
		}
	}
	return false
}

// lines returns the screen as text, one string per row.
func (tu *testUI) lines() []string {
	cells, w, h := tu.scr.GetContents()
	out := make([]string, h)
	for y := range h {
		var b strings.Builder
		for x := range w {
			c := cells[y*w+x]
			if len(c.Runes) > 0 {
				b.WriteString(string(c.Runes))
			} else {
				b.WriteByte(' ')
			}
		}
		out[y] = b.String()
	}
	return out
}

func (tu *testUI) screen() string { return strings.Join(tu.lines(), "\n") }

// statusLine is the status bar's text: its rows (a long message wraps on
// rows above the fields) joined, with runs of spaces as one.
func (tu *testUI) statusLine() string {
	_, y, _, h := tu.u.status.GetRect()
	l := tu.lines()
	if tu.u.prompting {
		y, h = len(l)-1, 1
	}
	return strings.Join(strings.Fields(strings.Join(l[y:y+h], " ")), " ")
}

// until presses key until the screen contains want (at most n times).
func (tu *testUI) until(want string, n int, press func()) {
	tu.t.Helper()
	for range n {
		if strings.Contains(tu.screen(), want) {
			return
		}
		press()
	}
	require.Contains(tu.t, tu.screen(), want)
}

func TestKeysDriveTheRun(t *testing.T) {
	cfg := scenarioConfig(t, "minimal", 3*time.Second)
	tu := newTestUI(t, cfg, 120, 40)
	m := tu.u.m
	require.Contains(t, tu.statusLine(), "minimal │ aligned │ seed 1 │ t 0.000000s │ event 0")
	tu.keys("nnnnn")
	k := m.Event()
	require.Positive(t, k)
	require.Contains(t, tu.statusLine(), "event "+fmtCount(k))
	require.Contains(t, tu.statusLine(), "t "+fmtTime(m.Now()))
	tu.key(tcell.KeyLeft, 0)
	require.Less(t, m.Event(), k)
	tu.key(tcell.KeyRight, 0)
	require.Equal(t, k, m.Event())
	tu.keys("p")
	require.Less(t, m.Event(), k)

	// c: to the next completed checkpoint; the table shows it.
	tu.keys("c")
	require.True(t, emitted(m, sim.CheckpointCompleted, 1))
	require.Regexp(t, `  1 COMPLETED\s+0\.\d{3}s\s+\d`, tu.screen())
	require.Contains(t, tu.screen(), "why: slowest ")
	require.Contains(t, tu.statusLine(), "checkpoint_completed ck=1")
	tu.keys("c")
	require.Contains(t, tu.screen(), "  2 COMPLETED")

	// Speed.
	tu.keys("]]")
	require.Contains(t, tu.statusLine(), "50ms/s")
	tu.keys("[")
	require.Contains(t, tu.statusLine(), "20ms/s")

	// Play, then pause: playback advances virtual time.
	before := m.Now()
	tu.keys(" ")
	require.Contains(t, tu.statusLine(), "▶ playing")
	tu.frames(25)
	require.Greater(t, m.Now(), before)
	tu.keys(" ")
	require.Contains(t, tu.statusLine(), "⏸ paused")

	// N / P: checkpoint events.
	tu.keys("N")
	require.NotZero(t, m.TraceAt(m.TraceLen()-1).Checkpoint)
	at := m.Event()
	tu.keys("N")
	tu.keys("P")
	require.Equal(t, at, m.Event())

	// Home, End, restart.
	tu.key(tcell.KeyEnd, 0)
	require.True(t, m.AtEnd())
	require.Contains(t, tu.statusLine(), "■ ended")
	require.Contains(t, tu.statusLine(), "event "+fmtCount(m.Event())+"/"+fmtCount(m.Event()))
	tu.keys("r")
	require.Zero(t, m.Event())
	require.Zero(t, m.Mismatches())
}

// TestSpacePlaysAtEverySpeed: Space plays the run at every speed. The
// clock advances by the speed times the wall time, frame after frame, also
// where the next event is further away than one frame advances (at the
// default 10ms/s a frame advances 0.4ms, less than a channel's latency),
// and every event due by the clock has fired: the UI shows what a
// headless run shows at that time.
func TestSpacePlaysAtEverySpeed(t *testing.T) {
	cfg := scenarioConfig(t, "minimal", 3*time.Second)
	for i, sp := range speeds {
		t.Run(fmtSpeed(sp), func(t *testing.T) {
			tu := newTestUI(t, cfg, 120, 40)
			m := tu.u.m
			for tu.u.speed != i {
				if tu.u.speed < i {
					tu.keys("]")
				} else {
					tu.keys("[")
				}
			}
			tu.keys(" ")
			require.Contains(t, tu.statusLine(), "▶ playing │ "+fmtSpeed(sp))
			h, _ := headless(t, cfg, 0)
			perFrame := int64(sp) * int64(tickEvery) / int64(time.Second)
			for f := int64(1); f <= 50; f++ {
				tu.frames(1)
				if m.AtEnd() {
					require.Contains(t, tu.statusLine(), "■ ended")
					require.Contains(t, tu.statusLine(), "end of the run")
					require.Equal(t, cfg.Until, time.Duration(m.Now()))
					require.LessOrEqual(t, int64(cfg.Until), f*perFrame)
					return
				}
				clock := f * perFrame
				require.Equal(t, clock, m.Clock(), "frame %d", f)
				require.Contains(t, tu.statusLine(), "t "+fmtTime(clock)+" ")
				for at, ok := h.NextEventAt(); ok && at <= clock; at, ok = h.NextEventAt() {
					h.Step()
				}
				require.Equal(t, h.Events(), m.Event(), "frame %d: the events due by %s fired", f, fmtTime(clock))
			}
			require.Positive(t, m.Event())
			requireSameState(t, h, m.Sim())
			// Pause: the clock stays; a step goes on from the event.
			tu.keys(" ")
			require.Contains(t, tu.statusLine(), "⏸ paused")
			clock := m.Clock()
			tu.frames(3)
			require.Equal(t, clock, m.Clock())
			tu.keys("n")
			require.Equal(t, m.Now(), m.Clock())
			require.Greater(t, m.Now(), clock)
			require.Zero(t, m.Mismatches())
		})
	}
}

// TestStatusMessagesAreReadWhole: at every width, a message that does not
// fit beside the fields is wrapped on whole words above them (the bar's
// text contains it with single spaces: no word is cut), and the fields
// stay.
func TestStatusMessagesAreReadWhole(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 4*time.Second)
	cfg.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "join_count[1]", At: 2300 * time.Millisecond}}
	bad := strings.Repeat("not-a-time ", 9)
	tu := newTestUI(t, cfg, 120, 40)
	tu.until("job_failover", 20, func() { tu.keys("f") })
	tu.keys("g")
	tu.keys(bad)
	tu.key(tcell.KeyEnter, 0)
	msgs := []string{fmt.Sprintf("%q: give an event number, a time like 2.5s or 300ms, or ck3", strings.TrimSpace(bad)),
		"job_failover: crash of join_count -> sink[1] (8 subtasks)"}
	require.Contains(t, tu.statusLine(), msgs[0])
	for _, w := range []int{60, 80, 100, 120, 160, 250} {
		t.Run(itoa(int64(w)), func(t *testing.T) {
			tu.scr.SetSize(w, 40)
			for _, msg := range msgs {
				tu.u.msg = msg
				tu.draw()
				_, y, _, h := tu.u.status.GetRect()
				l := tu.lines()
				require.Equal(t, len(l), y+h, "the bar is at the bottom")
				require.Contains(t, tu.statusLine(), msg, "the whole message")
				fields := l[len(l)-1]
				require.Contains(t, fields, "t 2.300000s")
				require.Contains(t, fields, "job RESTARTING")
				if h > 1 {
					require.NotContains(t, fields, msg[:10], "the message is above the fields")
				}
				require.Contains(t, tu.screen(), "Graph", "the panes are still drawn")
			}
		})
	}
}

// guardScreen is a simulation screen that records the unsafe runes drawn
// on it: the simulation screen itself drops a control character without
// a trace (it has no width), where a terminal receives it on the next
// full redraw.
type guardScreen struct {
	tcell.SimulationScreen
	unsafe []rune
}

func (g *guardScreen) SetContent(x, y int, r rune, comb []rune, st tcell.Style) {
	for _, c := range append([]rune{r}, comb...) {
		if termsafe.Unsafe(c) {
			g.unsafe = append(g.unsafe, c)
		}
	}
	g.SimulationScreen.SetContent(x, y, r, comb, st)
}

// TestHostileNamesAreEscaped: names with control characters (an ESC
// that would reset the terminal, a C1 CSI, BEL, a bidirectional override)
// and text with tview style tags reach the screen escaped, in every pane,
// the titles, the status bar, the help and the log filter.
func TestHostileNamesAreEscaped(t *testing.T) {
	const evil = "evil\x1bc\u009b2J\a\u202e"
	const shown = `evil\u001bc\u009b2J\u0007\u202e`
	cfg := scenarioConfig(t, "minimal", 2*time.Second)
	cfg.Name = "[red]demo\x1b[2J"
	g := *cfg.Graph
	g.Operators = slices.Clone(g.Operators)
	g.Edges = slices.Clone(g.Edges)
	g.Operators[1].Name = evil
	for i := range g.Edges {
		for _, end := range []*string{&g.Edges[i].From, &g.Edges[i].To} {
			if *end == "count" {
				*end = evil
			}
		}
	}
	cfg.Graph = &g
	scr := &guardScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8")}
	u, err := New(cfg, Options{Screen: scr, Mono: true, Description: "Hostile [::b]names\x1bc here.\tSecond sentence."})
	require.NoError(t, err)
	scr.SetSize(120, 40)
	tu := &testUI{t: t, u: u, scr: scr}
	requireClean := func(what string) {
		t.Helper()
		require.Empty(t, scr.unsafe, "%s: runes that must not reach the terminal were drawn", what)
	}
	tu.keys("c")
	u.selectSubtask(slices.Index(u.m.names(), shown+"[0]"))
	tu.draw()
	requireClean("graph, table, details, log")
	scrn := tu.screen()
	require.Contains(t, scrn, "Details · "+shown+"[0]", "the title, not parsed as a tag")
	require.Regexp(t, "║▶"+regexp.QuoteMeta(shown[:10])+`\S*… · idle`, scrn, "the graph, the name cut to its column")
	require.Contains(t, scrn, "src[0]->"+shown+"[0]", "a channel")
	require.Contains(t, tu.statusLine(), `[red]demo\u001b[2J │ aligned`)
	// The log filter, typed with a style tag, and by the escaped name.
	tu.keys("/")
	tu.keys("[red]")
	tu.key(tcell.KeyEnter, 0)
	requireClean("log filter")
	require.Contains(t, tu.screen(), "filter [red]")
	tu.keys("/")
	tu.key(tcell.KeyCtrlU, 0)
	tu.keys("sub:" + shown)
	tu.key(tcell.KeyEnter, 0)
	require.Regexp(t, `Log · [1-9][\d,]* of [\d,]+ events · filter sub:`+regexp.QuoteMeta(shown[:16]), tu.screen())
	require.Regexp(t, `\d\.\d+s  [a-z_]+ `+regexp.QuoteMeta(shown)+`\[`, tu.screen())
	tu.keys("?")
	requireClean("help")
	require.Contains(t, tu.screen(), `Hostile [::b]names\u001bc here.`)
	tu.key(tcell.KeyEscape, 0)
	u.msg = "a message with " + evil
	tu.draw()
	requireClean("message")
	require.Contains(t, tu.statusLine(), "a message with "+shown)
}

func TestFocusZoomHelp(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "minimal", time.Second), 120, 40)
	require.Equal(t, "╔", string([]rune(tu.lines()[0])[0]), "the graph has the focus")
	tu.key(tcell.KeyTab, 0)
	require.Equal(t, "┌", string([]rune(tu.lines()[0])[0]))
	require.True(t, tu.u.timeline.HasFocus())
	tu.key(tcell.KeyBacktab, 0)
	tu.key(tcell.KeyBacktab, 0)
	require.True(t, tu.u.log.HasFocus())
	tu.keys("z")
	require.Contains(t, tu.lines()[0], "╔ Log")
	tu.key(tcell.KeyEscape, 0)
	require.Contains(t, tu.lines()[0], "Graph")
	tu.keys("?")
	require.Contains(t, tu.screen(), "keys (Esc closes)")
	require.Contains(t, tu.screen(), "next completed checkpoint")
	tu.keys("n") // swallowed by the help
	require.Zero(t, tu.u.m.Event())
	tu.key(tcell.KeyDown, 0) // scrolls the help
	tu.key(tcell.KeyPgDn, 0)
	tu.key(tcell.KeyEscape, 0)
	require.NotContains(t, tu.screen(), "keys (Esc closes)")
}

func TestAlignmentOnScreen(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "alignment", 2*time.Second), 120, 40)
	// The first checkpoint: barriers enter the ribbons, the orders
	// channels of join_count get blocked.
	tu.until("BLOCKED", 200, func() { tu.keys("N") })
	scr := tu.screen()
	require.Contains(t, scr, "|1", "a barrier in a ribbon")
	require.Contains(t, scr, "aligning ck1")
	require.Contains(t, scr, "IN_PROGRESS")
	require.Contains(t, scr, "why: in progress")
	// The timeline shows the alignment.
	require.Contains(t, scr, "░")
	// After completion the table has the row and the explanation names
	// the alignment.
	tu.keys("c")
	scr = tu.screen()
	require.Contains(t, scr, "COMPLETED")
	require.Contains(t, scr, "aligned")
	require.Contains(t, scr, "✓", "completion marker on the timeline")
}

func TestUnalignedOvertakingOnScreen(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 2*time.Second)
	cfg.Checkpoint.Mode = sim.Unaligned
	tu := newTestUI(t, cfg, 120, 40)
	m := tu.u.m
	found := m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.InFlightPersisted })
	require.True(t, found)
	tu.draw()
	scr := tu.screen()
	require.Contains(t, scr, "»1", "an unaligned barrier in a ribbon")
	require.Contains(t, scr, "*", "persisted records in a ribbon")
	require.Contains(t, scr, "unaligned")
}

func TestLogFilterAndTravel(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "minimal", 3*time.Second), 120, 40)
	m := tu.u.m
	tu.keys("cc")
	tu.keys("/")
	require.True(t, tu.u.prompting)
	require.Contains(t, tu.statusLine(), "filter:")
	tu.keys("kind:checkpoint_completed")
	tu.key(tcell.KeyEnter, 0)
	require.False(t, tu.u.prompting)
	scr := tu.screen()
	require.Contains(t, scr, "2 of ")
	require.Contains(t, scr, "checkpoint_completed ck=1")
	require.Contains(t, scr, "checkpoint_completed ck=2")
	require.NotContains(t, scr, "record_sent")
	// Select the older line in the log and travel there.
	for !tu.u.log.HasFocus() {
		tu.key(tcell.KeyTab, 0)
	}
	tu.key(tcell.KeyUp, 0)
	tu.key(tcell.KeyEnter, 0)
	require.True(t, emitted(m, sim.CheckpointCompleted, 1))
	// A bad filter is refused and the old one kept.
	tu.keys("/")
	tu.key(tcell.KeyCtrlU, 0)
	tu.keys("ck:zero")
	tu.key(tcell.KeyEnter, 0)
	require.Contains(t, tu.statusLine(), "a checkpoint id is a number")
	require.Equal(t, "kind:checkpoint_completed", tu.u.filter.text)
	// Go to by time and by checkpoint.
	tu.keys("g")
	tu.keys("1.5s")
	tu.key(tcell.KeyEnter, 0)
	require.LessOrEqual(t, m.Now(), int64(1500*time.Millisecond))
	require.Greater(t, m.Now(), int64(1400*time.Millisecond))
	tu.keys("g")
	tu.keys("ck2")
	tu.key(tcell.KeyEnter, 0)
	require.True(t, emitted(m, sim.CheckpointTriggered, 2))
}

func TestMouse(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "minimal", 2*time.Second), 120, 40)
	tu.keys("c")
	// Click on the graph row of count[1].
	for y, l := range tu.lines() {
		if i := strings.Index(l, " count[1] "); i > 0 && y < 16 {
			tu.click(5, y)
			break
		}
	}
	require.Equal(t, "count[1]", tu.u.m.names()[tu.u.sub])
	require.Contains(t, tu.screen(), "Details · count[1]")
	// Click in the timeline, left of the cursor: travel back in time.
	now := tu.u.m.Now()
	tl := tu.u.timeline
	x, y, _, _ := tl.GetInnerRect()
	tu.click(x+tl.labelW+2, y+3)
	require.Less(t, tu.u.m.Now(), now)
	require.True(t, tl.HasFocus())
}

// TestScreenSizesAndColour: the UI fits 80x24, redraws on resize and
// draws no colour in mono (NO_COLOR).
func TestScreenSizesAndColour(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	scr := tcell.NewSimulationScreen("UTF-8")
	u, err := New(scenarioConfig(t, "alignment", time.Second), Options{Screen: scr})
	require.NoError(t, err)
	require.True(t, u.th.mono)
	scr.SetSize(80, 24)
	tu := &testUI{t: t, u: u, scr: scr}
	tu.keys("c")
	l := tu.lines()
	require.Len(t, l, 24)
	require.Len(t, []rune(l[0]), 80)
	require.Contains(t, l[23], "alignment │ aligned │ seed 7")
	require.Contains(t, tu.screen(), "Graph")
	require.Contains(t, tu.screen(), "Timeline")
	require.Contains(t, tu.screen(), "COMPLETED")
	cells, _, _ := scr.GetContents()
	for _, c := range cells {
		fg, bg, _ := c.Style.Decompose()
		require.Equal(t, tcell.ColorDefault, fg)
		require.Equal(t, tcell.ColorDefault, bg)
	}
	scr.SetSize(160, 50)
	tu.draw()
	l = tu.lines()
	require.Len(t, l, 50)
	require.Contains(t, l[49], "alignment │ aligned")
	// The help scrolls at 80x24 to its last line.
	scr.SetSize(80, 24)
	tu.keys("?")
	require.Contains(t, tu.screen(), "↑ ↓ scroll")
	for range 5 {
		tu.key(tcell.KeyPgDn, 0)
	}
	require.Contains(t, tu.screen(), "is the cursor")
	tu.key(tcell.KeyEscape, 0)
	// Tiny screens do not crash.
	for _, sz := range [][2]int{{20, 6}, {1, 1}, {80, 3}} {
		scr.SetSize(sz[0], sz[1])
		tu.draw()
	}
}

// TestUIShowsHeadlessRun: after any sequence of keys the UI is at some
// event k, and what it shows — engine state, status bar, log — is what a
// headless run shows after k events.
func TestUIShowsHeadlessRun(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 1500*time.Millisecond)
	tu := newTestUI(t, cfg, 120, 40)
	tu.u.m.snapEvery = 1000
	rng := rand.New(rand.NewPCG(5, 6))
	presses := []func(){
		func() { tu.keys("n") }, func() { tu.keys("p") }, func() { tu.keys("N") }, func() { tu.keys("P") },
		func() { tu.keys("c") }, func() { tu.key(tcell.KeyLeft, 0) }, func() { tu.key(tcell.KeyRight, 0) },
		func() { tu.keys("g"); tu.keys(itoa(rng.Int64N(30000))); tu.key(tcell.KeyEnter, 0) },
		func() { tu.keys("g"); tu.keys(itoa(rng.Int64N(1500)) + "ms"); tu.key(tcell.KeyEnter, 0) },
	}
	for range 40 {
		presses[rng.IntN(len(presses))]()
		m := tu.u.m
		k := m.Event()
		h, trace := headless(t, cfg, k)
		if m.Sim().Stopped() != sim.Running {
			h.Step() // the UI looked past the last event and saw the end
		}
		requireSameState(t, h, m.Sim())
		require.Contains(t, tu.statusLine(), "event "+fmtCount(k))
		require.Contains(t, tu.statusLine(), "t "+fmtTime(h.Now()))
		// The log's last line is the headless trace's last event.
		if len(trace) > 0 {
			want := tu.u.logLine(trace[len(trace)-1])
			require.Contains(t, tu.screen(), "▶"+want[:min(len(want), 40)])
			shown := tu.u.log.shown
			require.Equal(t, int64(len(trace)-1), shown[len(shown)-1])
			for _, i := range shown {
				require.Equal(t, trace[i], m.TraceAt(i))
			}
		}
	}
	require.Zero(t, tu.u.m.Mismatches())
}

// TestRunAndQuit runs the real event loop on a simulation screen and
// quits with q.
func TestRunAndQuit(t *testing.T) {
	scr := tcell.NewSimulationScreen("UTF-8")
	u, err := New(scenarioConfig(t, "minimal", time.Second), Options{Screen: scr, Mono: true})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- u.Run() }()
	// The screen is read on the UI's goroutine, which draws it.
	corner := make(chan string, 1)
	u.app.QueueUpdate(func() {
		cells, _, _ := scr.GetContents()
		corner <- string(cells[0].Bytes)
	})
	select {
	case c := <-corner:
		require.Equal(t, "╔", c, "the UI drew its panes")
	case <-time.After(5 * time.Second):
		t.Fatal("the UI did not run")
	}
	// Space plays at the default speed, on the wall clock: the playback
	// clock passes 2ms within a few seconds (0.2 s at 10ms/s).
	scr.InjectKey(tcell.KeyRune, ' ', tcell.ModNone)
	clock := make(chan int64, 1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		u.app.QueueUpdate(func() { clock <- u.m.Clock() })
		if c := <-clock; c >= int64(2*time.Millisecond) {
			break
		}
		require.True(t, time.Now().Before(deadline), "Space did not play")
		time.Sleep(20 * time.Millisecond)
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("q did not quit")
	}
}

// TestEveryBundledScenario opens the UI on every bundled scenario, plays
// through it and back, at the smallest supported size.
func TestEveryBundledScenario(t *testing.T) {
	for _, name := range scenarios.Bundled() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Load(name)
			require.NoError(t, err)
			tu := newTestUI(t, sc.Config, 80, 24)
			tu.keys("cNf")
			for range 4 {
				tu.key(tcell.KeyTab, 0)
				tu.key(tcell.KeyDown, 0)
				tu.key(tcell.KeyEnter, 0)
			}
			tu.key(tcell.KeyEnd, 0)
			require.True(t, tu.u.m.AtEnd())
			require.Contains(t, tu.statusLine(), "ended")
			tu.keys("z?")
			tu.key(tcell.KeyEscape, 0)
			tu.key(tcell.KeyHome, 0)
			require.Zero(t, tu.u.m.Event())
			require.Zero(t, tu.u.m.Mismatches())
		})
	}
}

// TestFailureKey: f finds the expired checkpoints of the backpressure
// scenario; where no failure follows, f and the other searches keep the
// place (event and playback clock) and say so.
func TestFailureKey(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "backpressure", 0), 120, 40)
	tu.keys("f")
	require.Regexp(t, `checkpoint_expired|task_checkpoint_aborted|checkpoint_aborted|alignment_timed_out`, tu.statusLine())

	tu = newTestUI(t, scenarioConfig(t, "minimal", 3*time.Second), 120, 40)
	m := tu.u.m
	tu.keys("ccc ") // the last checkpoint, then play a little
	tu.frames(10)
	tu.keys(" ")
	k, clock := m.Event(), m.Clock()
	require.Greater(t, clock, m.Now(), "the playback clock is between two events")
	for _, key := range []string{"f", "c"} {
		tu.keys(key)
		require.Equal(t, k, m.Event(), key)
		require.Equal(t, clock, m.Clock(), key)
		require.Contains(t, tu.statusLine(), "t "+fmtTime(clock)+" ")
		require.False(t, m.AtEnd())
		require.NotContains(t, tu.statusLine(), "ended")
	}
	require.Contains(t, tu.statusLine(), "no completed checkpoint after "+fmtTime(clock)+" to the end of the run: the cursor stays")
	tu.keys("f")
	require.Contains(t, tu.statusLine(), "no failure or recovery after "+fmtTime(clock)+" to the end of the run: the cursor stays")
	// The search went to the end: End knows it.
	_, ended := m.End()
	require.True(t, ended)
	tu.keys("g")
	tu.keys("ck9")
	tu.key(tcell.KeyEnter, 0)
	require.Contains(t, tu.statusLine(), "the run has no checkpoint 9")
	require.Equal(t, k, m.Event())
	require.Zero(t, m.Mismatches())
}

// TestRecoveryOnScreen: a crash fails the job over; the UI names the
// subtask that failed and those canceled with it, shows the restart, the
// checkpoint actually restored (the failover's, not the latest id: a crash
// during checkpoint 2 aborts it and restores 1) and the lanes.
func TestRecoveryOnScreen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    sim.Fault
		restored int64
	}{
		{"after checkpoint 2", sim.Fault{Kind: sim.Crash, Subtask: "join_count[1]", At: 2300 * time.Millisecond}, 2},
		{"during checkpoint 2", sim.Fault{Kind: sim.Crash, Subtask: "join_count[1]", Phase: sim.SyncPhase, Checkpoint: 2}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scenarioConfig(t, "alignment", 4*time.Second)
			cfg.Faults = []sim.Fault{tc.fault}
			cfg.Graph.Operators[4].SinkMode = topology.TwoPhaseCommitSink
			s, err := sim.New(cfg)
			require.NoError(t, err)
			res := s.Run()
			require.Len(t, res.Failovers, 1)
			require.Equal(t, tc.restored, res.Failovers[0].RestoredFrom, "the scenario restores what the case says")

			tu := newTestUI(t, cfg, 120, 40)
			m := tu.u.m
			tu.until("job_failover: crash of join_count -> sink[1] (8 subtasks)", 20, func() { tu.keys("f") })
			require.Equal(t, "join_count -> sink[1]", m.names()[tu.u.sub], "f selects the subtask that failed")
			scr := tu.screen()
			require.Contains(t, tu.statusLine(), "job RESTARTING")
			require.Regexp(t, `▶join_count -> sink\[1\]\s+X failed: crash of join_count -> sink\[1\], wait`, scr, "the origin FAILED")
			require.Contains(t, scr, "Details · join_count -> sink[1]")
			require.Regexp(t, `(?m)^║ orders\[0\]\s+X canceled with join_count -> sink\[1\] \(same`, scr, "the others were canceled with it")
			failed := 0
			for _, l := range tu.lines() {
				if strings.HasPrefix(l, "║") && strings.Contains(l, "X failed:") {
					failed++ // a row of the graph pane
				}
			}
			require.Equal(t, 1, failed, "only the origin failed")
			require.Contains(t, scr, "X", "failed lanes")
			require.Contains(t, scr, "!", "failover marker")
			// On to the restore: the checkpoint the failover restored, as
			// the log and the table say.
			require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.SubtaskRestoring }))
			tu.draw()
			scr = tu.screen()
			require.Contains(t, scr, fmt.Sprintf("restoring from ck%d", tc.restored))
			require.NotContains(t, scr, fmt.Sprintf("restoring from ck%d", tc.restored+1))
			require.Regexp(t, fmt.Sprintf(`subtask_restoring \S+ ck=%d`, tc.restored), scr)
			if tc.restored == 1 {
				require.Regexp(t, `(?m)^║.*║│\s+2 ABORTED`, scr, "checkpoint 2 aborted by the failover")
			}
			require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.SubtaskRestored }))
			tu.keys("g")
			tu.keys("3.5s")
			tu.key(tcell.KeyEnter, 0)
			scr = tu.screen()
			require.Contains(t, scr, "R", "restoring lanes")
			require.NotContains(t, tu.statusLine(), "job RESTARTING")
			// The sink's transactions are in its details.
			for tu.u.m.names()[tu.u.sub] != "join_count -> sink[1]" { // the chain of the failed subtask
				tu.u.moveSubtask(1)
			}
			tu.draw()
			// The chain's details list its inputs first, its sink's
			// transactions below them.
			require.Contains(t, tu.u.details.lines(tu.u.sub, 40), dline{{"sink transactions", tu.u.th.header}})
			require.Contains(t, tu.screen(), fmt.Sprintf("restored from ck%d", tc.restored))
			require.Zero(t, m.Mismatches())
		})
	}
}

// TestEvictedCheckpointOnScreen: a checkpoint older than the history
// (checkpoint.history, Flink's web.checkpoints.history) is listed by its
// id and, selected, says that its details are no longer in the history,
// as Flink's web UI does; Enter travels to its trigger, where it is in the
// history again and shows its rows.
func TestEvictedCheckpointOnScreen(t *testing.T) {
	cfg := scenarioConfig(t, "minimal", 8*time.Second)
	cfg.Checkpoint.History = 3
	tu := newTestUI(t, cfg, 120, 40)
	tu.key(tcell.KeyEnd, 0)
	s := tu.u.m.Sim()
	require.Greater(t, s.NumCheckpoints(), 5)
	require.True(t, s.Evicted(1))
	tu.u.setFocus(2) // the checkpoint pane
	for range s.NumCheckpoints() {
		tu.key(tcell.KeyUp, 0)
	}
	require.EqualValues(t, 1, tu.u.selectedCheckpoint())
	require.Regexp(t, `  1 no longer in the history`, tu.screen())
	require.Contains(t, tu.screen(), "── ck1 ")
	require.Contains(t, tu.screen(), "the details of checkpoint 1 are no longer in")
	require.Contains(t, tu.screen(), "(checkpoint.history keeps more)")
	tu.key(tcell.KeyPgDn, 0)
	require.Regexp(t, `  8 COMPLETED`, tu.screen(), "the history's checkpoints are listed in full")
	require.Contains(t, tu.screen(), "why: slowest ")
	for range s.NumCheckpoints() {
		tu.key(tcell.KeyUp, 0)
	}

	tu.key(tcell.KeyEnter, 0)
	require.Contains(t, tu.statusLine(), "at the trigger of checkpoint 1")
	require.False(t, tu.u.m.Sim().Evicted(1))
	require.Contains(t, tu.screen(), "── ck1 IN_PROGRESS")
	require.NotContains(t, tu.screen(), "no longer in the history")
}

// TestDetailsShowWhatWasSaved: with a completed checkpoint selected, the
// details of a subtask show what checkpoint storage holds for it (the
// source's offset, the top keys, pending transactions); an at-least-once
// sink's details count the duplicates and name the records written twice.
func TestDetailsShowWhatWasSaved(t *testing.T) {
	cfg := scenarioConfig(t, "at-least-once-duplicates", 0)
	tu := newTestUI(t, cfg, 120, 40)
	u := tu.u
	tu.prompted('g', "1.3s")
	n := u.selectedCheckpoint()
	cs, ok := u.m.Sim().CheckpointView(n, false)
	require.True(t, ok)
	require.Equal(t, sim.Completed, cs.Status)
	text := func(id int) string { return detailsText(u, id) }
	src := text(0)
	require.Contains(t, src, fmt.Sprintf("saved in ck%d: what a restore from it loads", n))
	require.Contains(t, src, fmt.Sprintf("source partition 0 offset %s: reading resumes there", fmtCount(cs.Offsets[0])))
	counts := u.m.Graph().ByOperator[1][0]
	require.Regexp(t, `keyed state: \d+ keys; top: (-?\d+=\d+ ){7}-?\d+=\d+\n`, text(counts))

	tu.key(tcell.KeyEnd, 0)
	sink := u.m.Graph().ByOperator[2][0]
	got := text(sink)
	require.Contains(t, got, "duplicates at the sinks: 374 outputs written more than once")
	require.Regexp(t, `partition \d+ offset [\d,]+ \(key -?\d+, value -?\d+\): written 2×, 1× in a failure-free run`, got)
	require.NotContains(t, got, "saved in", "a finished job deleted its checkpoints")
}

// TestChainOnScreen: a chained task is one row named after its chain, as
// Flink's web UI names it, and its details list the kinds of its chained
// operators.
func TestChainOnScreen(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "alignment", time.Second), 120, 40)
	tu.u.m.GoTo(2000)
	tu.selectWithKeys("join_count -> sink[0]")
	tu.draw()
	scr := tu.screen()
	require.Regexp(t, `║▶join_count -> sink\[0\] `, scr, "the graph pane's row of the chain")
	require.Contains(t, scr, "Details · join_count -> sink[0]")
	require.Contains(t, scr, "join_count -> sink[0] aggregate (count) ->")
	require.NotContains(t, scr, "║ sink[0]", "the chained sink has no task of its own")
}

// TestNetworkOnScreen: under backpressure the graph and the details name
// the network as Flink does: a backpressured source whose subpartition is
// full, with a backlog and no credit; the slow receiver's queued buffers,
// its credit of exclusive and floating buffers and the sender's backlog
// it knows of; the tasks' inPoolUsage and outPoolUsage.
func TestNetworkOnScreen(t *testing.T) {
	// Debloated buffers: full 32 KiB ones (the output flusher sends slices
	// only with credit) would take the sources minutes to use up their ten.
	cfg := scenarioConfig(t, "debloating", 20*time.Second)
	cfg.Checkpoint.Interval = 0 // backpressure alone: no barrier pauses a channel
	tu := newTestUI(t, cfg, 160, 60)
	m := tu.u.m
	src, ok := m.Graph().SubtaskNamed("events[0]")
	require.True(t, ok)
	require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.Backpressured && int(ev.Subtask) == src }))
	tu.selectWithKeys("events[0]")
	tu.draw()
	scr := tu.screen()
	require.Regexp(t, `▶events\[0\] +▓ backpressured`, scr, "Flink's word for a task without an output buffer")
	require.Regexp(t, `backlog \d+ no credit`, scr, "the graph's channel row")
	require.Regexp(t, `events\[0\]->agg\[1\]  hash · backlog \d+( \+ filling [^·]+)? · credit 0 · 10/10 buffers FULL: backpressured`, scr)
	require.Regexp(t, `buffers outPoolUsage \d+% · outputQueueLength \d+`, scr)
	tu.selectWithKeys("agg[1]")
	scr = tu.screen()
	require.Regexp(t, `agg\[1\] +█ busy`, scr)
	require.Regexp(t, `events\[0\]->agg\[1\]  \d+ buffers queued \([^)]+\)`, scr)
	require.Regexp(t, `buffers inPoolUsage 100% · inputQueueLength \d+`, scr, "a backpressured gate uses all its buffers")
	// The receiver's side, unwrapped: all its buffers hold data, so it
	// has no credit, and it knows of the sender's backlog.
	s := tu.u.m.Sim()
	in := s.ChannelView(int(m.Graph().Subtasks[src].Outputs[0].Channels[1]))
	require.Regexp(t, `^\d+ buffers queued \([^)]+\) · credit 0 \(exclusive 0/2, floating 0\) · sender backlog \d+$`, inputText(in))
	require.Regexp(t, `^backlog \d+( \+ filling \(\S+ B unsent, \S+ (B|KiB) free\))? · credit 0 · 10/10 buffers$`, outputText(in))
	require.True(t, in.Network.WaitingForFloating)
	require.Contains(t, scr, "waiting")
}

// TestRescaleOnScreen: the TUI shows a rescaling run (rescale-sources:
// events and counts 2 -> 4 through a flink stop's savepoint). Before the
// restore the graph has two subtasks of each; after it four, the log's
// job_resubmitted line says what moved, the details of a new subtask list
// its key groups or splits and where they were, and the lane of counts[1]
// goes on across the restore. Going back shows the old graph again, with
// the selection on the subtask of the same name.
func TestRescaleOnScreen(t *testing.T) {
	tu := newTestUI(t, scenarioConfig(t, "rescale-sources", 0), 120, 40)
	u, m := tu.u, tu.u.m
	text := func(id int) string { return detailsText(u, id) }
	tu.prompted('g', "1s")
	require.Len(t, m.Graph().Subtasks, 5)
	tu.selectWithKeys("counts[1]")
	require.NotContains(t, tu.screen(), "events[3]")
	require.Regexp(t, `events\[0\]\s+█ busy · 2 splits, read \d+`, tu.screen(), "two partitions each")

	require.True(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.JobResubmitted }))
	tu.draw()
	scr := tu.screen()
	require.Len(t, m.Graph().Subtasks, 9, "4 events, 4 counts, 1 sink")
	require.Contains(t, scr, "events[3]")
	require.Contains(t, scr, "counts[3]")
	require.Contains(t, scr, "job_resubmitted ck=4 execution 2: rescaled events 2→4 (3 o")
	resub := m.TraceLen() - 1
	for m.TraceAt(resub).Kind != sim.JobResubmitted {
		resub--
	}
	require.Equal(t, "job_resubmitted ck=4 execution 2: rescaled events 2→4 (3 of 4 splits moved), counts 2→4 (96 of 128 key groups moved)",
		m.fmtEvent(m.TraceAt(resub)), "the log line, whole")
	before := m.TraceAt(resub - 1) // the old job's last subtask, stopped
	require.Equal(t, "sink[0]", m.eventSubtask(before), "the events before it are named in the old graph")
	require.Equal(t, "counts[0]", m.SubtaskName(before.Subtask), "whose subtask IDs the new graph gives others")
	require.Equal(t, "counts[1]", m.names()[u.sub], "the selection stays on counts[1]")
	require.Contains(t, m.Explain(4), "restored rescaled", "the savepoint's rows are the reassigned state")
	require.Contains(t, text(u.sub), "rescaled 2→4 from savepoint 4:\n  key groups 32-63 (moved from counts[0])\n")
	ev1, ok := m.Graph().SubtaskNamed("events[1]")
	require.True(t, ok)
	require.Regexp(t, `  split of partition 2 from offset 399 \(moved from events\[0\]\)`, text(ev1))

	tu.key(tcell.KeyEnd, 0)
	require.True(t, m.AtEnd())
	require.Contains(t, tu.statusLine(), "FINISHED")
	var lc laneCells
	lane := m.lanes.laneOf(m.Graph(), u.sub)
	m.lanes.fill(&lc, lane, 0, int64(100*time.Millisecond), 40, m.Now(), m.TraceLen())
	require.Contains(t, lc.present[laneSync][:12], true, "counts[1] snapshotted before the stop")
	require.Contains(t, lc.present[laneSync][15:], true, "and after the restore, in the same lane")

	tu.prompted('g', "1s")
	require.Len(t, m.Graph().Subtasks, 5)
	require.Equal(t, "counts[1]", m.names()[u.sub])
	require.NotContains(t, tu.screen(), "counts[3]")
	require.Zero(t, m.Mismatches())
}

// detailsText is the details pane's text for subtask id, 120 columns
// wide, a line per line.
func detailsText(u *UI, id int) string {
	var b strings.Builder
	for _, l := range u.details.lines(id, 120) {
		for _, p := range l {
			b.WriteString(p.s)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
