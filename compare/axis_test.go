package compare

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

func TestParseSet(t *testing.T) {
	tests := []struct {
		arg    string
		path   string
		values []string
		err    string
	}{
		{"checkpoint.interval=1s,2s,5s", "checkpoint.interval", []string{"1s", "2s", "5s"}, ""},
		{"until=30s", "until", []string{"30s"}, ""},
		{"checkpoint.interval=500ms..10s/8", "checkpoint.interval", []string{"500ms", "1.86s", "3.21s", "4.57s", "5.93s", "7.29s", "8.64s", "10s"}, ""},
		{"operators[1].parallelism=1..4/4", "operators[1].parallelism", []string{"1", "2", "3", "4"}, ""},
		{"operators.src.rate=0.5..1.5/3", "operators.src.rate", []string{"0.5", "1", "1.5"}, ""},
		{"faults=[{kind: crash, at: 1s}],[]", "faults", []string{"[{kind: crash, at: 1s}]", "[]"}, ""},
		{`description="a, b",c`, "description", []string{`"a, b"`, "c"}, ""},
		{"checkpoint.interval", "", nil, "write KEY=VALUE"},
		{"=1s", "", nil, "write KEY=VALUE"},
		{"checkpoint.interval=1s..2s", "", nil, "a range needs its number of values"},
		{"checkpoint.interval=1s..2s/x", "", nil, `the number of values "x"`},
		{"checkpoint.interval=1s..big/3", "", nil, "neither of durations"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			a, err := ParseSet(tt.arg)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.path, a.Path)
			assert.Equal(t, tt.values, a.Values)
		})
	}
}

func TestGrid(t *testing.T) {
	vs, err := Grid([]Axis{{Path: ModeAxis, Values: []string{"aligned", "unaligned"}}, {Path: "checkpoint.interval", Values: []string{"1s", "2s"}}})
	require.NoError(t, err)
	var labels []string
	for _, v := range vs {
		labels = append(labels, v.Label)
	}
	assert.Equal(t, []string{"aligned interval=1s", "aligned interval=2s", "unaligned interval=1s", "unaligned interval=2s"}, labels)
	assert.Equal(t, sim.Unaligned, vs[3].Mode)
	assert.Equal(t, []scenarios.Setting{{Path: "checkpoint.interval", Value: "2s"}}, vs[3].Settings)
	assert.Equal(t, []string{"unaligned", "2s"}, vs[3].Values)

	_, err = Grid([]Axis{{Path: "a", Values: make([]string, 200)}, {Path: "b", Values: make([]string, 200)}})
	assert.ErrorContains(t, err, "more than 10000 runs")
}

func TestVariantConfig(t *testing.T) {
	sc, err := scenarios.Load("backpressure")
	require.NoError(t, err)
	v := Variant{Settings: []scenarios.Setting{{Path: "checkpoint.interval", Value: "3s"}}, Mode: sim.Unaligned}
	cfg, err := v.Config(sc)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, cfg.Checkpoint.Interval)
	assert.Equal(t, sim.Unaligned, cfg.Checkpoint.Mode)

	v = Variant{Settings: []scenarios.Setting{{Path: "checkpoint.interval", Value: "-1s"}}}
	_, err = v.Config(sc)
	assert.ErrorContains(t, err, "--set checkpoint.interval=-1s: ")
}
