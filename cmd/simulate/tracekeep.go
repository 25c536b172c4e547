package main

import (
	"fmt"
	"io"

	"github.com/ckptsim/ckptsim/sim"
)

// maxKeptTraceEvents bounds the trace events that the Perfetto and HTML
// outputs keep in memory to build their files: 4.2 M, which with the
// output being built take about 1.4 GiB. The big job
// (testdata/bench/big-job.yaml) emits that many in its first 0.6 s of
// virtual time; its whole trace would take tens of gigabytes. A variable
// so that tests can lower it.
var maxKeptTraceEvents = 1 << 22

// traceKeeper keeps a run's trace events for a file built at the end, up
// to maxKeptTraceEvents; the run goes on past them, and the file covers
// the run up to the last one kept.
type traceKeeper struct {
	events  []sim.TraceEvent
	dropped int64
}

// keep is the run's Tracer.
func (k *traceKeeper) keep(ev sim.TraceEvent) {
	if len(k.events) >= maxKeptTraceEvents {
		k.dropped++
		return
	}
	k.events = append(k.events, ev)
}

// end is the virtual time the file covers: now, the time the run reached,
// or the time of the last event kept.
func (k *traceKeeper) end(now int64) int64 {
	if k.dropped > 0 {
		return k.events[len(k.events)-1].At
	}
	return now
}

// warn says on w, if the keeper dropped events, how far the file covers the
// run and what covers the rest.
func (k *traceKeeper) warn(w io.Writer, file string) {
	if k.dropped == 0 {
		return
	}
	fmt.Fprintf(w, "simulate: warning: %s covers the run to virtual time %s, its first %d trace events: the file is built in memory and keeps at most that many (%d more left out); pass --until to take less, or write the whole trace as JSON lines with simulate run --trace FILE\n",
		file, dur(k.end(0)), len(k.events), k.dropped)
}
