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
//
// # Layers
//
// The package is one Go package (its layers share the Sim struct), but its
// files fall into layers that depend only downwards, except where noted;
// the snapshot protocols are a package of their own that depends on
// nothing in sim:
//
//	┌──────────────────────────────────────────────────────────────────────┐
//	│ checkers     observer.go (the observer interface, checkers) · cut.go │
//	│              (consistent cut) · reference.go (state against a        │
//	│              failure-free reference) · endcheck.go (end to end) ·    │
//	│              tokencheck.go (token conservation, from the trace) ·    │
//	│              result.go (Result, runView) · inspect.go, netview.go,   │
//	│              tokenview.go (read-only views)                          │
//	├──────────────────────────────────────────────────────────────────────┤
//	│ coordinator  coordinator.go, history.go, stats.go, registry.go,      │
//	│ & recovery   saved.go · recovery.go, restart.go, resubmit.go,        │
//	│              rescale.go, stop.go · faults.go, faultconfig.go         │
//	├──────────────────────────────────────────────────────────────────────┤
//	│ protocols    driver.go: the executor (stepProtocol, newProtocol) ────┼──▶ sim/protocol
//	│              barrier.go (barriers on channels) · snapshot.go (a      │    (pure state
//	│              task's snapshot: begin, forward, sync, async, ack) ·    │    machines: Step
//	│              userprotocol.go (a user's own protocol:                 │    (Input) Ready)
//	│              CheckpointConfig.Protocol)                              │
//	├──────────────────────────────────────────────────────────────────────┤
//	│ job model    task.go (the task loop) · finish.go · source.go ·       │
//	│              sink.go · chain.go · channel.go, itemqueue.go,          │
//	│              network.go, credit.go, inputs.go, debloat.go,           │
//	│              placement.go, recordsize.go · backend.go,               │
//	│              backendconfig.go · keyedstate.go, keyowner.go ·         │
//	│              script.go (one scripted task) ·                         │
//	│              tokenjob.go, tokenconfig.go (the token job of mode      │
//	│              ChandyLamport: processes and FIFO links)                │
//	├──────────────────────────────────────────────────────────────────────┤
//	│ kernel       engine.go (Sim, New, Step, event dispatch) · queue.go,  │
//	│              deque.go · prefetch.go (cache hints for big jobs) ·     │
//	│              trace.go · progress.go · config.go, bounds.go,          │
//	│              version.go                                              │
//	└──────────────────────────────────────────────────────────────────────┘
//
// Which file depends on which, in words:
//
//   - The kernel's engine.go dispatches each event to its layer: a task's
//     events to the task loop (task.go), a channel's to the network
//     (network.go, credit.go), the coordinator's to coordinator.go, faults
//     and restarts to faults.go and recovery.go.
//   - The task loop (task.go) takes one item at a time; what a record does
//     is the job model's (chain.go, sink.go, backend.go); what a barrier,
//     cancel marker, end of partition, announcement, trigger or alignment
//     timer does is the task's protocol's: task.go, finish.go and
//     engine.go hand them to driver.go as protocol.Input.
//   - driver.go steps the task's protocol.Protocol and carries out its
//     actions with barrier.go (block, unblock, resume, prioritize, persist
//     channel state), snapshot.go (begin, forward the barrier, take the
//     sync snapshot, acknowledge) and coordinator.go (decline, alignment
//     statistics); in mode ChandyLamport it hands them to tokenjob.go
//     (executeToken) instead. The protocols hold no pointer into sim. A
//     user's own protocol (CheckpointConfig.Protocol) is made and copied
//     by userprotocol.go and stepped as the mode's own would be.
//   - snapshot.go acknowledges to coordinator.go; the coordinator completes,
//     expires and aborts checkpoints, notifies tasks (sink.go commits) and
//     keeps the history (history.go, stats.go) and the shared state
//     (registry.go); recovery.go and its neighbours stop and redeploy tasks
//     and give each a fresh protocol (newProtocol with the coordinator's
//     last id as Spec.Floor).
//   - The checkers observe the run and hold no pointer into it; see
//     Checkers.
//
// # Checkers
//
// Sim holds its checkers as one *checkers (observer.go). Each gets what it
// needs of the configuration when the run is built (newCheckers: the job
// graph, the source logs, the mode, whether the run can drain); then the
// engine tells them, at five places, what they observe:
//
//	task.go        takeRecord     checkers.taken      cutChecker (every record)
//	sink.go        keep           checkers.output     endChecker (every visible output)
//	coordinator.go complete       checkers.completed  every observer
//	rescale.go     redeployGraph  checkers.rescaled   every observer
//	result.go      Result         checkers.report     every observer, in order
//
// The rare events go through the observer interface to each checker in
// turn; the two per-record ones go straight to the one checker that wants
// each, so that a record costs no interface call. A report reads the run
// as a runView (the coordinator's checkpoints, the final keyed states, how
// far the input was consumed), which result.go fills, and adds its
// invariants to the Result. cut.go (cutChecker) and reference.go
// (reference) depend on nothing else of the package but its types (item,
// CheckpointStats, idSet, sourceLog, keyedState, ownerTable) and two pure
// functions (keeps of task.go, splitByKeyGroup of rescale.go); endcheck.go
// (endChecker) reads reference.go's reference and owns the sinks' output
// counts; observer_test.go runs all three without an engine.
// tokencheck.go (TokenChecker, mode ChandyLamport) observes the trace
// alone.
package sim
