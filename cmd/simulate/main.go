// Command simulate runs ckptsim scenarios: simulated Flink jobs taking
// checkpoints, with the checkpoint table Flink's web UI shows and the
// verdicts of the invariant checkers.
//
// Usage:
//
//	simulate                          run the default bundled scenario
//	simulate run [FILE|NAME] [flags]  run a scenario
//	simulate list                     list the bundled scenarios
//	simulate validate FILE|NAME       check a scenario file
//	simulate graph FILE|NAME          print the job graph as Graphviz DOT
//	simulate tui [FILE|NAME]          terminal UI on a scenario
//	simulate check [flags]            property-check random scenarios
//	simulate check merge REPORT...    combine the reports of a sweep's shards
//	simulate compare [FILE|NAME]      the same run under variants, side by side
//	simulate sweep [FILE|NAME]        a what-if grid with plots and CSV
//	simulate export perfetto|html     a run for Perfetto, or as a space-time diagram
//	simulate cl TOPOLOGY EVENTS       Chandy-Lamport snapshots of a COS 418 token system
//
// Exit codes: 0 success, 1 a run's invariants failed, 2 bad input, 130
// interrupted (Ctrl-C or SIGTERM; the summary of the work done so far is
// printed first).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// Exit codes.
const (
	exitOK       = 0
	exitChecks   = 1
	exitBadUsage = 2
	// exitInterrupted is the shells' code for a command ended by SIGINT
	// (128 + 2).
	exitInterrupted = 130
)

// usageError is bad input from the command line or a scenario file.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func bad(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errChecksFailed reports a run whose invariants did not hold.
var errChecksFailed = errors.New("invariants failed")

// errInterrupted reports a command stopped by a signal after it printed
// what it had done.
var errInterrupted = errors.New("interrupted")

const topUsage = `simulate runs ckptsim scenarios: a simulated Apache Flink job taking checkpoints.

Usage:
  simulate                          run the default bundled scenario
  simulate run [FILE|NAME] [flags]  run a scenario (simulate run --help)
  simulate list                     list the bundled scenarios
  simulate validate FILE|NAME       check a scenario file, print nothing if it is valid
  simulate graph FILE|NAME [--execution [--at TIME]]
                                    print the job graph (or execution graph) as Graphviz DOT;
                                    --at annotates each subtask and channel with its state then
  simulate tui [FILE|NAME] [flags]  terminal UI: watch barriers flow, step through checkpoints and back
  simulate check [--runs N] [--seed S] [--mode M] [--property NAME] [--faults none|some|always]
                 [--restores none|some|always] [--workers K] [--out DIR] [--shard K/N] [--format text|json]
                                    check properties on random scenarios, shrink and write
                                    counterexamples (simulate check --help)
  simulate check merge REPORT...    combine the JSON reports of a sweep's shards
  simulate compare [FILE|NAME] [--mode M1,M2] [--set KEY=V1,V2]... [--format text|json]
                                    the same scenario and seed under each variant, a column
                                    per variant (simulate compare --help)
  simulate sweep [FILE|NAME] --set KEY=LO..HI/N [--set KEY=V1,V2] [--metric M,...] [--csv FILE]
                                    a what-if grid: a row per run, a terminal plot per metric
  simulate export perfetto|html [FILE|NAME] -o FILE
                                    the run as Chrome trace-event JSON (ui.perfetto.dev), or as one
                                    self-contained HTML page with a space-time diagram
  simulate cl [--delivery ckptsim|cos418] TOPOLOGY EVENTS
                                    classic Chandy-Lamport snapshots of a token-passing system
                                    in the COS 418 assignment's files (simulate cl --help)

A scenario argument of - reads the scenario from standard input.
SIMULATE_CPUPROFILE=FILE in the environment writes a CPU profile of the command
to FILE (pprof's format; never over an existing file).

Exit codes: 0 success, 1 a run's invariants failed, 2 bad input, 130 interrupted
(Ctrl-C: the summary of the work done so far is printed and files are left whole).
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code. The
// commands that take long (run, and check's sweep) stop once ctx is done
// or at Ctrl-C, print what they did and return errInterrupted; Ctrl-C ends
// the others at once. Everything printed goes through termsafe: names
// from a scenario file print as escapes, never as terminal controls.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out, errOut := termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	out.Styles = wantsColour(stdout)
	defer out.Flush()
	defer errOut.Flush()
	stdout, stderr = out, errOut
	err := profiled(func() error { return dispatch(ctx, args, stdout, stderr) })
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.Is(err, errChecksFailed):
		return exitChecks
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "simulate:", err)
		return exitBadUsage
	default:
		fmt.Fprintln(stderr, "simulate:", err)
		return exitBadUsage
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runCmd(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "list":
		return listCmd(args[1:], stdout)
	case "validate":
		return validateCmd(args[1:], stdout)
	case "graph":
		return graphCmd(args[1:], stdout)
	case "tui":
		return tuiCmd(args[1:], stdout)
	case "check":
		return checkCmd(ctx, args[1:], stdout, stderr)
	case "compare":
		return compareCmd(ctx, args[1:], stdout, stderr)
	case "sweep":
		return sweepCmd(ctx, args[1:], stdout, stderr)
	case "export":
		return exportCmd(ctx, args[1:], stdout, stderr)
	case "cl":
		return clCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, topUsage)
		return nil
	case "version", "-version", "--version":
		writeVersion(stdout)
		return nil
	}
	return bad("unknown command %q (commands: run, list, validate, graph, tui, check, compare, sweep, export, cl; see simulate --help)", args[0])
}

// parseFlags parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(stdout)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
