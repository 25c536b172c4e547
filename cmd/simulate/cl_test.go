package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	data := "../../testdata/tokens/"
	want, err := os.ReadFile(data + "8nodes-concurrent.snap")
	require.NoError(t, err)
	oneWay := write("oneway.top", "2\nN1 1\nN2 0\nN1 N2\n")
	twoWay := write("two.top", "2\nN1 1\nN2 0\nN1 N2\nN2 N1\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"snapshots in id order", []string{"cl", data + "8nodes.top", data + "8nodes-concurrent.events"}, 0, string(want), ""},
		{"cos418 delivery", []string{"cl", "--delivery", "cos418", data + "8nodes.top", data + "8nodes-concurrent.events"}, 0, string(want), ""},
		{"scenario file", []string{"cl", data + "cos418-string-order.yaml"}, 0, "0\nN1 5\nN10 0\nN2 0\n", ""},
		{"scenario file, delivery overridden", []string{"cl", "--delivery", "ckptsim", "--seed", "2", data + "cos418-string-order.yaml"}, 0, "0\nN1 0\nN10 0\nN2 0\nN10 N1 token(5)\n", ""},
		{"scenario without files", []string{"cl", write("s.yaml", "name: x\nchandy_lamport: {topology: a.top}\n")}, 2, "", "s.yaml:2:17: chandy_lamport needs both topology and events"},
		{"scenario with a typo", []string{"cl", write("t.yaml", "chandy_lamport: {topology: a.top, event: b}\n")}, 2, "", "t.yaml:1:35: unknown field \"event\" in chandy_lamport"},
		{"unknown delivery", []string{"cl", "--delivery", "tcp", twoWay, twoWay}, 2, "", "allowed are ckptsim and cos418"},
		{"one file", []string{"cl", twoWay}, 2, "", "a topology file and an events file"},
		{"self link", []string{"cl", write("self.top", "1\nA 1\nA A\n"), twoWay}, 2, "", "self.top:3:3: a process has no link to itself"},
		{"unknown command", []string{"cl", twoWay, write("x.events", "snapshot N1\npass N1 N2 1\n")}, 2, "", "x.events:2:1: unknown command \"pass\""},
		{"no such link", []string{"cl", oneWay, write("y.events", "send N2 N1 1\n")}, 2, "", "y.events:1:6: there is no link N2 N1"},
		{"more than held", []string{"cl", twoWay, write("z.events", "send N1 N2 1\nsend N1 N2 1\n")}, 2, "", "z.events:2: N1 sends 1 tokens but holds 0"},
		{"unreachable", []string{"cl", oneWay, write("s.events", "snapshot N2\n")}, 2, "", "snapshot 0 cannot complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runArgs(tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			if tc.out != "" {
				assert.Equal(t, tc.out, out)
			}
			assert.Contains(t, errOut, tc.err)
		})
	}
}
