package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

func TestWithSetsKeys(t *testing.T) {
	sc, err := Load("minimal")
	require.NoError(t, err)
	tests := []struct {
		name     string
		settings []Setting
		check    func(t *testing.T, s *Scenario)
	}{
		{"replaces a value", []Setting{{"checkpoint.interval", "2s"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 2*time.Second, s.Config.Checkpoint.Interval)
		}},
		{"adds a key the file lacks", []Setting{{"checkpoint.min_pause", "300ms"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 300*time.Millisecond, s.Config.Checkpoint.MinPause)
			assert.Equal(t, time.Second, s.Config.Checkpoint.Interval)
		}},
		{"adds a section the file lacks", []Setting{{"channels.buffers_per_channel", "7"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 7, s.Config.Channels.BuffersPerChannel)
		}},
		{"an operator by index", []Setting{{"operators[1].parallelism", "3"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 3, s.Config.Graph.Operators[1].Parallelism)
		}},
		{"an operator by name", []Setting{{"operators.src.rate", "500"}}, func(t *testing.T, s *Scenario) {
			assert.InDelta(t, 500, s.Config.Graph.Operators[0].Source.Rate, 0)
		}},
		{"an edge by index", []Setting{{"edges[1].partitioning", "forward"}, {"operators.sink.parallelism", "2"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, topology.Forward, s.Config.Graph.Edges[1].Partitioning)
		}},
		{"a whole list", []Setting{{"faults", `[{kind: crash, subtask: "count[1]", at: 1s}]`}}, func(t *testing.T, s *Scenario) {
			require.Len(t, s.Config.Faults, 1)
			assert.Equal(t, time.Second, s.Config.Faults[0].At)
		}},
		{"later settings win", []Setting{{"seed", "5"}, {"seed", "6"}}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, uint64(6), s.Config.Seed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sc.With(tt.settings...)
			require.NoError(t, err)
			tt.check(t, s)
			assert.Equal(t, sc.File, s.File)
		})
	}
}

// TestWithErrorsReadLikeTheFile: a bad setting gets the message the same
// value gets in the file, naming the setting instead of the position.
func TestWithErrorsReadLikeTheFile(t *testing.T) {
	sc, err := Load("minimal")
	require.NoError(t, err)
	src, err := BundledSource("minimal")
	require.NoError(t, err)
	tests := []struct {
		path, value, old, new, want string
	}{
		{"checkpoint.interval", "soon", "interval: 1s", "interval: soon",
			`--set checkpoint.interval=soon: interval: invalid duration "soon" (use Go durations such as 500ms, 2s, 1m)`},
		{"checkpoint.interval", "5", "interval: 1s", "interval: 5",
			`--set checkpoint.interval=5: interval: invalid duration "5": a unit is required (use Go durations such as 500ms, 2s, 1m)`},
		{"checkpoint.mode", "fast", "mode: aligned", "mode: fast",
			`--set checkpoint.mode=fast: mode: unknown value "fast" (allowed: aligned, unaligned, at-least-once, chandy-lamport)`},
		{"checkpoint.intervall", "1s", "interval: 1s", "intervall: 1s",
			`--set checkpoint.intervall=1s: unknown field "intervall" in checkpoint (allowed: interval, mode, aligned_checkpoint_timeout, min_pause, max_concurrent, timeout, num_retained, history, sync_duration, async_base, storage_bandwidth)`},
		// Checked at the operator, where the file's error points too.
		{"operators[1].parallelism", "-1", "parallelism: 2", "parallelism: -1",
			`bundled/minimal.yaml:19:5: operator "count": parallelism -1 is out of range (allowed: 1..1024) (with --set operators[1].parallelism=-1)`},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			_, err := sc.With(Setting{tt.path, tt.value})
			var got *Error
			require.ErrorAs(t, err, &got)
			_, err = Parse("f.yaml", []byte(replaceOnce(t, string(src), tt.old, tt.new)))
			var want *Error
			require.ErrorAs(t, err, &want)
			assert.Equal(t, tt.want, got.Error())
			assert.Contains(t, got.Error(), want.Msg)
		})
	}
}

func TestWithBadPaths(t *testing.T) {
	sc, err := Load("minimal")
	require.NoError(t, err)
	tests := []struct{ path, value, msg string }{
		{"operators[7].rate", "1", "--set operators[7].rate=1: operators[7]: the file's operators has 3 item(s), numbered from 0"},
		{"operators.nope.rate", "1", `--set operators.nope.rate=1: operators has no item named "nope" (named: src, count, sink; or give an index: operators[0])`},
		{"checkpoint..interval", "1s", `--set checkpoint..interval=1s: invalid key path "checkpoint..interval": write the keys as the file nests them, separated by dots (checkpoint.interval, operators[1].cost or operators.NAME.cost)`},
		{"until.x", "1s", `--set until.x=1s: until is "10s", which has no field "x"`},
		{"until", "[1s", "--set until=[1s: invalid YAML value: line 1: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := sc.With(Setting{tt.path, tt.value})
			require.Error(t, err)
			assert.Equal(t, tt.msg, err.Error())
		})
	}
}

// replaceOnce replaces the one occurrence of old in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(s, old), "%q", old)
	return strings.Replace(s, old, new, 1)
}
