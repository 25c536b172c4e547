package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// Sweeps beyond one machine: --shard K/N runs a slice of the seed range,
// --format json writes the report as data, and simulate check merge
// combines the shards' reports.

// formats are the values of --format.
var formats = []string{"text", "json"}

// parseShard reads --shard K/N: shard K (0-based, as Kubernetes'
// JOB_COMPLETION_INDEX) of N.
func parseShard(v string) (k, n int, err error) {
	if v == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(v, "/")
	if _, e1 := fmt.Sscan(a, &k); !ok || e1 != nil {
		return 0, 0, bad("--shard %q: want K/N, shard K (0..N-1) of N, such as 3/100", v)
	}
	if _, e2 := fmt.Sscan(b, &n); e2 != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, bad("--shard %q: want K/N with N >= 1 and K in 0..N-1", v)
	}
	return k, n, nil
}

// shardRange is the first seed and the number of runs of this shard of
// the sweep --seed, --runs.
func (o *checkOptions) shardRange() (uint64, int) {
	return check.ShardRange(o.seed, o.runs, o.shardK, o.shardN)
}

// shardWord describes the shard for the sweep's first line.
func (o *checkOptions) shardWord() string {
	if o.shardN == 1 {
		return ""
	}
	return fmt.Sprintf(" (shard %d/%d of seeds %d..%d)", o.shardK, o.shardN, o.seed, o.seed+uint64(o.runs)-1)
}

// sweepID identifies the whole sweep this command runs a shard of.
func (o *checkOptions) sweepID(props []check.Property) check.SweepID {
	id := check.SweepID{Seed: o.seed, Runs: o.runs, Shards: o.shardN, Flags: o.flags()}
	for _, p := range props {
		id.Properties = append(id.Properties, p.Name)
	}
	return id
}

// record notes a counterexample written to path ("" if it could not be
// written), for the JSON report.
func (o *checkOptions) record(property string, seed uint64, detail, path string, cfg sim.Config, name, desc string) {
	data, err := scenarios.Marshal(cfg, name, desc)
	if err != nil {
		return // save printed why
	}
	o.found = append(o.found, check.Counterexample{Property: property, Seed: seed, Detail: detail, File: path, Scenario: string(data)})
}

// textOut is where the sweep writes its text: stdout, or nowhere when
// the report goes to stdout as JSON.
func (o *checkOptions) textOut(stdout io.Writer) io.Writer {
	if o.format == "json" {
		return io.Discard
	}
	return stdout
}

// writeSummary writes the sweep's report as JSON when --format json.
func (o *checkOptions) writeSummary(stdout io.Writer, props []check.Property, rep *check.Report) error {
	if o.format != "json" {
		return nil
	}
	first, _ := o.shardRange()
	s := rep.Summary(o.sweepID(props), first, o.workers)
	s.Counterexamples = o.found
	return writeSummaryJSON(stdout, s)
}

func writeSummaryJSON(w io.Writer, s check.Summary) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// behavioursWord lists the known Flink behaviours of a property's skipped
// runs with their counts, by name.
func behavioursWord(counts map[string]int) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		word := name
		if word == "" {
			word = "another known Flink behaviour"
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[name], word))
	}
	if len(parts) == 0 {
		return "a known Flink behaviour"
	}
	return strings.Join(parts, ", ")
}

// printTable prints a summary's verdict counts and run figures; merged
// summaries give machine time summed over shards.
func printTable(w io.Writer, s *check.Summary, merged bool) {
	fmt.Fprintf(w, "%-32s %8s %8s %8s\n", "PROPERTY", "PASSED", "FAILED", "SKIPPED")
	for _, p := range s.Properties {
		fmt.Fprintf(w, "%-32s %8d %8d %8d\n", p.Name, p.Passed, p.Failed, p.Skipped)
	}
	for _, p := range s.Properties {
		if p.FlinkBehaviour > 0 {
			fmt.Fprintf(w, "%s: %d of the skipped runs violate it as Flink does (%s: see docs/flink-semantics.md)\n",
				p.Name, p.FlinkBehaviour, behavioursWord(p.Behaviours))
		}
	}
	fmt.Fprintf(w, "\n%d runs: %d with faults, %d failed over, %d restored manually (%d rescaled), %d drained (job FINISHED)\n",
		s.Runs, s.WithFaults, s.FailedOver, s.Restored, s.Rescaled, s.Drained)
	perWorker := float64(s.Runs) / s.WorkerSeconds
	if merged {
		fmt.Fprintf(w, "%d runs, %d events simulated in %.2fs of shard time (%.2f worker-seconds): %.0f runs/s per worker, %.1f M events/s per worker\n",
			s.Runs, s.Events, s.Seconds, s.WorkerSeconds, perWorker, float64(s.Events)/s.WorkerSeconds/1e6)
		return
	}
	fmt.Fprintf(w, "%d runs, %d events simulated in %.2fs: %.0f runs/s, %.0f runs/s per worker, %.1f M events/s\n",
		s.Runs, s.Events, s.Seconds, float64(s.Runs)/s.Seconds, perWorker, float64(s.Events)/s.Seconds/1e6)
}

const mergeUsage = `Usage: simulate check merge [flags] REPORT...

Combines the JSON reports of the shards of one sweep (simulate check --shard
K/N --format json) into one summary: the same totals as one run over the
whole seed range, the lowest failing seeds of all shards, and the
counterexamples every shard wrote (their scenario files are in the reports;
--out writes them into a directory). Reports of different sweeps, or two
reports of the same seeds, are refused. The exit code is 1 when a property
failed or seeds of the sweep are missing from the reports.

Flags:
`

// checkMergeCmd is simulate check merge.
func checkMergeCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check merge", flag.ContinueOnError)
	format := fs.String("format", "text", "output format: text or json")
	out := fs.String("out", "", "write the counterexamples' scenario files into this directory (default: only list them)")
	fs.Usage = func() {
		fmt.Fprint(stdout, mergeUsage)
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return bad("--format %q: allowed are %s", *format, strings.Join(formats, ", "))
	}
	if len(files) == 0 {
		return bad("simulate check merge needs the reports to merge (files written by simulate check --format json)")
	}
	if *out != "" {
		if err := writableDir("--out", *out); err != nil {
			return err
		}
	}
	var sums []check.Summary
	for _, f := range files {
		s, err := readSummary(f)
		if err != nil {
			return err
		}
		sums = append(sums, s)
	}
	m, err := check.Merge(sums...)
	if err != nil {
		return bad("%v", err)
	}
	if *out != "" {
		for i := range m.Counterexamples {
			c := &m.Counterexamples[i]
			if c.File, err = writeNew(*out, strings.TrimSuffix(filepath.Base(c.File), ".yaml"), []byte(c.Scenario)); err != nil {
				return err
			}
		}
	}
	if *format == "json" {
		if err := writeSummaryJSON(stdout, m); err != nil {
			return err
		}
	} else {
		printMerged(stdout, &m, len(files))
	}
	if m.Failed() || len(m.Missing()) > 0 {
		return errChecksFailed
	}
	return nil
}

// readSummary reads one shard's JSON report.
func readSummary(path string) (check.Summary, error) {
	var s check.Summary
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, bad("%s: not a simulate check report (%v); write one with simulate check --format json", path, err)
	}
	if s.Format != check.SummaryFormat {
		return s, bad("%s: format %q, want %q (written by simulate check --format json)", path, s.Format, check.SummaryFormat)
	}
	return s, nil
}

// printMerged prints a merged summary as a sweep prints its own.
func printMerged(w io.Writer, m *check.Summary, reports int) {
	fmt.Fprintf(w, "simulate check merge: %d report(s) of the sweep of %s\nproperties: %s\n\n", reports, m.Sweep, strings.Join(m.Sweep.Properties, ", "))
	printTable(w, m, true)
	if missing := m.Missing(); len(missing) > 0 {
		var rs []string
		for _, r := range missing {
			rs = append(rs, fmt.Sprintf("%d..%d", r.First, r.Last))
		}
		fmt.Fprintf(w, "INCOMPLETE: no report covers seeds %s\n", strings.Join(rs, ", "))
	}
	if !m.Failed() {
		fmt.Fprintln(w, "OK: every property held (or did not apply) on every run merged")
		return
	}
	for _, p := range m.Properties {
		if p.Failed == 0 {
			continue
		}
		what := "FAIL"
		if p.Negative {
			what = "REFUTED (as expected: a negative property)"
		}
		fmt.Fprintf(w, "\n%s %s: %d of %d runs; lowest failing seed %d:\n  %s\n  failing seeds: %s\n  replay: simulate check --seed %d --runs 1%s\n",
			what, p.Name, p.Failed, p.Passed+p.Failed+p.Skipped, p.FailingSeeds[0], p.FirstDetail, seedList(p.FailingSeeds), p.FailingSeeds[0], m.Sweep.Flags)
		printCounterexamples(w, m, p.Name)
	}
	if m.Errors > 0 {
		fmt.Fprintf(w, "\nERROR the engine failed on %d run(s); lowest seed %d:\n  %s\n", m.Errors, m.FirstError.Seed, m.FirstError.Error)
		printCounterexamples(w, m, "")
	}
}

func printCounterexamples(w io.Writer, m *check.Summary, property string) {
	for _, c := range m.Counterexamples {
		if c.Property == property {
			fmt.Fprintf(w, "  counterexample of seed %d: %s\n    %s\n", c.Seed, c.File, c.Detail)
		}
	}
}

func seedList(seeds []uint64) string {
	var s []string
	for _, x := range seeds {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, " ")
}
