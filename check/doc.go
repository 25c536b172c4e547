// Package check turns the simulator into a property-testing library:
// generators of random Flink jobs, checkpoint configurations and fault
// schedules for pgregory.net/rapid, properties of Flink's checkpointing that every run
// must satisfy, sweeps over seed ranges, and a deterministic shrinker that
// turns a failing scenario into a small one you can save as a scenario file
// and replay with `simulate run FILE`.
//
// # In your own tests
//
// Draw a scenario from Configs inside rapid.Check and Require the
// properties; on a failure rapid shrinks the draws, and the message holds
// the failing scenario as a scenario file:
//
//	func TestCheckpointsAreConsistentCuts(t *testing.T) {
//		b := check.DefaultBounds()
//		b.Parallelism.Max = 4                // tighten what you like
//		b.Modes = []sim.Mode{sim.Unaligned}
//		rapid.Check(t, func(t *rapid.T) {
//			cfg := check.Configs(b).Draw(t, "scenario")
//			check.Require(t, cfg, check.ConsistentCut, check.SnapshotState, check.Determinism)
//		})
//	}
//
// Recoveries the same way: a property's Focus tightens the bounds to the
// runs it speaks about, here bounded jobs with two-phase commit sinks and
// a fault schedule in every run:
//
//	func TestRecoveriesAreExactlyOnce(t *testing.T) {
//		b := check.DefaultBounds()
//		check.EndToEnd.Focus(&b)
//		b.Faults.Max = 1 // one fault per run is enough for me
//		rapid.Check(t, func(t *rapid.T) {
//			cfg := check.Configs(b).Draw(t, "scenario")
//			check.Require(t, cfg, check.EndToEnd, check.ExactlyOnceState, check.NoLoss)
//		})
//	}
//
// Or build a scenario yourself (or load one with scenarios.Load) and call
// Evaluate, or sweep a range of seeds with Sweep, as `simulate check`
// does: Scenario(bounds, seed) is a pure function of its arguments, so a
// sweep's results never depend on how many workers run it, and a seed
// range can be split across machines.
//
// # Generators
//
// Configs draws a complete sim.Config; Graphs, Workloads, ChannelConfigs,
// CheckpointConfigs, FaultSchedules and RecoveryConfigs draw its parts.
// The job is a DAG of sources, maps, filters, keyed aggregates (always fed
// by hash partitioning) and sinks of every sink mode, with forward,
// rebalance, hash and broadcast edges where valid; workloads have uniform
// or Zipf keys and bounded or unbounded sources; checkpointing covers
// every mode (unaligned with and without an aligned checkpoint timeout)
// and every knob: interval, min pause, max concurrent, timeout, num
// retained, sync and async durations. Bounds limit all of it;
// DefaultBounds are small jobs that run in a few milliseconds.
//
// About half of the jobs are two independent pipelines (each its own
// pipelined region, so that region failover restarts one while the other
// runs on), and two-phase commit sinks are as likely as the other sink
// modes together.
//
// About half of the runs DefaultBounds draw get a fault schedule of one to
// three faults of every kind (crashes at a time or in a phase of a
// checkpoint or while restoring, random crashes, slow subtasks, delay
// spikes, partitions, failed and slow uploads, corrupt checkpoints), at
// times drawn uniformly within the run, with a restart strategy that
// allows enough restarts for the job to finish (delays from 0 to 1s,
// log-uniform, so that many restarts miss several checkpoints), full or
// region failover, maybe local recovery and savepoints. A crash may be
// aimed (Bounds.AimedCrashes): a pilot run finds when every subtask of
// one region has acknowledged a checkpoint that another region is still
// completing, and the crash strikes that region then, so that the
// failover aborts a checkpoint the region acknowledged. Bounds.Faults sets how many (Range{0, 0}: none,
// Min 1: every run), and the other fault and recovery fields of Bounds
// what they may be. The schedule is drawn last, so a run without faults is
// the scenario the same seed gave before the generators had faults.
//
// After it, a third of the runs get the user's manual restore
// (Bounds.Restores): from the savepoint of a flink stop, from a savepoint
// taken while the job runs, or from the latest checkpoint retained on
// cancellation; half of those rescale (Bounds.Rescale) every group of
// operators that forward edges join but the receivers of broadcast edges:
// keyed operators by key group, sources by their splits, two-phase commit
// sinks by their transactions.
//
// # Your own protocol
//
// Bounds.Protocol puts a user's own barrier handler (a protocol.Protocol
// factory, see sim.CheckpointConfig.Protocol) into every scenario the
// generators draw, so a sweep judges it by the same properties and
// shrinking keeps it: a handler that breaks the consistent cut fails
// ConsistentCut and SnapshotState, and ShrinkSeeds turns the failing seeds
// into a small counterexample (examples/ownprotocol). TokenSweep does the
// same for protocols of mode chandy-lamport on token-passing systems.
//
// # Properties
//
// ConsistentCut, SnapshotState and Determinism hold on every run, with
// faults or without; Liveness and BoundedDrain on fault-free runs (they
// do not apply to a run with faults or a failover; BoundedDrain not to a
// manual restore either, and Liveness judges a run with a stop or restore
// over each span in which its job runs). ExactlyOnceState,
// EndToEnd and NoLoss compare a drained run (bounded sources, the job
// FINISHED) with the failure-free reference, whatever failed and
// recovered on the way: the final keyed state in the exactly-once modes,
// the committed output of two-phase commit sinks (no duplicate, no loss),
// and every sink's output in every mode (no loss). TwoPhaseCommit reads
// the two-phase commit sinks' transactions from the trace of every run,
// drained or not: none commits before a checkpoint at or after its own
// completed, and a restore commits every transaction of the restored
// snapshot. BoundedEnds requires a bounded job's run to end, faults or
// not: the job finishes, fails or is cancelled, or reaches a state
// Flink's job stays in forever, which the engine proves and stops at
// (stalled, a restore loop, a forced-alignment deadlock); a run that goes
// on until its event budget is a livelock. AtLeastOnceIsExactlyOnce is
// false on purpose, a teaching example that checking must refute. A
// property that does not apply to a run (liveness with bounded sources, an
// end-to-end property on a job that failed) reports ErrNotApplicable rather
// than passing silently; sweeps count those runs as skipped. A run that
// violates a property the way Flink itself does (liveness or bounded-drain
// in a forced-alignment deadlock, sim.Deadlock) reports ErrFlinkBehaviour,
// a skip that sweeps count apart.
//
// A property's Focus tightens bounds to the runs it applies to: the
// properties about recovery draw bounded runs with faults in every run,
// those about fault-free runs draw none.
//
// # Shrinking
//
// Under rapid.Check, rapid shrinks the generators' draws; their order is
// chosen so that the minimum of every draw is the simple choice (few
// operators, parallelism 1, forward edges, few records, no jitter, no
// fault or one crash at a time). Shrink and ShrinkProperty work on a
// sim.Config directly and deterministically: they drop faults, turn
// random crashes into one crash at a time and of a subtask where one
// struck, move fault times earlier and windows shorter, bypass and remove
// operators and edges (moving faults off the subtasks and channels that
// go), lower parallelism, shorten the run, and move every knob, the
// restart strategy and the recovery settings to the scenario format's
// defaults, so the written scenario is short: typically a source, a sink
// and one fault.
package check
