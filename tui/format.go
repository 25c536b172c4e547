package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/sim"
)

// fmtTime is a virtual time as seconds with microseconds: "1.234567s".
func fmtTime(ns int64) string {
	return fmt.Sprintf("%d.%06ds", ns/1e9, (ns%1e9)/1e3)
}

// fmtTimeMs is a virtual time as seconds with milliseconds: "1.234s".
func fmtTimeMs(ns int64) string {
	return fmt.Sprintf("%d.%03ds", ns/1e9, (ns%1e9)/1e6)
}

// fmtDur is a short duration: "0s", "850µs", "12ms", "1.5s".
func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d == 0:
		return "0s"
	case d < 0:
		return "-" + fmtDur(-ns)
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", ns)
	case d < time.Millisecond:
		return trimFloat(float64(ns)/1e3, 0) + "µs"
	case d < time.Second:
		return trimFloat(float64(ns)/1e6, 1) + "ms"
	case d < time.Minute:
		return trimFloat(float64(ns)/1e9, 2) + "s"
	}
	return d.Round(time.Second).String()
}

// trimFloat formats f with up to prec decimals, without trailing zeros;
// values of 100 and more get none.
func trimFloat(f float64, prec int) string {
	if f >= 100 {
		prec = 0
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fmtBytes is a size in B, KiB, MiB or GiB.
func fmtBytes(b int64) string {
	switch {
	case b < 1<<10:
		return fmt.Sprintf("%d B", b)
	case b < 1<<20:
		return trimFloat(float64(b)/(1<<10), 1) + " KiB"
	case b < 1<<30:
		return trimFloat(float64(b)/(1<<20), 1) + " MiB"
	}
	return trimFloat(float64(b)/(1<<30), 1) + " GiB"
}

// fmtPct is a fraction as a whole percentage: 0.456 -> "46%".
func fmtPct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

// fmtCount groups digits: 1234567 -> "1,234,567".
func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtEvent is one trace event as a log line: kind, subtask, channel,
// checkpoint and what else it carries.
func (m *Model) fmtEvent(ev sim.TraceEvent) string {
	var b strings.Builder
	b.WriteString(ev.Kind.String())
	if ev.Subtask >= 0 {
		b.WriteString(" ")
		b.WriteString(m.eventSubtask(ev))
	}
	if ev.Channel >= 0 {
		b.WriteString(" ")
		b.WriteString(m.eventChannel(ev))
	}
	if ev.Checkpoint != 0 {
		fmt.Fprintf(&b, " ck=%d", ev.Checkpoint)
	}
	if ev.Reason != sim.NoReason {
		fmt.Fprintf(&b, " (%s)", ev.Reason)
	}
	switch ev.Kind {
	case sim.RecordSent, sim.RecordReceived, sim.RecordProcessed, sim.InFlightPersisted:
		fmt.Fprintf(&b, " key=%d value=%d", ev.Key, ev.Value)
	}
	if f, ok := m.failoverOf(ev); ok {
		fmt.Fprintf(&b, ": %s (%d subtasks)", f.Cause, f.Subtasks)
		return b.String()
	}
	if rs, ok := m.resubAt(ev.Seq); ok && len(rs.Rescaled) > 0 {
		fmt.Fprintf(&b, " execution %d: %s", ev.N+1, rescaleText(rs.Rescaled))
		return b.String()
	}
	if ev.Kind == sim.JobStatusChanged {
		return b.String() + " " + sim.JobStatus(ev.N).String()
	}
	if ev.N != 0 {
		switch ev.Kind {
		case sim.RecordProcessed, sim.BarrierInjected:
			fmt.Fprintf(&b, " offset=%d", ev.N)
		case sim.SnapshotSyncEnd, sim.CheckpointAcked, sim.CheckpointCompleted, sim.InFlightPersisted:
			fmt.Fprintf(&b, " %s", fmtBytes(ev.N))
		case sim.BarrierForwarded:
			fmt.Fprintf(&b, " to %d channels", ev.N)
		case sim.BarrierOvertook:
			fmt.Fprintf(&b, " overtook %d records", ev.N)
		default:
			fmt.Fprintf(&b, " n=%d", ev.N)
		}
	}
	return b.String()
}

// rescaleText says what a rescaling restore did: each operator's old and
// new parallelism, and the key groups or splits that moved.
func rescaleText(ops []sim.OperatorRescale) string {
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d→%d", termsafe.Line(op.Operator), op.From, op.To)
		switch {
		case op.Keyed:
			parts[i] += fmt.Sprintf(" (%d of %d key groups moved)", op.Moved, op.MaxParallelism)
		case len(op.Splits) > 0:
			parts[i] += fmt.Sprintf(" (%d of %d splits moved)", op.MovedSplits, len(op.Splits))
		}
	}
	return "rescaled " + strings.Join(parts, ", ")
}
