package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// Expectation is one expected outcome of a run, from the expect section of
// a scenario file: a key and the value or comparison the file gives.
// Scenario.Check evaluates the expectations against a run's result.
type Expectation struct {
	// Name is the key: exactly_once_state, duplicates, job, ...
	Name string
	// Want is the expected value as written, without spaces: "true",
	// ">0", ">=5", "<2s", "3", "RUNNING", "!=FAILED".
	Want string
	// Line and Column are where the file gives the value.
	Line, Column int

	row *expectRow
	// op is the comparison: ==, !=, <, <=, >, >=.
	op string
	// num is the number, or the duration in ns.
	num int64
	// word is the bool ("true", "false") or the job status.
	word string
}

// ExpectationResult is the verdict of one expectation on a result.
type ExpectationResult struct {
	// Name is the expectation's key.
	Name string
	// Want is the expected value as written (Expectation.Want).
	Want string
	// Got is the result's value; for an invariant the run did not check,
	// "not checked: " and why.
	Got string
	// OK reports whether the expectation held.
	OK bool
	// Line is the expectation's line in the scenario file.
	Line int
}

// expectType is what an expectation compares.
type expectType uint8

const (
	// expectBool compares the verdict of an invariant.
	expectBool expectType = iota
	// expectCount compares a number of the result.
	expectCount
	// expectDuration compares a duration of the result.
	expectDuration
	// expectJob compares the job's final status.
	expectJob
)

// expectRow is a key of the expect section and the part of sim.Result it
// compares.
type expectRow struct {
	name string
	typ  expectType
	// invariants are the names of the invariant (expectBool), the first
	// one present in the result counts.
	invariants []string
	// value is the number or duration in ns (expectCount, expectDuration).
	value func(r *sim.Result) int64
	// counted, if set, is the invariant whose presence says that value
	// was computed: sim counts duplicates and lost records only for a run
	// that drained, and reports the no-loss invariant then.
	counted string
}

// expectTable lists every key of the expect section.
var expectTable = []expectRow{
	{name: "exactly_once_state", typ: expectBool, invariants: []string{"exactly-once-state"}},
	{name: "no_loss", typ: expectBool, invariants: []string{"no-loss"}},
	{name: "end_to_end", typ: expectBool, invariants: []string{"end-to-end"}},
	{name: "consistent_snapshots", typ: expectBool, invariants: []string{"consistent-snapshot", "at-least-once-snapshot"}},
	{name: "tokens_conserved", typ: expectBool, invariants: []string{"token-conservation"}},
	{name: "completed_snapshots", typ: expectCount, value: func(r *sim.Result) int64 { return int64(r.CompletedSnapshots()) }},
	{name: "duplicates", typ: expectCount, value: func(r *sim.Result) int64 { return r.Summary.Duplicates }, counted: "no-loss"},
	{name: "lost", typ: expectCount, value: func(r *sim.Result) int64 { return r.Summary.Lost }, counted: "no-loss"},
	{name: "lost_at_finish", typ: expectCount, value: func(r *sim.Result) int64 { return r.Summary.LostAtFinish }, counted: "no-loss"},
	{name: "restarts", typ: expectCount, value: func(r *sim.Result) int64 { return int64(r.Summary.Restarts) }},
	{name: "resubmissions", typ: expectCount, value: func(r *sim.Result) int64 { return int64(countResubmissions(r, false)) }},
	{name: "restores_refused", typ: expectCount, value: func(r *sim.Result) int64 { return int64(countResubmissions(r, true)) }},
	{name: "completed_checkpoints", typ: expectCount, value: func(r *sim.Result) int64 { return int64(r.Summary.Completed) }},
	{name: "expired_checkpoints", typ: expectCount, value: func(r *sim.Result) int64 { return int64(r.Summary.Expired) }},
	{name: "aborted_checkpoints", typ: expectCount, value: func(r *sim.Result) int64 { return int64(r.Summary.Aborted) }},
	{name: "records_between_checkpoints", typ: expectCount, value: func(r *sim.Result) int64 { return r.Summary.RecordsBetweenCheckpoints }},
	{name: "max_restore_time", typ: expectDuration, value: func(r *sim.Result) int64 { return r.Summary.MaxRestoreTime }},
	{name: "mean_restore_time", typ: expectDuration, value: func(r *sim.Result) int64 { return r.Summary.MeanRestoreTime }},
	{name: "min_restore_time", typ: expectDuration, value: minRestoreTime},
	{name: "max_end_to_end", typ: expectDuration, value: func(r *sim.Result) int64 { return r.Summary.MaxEndToEnd }},
	{name: "mean_end_to_end", typ: expectDuration, value: func(r *sim.Result) int64 { return r.Summary.MeanEndToEnd }},
	{name: "max_commit_latency", typ: expectDuration, value: func(r *sim.Result) int64 { return r.Summary.MaxCommitLatency }},
	{name: "shared_state", typ: expectBool, invariants: []string{"shared-state"}},
	{name: "checkpointed_percent", typ: expectCount, value: checkpointedPercent},
	{name: "moved_key_groups", typ: expectCount, value: moved(func(op *sim.OperatorRescale) int { return op.Moved })},
	{name: "moved_splits", typ: expectCount, value: moved(func(op *sim.OperatorRescale) int { return op.MovedSplits })},
	{name: "job", typ: expectJob},
}

// jobStatuses are the words of the job expectation, as Flink spells them.
var jobStatuses = func() []string {
	var names []string
	for j := sim.JobRunning; j <= sim.JobCanceled; j++ {
		names = append(names, j.String())
	}
	return names
}()

// expectFields is the table of the expect section; each key appends an
// Expectation to s.Expect, in the file's order.
func expectFields(s *Scenario) []field {
	fields := make([]field, len(expectTable))
	for i := range expectTable {
		row := &expectTable[i]
		fields[i] = field{name: row.name, set: func(n *yaml.Node) error {
			e, err := parseExpectation(row, n)
			if err != nil {
				return err
			}
			s.Expect = append(s.Expect, e)
			return nil
		}}
	}
	return fields
}

// comparisons are the operators of an expectation, longest first so that
// ">=" is not read as ">".
var comparisons = []string{">=", "<=", "==", "!=", ">", "<"}

// parseExpectation decodes the value of an expectation of row.
func parseExpectation(row *expectRow, n *yaml.Node) (Expectation, error) {
	e := Expectation{Name: row.name, Line: n.Line, Column: n.Column, row: row, op: "=="}
	if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return e, bad(n, "write the comparison in quotes (%q): unquoted, YAML reads ! as the start of a tag", strings.TrimSpace(n.Tag+" "+n.Value))
	}
	if row.typ == expectBool {
		var b bool
		if err := boolean(&b)(n); err != nil {
			return e, err
		}
		e.word = strconv.FormatBool(b)
		e.Want = e.word
		return e, nil
	}
	hint := map[expectType]string{
		expectCount:    `a whole number or a comparison such as ">0", ">=5", "==3", "!=0"`,
		expectDuration: `a duration or a comparison such as "<2s", ">=100ms", "==0s"`,
		expectJob:      "one of " + strings.Join(jobStatuses, ", ") + `, or "!=" and one of them`,
	}[row.typ]
	s, err := scalar(n, hint)
	if err != nil {
		return e, err
	}
	s = strings.TrimSpace(s)
	written := ""
	for _, op := range comparisons {
		if rest, ok := strings.CutPrefix(s, op); ok {
			e.op, written, s = op, op, strings.TrimSpace(rest)
			break
		}
	}
	if s == "" {
		return e, bad(n, "expected %s, got %s", hint, describe(n))
	}
	e.Want = written + s
	switch row.typ {
	case expectCount:
		v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if !intSyntax.MatchString(s) || err != nil {
			return e, bad(n, "expected %s, got %s", hint, describe(n))
		}
		e.num = v
	case expectDuration:
		d, err := time.ParseDuration(s)
		switch {
		case err == nil:
			e.num = int64(d)
		case numberSyntax.MatchString(s):
			return e, bad(n, "invalid duration %q: a unit is required (%s)", s, durationHint)
		default:
			return e, bad(n, "expected %s (%s), got %s", hint, durationHint, describe(n))
		}
	case expectJob:
		if e.op != "==" && e.op != "!=" {
			return e, bad(n, "only == and != compare a job status, got %s", describe(n))
		}
		valid := false
		for _, j := range jobStatuses {
			valid = valid || j == s
		}
		if !valid {
			return e, bad(n, "unknown job status %q (allowed: %s)", s, strings.Join(jobStatuses, ", "))
		}
		e.word = s
	}
	return e, nil
}

// Check evaluates the scenario's expectations against r, in the file's
// order. An invariant the result does not hold (for instance because the
// run did not drain), or holds with a detail that starts with "not
// checked", fails the expectation with a Got that says so; so do
// duplicates and lost, which sim counts only for a run that drained.
func (s *Scenario) Check(r *sim.Result) []ExpectationResult {
	out := make([]ExpectationResult, 0, len(s.Expect))
	for i := range s.Expect {
		out = append(out, s.Expect[i].check(r))
	}
	return out
}

// check evaluates e against r.
func (e *Expectation) check(r *sim.Result) ExpectationResult {
	res := ExpectationResult{Name: e.Name, Want: e.Want, Line: e.Line}
	switch e.row.typ {
	case expectBool:
		inv := findInvariant(r, e.row.invariants)
		switch {
		case inv == nil:
			res.Got = "not checked: absent"
		case notChecked(inv.Detail):
			d := strings.TrimSpace(inv.Detail[len("not checked"):])
			res.Got = "not checked: " + strings.TrimSpace(strings.TrimPrefix(d, ":"))
		default:
			res.Got = strconv.FormatBool(inv.OK)
			res.OK = res.Got == e.word
		}
	case expectCount, expectDuration:
		if e.row.counted != "" && findInvariant(r, []string{e.row.counted}) == nil {
			res.Got = "not checked: counted only when the run drains (no " + e.row.counted + " invariant)"
			break
		}
		v := e.row.value(r)
		res.Got = strconv.FormatInt(v, 10)
		if e.row.typ == expectDuration {
			res.Got = time.Duration(v).String()
		}
		res.OK = compare(v, e.op, e.num)
	case expectJob:
		res.Got = jobStatus(r.Job)
		res.OK = (res.Got == e.word) == (e.op == "==")
	}
	return res
}

// findInvariant returns the first invariant of r named one of names.
func findInvariant(r *sim.Result, names []string) *sim.Invariant {
	for _, name := range names {
		for i := range r.Invariants {
			if r.Invariants[i].Name == name {
				return &r.Invariants[i]
			}
		}
	}
	return nil
}

// notChecked reports whether an invariant's detail says the checker could
// not run.
func notChecked(detail string) bool {
	return len(detail) >= len("not checked") && strings.EqualFold(detail[:len("not checked")], "not checked")
}

// jobStatus is the name of j, also for a status this package does not know.
func jobStatus(j sim.JobStatus) string {
	if int(j) < len(jobStatuses) {
		return jobStatuses[j]
	}
	return fmt.Sprintf("JobStatus(%d)", j)
}

// compare applies op to got and want.
func compare(got int64, op string, want int64) bool {
	switch op {
	case "!=":
		return got != want
	case "<":
		return got < want
	case "<=":
		return got <= want
	case ">":
		return got > want
	case ">=":
		return got >= want
	}
	return got == want
}

// countResubmissions counts the manual restores that were carried out, or
// with refused those that found nothing to restore.
func countResubmissions(r *sim.Result, refused bool) int {
	n := 0
	for _, rs := range r.Resubmissions {
		if (rs.Refused != "") == refused {
			n++
		}
	}
	return n
}
