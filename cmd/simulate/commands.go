package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// stdin is what a scenario argument of - reads; tests replace it.
var stdin io.Reader = os.Stdin

// stdinName stands for standard input in messages, as gofmt names it.
const stdinName = "<standard input>"

// load resolves a scenario name or file, or reads standard input for -;
// its problems are bad input.
func load(nameOrPath string) (*scenarios.Scenario, error) {
	var sc *scenarios.Scenario
	var err error
	if nameOrPath == "-" {
		sc, err = scenarios.Read(stdinName, stdin)
	} else {
		sc, err = scenarios.Load(nameOrPath)
	}
	if err != nil {
		return nil, usageError{err}
	}
	return sc, nil
}

// onlyOne returns the single positional argument, or def when there is
// none and def is not empty.
func onlyOne(pos []string, def, what string) (string, error) {
	switch {
	case len(pos) == 1:
		return pos[0], nil
	case len(pos) == 0 && def != "":
		return def, nil
	case len(pos) == 0:
		return "", bad("%s needs a scenario file or bundled name", what)
	}
	return "", bad("%s takes one scenario, got %d: %s", what, len(pos), strings.Join(pos, " "))
}

func listCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stdout, "Usage: simulate list\n\nLists the bundled scenarios with the first line of their description.")
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return bad("list takes no arguments")
	}
	width := 0
	for _, name := range scenarios.Bundled() {
		width = max(width, len(name))
	}
	for _, name := range scenarios.Bundled() {
		desc, err := scenarios.Describe(name)
		if err != nil {
			return err
		}
		first := firstLine(desc)
		mark := " "
		if name == scenarios.DefaultName {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %-*s  %s\n", mark, width, name, first)
	}
	fmt.Fprintln(stdout, "\n* the default scenario. Run one with: simulate run NAME")
	return nil
}

func validateCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stdout, "Usage: simulate validate FILE|NAME|-\n\nChecks a scenario file (- reads it from standard input); prints file:line:column and the problem, or nothing if it is valid.")
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	name, err := onlyOne(pos, "", "validate")
	if err != nil {
		return err
	}
	sc, err := load(name)
	if err != nil {
		return err
	}
	for _, w := range sc.Warnings {
		fmt.Fprintln(stdout, w)
	}
	return nil
}

func graphCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	execution := fs.Bool("execution", false, "print the execution graph of subtasks and channels instead of the job graph")
	at := fs.Duration("at", -1, "with the execution graph: run the scenario to this virtual time (e.g. 2.5s) and annotate every subtask and channel with its state then")
	fs.Usage = func() {
		fmt.Fprintln(stdout, "Usage: simulate graph FILE|NAME|- [--execution [--at TIME]]\n\nPrints the job graph in Graphviz DOT (render with: dot -Tsvg), its edges labelled with their partitioning; - reads the scenario from standard input.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	name, err := onlyOne(pos, "", "graph")
	if err != nil {
		return err
	}
	sc, err := load(name)
	if err != nil {
		return err
	}
	if *at >= 0 && !*execution {
		return bad("--at annotates the execution graph: add --execution")
	}
	if !*execution {
		fmt.Fprint(stdout, sc.Config.Graph.DOT())
		return nil
	}
	if *at >= 0 {
		s, err := sim.New(sc.Config)
		if err != nil {
			return usageError{err}
		}
		fmt.Fprint(stdout, stateAt(s, int64(*at)))
		return nil
	}
	eg, err := topology.Expand(sc.Config.Graph)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprint(stdout, eg.DOT())
	return nil
}
