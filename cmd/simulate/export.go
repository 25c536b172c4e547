package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ckptsim/ckptsim/export"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

const exportUsage = `Usage: simulate export perfetto|html [FILE|NAME|-] -o FILE [flags]

Runs the scenario (default %q) and writes it for another tool:

  perfetto  the Chrome trace-event JSON that ui.perfetto.dev and
            chrome://tracing open: a process per operator, a track per
            subtask with its records, sync phases, backpressure, restores
            and failures; async spans for alignments, async phases and
            checkpoints; barrier flows from sender to receiver; counters of
            the records queued on each channel and the persisted in-flight
            bytes (the same as simulate run --trace FILE --trace-format perfetto)
  html      one self-contained page (no network, no external script): a
            space-time diagram in SVG, a line per subtask with the barriers
            coloured per checkpoint, a sample of the records, alignments,
            snapshots, failures and restores, hover details and zoom on the
            time axis, and the checkpoint table

The file appears whole or not at all, and an existing one is replaced only
with --force. Ctrl-C stops the run and writes what it did (exit code 130).
The file is built in memory from at most %d trace events: a run
that emits more (a big job's first second) goes on, and the file covers
it to the last event kept, with a warning.

Flags:
`

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "perfetto" && args[0] != "html") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintf(stdout, exportUsage, scenarios.DefaultName, maxKeptTraceEvents)
			return nil
		}
		return bad("export needs a format: simulate export perfetto|html [FILE|NAME] -o FILE")
	}
	format := args[0]
	var o runOptions
	var out string
	fs := flag.NewFlagSet("export "+format, flag.ContinueOnError)
	o.overrideFlags(fs)
	fs.StringVar(&out, "o", "", "the `file` to write (required)")
	fs.BoolVar(&o.force, "force", false, "allow -o to overwrite an existing file")
	fs.Usage = func() {
		fmt.Fprintf(stdout, exportUsage, scenarios.DefaultName, maxKeptTraceEvents)
		fs.PrintDefaults()
	}
	sc, cfg, err := o.scenario(fs, args[1:], stdout, "export")
	if err != nil {
		return err
	}
	if out == "" {
		return bad("export %s needs -o FILE, the file to write", format)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return usageError{err}
	}
	f, err := createOut("-o", out, o.force)
	if err != nil {
		return err
	}
	defer f.Close()
	var kept *traceKeeper
	if format == "perfetto" {
		f.finish, kept = perfettoTracer(s, f)
	} else {
		f.finish, kept = htmlTracer(s, f, sc.Name)
	}
	ctx, stop := interruptContext(ctx, stderr)
	interrupted := step(ctx, s, newProgress(terminalStderr(), time.Now))
	stop()
	if err := f.Close(); err != nil {
		return err
	}
	kept.warn(stderr, out)
	if interrupted {
		fmt.Fprintf(stderr, "simulate: interrupted at virtual time %s; %s holds the run so far\n", dur(s.Now()), out)
		return errInterrupted
	}
	return nil
}

// htmlTracer keeps the trace events of s (up to maxKeptTraceEvents), and
// returns the function that writes the page of the run to w.
func htmlTracer(s *sim.Sim, w io.Writer, title string) (func() error, *traceKeeper) {
	k := &traceKeeper{}
	s.Tracer = k.keep
	return func() error {
		r := s.Result()
		return export.WriteHTML(w, title, s.Graph(), k.events, r, k.end(r.VirtualEnd))
	}, k
}
