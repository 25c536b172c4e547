package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// checkOptions are the flags of simulate check.
type checkOptions struct {
	runs       int
	seed       uint64
	mode       string
	property   string
	workers    int
	out        string
	shrinkRuns int
	faults     string
	maxFaults  int
	restores   string
	versions   string // --flink-version
	shared     string // --taskmanagers
	// shardK of shardN, format and the counterexamples found: sweeps
	// beyond one machine (checkshard.go).
	shardK, shardN int
	format         string
	found          []check.Counterexample
}

// faultChoices are the values of --faults and --restores.
var faultChoices = []string{"none", "some", "always"}

const checkUsage = `Usage: simulate check [flags] [FILE|NAME...]
       simulate check merge [flags] REPORT...

Runs --runs random scenarios, seeds --seed .. --seed+runs-1, and judges each
by the properties. Each scenario is a pure function of its seed (and --mode,
--property, --faults, --max-faults, --restores, --flink-version,
--taskmanagers), so a sweep can be split
across machines by seed ranges and any seed replayed; --workers only splits the seeds among cores and never changes
a result (a sweep runs with the garbage collector's GOGC at 400, unless you set GOGC). On a failure it shrinks the scenario, writes the smallest it finds
to --out as a scenario file (never overwriting one) and prints how to replay
it; the exit code is then 1.

Faults: by default (--faults some) about half of the scenarios get a fault
schedule of 1..--max-faults faults of every kind (crashes at a time, in a
phase of a checkpoint or while restoring, random crashes, slow subtasks,
delay spikes, partitions, failed and slow uploads, corrupt checkpoints), with
a restart strategy that allows enough restarts for the job to finish, full or
region failover, maybe local recovery and savepoints. --faults none keeps
every run fault-free, --faults always gives every run a schedule. A property
that does not apply to a run (the end-to-end properties to a job that did not
finish, liveness to a run with faults) counts it as skipped. --property NAME
alone generates the scenarios NAME applies to: for exactly-once-state,
end-to-end and no-loss bounded jobs with faults in every run, for liveness,
bounded-drain and the negative property fault-free ones; an explicit --faults
overrides that.

Manual restores: by default (--restores some) a third of the scenarios end
with the user's restore (flink run -s) from the savepoint of a flink stop, from
a savepoint taken while the job runs or from the latest retained checkpoint,
in half of them rescaling: new parallelisms for keyed operators, sources
(their splits move round robin), stateless operators and sinks. --restores
none leaves them out, --restores always gives every run one. The
bounded-drain property does not apply to a run with a restore; liveness judges
it over each span in which the job runs (from its start or the end of the
restore to the stop, the next cancellation or the end of the run). A run whose
job deadlocks as Flink's does (a forced-alignment deadlock: simulate run
reports DEADLOCK) is counted as a skip of liveness, apart, not as a failure.

TaskManagers: every subtask runs on a TaskManager of its own unless
--taskmanagers some (half of the runs) or always places the subtasks in
TaskManagers of 1 to 4 slots (Flink's slot sharing: subtask i of every
operator in slot i), so that channels within a TaskManager are local
(LocalInputChannel: no latency, no credits) and a crash with machine_lost
fails every subtask of its TaskManager.

Flink releases: every run follows the current release's rules unless
--flink-version lists others (1.14,2.1, say): each run then follows the one
its seed picks, its other draws unchanged. Under 1.14 no checkpoint is taken
after a task finished (FLIP-147 came in 1.15), so a bounded job's
exactly-once sinks drop their last transactions when they finish; a run that
loses those records and no others counts as Flink's behaviour (uncommitted at
finish) for no-loss, end-to-end and bounded-drain.

With scenario files (or bundled names; - reads one from standard input) it
judges those instead.

Sweeps beyond one machine: --shard K/N runs only the K-th (0..N-1) of N
disjoint slices of those seeds, so that N machines started with the same
flags and K = 0..N-1 cover the range between them; --format json writes the
report as data, the counterexamples' scenario files included, and
simulate check merge REPORT... combines the reports into one summary (see
simulate check merge --help).

Ctrl-C stops the sweep: it prints the figures of the runs done so far,
writes the counterexamples found (unshrunk if the shrink was under way) and
exits with code 130. --out is checked before the sweep starts.

Properties (the default is all but the negative one):
%s
Flags:
`

func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return checkMergeCmd(args[1:], stdout)
	}
	var o checkOptions
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.IntVar(&o.runs, "runs", 1000, "number of random scenarios")
	fs.Func("seed", "first seed (an unsigned integer; default 1)", func(v string) error {
		_, err := fmt.Sscan(v, &o.seed)
		return err
	})
	o.seed = 1
	fs.StringVar(&o.mode, "mode", "", "only this checkpointing mode: aligned, unaligned or at-least-once (default: all)")
	fs.StringVar(&o.property, "property", "", "only this property, generating scenarios it applies to (default: all but the negative one)")
	fs.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines")
	fs.StringVar(&o.out, "out", ".", "directory for the scenario files of counterexamples")
	fs.IntVar(&o.shrinkRuns, "shrink-runs", check.DefaultShrinkRuns, "most candidate scenarios one shrink may run")
	fs.StringVar(&o.faults, "faults", "", "fault schedules: none, some (about half of the runs) or always (default: some, or what --property needs)")
	fs.IntVar(&o.maxFaults, "max-faults", check.DefaultBounds().Faults.Max, "most faults in a run's schedule")
	fs.StringVar(&o.restores, "restores", "", "manual restores (some rescaling): none, some (a third of the runs) or always (default: some, or what --property needs)")
	fs.StringVar(&o.versions, "flink-version", "", "the Flink releases whose rules the runs follow, comma-separated, each run the one its seed picks (default: the current, "+sim.CurrentFlinkVersion.String()+")")
	fs.StringVar(&o.shared, "taskmanagers", "", "shared TaskManagers (local channels): none, some (half of the runs) or always (default: none, a TaskManager for every subtask)")
	o.shardN = 1
	fs.Func("shard", "run only shard `K/N`: the K-th (0..N-1) of N disjoint slices of the seeds (default: all)", func(v string) (err error) {
		o.shardK, o.shardN, err = parseShard(v)
		return err
	})
	fs.StringVar(&o.format, "format", "text", "report format: text, or json (the report as data, for simulate check merge)")
	fs.Usage = func() {
		var b strings.Builder
		for _, p := range check.Properties() {
			doc := p.Doc
			if p.Negative {
				doc = "NEGATIVE, false on purpose: " + doc
			}
			fmt.Fprintf(&b, "  %s\n      %s\n", p.Name, doc)
		}
		fmt.Fprintf(stdout, checkUsage, b.String())
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	props, b, err := o.setup()
	if err != nil {
		return err
	}
	if len(files) > 0 {
		return checkFiles(files, props, stdout)
	}
	if o.runs < 1 {
		return bad("--runs must be at least 1")
	}
	if o.workers < 1 {
		return bad("--workers must be at least 1")
	}
	if o.format != "text" && o.format != "json" {
		return bad("--format %q: allowed are %s", o.format, strings.Join(formats, ", "))
	}
	if _, n := o.shardRange(); n < 1 {
		return bad("--shard %d/%d of %d runs is empty: use at most --runs shards", o.shardK, o.shardN, o.runs)
	}
	if err := writableDir("--out", o.out); err != nil {
		return err
	}
	defer tuneGC(sweepGCPercent)()
	return o.sweep(ctx, b, props, stdout, stderr)
}

// setup resolves --property and --mode into the properties and bounds.
func (o *checkOptions) setup() ([]check.Property, check.Bounds, error) {
	b := check.DefaultBounds()
	var props []check.Property
	if o.property == "" || o.property == "all" {
		for _, p := range check.Properties() {
			if !p.Negative {
				props = append(props, p)
			}
		}
	} else {
		p, ok := check.Lookup(o.property)
		if !ok {
			var names []string
			for _, p := range check.Properties() {
				names = append(names, p.Name)
			}
			return nil, b, bad("--property %q: allowed are %s", o.property, strings.Join(names, ", "))
		}
		props = []check.Property{p}
		if p.Focus != nil {
			p.Focus(&b)
		}
	}
	if o.mode != "" {
		m := sim.Mode(o.mode)
		if !slices.Contains(sim.Modes, m) {
			return nil, b, bad("--mode %q: allowed are aligned, unaligned and at-least-once", o.mode)
		}
		b.Modes = []sim.Mode{m}
	}
	if o.maxFaults < 1 || o.maxFaults > scenarios.MaxFaults {
		return nil, b, bad("--max-faults must be 1..%d", scenarios.MaxFaults)
	}
	switch o.faults {
	case "":
		if b.Faults.Max > 0 {
			b.Faults.Max = o.maxFaults
		}
	case "none":
		b.Faults = check.Range{}
	case "some":
		b.Faults = check.Range{Min: 0, Max: o.maxFaults}
	case "always":
		b.Faults = check.Range{Min: 1, Max: o.maxFaults}
	default:
		return nil, b, bad("--faults %q: allowed are %s", o.faults, strings.Join(faultChoices, ", "))
	}
	if err := setChoice(&b.Restores, "--restores", o.restores); err != nil {
		return nil, b, err
	}
	if err := setChoice(&b.SharedTaskManagers, "--taskmanagers", o.shared); err != nil {
		return nil, b, err
	}
	if o.versions != "" {
		for _, text := range strings.Split(o.versions, ",") {
			v, err := sim.ParseFlinkVersion(strings.TrimSpace(text))
			if err != nil {
				return nil, b, bad("--flink-version: %v", err)
			}
			b.Versions = append(b.Versions, v)
		}
		o.versions = versionsWord(b, ",") // as the replay command says it
	}
	return props, b, nil
}

// setChoice sets *c from the value of flag (none, some or always); ""
// leaves it as it is.
func setChoice(c *check.Choice, flag, value string) error {
	switch value {
	case "":
	case "none":
		*c = check.Never
	case "some":
		*c = check.Sometimes
	case "always":
		*c = check.Always
	default:
		return bad("%s %q: allowed are %s", flag, value, strings.Join(faultChoices, ", "))
	}
	return nil
}

// versionsWord lists the bounds' Flink releases, separated by sep.
func versionsWord(b check.Bounds, sep string) string {
	names := make([]string, len(b.Versions))
	for i, v := range b.Versions {
		names[i] = v.String()
	}
	return strings.Join(names, sep)
}

// faultsWord describes the bounds' fault schedules.
func faultsWord(b check.Bounds) string {
	switch {
	case b.Faults.Max == 0:
		return "none"
	case b.Faults.Min == 0:
		return fmt.Sprintf("about half of the runs, 1..%d", b.Faults.Max)
	}
	return fmt.Sprintf("every run, %d..%d", b.Faults.Min, b.Faults.Max)
}

// restoresWord describes the bounds' manual restores.
func restoresWord(c check.Choice) string {
	switch c {
	case check.Never:
		return "none"
	case check.Always:
		return "every run"
	}
	return "a third of the runs"
}

// checkFiles judges scenario files.
func checkFiles(files []string, props []check.Property, stdout io.Writer) error {
	failed := false
	for _, f := range files {
		sc, err := load(f)
		if err != nil {
			return err
		}
		run, verdicts, err := check.Evaluate(sc.Config, props...)
		if err != nil {
			fmt.Fprintf(stdout, "%s: ERROR %v\n", sc.File, err)
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "%s: %d events\n", sc.File, run.Events)
		for _, v := range verdicts {
			fmt.Fprintf(stdout, "  %-4s %-30s %s\n", v.Status, v.Property, v.Detail)
			failed = failed || v.Status == check.Fail
		}
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

// sweep runs the random scenarios and reports, as text or as JSON.
func (o *checkOptions) sweep(ctx context.Context, b check.Bounds, props []check.Property, stdout, stderr io.Writer) error {
	rep, err := o.sweepText(ctx, b, props, o.textOut(stdout), stderr)
	if werr := o.writeSummary(stdout, props, rep); werr != nil {
		return werr
	}
	return err
}

// sweepText runs the random scenarios of this shard and reports in text.
func (o *checkOptions) sweepText(ctx context.Context, b check.Bounds, props []check.Property, stdout, stderr io.Writer) (*check.Report, error) {
	names := make([]string, len(props))
	for i, p := range props {
		names[i] = p.Name
	}
	mode := o.mode
	if mode == "" {
		mode = "all"
	}
	seed, runs := o.shardRange()
	if len(b.Versions) > 0 {
		mode += ", Flink " + versionsWord(b, ", ")
	}
	switch b.SharedTaskManagers {
	case check.Sometimes:
		mode += ", shared TaskManagers in half of the runs"
	case check.Always:
		mode += ", shared TaskManagers in every run"
	}
	fmt.Fprintf(stdout, "simulate check: seeds %d..%d%s, mode %s, faults: %s, restores: %s, %d worker(s)\nproperties: %s\n\n", seed, seed+uint64(runs)-1, o.shardWord(),
		mode, faultsWord(b), restoresWord(b.Restores), o.workers, strings.Join(names, ", "))

	ctx, stop := interruptContext(ctx, stderr)
	defer stop()
	start := time.Now()
	lastPrint := start
	done, failures := 0, 0
	sw := &check.Sweep{Bounds: b, Properties: props, Seed: seed, Runs: runs, Workers: o.workers,
		OnResult: func(r check.SeedResult) {
			done++
			if r.Failed() {
				failures++
			}
			if now := time.Now(); now.Sub(lastPrint) >= time.Second || done == runs {
				lastPrint = now
				fmt.Fprintf(stderr, "check: %d/%d runs, %d failed, %.0f runs/s\n", done, runs, failures, float64(done)/now.Sub(start).Seconds())
			}
		}}
	rep := sw.Run(ctx)
	interrupted := rep.Runs < runs
	switch {
	case interrupted && rep.Runs == 0:
		fmt.Fprintf(stdout, "INTERRUPTED before the first of %d runs finished.\n\n", runs)
	case interrupted:
		fmt.Fprintf(stdout, "INTERRUPTED after %d of %d runs: the figures below are those of seeds %d..%d.\n\n", rep.Runs, runs, seed, seed+uint64(rep.Runs)-1)
	}

	sum := rep.Summary(o.sweepID(props), seed, o.workers)
	printTable(stdout, &sum, false)
	if !rep.Failed() {
		if interrupted {
			fmt.Fprintln(stdout, "OK so far: every property held (or did not apply) on every run done")
			return rep, errInterrupted
		}
		fmt.Fprintln(stdout, "OK: every property held (or did not apply) on every run")
		return rep, nil
	}
	for _, st := range rep.Stats {
		if st.Failed > 0 {
			if err := o.counterexample(ctx, b, st, stdout); err != nil {
				return rep, err
			}
		}
	}
	if rep.Errors > 0 {
		o.engineError(ctx, b, rep, stdout)
	}
	if ctx.Err() != nil {
		return rep, errInterrupted
	}
	return rep, errChecksFailed
}

// maxShrinkSeeds is how many of the lowest failing seeds are shrunk; the
// smallest result is kept.
const maxShrinkSeeds = 5

// counterexample shrinks the lowest failing seeds of a property, writes
// the smallest result and says how to replay it.
func (o *checkOptions) counterexample(ctx context.Context, b check.Bounds, st check.PropertyStats, stdout io.Writer) error {
	p := st.Property
	what := "FAIL"
	if p.Negative {
		what = "REFUTED (as expected: a negative property)"
	}
	fmt.Fprintf(stdout, "\n%s %s: %d of %d runs; lowest failing seed %d:\n  %s\n", what, p.Name, st.Failed, st.Passed+st.Failed+st.Skipped,
		st.FailingSeeds[0], verdictOf(st.First, p.Name).Detail)
	seeds := st.FailingSeeds[:min(len(st.FailingSeeds), maxShrinkSeeds)]
	best := shrinkUnlessInterrupted(ctx, b, seeds[0], func() shrinkResult {
		cfg, seed, stats := check.ShrinkSeeds(b, seeds, p, o.shrinkRuns)
		return shrinkResult{cfg: cfg, seed: seed, stats: stats, done: true}
	})
	_, verdicts, err := check.Evaluate(best.cfg, p)
	if err != nil {
		return err
	}
	detail := verdicts[0].Detail
	name := fmt.Sprintf("%s-seed-%d", p.Name, best.seed)
	kind := "property"
	if p.Negative {
		kind = "negative property (false on purpose)"
	}
	desc := fmt.Sprintf("A counterexample to the %s %s: %s.\nViolated: %s.\nFound by simulate check at seed %d (simulate check --seed %d --runs 1%s), %s.",
		kind, p.Name, p.Doc, strings.TrimSuffix(detail, "."), best.seed, best.seed, o.flags(), best.how())
	sz := check.Size(best.cfg)
	if best.done {
		fmt.Fprintf(stdout, "  shrunk seed %d in %d steps (%d candidate runs) to %d operators, %d subtasks, %d edges:\n  %s\n",
			best.seed, best.stats.Steps, best.stats.Runs, sz.Operators, sz.Subtasks, sz.Edges, detail)
	} else {
		fmt.Fprintf(stdout, "  seed %d, %s: %d operators, %d subtasks, %d edges\n  shrink it with: simulate check --seed %d --runs 1%s\n",
			best.seed, best.how(), sz.Operators, sz.Subtasks, sz.Edges, best.seed, o.flags())
	}
	path, ok := o.save(stdout, name, best.cfg, desc)
	o.record(p.Name, best.seed, detail, path, best.cfg, name, desc)
	if ok {
		fmt.Fprintf(stdout, "  replay: simulate run %s\n          simulate check --property %s %s\n", path, p.Name, path)
	}
	return nil
}

// engineError shrinks the lowest seed the engine refused or panicked on.
func (o *checkOptions) engineError(ctx context.Context, b check.Bounds, rep *check.Report, stdout io.Writer) {
	seed := rep.FirstError.Seed
	fmt.Fprintf(stdout, "\nERROR the engine failed on %d run(s); lowest seed %d:\n  %v\n", rep.Errors, seed, rep.FirstError.Err)
	fails := func(c sim.Config) bool { _, _, err := check.Evaluate(c); return err != nil }
	small := shrinkUnlessInterrupted(ctx, b, seed, func() shrinkResult {
		cfg, stats := check.Shrink(check.Scenario(b, seed), fails, o.shrinkRuns)
		return shrinkResult{cfg: cfg, seed: seed, stats: stats, done: true}
	})
	_, _, err := check.Evaluate(small.cfg)
	desc := fmt.Sprintf("The engine fails on this scenario:\n%v\n\nsimulate check found it at seed %d; %s.", err, seed, small.how())
	name := fmt.Sprintf("engine-error-seed-%d", seed)
	path, ok := o.save(stdout, name, small.cfg, desc)
	o.record("", seed, rep.FirstError.Err.Error(), path, small.cfg, name, desc)
	if ok {
		fmt.Fprintf(stdout, "  replay: simulate run %s\n", path)
	}
}

// save writes a counterexample to --out and says where. Should that fail
// (--out was checked before the sweep, but a disk fills) it prints the
// scenario instead: the failure found is not lost behind a write error,
// and the exit code stays 1.
func (o *checkOptions) save(stdout io.Writer, name string, cfg sim.Config, desc string) (path string, ok bool) {
	path, err := writeScenario(o.out, name, cfg, desc)
	if err == nil {
		fmt.Fprintf(stdout, "  wrote %s\n", path)
		return path, true
	}
	fmt.Fprintf(stdout, "  could not write it to %s: %v\n", o.out, err)
	if data, err := scenarios.Marshal(cfg, name, desc); err == nil {
		fmt.Fprintf(stdout, "  the scenario:\n%s", data)
	}
	return "", false
}

// shrinkResult is a counterexample, shrunk or not.
type shrinkResult struct {
	cfg   sim.Config
	seed  uint64
	stats check.ShrinkStats
	// done is false when an interrupt kept the scenario from being shrunk.
	done bool
}

// how says how the counterexample was shrunk.
func (r shrinkResult) how() string {
	if !r.done {
		return "not shrunk: the command was interrupted"
	}
	return fmt.Sprintf("shrunk in %d steps", r.stats.Steps)
}

// shrinkUnlessInterrupted runs shrink unless ctx is done before it starts
// or while it runs: an interrupted command writes seed's scenario as it
// was generated rather than wait for the shrink.
func shrinkUnlessInterrupted(ctx context.Context, b check.Bounds, seed uint64, shrink func() shrinkResult) shrinkResult {
	unshrunk := shrinkResult{cfg: check.Scenario(b, seed), seed: seed}
	if ctx.Err() != nil {
		return unshrunk
	}
	done := make(chan shrinkResult, 1)
	go func() { done <- shrink() }()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return unshrunk
	}
}

// flags are the flags besides --seed and --runs that reproduce a seed's
// scenario (a --property focuses the bounds).
func (o *checkOptions) flags() string {
	var f string
	if o.property != "" {
		f += " --property " + o.property
	}
	if o.mode != "" {
		f += " --mode " + o.mode
	}
	if o.faults != "" {
		f += " --faults " + o.faults
	}
	if o.maxFaults != check.DefaultBounds().Faults.Max {
		f += fmt.Sprintf(" --max-faults %d", o.maxFaults)
	}
	if o.restores != "" {
		f += " --restores " + o.restores
	}
	if o.versions != "" {
		f += " --flink-version " + o.versions
	}
	if o.shared != "" {
		f += " --taskmanagers " + o.shared
	}
	return f
}

func verdictOf(r *check.SeedResult, name string) check.Verdict {
	for _, v := range r.Verdicts {
		if v.Property == name {
			return v
		}
	}
	return check.Verdict{}
}

// writeScenario writes cfg as dir/name.yaml, or dir/name-2.yaml and so on
// if that exists: it never overwrites a file.
func writeScenario(dir, name string, cfg sim.Config, desc string) (string, error) {
	data, err := scenarios.Marshal(cfg, name, desc)
	if err != nil {
		return "", err
	}
	return writeNew(dir, name, data)
}

// writeNew writes data as dir/name.yaml, or dir/name-2.yaml and so on if
// that exists: it never overwrites a file.
func writeNew(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for i := 1; i < 1000; i++ {
		path := filepath.Join(dir, name+".yaml")
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", name, i))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		return path, werr
	}
	return "", fmt.Errorf("%s: too many files named %s-N.yaml", dir, name)
}
