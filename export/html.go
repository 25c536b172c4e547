package export

import (
	"bufio"
	_ "embed"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/ckptsim/ckptsim/internal/human"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// The page's style and script, inlined: the page loads nothing else (its
// Content-Security-Policy forbids it), so it opens offline.
var (
	//go:embed spacetime.css
	pageStyle string
	//go:embed spacetime.js
	pageScript string
)

// Geometry of the diagram, in CSS pixels.
const (
	diagramTop    = 80  // the time origin's y
	diagramLeft   = 110 // the first subtask's x
	columnWidth   = 72
	diagramHeight = 1400 // of the whole run, before any zoom
)

// palette colours the barriers by checkpoint id (red is for failures).
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#393b79", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"}

// WriteHTML writes one self-contained HTML page of a run on execution
// graph g: a space-time diagram in SVG (a vertical line per subtask, time
// running down; arrows for the barriers, coloured per checkpoint, and for
// a sample of the records; alignment, sync and async phases shaded;
// failures and restores marked; every checkpoint's end across the lines),
// hover details and zoom on the time axis, and the checkpoint table.
// title heads the page. events are the run's trace from its start to
// virtual time until: r.VirtualEnd for the whole run, earlier when the
// caller kept only its first events (a big job's whole trace does not fit
// in memory). The diagram then ends there and the page says so; the
// checkpoint table, from r, covers the whole run.
func WriteHTML(w io.Writer, title string, g *topology.ExecutionGraph, events []sim.TraceEvent, r *sim.Result, until int64) error {
	until = min(until, r.VirtualEnd)
	st := buildSpaceTime(g, events, until)
	b := bufio.NewWriterSize(w, 1<<16)
	e := html.EscapeString
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>%s</title>
<style>%s</style>
</head>
<body>
<h1>%s</h1>
<p class="sub">seed %d · mode %s · %d subtasks, %d channels · ran to %s (%s) · %d checkpoints completed, %d expired, %d aborted</p>
`, e(title), pageStyle, e(title), r.Seed, e(string(r.Mode)), len(g.Subtasks), len(g.Channels), human.Duration(r.VirtualEnd), e(r.Stop.String()),
		r.Summary.Completed, r.Summary.Expired, r.Summary.Aborted)
	if until < r.VirtualEnd {
		fmt.Fprintf(b, `<p class="sub">The diagram covers the run to %s, its first %d trace events (the page is built in memory); the checkpoint table covers all of it.</p>
`, human.Duration(until), len(events))
	}
	b.WriteString(`<div class="bar"><button id="zin" title="zoom in on time (Ctrl+wheel)">zoom in</button> <button id="zout">zoom out</button> <button id="zfit">whole run</button>
<span class="legend"><i class="k aligning"></i>aligning <i class="k sync"></i>sync phase <i class="k async"></i>async phase <i class="k failed"></i>failed <i class="k restoring"></i>restoring
<i class="k rec"></i>records (a sample) · barriers coloured per checkpoint · hover for details</span></div>
<div id="details">hover over an arrow, a period or a mark</div>
`)
	st.writeSVG(b)
	writeCheckpointTable(b, r)
	fmt.Fprintf(b, "<script>%s</script>\n</body>\n</html>\n", pageScript)
	return b.Flush()
}

// x is the x of subtask s's line.
func x(s int) int { return diagramLeft + s*columnWidth }

// writeSVG writes the diagram. Every element placed in time carries its
// times in ns as data-a (and data-b), from which the script lays it out
// at each zoom; the y written here is the first layout's.
func (st *spaceTime) writeSVG(b *bufio.Writer) {
	e := html.EscapeString
	scale := float64(diagramHeight) / float64(max(st.end, 1))
	y := func(t int64) string { return fmt.Sprintf("%.1f", diagramTop+float64(t)*scale) }
	right := x(len(st.g.Subtasks)-1) + columnWidth/2 // where the marks' labels start
	width := right + 130
	fmt.Fprintf(b, `<svg id="st" width="%d" height="%d" data-end="%d" data-top="%d" data-scale="%g">
<defs>`, width, diagramTop+diagramHeight+40, st.end, diagramTop, scale)
	for i, c := range palette {
		fmt.Fprintf(b, `<marker id="m%d" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="%s"/></marker>`, i, c)
	}
	b.WriteString(`<marker id="mr" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="5" markerHeight="5" orient="auto"><path d="M0,0L8,4L0,8z" fill="#999"/></marker></defs>
<g id="ticks"></g>
`)
	// Operator names over their subtasks, subtask indexes over the lines.
	for op, ids := range st.g.ByOperator {
		if len(ids) == 0 {
			continue
		}
		mid := (x(ids[0]) + x(ids[len(ids)-1])) / 2
		fmt.Fprintf(b, `<text class="op" x="%d" y="28">%s</text>`+"\n", mid, e(st.g.Graph.Operators[op].Name))
	}
	for _, s := range st.g.Subtasks {
		fmt.Fprintf(b, `<text class="sub" x="%d" y="52">[%d]</text><line class="life" x1="%d" x2="%d" y1="%s" y2="%s" data-a="0" data-b="%d"><title>%s</title></line>`+"\n",
			x(s.ID), s.Index, x(s.ID), x(s.ID), y(0), y(st.end), st.end, e(s.Name))
	}
	for _, p := range st.periods {
		dx, w := periodBox(p.kind)
		what := periodNames[p.kind]
		if p.checkpoint != 0 {
			what += fmt.Sprintf(" of checkpoint %d", p.checkpoint)
		}
		fmt.Fprintf(b, `<rect class="%s" x="%d" width="%d" y="%s" height="%.1f" data-a="%d" data-b="%d"><title>%s: %s from %s to %s (%s)</title></rect>`+"\n",
			strings.ReplaceAll(periodNames[p.kind], " phase", ""), x(p.subtask)+dx, w, y(p.from), max(1, float64(p.to-p.from)*scale), p.from, p.to,
			e(st.g.Subtasks[p.subtask].Name), what, human.Duration(p.from), human.Duration(p.to), human.Duration(p.to-p.from))
	}
	for _, m := range st.records {
		fmt.Fprintf(b, `<line class="rec" x1="%d" x2="%d" y1="%s" y2="%s" data-a="%d" data-b="%d" marker-end="url(#mr)"><title>record key %d value %d on %s: sent %s, received %s</title></line>`+"\n",
			x(m.from), x(m.to), y(m.sent), y(m.recv), m.sent, m.recv, m.key, m.value, e(st.g.ChannelName(m.channel)), human.Duration(m.sent), human.Duration(m.recv))
	}
	for _, m := range st.barriers {
		c := int(m.checkpoint % int64(len(palette)))
		fmt.Fprintf(b, `<line class="barrier" stroke="%s" x1="%d" x2="%d" y1="%s" y2="%s" data-a="%d" data-b="%d" marker-end="url(#m%d)"><title>barrier %d on %s: forwarded %s, received %s (%s)</title></line>`+"\n",
			palette[c], x(m.from), x(m.to), y(m.sent), y(m.recv), m.sent, m.recv, c, m.checkpoint, e(st.g.ChannelName(m.channel)),
			human.Duration(m.sent), human.Duration(m.recv), human.Duration(m.recv-m.sent))
	}
	for _, m := range st.marks {
		st.writeMark(b, m, y, right)
	}
	b.WriteString("</svg>\n")
}

// periodBox is where a period's rectangle lies beside the line: its x
// offset and width.
func periodBox(k periodKind) (dx, w int) {
	switch k {
	case aligning:
		return -8, 6
	case syncPhase:
		return -3, 6
	case asyncPhase:
		return 2, 6
	}
	return -10, 20
}

// writeMark draws a checkpoint's end or a failover across the lines, or a
// subtask's failure on its line.
func (st *spaceTime) writeMark(b *bufio.Writer, m mark, y func(int64) string, right int) {
	e := html.EscapeString
	if m.subtask >= 0 {
		fmt.Fprintf(b, `<text class="x" x="%d" y="%s" data-a="%d">✕<title>%s failed at %s</title></text>`+"\n",
			x(m.subtask), y(m.at), m.at, e(st.g.Subtasks[m.subtask].Name), human.Duration(m.at))
		return
	}
	label, class := fmt.Sprintf("✓ %d", m.checkpoint), "done"
	detail := fmt.Sprintf("checkpoint %d completed at %s", m.checkpoint, human.Duration(m.at))
	switch m.kind {
	case sim.CheckpointExpired:
		label, class, detail = fmt.Sprintf("✗ %d expired", m.checkpoint), "lost", fmt.Sprintf("checkpoint %d expired at %s", m.checkpoint, human.Duration(m.at))
	case sim.CheckpointAborted:
		label, class, detail = fmt.Sprintf("✗ %d", m.checkpoint), "lost", fmt.Sprintf("checkpoint %d aborted (%s) at %s", m.checkpoint, m.reason, human.Duration(m.at))
	case sim.JobFailover:
		label, class, detail = "failover", "failover", fmt.Sprintf("failover at %s", human.Duration(m.at))
	}
	fmt.Fprintf(b, `<line class="%s" x1="%d" x2="%d" y1="%s" y2="%s" data-a="%d" data-b="%d"><title>%s</title></line><text class="%s" x="%d" y="%s" data-a="%d">%s<title>%s</title></text>`+"\n",
		class, diagramLeft-30, right, y(m.at), y(m.at), m.at, m.at, detail, class, right+4, y(m.at), m.at, label, detail)
}

// writeCheckpointTable writes the checkpoint table, as simulate run
// prints it.
func writeCheckpointTable(b *bufio.Writer, r *sim.Result) {
	b.WriteString(`<h2>Checkpoints</h2>
<table><thead><tr><th>id</th><th>status</th><th>triggered</th><th>end-to-end</th><th>acked</th><th>checkpointed</th><th>full size</th><th>max alignment</th><th>persisted in-flight</th></tr></thead><tbody>
`)
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		status := c.Status.String()
		if c.Reason != sim.NoReason && c.Status == sim.Aborted {
			status += " (" + c.Reason.String() + ")"
		}
		e2e := "-"
		if c.Status != sim.InProgress {
			e2e = human.Duration(c.EndToEnd())
		}
		fmt.Fprintf(b, `<tr class="%s"><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%d/%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`+"\n",
			strings.ToLower(c.Status.String()), c.ID, html.EscapeString(status), human.Duration(c.TriggerAt), e2e, c.Acked, c.Total,
			human.Size(c.CheckpointedBytes), human.Size(c.StateBytes), human.Duration(c.MaxAlignment()), human.Size(c.PersistedBytes))
	}
	b.WriteString("</tbody></table>\n")
	if h := r.History; h.Evicted > 0 {
		fmt.Fprintf(b, "<p>%d older checkpoint(s) not listed: the history keeps the latest %d in full (checkpoint.history, Flink's web.checkpoints.history) and those still in progress or in storage.</p>\n",
			h.Evicted, h.Size)
	}
}
