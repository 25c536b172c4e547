// Package sim is a deterministic discrete-event simulator of Apache Flink's
// checkpointing: a virtual clock, one seeded random source, subtasks that
// exchange records and barriers over simulated channels with latency,
// bounded buffers and credit-based backpressure, and a checkpoint
// coordinator with Flink's knobs.
//
// The package is a pure library: it reads no files, flags, clock or
// terminal, starts no goroutines, and never lets Go's map order decide
// anything. The same Config always yields the same trace, byte for byte.
//
// Time is virtual, in integer nanoseconds since the start of the run.
package sim
