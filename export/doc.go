// Package export writes a run's trace in the forms other tools open: the
// Chrome trace-event JSON that Perfetto (ui.perfetto.dev) and
// chrome://tracing load (WritePerfetto), and a self-contained HTML page
// with a space-time diagram of the run (WriteHTML).
//
// Like sim it is a pure library: it reads the trace events a run emitted
// (collected with a sim.Sim's Tracer) and writes to an io.Writer.
package export
