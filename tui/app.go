// Package tui is the terminal UI of ckptsim: it shows a run's job graph
// with what is queued on every channel, a swimlane timeline per subtask,
// the checkpoint table with per-subtask figures and why a checkpoint was
// slow, the selected subtask's state and the trace, and steps the run
// forward and back in time.
//
// The UI only reads the engine (through sim's read-only views) and keeps
// clones of it to travel back: what it shows at event k is the state of a
// headless run after k events.
package tui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Options configure a UI.
type Options struct {
	// Screen to draw on; nil opens the terminal.
	Screen tcell.Screen
	// Mono draws without colour; New also turns it on when NO_COLOR is set.
	Mono bool
	// Description of the scenario, for the help overlay.
	Description string
}

// UI is the terminal UI of one run.
type UI struct {
	app *tview.Application
	m   *Model
	th  theme
	opt Options

	eg     *topology.ExecutionGraph // the graph order and rank are of (syncGraph)
	order  []int                    // subtasks in topological order of their operators
	rank   []int                    // position of each subtask in order
	sub    int                      // selected subtask
	ck     int64                    // selected checkpoint, 0 = follow the latest
	filter *logFilter

	playing  atomic.Bool
	ticking  atomic.Bool // a tick is queued
	speed    int         // index into speeds
	lastTick time.Time
	// wall is the wall clock playback runs on: time.Now, or a fake one
	// in tests.
	wall func() time.Time
	msg  string

	graph     *graphPane
	timeline  *timelinePane
	ckpts     *checkpointPane
	details   *detailsPane
	log       *logPane
	status    *statusBar
	help      *helpView
	panes     []tview.Primitive
	focus     int
	zoomed    bool
	helpOpen  bool
	prompting bool

	root, body, top, bottom *tview.Flex
	pages                   *tview.Pages
	input                   *tview.InputField
	onPrompt                func(string) error

	done     chan struct{}
	stopOnce sync.Once
}

// speeds are the playback rates: virtual time per second of wall time.
var speeds = []time.Duration{
	100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
}

const defaultSpeed = 6 // 10ms of virtual time per second

// tickEvery is the playback frame interval.
const tickEvery = 40 * time.Millisecond

// New builds the UI of a run of cfg at event 0.
func New(cfg sim.Config, opt Options) (*UI, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	opt.Mono = opt.Mono || noColor()
	setTviewStyles(opt.Mono)
	u := &UI{app: tview.NewApplication(), m: m, th: newTheme(opt.Mono), opt: opt, speed: defaultSpeed, wall: time.Now, done: make(chan struct{})}
	u.filter, _ = parseFilter("")
	u.syncGraph()
	u.buildLayout()
	if opt.Screen != nil {
		u.app.SetScreen(opt.Screen)
	}
	u.app.EnableMouse(true)
	u.app.SetInputCapture(u.onKey)
	u.app.SetBeforeDrawFunc(func(scr tcell.Screen) bool {
		u.syncGraph()
		u.status.fit(scr.Size())
		return false
	})
	return u, nil
}

// Model is the run under the UI.
func (u *UI) Model() *Model { return u.m }

// Run shows the UI until the user quits.
func (u *UI) Run() error {
	go u.ticker()
	defer u.stop()
	return u.app.Run()
}

func (u *UI) stop() { u.stopOnce.Do(func() { close(u.done) }) }

// quit ends Run.
func (u *UI) quit() {
	u.playing.Store(false)
	u.stop()
	u.app.Stop()
}

// ticker queues a playback frame every tickEvery while playing.
func (u *UI) ticker() {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-u.done:
			return
		case <-t.C:
			if u.playing.Load() && u.ticking.CompareAndSwap(false, true) {
				u.app.QueueUpdateDraw(func() {
					u.ticking.Store(false)
					u.tick()
				})
			}
		}
	}
}

// frameBudget is the wall time a frame may spend firing events; a
// scenario too busy for it plays slower than the speed says.
const frameBudget = tickEvery * 2 / 3

// tick advances the playback clock by the virtual time the speed gives
// for the wall time since the last tick, and fires the events due by then.
func (u *UI) tick() {
	if !u.playing.Load() {
		return
	}
	now := u.wall()
	dt := min(now.Sub(u.lastTick), 4*tickEvery)
	u.lastTick = now
	adv := int64(speeds[u.speed]) * int64(dt) / int64(time.Second) // at most 10s × 160ms: no overflow
	over := func() bool { return u.wall().Sub(now) > frameBudget }
	if u.m.PlayTo(u.m.Clock()+adv, over) {
		u.playing.Store(false)
		u.msg = "end of the run: " + u.m.Sim().Stopped().String()
		if u.m.AtCap() {
			u.msg = u.m.capText()
		}
	}
}

// setPlaying starts or pauses playback.
func (u *UI) setPlaying(on bool) {
	if on && u.m.AtEnd() {
		u.msg = "at the end of the run (r restarts)"
		if u.m.AtCap() {
			u.msg = u.m.capText() + " (r restarts)"
		}
		on = false
	}
	u.playing.Store(on)
	u.lastTick = u.wall()
}

// failureKind matches the trace events that `f` looks for: checkpoint
// failures, and task failures and recoveries.
func failureKind(ev sim.TraceEvent) bool {
	switch ev.Kind {
	case sim.CheckpointExpired, sim.CheckpointAborted, sim.TaskCheckpointAborted, sim.AlignmentTimedOut:
		return true
	}
	k := ev.Kind.String()
	for _, w := range []string{"fail", "recover", "restor", "restart"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// onKey handles the keys that work in every pane; the others go on to
// the focused pane.
func (u *UI) onKey(ev *tcell.EventKey) *tcell.EventKey {
	u.syncGraph()
	if u.prompting {
		return ev
	}
	if u.helpOpen {
		switch {
		case ev.Key() == tcell.KeyEscape, ev.Key() == tcell.KeyEnter, ev.Rune() == '?', ev.Rune() == 'q':
			u.showHelp(false)
		case ev.Key() == tcell.KeyUp:
			u.help.off = max(0, u.help.off-1)
		case ev.Key() == tcell.KeyDown:
			u.help.off++
		case ev.Key() == tcell.KeyPgUp:
			u.help.off = max(0, u.help.off-10)
		case ev.Key() == tcell.KeyPgDn:
			u.help.off += 10
		}
		return nil
	}
	u.msg = ""
	switch ev.Key() {
	case tcell.KeyTab:
		u.setFocus(u.focus + 1)
		return nil
	case tcell.KeyBacktab:
		u.setFocus(u.focus - 1)
		return nil
	case tcell.KeyRight:
		u.travel(u.m.Next)
		return nil
	case tcell.KeyLeft:
		u.travel(u.m.Prev)
		return nil
	case tcell.KeyHome:
		u.travel(func() bool { u.m.GoTo(0); return true })
		return nil
	case tcell.KeyEnd:
		u.travel(func() bool { u.m.GoTo(1 << 62); return true })
		return nil
	case tcell.KeyEscape:
		if u.zoomed {
			u.setZoom(false)
		}
		return nil
	case tcell.KeyCtrlC:
		u.quit()
		return nil
	case tcell.KeyRune:
	default:
		return ev
	}
	switch ev.Rune() {
	case ' ':
		u.setPlaying(!u.playing.Load())
	case 'n':
		u.travel(u.m.Next)
	case 'p':
		u.travel(u.m.Prev)
	case 'N':
		u.seek("checkpoint event", true, func(ev sim.TraceEvent) bool { return ev.Checkpoint != 0 })
	case 'P':
		u.seek("checkpoint event", false, func(ev sim.TraceEvent) bool { return ev.Checkpoint != 0 })
	case 'c':
		u.seek("completed checkpoint", true, func(ev sim.TraceEvent) bool { return ev.Kind == sim.CheckpointCompleted })
	case 'f':
		u.seek("failure or recovery", true, failureKind)
	case '[':
		u.speed = max(0, u.speed-1)
		u.msg = "speed " + fmtSpeed(speeds[u.speed])
	case ']':
		u.speed = min(len(speeds)-1, u.speed+1)
		u.msg = "speed " + fmtSpeed(speeds[u.speed])
	case '/':
		u.prompt("filter: ", u.filter.text, func(s string) error {
			f, err := parseFilter(s)
			if err != nil {
				return err
			}
			u.filter = f
			u.log.back = 0
			return nil
		})
	case 'g':
		u.prompt("go to (event number, time like 2.5s, or ck3): ", "", u.goTo)
	case 'r':
		u.setPlaying(false)
		u.m.GoTo(0)
		u.ck = 0
		u.msg = "restarted at event 0"
	case 'z':
		u.setZoom(!u.zoomed)
	case '?':
		u.showHelp(true)
	case 'q':
		u.quit()
	default:
		return ev
	}
	return nil
}

// travel moves the cursor by f, pausing playback.
func (u *UI) travel(f func() bool) {
	u.setPlaying(false)
	if !f() {
		if u.m.Event() == 0 {
			u.msg = "at the start of the run"
		} else {
			u.msg = "at the end of the run"
		}
	}
}

// seek travels to the next (or previous) event matching match.
func (u *UI) seek(what string, forward bool, match func(sim.TraceEvent) bool) {
	u.setPlaying(false)
	var ok bool
	if forward {
		ok = u.m.SeekNext(match)
	} else {
		ok = u.m.SeekPrev(match)
	}
	switch {
	case !ok && forward:
		if _, ended := u.m.End(); u.m.AtCap() {
			u.msg = fmt.Sprintf("no %s after %s: %s", what, fmtTime(u.m.Clock()), u.m.capText())
		} else if ended {
			u.msg = fmt.Sprintf("no %s after %s to the end of the run: the cursor stays", what, fmtTime(u.m.Clock()))
		} else {
			u.msg = fmt.Sprintf("no %s in the next %s events: the cursor stays", what, fmtCount(seekBudget))
		}
	case !ok:
		u.msg = "no earlier " + what
	default:
		ev := u.seekFound(match)
		u.msg = u.m.fmtEvent(ev)
		switch {
		case ev.Kind == sim.JobFailover:
			if f, ok := u.m.failoverOf(ev); ok && f.Origin >= 0 {
				u.sub = int(f.Origin)
			}
		case ev.Subtask >= 0:
			u.selectSubtask(u.m.cursorSubtask(ev))
		}
		if ev.Checkpoint > 0 && u.ck != 0 {
			u.ck = ev.Checkpoint
		}
	}
}

// seekFound is the trace event a seek stopped at: the first one of the
// cursor's event that matches, or its job failover if it had one (a
// failover's first trace events are the cancellations of its subtasks,
// in id order, which do not say which one failed).
func (u *UI) seekFound(match func(sim.TraceEvent) bool) sim.TraceEvent {
	m := u.m
	var found sim.TraceEvent
	seen := false
	for i := m.stepEnd[max(0, m.Event()-1)]; i < m.TraceLen(); i++ {
		ev := m.TraceAt(i)
		if !match(ev) {
			continue
		}
		if !seen || ev.Kind == sim.JobFailover {
			found, seen = ev, true
		}
		if ev.Kind == sim.JobFailover {
			break
		}
	}
	return found
}

// goTo handles the go-to prompt.
func (u *UI) goTo(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil
	case strings.HasPrefix(s, "ck") || strings.HasPrefix(s, "#"):
		n, err := strconv.ParseInt(strings.TrimLeft(s, "ck#"), 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("%q: a checkpoint is ckN, e.g. ck3", s)
		}
		k := u.m.Event()
		for int64(len(u.m.marks)) < n && u.m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.CheckpointTriggered }) {
		}
		if int64(len(u.m.marks)) < n {
			u.m.GoTo(k)
			return fmt.Errorf("the run has no checkpoint %d", n)
		}
		u.m.GoTo(u.m.EventOf(u.m.marks[n-1].triggerSeq))
		u.ck = n
	case strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0:
		k, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q: not an event number", s)
		}
		u.m.GoTo(k)
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("%q: give an event number, a time like 2.5s or 300ms, or ck3", s)
		}
		u.m.GoToTime(int64(d))
	}
	u.setPlaying(false)
	return nil
}

// syncGraph follows the graph at the cursor, which a rescaling restore
// changes: the subtasks in the order of their job vertices (whose heads
// are in topological order), and the selection kept on the subtask of
// the same name (else the first).
func (u *UI) syncGraph() {
	eg := u.m.Graph()
	if eg == u.eg {
		return
	}
	sel := ""
	if u.eg != nil {
		sel = u.eg.Subtasks[u.sub].Name
	}
	u.eg, u.order, u.rank = eg, nil, make([]int, len(eg.Subtasks))
	for _, v := range eg.Vertices {
		for _, id := range v.Subtasks {
			u.rank[id] = len(u.order)
			u.order = append(u.order, id)
		}
	}
	u.sub = 0
	if id, ok := eg.SubtaskNamed(sel); ok {
		u.sub = id
	}
}

// selectSubtask selects subtask id.
func (u *UI) selectSubtask(id int) {
	if id >= 0 && id < len(u.order) {
		u.sub = id
	}
}

// subtaskKey moves the subtask selection on the arrow and page keys, as
// the graph and timeline panes do; it reports whether it used the key.
func (u *UI) subtaskKey(k tcell.Key) bool {
	switch k {
	case tcell.KeyUp:
		u.moveSubtask(-1)
	case tcell.KeyDown:
		u.moveSubtask(1)
	case tcell.KeyPgUp:
		u.moveSubtask(-10)
	case tcell.KeyPgDn:
		u.moveSubtask(10)
	default:
		return false
	}
	return true
}

// moveSubtask selects the subtask d places away in graph order.
func (u *UI) moveSubtask(d int) {
	i := max(0, min(len(u.order)-1, u.rank[u.sub]+d))
	u.sub = u.order[i]
}

// selectedCheckpoint is the checkpoint the checkpoint pane shows: the
// selected one, or the latest.
func (u *UI) selectedCheckpoint() int64 {
	n := int64(u.m.Sim().NumCheckpoints())
	if u.ck == 0 || u.ck > n {
		return n
	}
	return u.ck
}

func fmtSpeed(d time.Duration) string { return fmtDur(int64(d)) + "/s" }
