package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/compare"
	"github.com/ckptsim/ckptsim/export"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// runOptions are the flags of simulate run.
type runOptions struct {
	seed           uint64
	seedSet        bool
	until          time.Duration
	trace          string
	traceFormat    string
	kept           *traceKeeper // the Perfetto trace's events (--trace-format perfetto)
	force          bool
	format         string
	mode           string
	alignedTimeout time.Duration
	subtasks       bool
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	o.overrideFlags(fs)
	fs.StringVar(&o.trace, "trace", "", "write every trace event as a JSON line to this `file` (.jsonl; complete lines even when interrupted)")
	fs.StringVar(&o.traceFormat, "trace-format", "jsonl", "format of --trace: jsonl, or perfetto (Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing, written at the end)")
	fs.BoolVar(&o.force, "force", false, "allow --trace to overwrite an existing file")
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
	fs.BoolVar(&o.subtasks, "subtasks", false, "also print every checkpoint's per-subtask figures (text format)")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: simulate run [FILE|NAME|-] [flags]\n\nRuns a scenario (default %q; - reads it from standard input) and prints its checkpoint table, a summary, the invariants and the scenario's expectations.\nExit code 1 when an invariant or an expectation fails, 2 on bad input, 130 when interrupted (Ctrl-C: the run so far is reported).\n\nFlags:\n", scenarios.DefaultName)
		fs.PrintDefaults()
	}
	sc, cfg, err := o.scenario(fs, args, stdout, "run")
	if err != nil {
		return err
	}
	if o.format != "text" && o.format != "json" {
		return bad("--format %q: allowed are text and json", o.format)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return usageError{err}
	}
	trace, err := o.openTrace(s)
	if err != nil {
		return err
	}
	// Even a panic leaves the events traced so far, in whole lines.
	defer trace.Close()
	ctx, stop := interruptContext(ctx, stderr)
	interrupted := step(ctx, s, newProgress(terminalStderr(), time.Now))
	stop()
	res := s.Result()
	if err := trace.Close(); err != nil {
		return err
	}
	if o.kept != nil {
		o.kept.warn(stderr, o.trace)
	}
	var exps []scenarios.ExpectationResult
	if !interrupted { // the expectations are about the whole run
		exps = sc.Check(res)
	}
	if o.format == "json" {
		err = writeJSON(stdout, s, res, exps, sc.Warnings)
	} else {
		err = writeColoured(stdout, reportRules(res, int64(cfg.Checkpoint.Interval)), func(w io.Writer) error {
			return writeText(w, sc, s, res, exps, o.subtasks)
		})
	}
	switch {
	case err != nil:
		return err
	case interrupted:
		return errInterrupted
	case !res.OK():
		return errChecksFailed
	}
	return expectationsFailed(exps)
}

// overrideFlags defines the flags that override a scenario's settings,
// shared by run and tui.
func (o *runOptions) overrideFlags(fs *flag.FlagSet) {
	fs.Func("seed", "override the scenario's seed (an unsigned integer)", func(v string) error {
		_, err := fmt.Sscan(v, &o.seed)
		o.seedSet = true
		return err
	})
	fs.DurationVar(&o.until, "until", 0, "override the virtual run length (e.g. 30s)")
	fs.StringVar(&o.mode, "mode", "", "override the checkpointing mode: aligned, unaligned or at-least-once")
	fs.DurationVar(&o.alignedTimeout, "aligned-timeout", -1, "override the aligned checkpoint timeout (unaligned mode; 0 = unaligned from the start)")
}

// scenario parses a command's flags and its one optional scenario
// argument (the default scenario without one), loads the scenario and
// applies the overrides.
func (o *runOptions) scenario(fs *flag.FlagSet, args []string, stdout io.Writer, cmd string) (*scenarios.Scenario, sim.Config, error) {
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return nil, sim.Config{}, err
	}
	name, err := onlyOne(pos, scenarios.DefaultName, cmd)
	if err != nil {
		return nil, sim.Config{}, err
	}
	sc, err := load(name)
	if err != nil {
		return nil, sim.Config{}, err
	}
	cfg, err := o.apply(sc.Config)
	return sc, cfg, err
}

// apply overrides the scenario's config with the flags.
func (o *runOptions) apply(cfg sim.Config) (sim.Config, error) {
	if o.seedSet {
		cfg.Seed = o.seed
	}
	if o.until > 0 {
		cfg.Until = o.until
	}
	if o.mode != "" {
		if err := checkMode(o.mode); err != nil {
			return cfg, err
		}
		cfg, _ = compare.WithMode(cfg, sim.Mode(o.mode)) // validated below
	}
	if o.alignedTimeout >= 0 {
		if cfg.Checkpoint.Mode != sim.Unaligned {
			return cfg, bad("--aligned-timeout applies to unaligned mode only (add --mode unaligned)")
		}
		cfg.Checkpoint.AlignedCheckpointTimeout = o.alignedTimeout
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// perfettoTracer keeps the trace events of s (up to maxKeptTraceEvents),
// and returns the function that writes them to w as Perfetto JSON,
// closing the spans still open at the time the run reached (an
// interrupted run's too) or the last event kept.
func perfettoTracer(s *sim.Sim, w io.Writer) (func() error, *traceKeeper) {
	k := &traceKeeper{}
	s.Tracer = k.keep
	return func() error { return export.WritePerfetto(w, s.Graph(), k.events, k.end(s.Now())) }, k
}

// checkMode checks a value of --mode.
func checkMode(m string) error {
	if !slices.Contains(sim.Modes, sim.Mode(m)) {
		return bad("--mode %q: allowed are aligned, unaligned and at-least-once", m)
	}
	return nil
}

// openTrace attaches a JSONL trace writer when --trace is given (else it
// returns nil, which Close ignores). It never overwrites a file unless
// --force says so, and the file appears whole: see createOut.
func (o *runOptions) openTrace(s *sim.Sim) (*outFile, error) {
	if o.trace == "" {
		return nil, nil
	}
	if o.traceFormat != "jsonl" && o.traceFormat != "perfetto" {
		return nil, bad("--trace-format %q: allowed are jsonl and perfetto", o.traceFormat)
	}
	f, err := createOut("--trace", o.trace, o.force)
	if err != nil {
		return nil, err
	}
	if o.traceFormat == "perfetto" {
		f.finish, o.kept = perfettoTracer(s, f)
		return f, nil
	}
	tracer, werr := s.JSONLWriter(f)
	s.Tracer = tracer
	f.finish = werr
	return f, nil
}

// firstLine is the first sentence of a description, unwrapped.
func firstLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if first, _, ok := strings.Cut(s, ". "); ok {
		return first + "."
	}
	return s
}
