package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// traced runs cfg and returns its execution graph's sim, the trace and
// the result.
func traced(t *testing.T, cfg sim.Config) (*sim.Sim, []sim.TraceEvent, *sim.Result) {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	var evs []sim.TraceEvent
	s.Tracer = func(ev sim.TraceEvent) { evs = append(evs, ev) }
	return s, evs, s.Run()
}

// perfettoOf is the Perfetto JSON of cfg's run.
func perfettoOf(t *testing.T, cfg sim.Config) []byte {
	t.Helper()
	s, evs, r := traced(t, cfg)
	var b bytes.Buffer
	require.NoError(t, WritePerfetto(&b, s.Graph(), evs, r.VirtualEnd))
	return b.Bytes()
}

// TestPerfettoFormat: the export of every bundled scenario (two virtual
// seconds, faults, restores and stops included) and of three in unaligned
// mode keeps the format's rules, and holds every kind of event it
// promises.
func TestPerfettoFormat(t *testing.T) {
	total := map[string]int{}
	type run struct {
		name string
		mode sim.Mode
	}
	runs := []run{{"backpressure", sim.Unaligned}, {"alignment", sim.Unaligned}, {"at-least-once-duplicates", sim.Unaligned}}
	for _, name := range scenarios.Bundled() {
		runs = append(runs, run{name, ""})
	}
	for _, r := range runs {
		name, mode := r.name, r.mode
		t.Run(name+"/"+string(mode), func(t *testing.T) {
			sc, err := scenarios.Load(name)
			require.NoError(t, err)
			cfg := sc.Config
			cfg.Until = min(cfg.Until, 2*time.Second)
			if mode != "" {
				cfg.Checkpoint.Mode = mode
			}
			problems, phases := checkTraceFormat(perfettoOf(t, cfg))
			assert.Empty(t, problems)
			for ph, n := range phases {
				total[ph] += n
			}
		})
	}
	for _, ph := range []string{"M", "X", "b", "e", "s", "f", "i", "C"} {
		assert.Positive(t, total[ph], "no %s event in any export", ph)
	}
}

// TestTraceFormatChecker: the checker catches each broken rule.
func TestTraceFormatChecker(t *testing.T) {
	const meta = `{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},{"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},`
	tests := []struct {
		name, events, problem string
	}{
		{"valid", `{"ph":"B","name":"a","pid":1,"tid":1,"ts":1},{"ph":"E","name":"a","pid":1,"tid":1,"ts":2}`, ""},
		{"B without E", `{"ph":"B","name":"a","pid":1,"tid":1,"ts":1}`, "spans left open"},
		{"E of another span", `{"ph":"B","name":"a","pid":1,"tid":1,"ts":1},{"ph":"E","name":"b","pid":1,"tid":1,"ts":2}`, "does not close the innermost"},
		{"misnested", `{"ph":"B","name":"a","pid":1,"tid":1,"ts":1},{"ph":"B","name":"b","pid":1,"tid":1,"ts":1},{"ph":"E","name":"a","pid":1,"tid":1,"ts":2}`, "does not close the innermost"},
		{"time goes back", `{"ph":"i","name":"a","pid":1,"tid":1,"ts":5,"s":"t"},{"ph":"i","name":"a","pid":1,"tid":1,"ts":4,"s":"t"}`, "ts goes back"},
		{"flow without f", `{"ph":"s","name":"a","cat":"c","id":1,"pid":1,"tid":1,"ts":1}`, "never arrives"},
		{"f without s", `{"ph":"f","name":"a","cat":"c","id":1,"pid":1,"tid":1,"ts":1}`, "has no open s"},
		{"flow back in time", `{"ph":"s","name":"a","cat":"c","id":1,"pid":1,"tid":1,"ts":3},{"ph":"f","name":"a","cat":"c","id":1,"pid":1,"tid":2,"ts":1}`, "does not match"},
		{"async twice", `{"ph":"b","name":"a","cat":"c","id":1,"pid":1,"tid":1,"ts":1},{"ph":"b","name":"a","cat":"c","id":1,"pid":1,"tid":1,"ts":1}`, "used twice"},
		{"unnamed track", `{"ph":"i","name":"a","pid":1,"tid":9,"ts":1,"s":"t"}`, "has no process_name and thread_name"},
		{"bad scope", `{"ph":"i","name":"a","pid":1,"tid":1,"ts":1,"s":"x"}`, `has scope "x"`},
		{"counter text", `{"ph":"C","name":"q","pid":1,"tid":0,"ts":1,"args":{"x":"1"}}`, "not a number"},
		{"no ts", `{"ph":"X","name":"a","pid":1,"tid":1,"dur":0}`, "has no ts"},
		{"X nested", `{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":5},{"ph":"X","name":"b","pid":1,"tid":1,"ts":2,"dur":3},{"ph":"X","name":"c","pid":1,"tid":1,"ts":6,"dur":0}`, ""},
		{"X overlap", `{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":5},{"ph":"X","name":"b","pid":1,"tid":1,"ts":2,"dur":5}`, "X spans overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, _ := checkTraceFormat([]byte(`{"traceEvents":[` + meta + tt.events + `]}`))
			if tt.problem == "" {
				assert.Empty(t, problems)
				return
			}
			require.NotEmpty(t, problems)
			assert.Contains(t, strings.Join(problems, "\n"), tt.problem)
		})
	}
}

// tinyJob is a small scenario for the golden export: a source, a keyed
// count of two subtasks and a sink, 20 records a second, a checkpoint
// every 400ms (aligned) and a crash, restarted
// after 100ms.
const tinyJob = `name: tiny
seed: 3
until: 1500ms
operators:
  - {name: src, kind: source, rate: 20, keys: 4}
  - {name: count, kind: aggregate, parallelism: 2, cost: 2ms}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: rebalance}
checkpoint: {interval: 400ms}
restart: {strategy: fixed-delay, attempts: 3, delay: 100ms}
faults:
  - {kind: crash, subtask: "count[1]", at: 700ms}
`

// TestPerfettoGolden: the export of a tiny job against
// testdata/golden/perfetto-tiny.json (rewrite it with -update).
func TestPerfettoGolden(t *testing.T) {
	sc, err := scenarios.Parse("tiny.yaml", []byte(tinyJob))
	require.NoError(t, err)
	got := perfettoOf(t, sc.Config)
	problems, _ := checkTraceFormat(got)
	require.Empty(t, problems)
	path := filepath.Join("..", "testdata", "golden", "perfetto-tiny.json")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}
