package tui

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

var update = flag.Bool("update", false, "rewrite the screens README.md shows")

// readmeScreens are the screens README.md's Terminal UI section shows,
// each by the name of the marker before its block, with the keys that
// lead there.
var readmeScreens = []struct {
	name string
	cfg  func(t *testing.T) sim.Config
	keys func(tu *testUI)
}{
	{"alignment", func(t *testing.T) sim.Config { return scenarioConfig(t, "alignment", 0) },
		func(tu *testUI) {
			tu.prompted('/', "-record")
			tu.prompted('g', "0.545s")
			tu.selectWithKeys("join_count -> sink[0]")
		}},
	{"unaligned", func(t *testing.T) sim.Config {
		cfg := scenarioConfig(t, "alignment", 0)
		cfg.Checkpoint.Mode = sim.Unaligned
		return cfg
	}, func(tu *testUI) {
		tu.prompted('/', "-record -persisted")
		tu.until("barrier_received parse[0]", 100, func() { tu.keys("N") })
	}},
	{"crash-during-checkpoint", func(t *testing.T) sim.Config {
		cfg := scenarioConfig(t, "alignment", 0)
		cfg.Name = "alignment-crash"
		cfg.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "join_count[1]", Phase: sim.SyncPhase, Checkpoint: 2}}
		return cfg
	}, func(tu *testUI) {
		tu.prompted('/', "-record -backpressure")
		tu.until("job_failover", 20, func() { tu.keys("f") })
	}},
	{"recovery", func(t *testing.T) sim.Config {
		cfg := scenarioConfig(t, "alignment", 0)
		cfg.Name = "alignment-crash"
		cfg.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "join_count[1]", At: 2300 * time.Millisecond}}
		return cfg
	}, func(tu *testUI) {
		tu.prompted('/', "-record -backpressure")
		tu.until("job_failover", 20, func() { tu.keys("f") })
		tu.prompted('g', "3.4036s")
		tu.key(tcell.KeyTab, 0)
		tu.keys("----")
		tu.key(tcell.KeyBacktab, 0)
	}},
}

// selectWithKeys selects a subtask with ↓ in the graph.
func (tu *testUI) selectWithKeys(name string) {
	for range len(tu.u.order) {
		if tu.u.m.names()[tu.u.sub] == name {
			return
		}
		tu.key(tcell.KeyDown, 0)
	}
	require.Equal(tu.t, name, tu.u.m.names()[tu.u.sub])
}

// prompted answers the prompt of key (/ or g) with s.
func (tu *testUI) prompted(key rune, s string) {
	tu.keys(string(key))
	tu.keys(s)
	tu.key(tcell.KeyEnter, 0)
}

// TestREADMEScreens: the screens in README.md are what the UI draws at
// 120×40 after the keys readmeScreens lists. After a change of the UI,
// rewrite them with: go test ./tui -run README -update
func TestREADMEScreens(t *testing.T) {
	const path = "../README.md"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(data)
	for _, sc := range readmeScreens {
		tu := newTestUI(t, sc.cfg(t), 120, 40)
		sc.keys(tu)
		lines := tu.lines()
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		got := strings.Join(lines, "\n") + "\n"
		block := regexp.MustCompile("(?s)(<!-- tui screen: " + sc.name + " [^\n]*-->\n```\n)(.*?)(```\n)")
		m := block.FindStringSubmatchIndex(readme)
		require.NotNil(t, m, "README.md has no block marked <!-- tui screen: %s (...) -->", sc.name)
		if *update {
			readme = readme[:m[4]] + got + readme[m[5]:]
			continue
		}
		require.Equal(t, readme[m[4]:m[5]], got, "README.md's %s screen is out of date: go test ./tui -run README -update", sc.name)
	}
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
	}
}
