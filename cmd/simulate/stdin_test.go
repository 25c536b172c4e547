package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
)

// TestStdin: - reads the scenario from standard input, for every command
// that takes one.
func TestStdin(t *testing.T) {
	src, err := scenarios.BundledSource("minimal")
	require.NoError(t, err)
	old := stdin
	t.Cleanup(func() { stdin = old })
	cases := []struct {
		args []string
		in   string
		code int
		out  string
		err  string
	}{
		{[]string{"validate", "-"}, string(src), 0, "", ""},
		{[]string{"validate", "-"}, "name: x\nintervall: 1s\n", 2, "", "<standard input>:2:1: "},
		{[]string{"validate", "-"}, "", 2, "", "<standard input>: the file is empty"},
		{[]string{"run", "-", "--until", "2s"}, string(src), 0, "scenario minimal", ""},
		{[]string{"graph", "-"}, string(src), 0, "digraph job", ""},
		{[]string{"graph", "--execution", "-"}, string(src), 0, "digraph execution", ""},
		{[]string{"check", "-"}, string(src), 0, "<standard input>: ", ""},
		{[]string{"tui", "-"}, "name: x\nintervall: 1s\n", 2, "", "<standard input>:2:1: "},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdin = strings.NewReader(tc.in)
			code, out, errs := runArgs(tc.args...)
			assert.Equal(t, tc.code, code, errs)
			assert.Contains(t, out, tc.out)
			assert.Contains(t, errs, tc.err)
		})
	}
}
