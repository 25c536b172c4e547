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
//
// Besides Flink's modes (aligned, unaligned, at-least-once) the engine has
// mode ChandyLamport: the classic algorithm of Chandy and Lamport on the
// token-passing workload, a job of topology.Process operators whose graph
// may have cycles (tokenjob.go, tokenconfig.go), checked from its trace by
// TokenChecker.
package sim
