package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ckptsim/ckptsim/scenarios"
)

// jsonExpectation is the verdict of one of the scenario's expectations in
// `simulate run --format json`.
type jsonExpectation struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
}

// jsonExpectations converts the verdicts; never nil, so that the JSON
// always holds the list.
func jsonExpectations(rs []scenarios.ExpectationResult) []jsonExpectation {
	out := make([]jsonExpectation, 0, len(rs))
	for _, r := range rs {
		out = append(out, jsonExpectation{Name: r.Name, Want: r.Want, Got: r.Got, OK: r.OK})
	}
	return out
}

// writeExpectations prints the Expectations block of the text report, with
// the file position of each that failed and a last line naming them. A
// scenario without expectations prints nothing.
func writeExpectations(w io.Writer, file string, rs []scenarios.ExpectationResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nExpectations:")
	for _, r := range rs {
		if r.OK {
			fmt.Fprintf(w, "  ok   %s: want %s, got %s\n", r.Name, r.Want, r.Got)
		} else {
			fmt.Fprintf(w, "  FAIL %s: want %s, got %s (%s:%d)\n", r.Name, r.Want, r.Got, file, r.Line)
		}
	}
	if failed := failedNames(rs); len(failed) > 0 {
		fmt.Fprintf(w, "  %d of %d expectations failed: %s\n", len(failed), len(rs), strings.Join(failed, ", "))
	}
}

// failedNames are the names of the expectations that failed.
func failedNames(rs []scenarios.ExpectationResult) []string {
	var names []string
	for _, r := range rs {
		if !r.OK {
			names = append(names, r.Name)
		}
	}
	return names
}

// expectationsFailed is nil when every expectation held, and otherwise an
// error that names those that failed and exits like failed invariants.
func expectationsFailed(rs []scenarios.ExpectationResult) error {
	failed := failedNames(rs)
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("expectations failed: %s: %w", strings.Join(failed, ", "), errChecksFailed)
}
