package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim/tokens"
)

const clUsage = `Usage: simulate cl [--delivery ckptsim|cos418] [--seed S] TOPOLOGY EVENTS
       simulate cl [--delivery ckptsim|cos418] [--seed S] SCENARIO.yaml

Runs the classic Chandy-Lamport snapshot algorithm on a token-passing
system given in the files of Princeton's COS 418 "chandy-lamport"
assignment, and prints every snapshot in that assignment's .snap format, in
id order, one after another. Every snapshot is checked: the tokens it
recorded in process states and on links must equal the system's total.

  TOPOLOGY  first line N; N lines "id tokens"; then "src dst" lines, one per directed link
  EVENTS    "send src dst n", "snapshot id", "tick", "tick k" (# starts a comment)
  SCENARIO  a YAML file whose chandy_lamport section names the two files (paths
            relative to it), the delivery and the seed; the flags override them

Flags:
`

func clCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cl", flag.ContinueOnError)
	delivery := fs.String("delivery", string(tokens.DeliveryCkptsim), "how links deliver: ckptsim (FIFO links, 1 to 5 ticks of seeded latency, every due message at each tick) or cos418 (that assignment's simulator exactly)")
	seed := fs.Uint64("seed", 1, "random seed of the ckptsim delivery")
	fs.Usage = func() {
		fmt.Fprint(stdout, clUsage)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	d := tokens.Delivery(*delivery)
	if d != tokens.DeliveryCkptsim && d != tokens.DeliveryCOS418 {
		return bad("--delivery %q: allowed are ckptsim and cos418", *delivery)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case len(pos) == 1 && looksLikeYAML(pos[0]):
		ts, err := scenarios.LoadTokenScenario(pos[0])
		if err != nil {
			return usageError{err}
		}
		if !set["delivery"] && ts.Delivery != "" {
			d = ts.Delivery
		}
		if !set["seed"] {
			*seed = ts.Seed
		}
		pos = []string{ts.Topology, ts.Events}
	case len(pos) != 2:
		return bad("cl takes a topology file and an events file, or a scenario file, got %d arguments", len(pos))
	}
	top, events, err := scenarios.LoadTokens(pos[0], pos[1])
	if err != nil {
		return usageError{err}
	}
	res, err := tokens.Run(top, events, tokens.Options{Delivery: d, Seed: *seed})
	var ee *tokens.EventError
	switch {
	case errors.As(err, &ee):
		return usageError{&scenarios.Error{File: pos[1], Line: ee.Line, Msg: ee.Msg}}
	case err != nil:
		return usageError{fmt.Errorf("%s: %w", pos[1], err)}
	}
	var b strings.Builder
	for i := range res.Snapshots {
		b.WriteString(res.Snapshots[i].String())
	}
	fmt.Fprint(stdout, b.String())
	if err := tokens.Conserved(res); err != nil {
		fmt.Fprintln(stderr, "simulate: token conservation violated:", err)
		return errChecksFailed
	}
	return nil
}

// looksLikeYAML reports whether a path names a scenario file.
func looksLikeYAML(path string) bool {
	return strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")
}
