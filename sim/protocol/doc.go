// Package protocol holds the snapshot protocols of ckptsim as per-task
// state machines: Flink's SingleCheckpointBarrierHandler (aligned,
// unaligned, aligned with a timeout), Flink's CheckpointBarrierTracker
// (at-least-once), and the classic algorithm of Chandy and Lamport.
//
// A protocol is pure, in the manner of etcd-io/raft: it holds no pointer
// to whatever runs it, reads no clock and draws no random number. Its
// executor (the engine, a test harness, the token-passing network of
// package tokens) tells it what happened at its task with Step and carries
// out the actions of the Ready it gets back, in order:
//
//	        executor (channels, clock, state, coordinator)
//	  ┌─────────────────────────────────────────────────────────┐
//	  │ takes an item from input i, ends a channel, triggers,   │
//	  │ cancels, fires a timer                                  │
//	  └──────────────┬──────────────────────────────▲───────────┘
//	                 │ Step(Input{Kind, Channel,    │ Ready{Actions}
//	                 │      Checkpoint, Now, ...})  │
//	  ┌──────────────▼──────────────────────────────┴───────────┐
//	  │ Protocol (one per task)                                 │
//	  │   SingleCheckpointBarrierHandler ── BarrierHandlerState │
//	  │     WaitingForFirstBarrier ⇄ CollectingBarriers         │
//	  │     WaitingForFirstBarrierUnaligned ⇄ …Unaligned        │
//	  │     AlternatingWaitingForFirstBarrier ⇄ Alternating…    │
//	  │   CheckpointBarrierTracker                              │
//	  │   ChandyLamport                                         │
//	  └─────────────────────────────────────────────────────────┘
//
//	Inputs:  Record · Barrier · Announcement · Cancel · EndOfPartition ·
//	         Trigger · Abort · Timer (each from input Channel where it
//	         applies, for Checkpoint)
//	Actions: Block · UnblockAll · Resume · StartRecording · StopRecording ·
//	         Prioritize · Forward (priority or not) · PersistOutput ·
//	         Snapshot · Acknowledge · Decline · SetTimer · AlignmentStart ·
//	         AlignmentEnd · TimedOut · Started
//
// The states of SingleCheckpointBarrierHandler are named and split as in
// Flink (package org.apache.flink.streaming.runtime.io.checkpointing):
// aligned.go, unaligned.go and alternating.go hold one mode each. The
// conformance cases of testdata/conformance run against each
// implementation directly (conformance_test.go, with a small executor of
// its own) as well as through the engine (scenarios.TestConformance),
// whose executor (sim/driver.go) runs these same machines for every task.
//
// A user's own protocol is any type with a Step method; it needs nothing
// from this package but its types. sim.CheckpointConfig.Protocol (and
// check.Bounds.Protocol for sweeps) plugs it into the engine in place of
// the mode's own, in every mode; its doc lists the inputs a task's
// protocol gets there and what the engine does with each action.
package protocol
