package compare

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/internal/human"
)

// IntervalPath is the path of the checkpoint interval: a sweep over it
// marks where the interval falls below the checkpoints' duration.
const IntervalPath = "checkpoint.interval"

// seriesGlyphs draw the points of the series, in order.
const seriesGlyphs = "*o+x#@%&"

// Series is the runs of a sweep that share every axis value but the
// first's: one line of a plot.
type Series struct {
	// Label is the other axes' values ("" with one axis).
	Label string
	// Runs in the first axis's order.
	Runs []Run
}

// Series groups the runs by the values of the axes after the first.
func (t *Table) Series() []Series {
	var out []Series
	for _, r := range t.Runs {
		label := strings.Join(labelParts(t.Axes, r.Variant.Values)[1:], " ")
		i := slices.IndexFunc(out, func(s Series) bool { return s.Label == label })
		if i < 0 {
			out = append(out, Series{Label: label})
			i = len(out) - 1
		}
		out[i].Runs = append(out[i].Runs, r)
	}
	return out
}

// labelParts is "name=value" for each axis.
func labelParts(axes []Axis, values []string) []string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = axes[i].Name() + "=" + v
	}
	return parts
}

// position is where a value of the first axis lies on the x axis: a
// duration in ns, a number, or else its index.
func position(value string, index int) float64 {
	if d, err := time.ParseDuration(value); err == nil {
		return float64(d)
	}
	if f, err := strconv.ParseFloat(value, 64); err == nil {
		return f
	}
	return float64(index)
}

// Crossing is where, in one series of a sweep over the interval, the
// interval becomes longer than the checkpoints' mean end-to-end duration
// (the seed's advice: an interval longer than a checkpoint takes).
type Crossing struct {
	// Series is the series' label.
	Series string
	// Interval is the interpolated interval (ns) at which the two are
	// equal; Below is whether any run of the series had an interval
	// below the duration at all.
	Interval float64
}

// Crossings finds, for each series of a sweep whose first axis is the
// interval, the interval at which it overtakes the mean end-to-end
// duration, interpolated between the two runs around it. A series whose
// intervals are all longer (or all shorter) has none.
func (t *Table) Crossings() []Crossing {
	if len(t.Axes) == 0 || t.Axes[0].Path != IntervalPath {
		return nil
	}
	m, _ := MetricByKey("end_to_end_mean")
	var out []Crossing
	for _, s := range t.Series() {
		for i := 0; i+1 < len(s.Runs); i++ {
			x0, x1 := position(s.Runs[i].Variant.Values[0], i), position(s.Runs[i+1].Variant.Values[0], i+1)
			d0, d1 := m.Value(s.Runs[i].Result), m.Value(s.Runs[i+1].Result)
			g0, g1 := x0-d0, x1-d1 // the interval's margin over the duration
			if g0 < 0 && g1 >= 0 {
				out = append(out, Crossing{Series: s.Label, Interval: x0 + (x1-x0)*(-g0)/(g1-g0)})
				break
			}
		}
	}
	return out
}

// WritePlot draws metric m over the first axis as text, width by height
// characters of plot area: a line per series, and where the interval
// falls below the checkpoints' duration (Crossings) a vertical bar.
func (t *Table) WritePlot(w io.Writer, m *Metric, width, height int) error {
	series := t.Series()
	if len(t.Axes) == 0 || len(series) == 0 {
		return nil
	}
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range series {
		for i, r := range s.Runs {
			x := position(r.Variant.Values[0], i)
			xmin, xmax, ymax = math.Min(xmin, x), math.Max(xmax, x), math.Max(ymax, m.Value(r.Result))
		}
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == 0 {
		ymax = 1
	}
	col := func(x float64) int { return int(math.Round((x - xmin) / (xmax - xmin) * float64(width-1))) }
	row := func(y float64) int { return height - 1 - int(math.Round(y/ymax*float64(height-1))) }
	canvas := make([][]rune, height)
	for i := range canvas {
		canvas[i] = []rune(strings.Repeat(" ", width))
	}
	for si, s := range series {
		glyph := rune(seriesGlyphs[si%len(seriesGlyphs)])
		var px, py int
		for i, r := range s.Runs {
			x, y := col(position(r.Variant.Values[0], i)), row(m.Value(r.Result))
			if i > 0 {
				for c := px + 1; c < x; c++ {
					rr := py + int(math.Round(float64(y-py)*float64(c-px)/float64(x-px)))
					if canvas[rr][c] == ' ' {
						canvas[rr][c] = '.'
					}
				}
			}
			px, py = x, y
		}
		for i, r := range s.Runs {
			canvas[row(m.Value(r.Result))][col(position(r.Variant.Values[0], i))] = glyph
		}
	}
	crossings := t.Crossings()
	for _, c := range crossings {
		x := col(c.Interval)
		for r := range canvas {
			if canvas[r][x] == ' ' || canvas[r][x] == '.' {
				canvas[r][x] = '|'
			}
		}
	}
	fmt.Fprintf(w, "%s (%s) over %s\n", m.Title, m.Key, t.Axes[0].Path)
	const labelWidth = 10
	for r, line := range canvas {
		label := ""
		switch r {
		case 0:
			label = FormatValue(m.Unit, ymax)
		case height / 2:
			label = FormatValue(m.Unit, ymax*float64(height-1-r)/float64(height-1))
		case height - 1:
			label = FormatValue(m.Unit, 0)
		}
		fmt.Fprintf(w, "%*s |%s\n", labelWidth, label, strings.TrimRight(string(line), " "))
	}
	fmt.Fprintf(w, "%*s +%s\n", labelWidth, "", strings.Repeat("-", width))
	fmt.Fprintf(w, "%*s  %s\n", labelWidth, "", xLabels(series[0], col, width))
	var legend []string
	for si, s := range series {
		if s.Label != "" {
			legend = append(legend, fmt.Sprintf("%c %s", seriesGlyphs[si%len(seriesGlyphs)], s.Label))
		}
	}
	if len(legend) > 0 {
		fmt.Fprintf(w, "%*s  %s\n", labelWidth, "", strings.Join(legend, "   "))
	}
	for _, c := range crossings {
		in := ""
		if c.Series != "" {
			in = " (" + c.Series + ")"
		}
		fmt.Fprintf(w, "%*s  | at %s the interval equals the mean checkpoint duration%s: left of it a checkpoint is still running when the next one is due\n",
			labelWidth, "", human.Duration(int64(c.Interval)), in)
	}
	return nil
}

// xLabels writes the first axis's values under their columns, skipping
// those that would touch the one before.
func xLabels(s Series, col func(float64) int, width int) string {
	line := []rune(strings.Repeat(" ", width+12))
	next := 0
	for i, r := range s.Runs {
		v := r.Variant.Values[0]
		c := col(position(v, i))
		start := max(c-len(v)/2, 0)
		if i == 0 {
			start = 0
		}
		if start < next || start+len(v) > len(line) {
			continue
		}
		copy(line[start:], []rune(v))
		next = start + len(v) + 1
	}
	return strings.TrimRight(string(line), " ")
}
