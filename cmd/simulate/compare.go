package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/compare"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// gridOptions are the flags compare and sweep share.
type gridOptions struct {
	axes    []compare.Axis
	metrics string
	format  string
	seed    uint64
	seedSet bool
	until   time.Duration
}

// flags defines the shared flags on fs.
func (o *gridOptions) flags(fs *flag.FlagSet, defaultMetrics string) {
	fs.Func("set", "vary a scenario key: `KEY=V1,V2,...` or KEY=LO..HI/N, with the key's dotted path in the scenario file (checkpoint.interval=1s,2s,5s; repeat for more keys: every combination runs)", func(v string) error {
		a, err := compare.ParseSet(v)
		if err != nil {
			return err
		}
		o.axes = append(o.axes, a)
		return nil
	})
	fs.StringVar(&o.metrics, "metric", defaultMetrics, "the metrics to show, comma-separated (all: "+metricKeys()+")")
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
	fs.Func("seed", "override the scenario's seed, the same for every run (an unsigned integer)", func(v string) error {
		_, err := fmt.Sscan(v, &o.seed)
		o.seedSet = true
		return err
	})
	fs.DurationVar(&o.until, "until", 0, "override the virtual run length (e.g. 30s)")
}

// parseGridArgs parses the flags of compare or sweep (fs, named after
// the command), whose usage text is usage, and returns the scenario
// argument, the default scenario without one.
func parseGridArgs(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) (string, error) {
	fs.Usage = func() {
		fmt.Fprintf(stdout, usage, scenarios.DefaultName)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return "", err
	}
	return onlyOne(pos, scenarios.DefaultName, fs.Name())
}

// metricKeys lists the metrics' keys.
func metricKeys() string {
	keys := make([]string, len(compare.Metrics))
	for i, m := range compare.Metrics {
		keys[i] = m.Key
	}
	return strings.Join(keys, ", ")
}

// selected is the metrics --metric names.
func (o *gridOptions) selected() ([]*compare.Metric, error) {
	var ms []*compare.Metric
	for key := range strings.SplitSeq(o.metrics, ",") {
		m, ok := compare.MetricByKey(strings.TrimSpace(key))
		if !ok {
			return nil, bad("--metric %q: allowed are %s", key, metricKeys())
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// grid is a comparison or sweep ready to run: the scenario, the variants
// with their configurations, and the metrics to show.
type grid struct {
	sc       *scenarios.Scenario
	variants []compare.Variant
	cfgs     []sim.Config
	metrics  []*compare.Metric
}

// prepare checks the flags, loads the scenario and builds every variant's
// configuration, so that a bad value stops the command before any run.
func (o *gridOptions) prepare(name string) (*grid, error) {
	if o.format != "text" && o.format != "json" {
		return nil, bad("--format %q: allowed are text and json", o.format)
	}
	metrics, err := o.selected()
	if err != nil {
		return nil, err
	}
	sc, err := load(name)
	if err != nil {
		return nil, err
	}
	variants, err := compare.Grid(o.axes)
	if err != nil {
		return nil, usageError{err}
	}
	g := &grid{sc: sc, variants: variants, cfgs: make([]sim.Config, len(variants)), metrics: metrics}
	for i := range variants {
		cfg, err := variants[i].Config(sc)
		if err != nil {
			return nil, usageError{err}
		}
		if o.seedSet {
			cfg.Seed = o.seed
		}
		if o.until > 0 {
			cfg.Until = o.until
		}
		if err := cfg.Validate(); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", variants[i].Label, err)}
		}
		g.cfgs[i] = cfg
	}
	return g, nil
}

// run runs every configuration in turn, drawing which one runs on a
// terminal's stderr, until ctx is done: then the table holds the runs so
// far, the last one as far as it got.
func (g *grid) run(ctx context.Context, axes []compare.Axis, stderr io.Writer) (*compare.Table, bool, error) {
	t := &compare.Table{Scenario: g.sc.Name, Seed: g.sc.Config.Seed, Axes: axes, Variants: len(g.variants)}
	if len(g.cfgs) > 0 {
		t.Seed = g.cfgs[0].Seed
	}
	ctx, stop := interruptContext(ctx, stderr)
	defer stop()
	line := newGridProgress(terminalStderr())
	defer line.done()
	for i, cfg := range g.cfgs {
		// The percentiles are over every completed checkpoint: the run
		// keeps as many as the bounds allow, which changes nothing else.
		cfg.Checkpoint.History = max(cfg.Checkpoint.History, sim.LongestHistory(cfg.Graph))
		s, err := sim.New(cfg)
		if err != nil {
			return nil, false, usageError{fmt.Errorf("%s: %w", g.variants[i].Label, err)}
		}
		line.show(i, len(g.cfgs), g.variants[i].Label)
		interrupted := step(ctx, s, nil)
		t.Runs = append(t.Runs, compare.Run{Variant: g.variants[i], Result: s.Result()})
		if interrupted {
			return t, true, nil
		}
	}
	return t, false, nil
}

// verdict is the exit error of a finished comparison or sweep: the
// interrupt, or failed invariants in a run.
func verdict(t *compare.Table, interrupted bool) error {
	if interrupted {
		return errInterrupted
	}
	for _, r := range t.Runs {
		if !r.Result.OK() {
			return errChecksFailed
		}
	}
	return nil
}

const compareUsage = `Usage: simulate compare [FILE|NAME|-] [--mode M1,M2,...] [--set KEY=V1,V2,...]... [flags]

Runs the scenario (default %q) with the same seed under each variant and
prints one table with a column per variant: checkpoints completed and
expired, end-to-end duration (mean, p50, p99, max), alignment, start delay,
persisted in-flight data, state size, records read between checkpoints,
restore time, duplicates and lost records at the sinks, throughput, and
each variant's invariants. A value 10%% or more away from the first
column's is marked *, a correctness fault (duplicates, lost records, a
failed invariant) !.

--mode varies the checkpointing mode (as simulate run --mode sets it);
--set varies any key of the scenario file by its dotted path
(checkpoint.interval=1s,2s,5s, operators.NAME.parallelism=1,2), and the
values are checked as the file's own, with the same messages. With several
axes every combination runs, the first axis varying slowest.

Exit code 1 when an invariant of a variant fails, 2 on bad input, 130 when
interrupted (Ctrl-C: the variants run so far are reported).

Flags:
`

func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o gridOptions
	var modes string
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&modes, "mode", "", "vary the checkpointing mode: a comma-separated list of aligned, unaligned, at-least-once")
	o.flags(fs, metricKeys())
	name, err := parseGridArgs(fs, args, stdout, compareUsage)
	if err != nil {
		return err
	}
	if modes != "" {
		a := compare.Axis{Path: compare.ModeAxis, Values: strings.Split(modes, ",")}
		for _, m := range a.Values {
			if err := checkMode(m); err != nil {
				return err
			}
		}
		o.axes = append([]compare.Axis{a}, o.axes...)
	}
	if len(o.axes) == 0 {
		return bad("compare needs something to vary: --mode aligned,unaligned or --set KEY=V1,V2")
	}
	g, err := o.prepare(name)
	if err != nil {
		return err
	}
	t, interrupted, err := g.run(ctx, o.axes, stderr)
	if err != nil {
		return err
	}
	metrics := g.metrics
	if o.format == "json" {
		err = t.WriteJSON(stdout, metrics)
	} else {
		err = writeColoured(stdout, compareRules, func(w io.Writer) error { return t.WriteText(w, metrics) })
	}
	if err != nil {
		return err
	}
	return verdict(t, interrupted)
}

const sweepUsage = `Usage: simulate sweep [FILE|NAME|-] --set KEY=LO..HI/N [--set KEY=V1,V2,...] [--metric M1,M2] [--csv FILE] [flags]

Runs the scenario (default %q) over a grid of values of scenario keys, by
their dotted paths in the scenario file (checkpoint.interval=500ms..10s/8:
8 evenly spaced intervals; or a list V1,V2,...), and prints a row per run
and, for each --metric, a plot of it over the first key, a series per value
of the second. A sweep over checkpoint.interval marks where the interval
falls below the checkpoints' mean duration. --csv writes every run's
metrics as CSV (raw values: ns, bytes), whole or not at all. The values are
checked as the scenario file's own, with the same messages; the grid's
progress shows on a terminal.

Exit code 1 when an invariant of a run fails, 2 on bad input, 130 when
interrupted (Ctrl-C: the runs so far are reported and --csv holds them).

Flags:
`

// Plot area of sweep's plots, in characters.
const plotWidth, plotHeight = 60, 12

func sweepCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o gridOptions
	var csvPath string
	var force bool
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	o.flags(fs, "end_to_end_p99,records_between_checkpoints")
	fs.StringVar(&csvPath, "csv", "", "also write every run's metrics as CSV to this `file`")
	fs.BoolVar(&force, "force", false, "allow --csv to overwrite an existing file")
	name, err := parseGridArgs(fs, args, stdout, sweepUsage)
	if err != nil {
		return err
	}
	if len(o.axes) == 0 {
		return bad("sweep needs a key to sweep: --set KEY=LO..HI/N or --set KEY=V1,V2,...")
	}
	g, err := o.prepare(name)
	if err != nil {
		return err
	}
	metrics := g.metrics
	var csv *outFile
	if csvPath != "" {
		if csv, err = createOut("--csv", csvPath, force); err != nil {
			return err
		}
		defer csv.Close()
	}
	t, interrupted, err := g.run(ctx, o.axes, stderr)
	if err != nil {
		return err
	}
	if csv != nil {
		if err := t.WriteCSV(csv, metrics); err != nil {
			return err
		}
		if err := csv.Close(); err != nil {
			return err
		}
	}
	if o.format == "json" {
		err = t.WriteJSON(stdout, metrics)
	} else {
		err = writeSweep(stdout, t, metrics)
	}
	if err != nil {
		return err
	}
	return verdict(t, interrupted)
}

// writeSweep prints the sweep's rows and a plot per metric.
func writeSweep(w io.Writer, t *compare.Table, metrics []*compare.Metric) error {
	fmt.Fprintf(w, "ckptsim sweep · scenario %s · seed %d · %d run(s)\n\n", t.Scenario, t.Seed, t.Variants)
	if err := t.WriteRows(w, metrics); err != nil {
		return err
	}
	if len(t.Runs) < t.Variants {
		fmt.Fprintf(w, "INTERRUPTED: %d of %d runs ran; the last one's figures are those of its run so far.\n", len(t.Runs), t.Variants)
	}
	for _, m := range metrics {
		fmt.Fprintln(w)
		if err := t.WritePlot(w, m, plotWidth, plotHeight); err != nil {
			return err
		}
	}
	return nil
}
