package main

import (
	"bytes"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// readmeBlock marks a block of README.md that a test writes: the output
// of a command, <!-- output of: simulate ARGS (...) -->, or a list made
// from the code, <!-- generated: NAME (...) -->, and the block after it.
var readmeBlock = regexp.MustCompile("(?s)<!-- (output of: simulate|generated:)([^(\n]*) \\([^\n]*-->\n```\n(.*?)```\n")

// readmeGenerated are the lists README.md holds, by name.
var readmeGenerated = map[string]func(t *testing.T) string{
	"report keys":  func(*testing.T) string { return jsonKeys(reflect.TypeFor[jsonResult]()) },
	"summary keys": func(*testing.T) string { return jsonKeys(reflect.TypeFor[jsonSummary]()) },
	"trace kinds": func(*testing.T) string {
		var kinds []string
		for k := sim.TraceKind(0); k.String() != "unknown"; k++ {
			kinds = append(kinds, k.String())
		}
		return wrap(kinds)
	},
	"trace line": func(t *testing.T) string {
		sc, err := scenarios.Load("minimal")
		require.NoError(t, err)
		s, err := sim.New(sc.Config)
		require.NoError(t, err)
		var line []byte
		s.Tracer = func(ev sim.TraceEvent) {
			if line == nil && ev.Kind == sim.BarrierReceived {
				line = s.AppendJSON(nil, ev)
			}
		}
		for line == nil && s.Step() {
		}
		return string(line) + "\n"
	},
}

// jsonKeys lists the JSON names of a struct's fields.
func jsonKeys(t reflect.Type) string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return wrap(keys)
}

// wrap joins words with commas into lines of at most 76 characters.
func wrap(words []string) string {
	var b, line bytes.Buffer
	for i, w := range words {
		if i < len(words)-1 {
			w += ","
		}
		if line.Len() > 0 && line.Len()+1+len(w) > 76 {
			b.WriteString(line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	return b.String() + line.String() + "\n"
}

// TestREADMEOutputs: every block of README.md marked as a command's
// output is what the command prints now, and every generated list is
// what the code has. After a change, rewrite them with:
// go test ./cmd/simulate -run README -update
func TestREADMEOutputs(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(data)
	ms := readmeBlock.FindAllStringSubmatchIndex(readme, -1)
	require.NotEmpty(t, ms)
	// Replace from the end, so that the earlier indexes stay right.
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		what, arg := readme[m[2]:m[3]], strings.TrimSpace(readme[m[4]:m[5]])
		var got string
		if what == "generated:" {
			gen, ok := readmeGenerated[arg]
			require.True(t, ok, "README.md has a block of an unknown list %q", arg)
			got = gen(t)
		} else {
			args := strings.Fields(arg)
			code, out, errs := runArgs(args...)
			require.Contains(t, []int{exitOK, exitChecks}, code, "simulate %v: %s", args, errs)
			got = out
		}
		if *update {
			readme = readme[:m[6]] + got + readme[m[7]:]
			continue
		}
		require.Equal(t, readme[m[6]:m[7]], got, "README.md's block of %s %s is out of date: go test ./cmd/simulate -run README -update", what, arg)
	}
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
	}
}
