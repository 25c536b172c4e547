package compare

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ckptsim/ckptsim/internal/human"
	"github.com/ckptsim/ckptsim/sim"
)

// Run is one variant's run.
type Run struct {
	// Variant is what the run set.
	Variant Variant
	// Result is the engine's result; Result.Stop is sim.Running for a run
	// an interrupt stopped.
	Result *sim.Result
}

// Table is the runs of one scenario and seed, side by side.
type Table struct {
	// Scenario is the scenario's name and Seed its seed.
	Scenario string
	Seed     uint64
	// Axes are what the variants vary.
	Axes []Axis
	// Runs in the grid's order; an interrupted comparison has fewer runs
	// than variants.
	Runs []Run
	// Variants is the number of variants asked for.
	Variants int
}

// Significant is the relative difference from the first column from
// which the text table marks a value.
const Significant = 0.10

// Mark says how a cell differs.
type Mark uint8

// The marks.
const (
	// Same: within Significant of the first column.
	Same Mark = iota
	// Differs: by Significant or more from the first column.
	Differs
	// Wrong: a correctness metric that is not zero.
	Wrong
)

// Cell is one value of the text table.
type Cell struct {
	// Text is the value as printed, Mark how it differs.
	Text string
	Mark Mark
}

// Cells is metric m of every run, formatted and marked against the
// first run.
func (t *Table) Cells(m *Metric) []Cell {
	cells := make([]Cell, len(t.Runs))
	base := 0.0
	for i, r := range t.Runs {
		v := m.Value(r.Result)
		if i == 0 {
			base = v
		}
		cells[i] = Cell{Text: FormatValue(m.Unit, v)}
		switch {
		case m.Correctness && v != 0:
			cells[i].Mark = Wrong
		case i > 0 && differs(base, v) && cells[i].Text != cells[0].Text:
			cells[i].Mark = Differs
		}
	}
	return cells
}

// differs reports whether v is Significant or more away from base.
func differs(base, v float64) bool {
	scale := math.Max(math.Abs(base), math.Abs(v))
	return scale > 0 && math.Abs(v-base) >= Significant*scale
}

// FormatValue formats a metric's value for people.
func FormatValue(u Unit, v float64) string {
	switch u {
	case Nanos:
		return human.Duration(int64(v))
	case Bytes:
		return human.Size(int64(v))
	case PerSecond:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	}
	return strconv.FormatInt(int64(v), 10)
}

// markText is how the text table marks a cell: after the value.
var markText = [...]string{Same: "", Differs: " *", Wrong: " !"}

// WriteText prints the table: a row per metric, a column per run, the
// runs' stop reasons and invariants, and a legend of the marks.
func (t *Table) WriteText(w io.Writer, metrics []*Metric) error {
	fmt.Fprintf(w, "ckptsim compare · scenario %s · seed %d · %d variant(s)\n\n", t.Scenario, t.Seed, t.Variants)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, r := range t.Runs {
		fmt.Fprintf(tw, "%s\t", r.Variant.Label)
	}
	fmt.Fprintln(tw)
	width := len("run ended")
	for _, m := range metrics {
		width = max(width, len(m.Title))
	}
	for _, m := range metrics {
		fmt.Fprintf(tw, "%-*s\t", width, m.Title)
		for _, c := range t.Cells(m) {
			fmt.Fprintf(tw, "%s\t", c.Text+markText[c.Mark])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "%-*s\t", width, "run ended")
	for _, r := range t.Runs {
		fmt.Fprintf(tw, "%s\t", stopText(r.Result))
	}
	fmt.Fprintln(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n* differs from the first column by %.0f%% or more · ! a correctness fault\n", 100*Significant)
	if len(t.Runs) < t.Variants {
		fmt.Fprintf(w, "INTERRUPTED: %d of %d variants ran; the last one's figures are those of its run so far.\n", len(t.Runs), t.Variants)
	}
	fmt.Fprintln(w, "\nInvariants:")
	for _, r := range t.Runs {
		fmt.Fprintf(w, "  %s: %s\n", r.Variant.Label, invariantsText(r.Result))
	}
	return nil
}

// WriteRows prints the sweep's table: a row per run, its axis values then
// the metrics, and how it ended.
func (t *Table) WriteRows(w io.Writer, metrics []*Metric) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, a := range t.Axes {
		fmt.Fprintf(tw, "%s\t", a.Name())
	}
	for _, m := range metrics {
		fmt.Fprintf(tw, "%s\t", m.Key)
	}
	fmt.Fprintln(tw, "run ended\t")
	for _, r := range t.Runs {
		for _, v := range r.Variant.Values {
			fmt.Fprintf(tw, "%s\t", v)
		}
		for _, m := range metrics {
			fmt.Fprintf(tw, "%s\t", FormatValue(m.Unit, m.Value(r.Result)))
		}
		fmt.Fprintf(tw, "%s\t\n", stopText(r.Result))
	}
	return tw.Flush()
}

// stopText says how a run ended.
func stopText(r *sim.Result) string {
	if r.Stop == sim.Running {
		return "interrupted"
	}
	return fmt.Sprintf("%s at %s", r.Stop, human.Duration(r.VirtualEnd))
}

// invariantsText lists a run's failed invariants, or says they held.
func invariantsText(r *sim.Result) string {
	var failed []string
	for _, inv := range r.Invariants {
		if !inv.OK {
			failed = append(failed, inv.Name)
		}
	}
	if len(failed) > 0 {
		return "FAIL " + strings.Join(failed, ", ")
	}
	return fmt.Sprintf("all %d held", len(r.Invariants))
}

// SchemaVersion is the version of the JSON of WriteJSON; it grows when a
// key changes meaning or goes away.
const SchemaVersion = 1

// JSON shapes of WriteJSON; the names are stable.
type jsonTable struct {
	SchemaVersion int          `json:"schema_version"`
	Scenario      string       `json:"scenario"`
	Seed          uint64       `json:"seed"`
	Axes          []jsonAxis   `json:"axes"`
	Variants      int          `json:"variants"`
	Interrupted   bool         `json:"interrupted"`
	Runs          []jsonRun    `json:"runs"`
	Metrics       []jsonMetric `json:"metrics"`
}

type jsonAxis struct {
	Path   string   `json:"path"`
	Values []string `json:"values"`
}

type jsonMetric struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Unit  string `json:"unit"`
}

type jsonRun struct {
	Label      string             `json:"label"`
	Values     []string           `json:"values"`
	Stop       string             `json:"stop"`
	VirtualEnd int64              `json:"virtual_end_ns"`
	Metrics    map[string]float64 `json:"metrics"`
	Invariants []jsonInvariant    `json:"invariants"`
}

type jsonInvariant struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// unitNames name the units in JSON: the raw values are in these.
var unitNames = [...]string{Count: "count", Nanos: "ns", Bytes: "bytes", PerSecond: "per_second"}

// WriteJSON writes the table as one JSON document: the axes, the
// metrics' keys and units, and each run's raw values (ns, bytes).
func (t *Table) WriteJSON(w io.Writer, metrics []*Metric) error {
	out := jsonTable{SchemaVersion: SchemaVersion, Scenario: t.Scenario, Seed: t.Seed, Variants: t.Variants,
		Interrupted: len(t.Runs) < t.Variants, Axes: []jsonAxis{}, Runs: []jsonRun{}}
	for _, a := range t.Axes {
		out.Axes = append(out.Axes, jsonAxis{Path: a.Path, Values: a.Values})
	}
	for _, m := range metrics {
		out.Metrics = append(out.Metrics, jsonMetric{Key: m.Key, Title: m.Title, Unit: unitNames[m.Unit]})
	}
	for _, r := range t.Runs {
		jr := jsonRun{Label: r.Variant.Label, Values: r.Variant.Values, Stop: stopName(r.Result), VirtualEnd: r.Result.VirtualEnd,
			Metrics: make(map[string]float64, len(metrics))}
		for _, m := range metrics {
			jr.Metrics[m.Key] = m.Value(r.Result)
		}
		for _, inv := range r.Result.Invariants {
			jr.Invariants = append(jr.Invariants, jsonInvariant{Name: inv.Name, OK: inv.OK, Detail: inv.Detail})
		}
		out.Runs = append(out.Runs, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// stopName is a run's stop reason, "interrupted" for one that did not
// end.
func stopName(r *sim.Result) string {
	if r.Stop == sim.Running {
		return "interrupted"
	}
	return r.Stop.String()
}

// WriteCSV writes a header and one row per run: the axes' values, then
// the metrics' raw values (ns, bytes), then the run's stop reason.
func (t *Table) WriteCSV(w io.Writer, metrics []*Metric) error {
	cw := csv.NewWriter(w)
	head := make([]string, 0, len(t.Axes)+len(metrics)+1)
	for _, a := range t.Axes {
		head = append(head, a.Path)
	}
	for _, m := range metrics {
		head = append(head, m.Key)
	}
	if err := cw.Write(append(head, "stop")); err != nil {
		return err
	}
	for _, r := range t.Runs {
		row := append([]string(nil), r.Variant.Values...)
		for _, m := range metrics {
			row = append(row, strconv.FormatFloat(m.Value(r.Result), 'f', -1, 64))
		}
		if err := cw.Write(append(row, stopName(r.Result))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
