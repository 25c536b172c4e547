// Package check turns the simulator into a property-testing library:
// generators of random Flink jobs and checkpoint configurations for
// pgregory.net/rapid, properties of Flink's checkpointing that every run
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
// Or build a scenario yourself (or load one with scenarios.Load) and call
// Evaluate, or sweep a range of seeds with Sweep, as `simulate check`
// does: Scenario(bounds, seed) is a pure function of its arguments, so a
// sweep's results never depend on how many workers run it, and a seed
// range can be split across machines.
//
// # Generators
//
// Configs draws a complete sim.Config; Graphs, Workloads, ChannelConfigs
// and CheckpointConfigs draw its parts. The job is a DAG of sources,
// maps, filters, keyed aggregates (always fed by hash partitioning) and
// sinks, with forward, rebalance, hash and broadcast edges where valid;
// workloads have uniform or Zipf keys and bounded or unbounded sources;
// checkpointing covers every mode (unaligned with and without an aligned
// checkpoint timeout) and every knob: interval, min pause, max concurrent,
// timeout, num retained, sync and async durations. Bounds limit all of
// it; DefaultBounds are small jobs that run in a few milliseconds.
//
// # Properties
//
// ConsistentCut, SnapshotState, Determinism, Liveness and BoundedDrain
// hold on every fault-free run they apply to; AtLeastOnceIsExactlyOnce is
// false on purpose, a teaching example that checking must refute. A
// property that does not apply to a run (liveness with bounded sources,
// say) reports ErrNotApplicable rather than passing silently.
//
// Faults are not generated yet, and the default bounds tolerate any
// number of failed checkpoints (Bounds.TolerableFailures), so that no
// expired checkpoint fails the job over: these properties are about
// fault-free runs, and do not apply to runs with faults or failovers. The
// properties that need faults (exactly-once state after a recovery,
// end-to-end exactly-once with a two-phase-commit sink) come with fault
// generators; Bounds will then grow fields for fault schedules that
// default to none, so existing callers keep their fault-free runs.
//
// # Shrinking
//
// Under rapid.Check, rapid shrinks the generators' draws; their order is
// chosen so that the minimum of every draw is the simple choice (few
// operators, parallelism 1, forward edges, few records, no jitter). Shrink
// and ShrinkProperty work on a sim.Config directly and deterministically:
// they bypass and remove operators and edges, lower parallelism, shorten
// the run, and move every knob to the scenario format's default, so the
// written scenario is short.
package check
