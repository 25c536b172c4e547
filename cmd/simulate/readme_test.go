package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeOutput marks a block of README.md that holds a command's output:
// <!-- output of: simulate ARGS (...) --> and the block after it.
var readmeOutput = regexp.MustCompile("(?s)<!-- output of: simulate([^(\n]*) \\([^\n]*-->\n```\n(.*?)```\n")

// TestREADMEOutputs: every block of README.md marked as a command's
// output is what the command prints now. After a change, rewrite them
// with: go test ./cmd/simulate -run README -update
func TestREADMEOutputs(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(data)
	ms := readmeOutput.FindAllStringSubmatchIndex(readme, -1)
	require.NotEmpty(t, ms)
	// Replace from the end, so that the earlier indexes stay right.
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		args := strings.Fields(readme[m[2]:m[3]])
		code, out, errs := runArgs(args...)
		require.Contains(t, []int{exitOK, exitChecks}, code, "simulate %v: %s", args, errs)
		if *update {
			readme = readme[:m[4]] + out + readme[m[5]:]
			continue
		}
		require.Equal(t, readme[m[4]:m[5]], out, "README.md's output of simulate %s is out of date: go test ./cmd/simulate -run README -update", strings.Join(args, " "))
	}
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
	}
}
