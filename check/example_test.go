package check_test

import (
	"context"
	"fmt"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// Generate a scenario within tightened bounds, deterministically from a
// seed, and write it as a scenario file: a bounded job with one or two
// faults, and the restart strategy and recovery settings drawn with them.
func ExampleConfigs() {
	b := check.DefaultBounds()
	b.Sources, b.Stateless, b.Aggregates, b.Sinks = check.Range{Min: 1, Max: 1}, check.Range{Min: 0, Max: 0}, check.Range{Min: 1, Max: 1}, check.Range{Min: 1, Max: 1}
	b.Modes = []sim.Mode{sim.Aligned}
	b.Bounded, b.SlowSubtask, b.Zipf = check.Always, check.Never, check.Never
	b.Faults = check.Range{Min: 1, Max: 2}
	cfg := check.Configs(b).Example(7)
	cfg.MaxEvents = 0
	data, err := scenarios.Marshal(cfg, "generated", "")
	if err != nil {
		panic(err)
	}
	fmt.Print(string(data))
	// Output:
	// name: generated
	// seed: 308
	// until: 0s
	// operators:
	//   - {name: src1, kind: source, parallelism: 2, cost: 6us, rate: 108, records: 13, keys: 31}
	//   - {name: agg1, kind: aggregate, cost: 1us, function: sum}
	//   - {name: sink1, kind: sink, parallelism: 3, sink_mode: idempotent}
	// edges:
	//   - {from: src1, to: agg1, partitioning: hash}
	//   - {from: agg1, to: sink1, partitioning: hash}
	// channels:
	//   latency: 1.5ms
	//   jitter: 101us
	//   capacity: 4
	//   output_buffer: 0
	// checkpoint:
	//   interval: 11ms
	//   mode: aligned
	//   min_pause: 34ms
	//   max_concurrent: 2
	//   timeout: 35ms
	//   sync_duration: 565us
	//   async_base: 1ms
	//   storage_bandwidth: 3MiB/s
	// restart:
	//   delay: 10ms
	//   max_delay: 1.736s
	//   multiplier: 2
	//   reset_threshold: 100ms
	//   jitter: 0
	// recovery:
	//   tolerable_failed_checkpoints: unlimited
	//   local_recovery: true
	// faults:
	//   - {kind: crash, subtask: 'sink1[2]', at: 34.73ms}
}

// Judge one scenario by properties.
func ExampleEvaluate() {
	sc, err := scenarios.Load("minimal")
	if err != nil {
		panic(err)
	}
	_, verdicts, err := check.Evaluate(sc.Config, check.ConsistentCut, check.SnapshotState, check.Determinism, check.BoundedDrain)
	if err != nil {
		panic(err)
	}
	for _, v := range verdicts {
		fmt.Println(v.Property, v.Status)
	}
	// Output:
	// consistent-cut pass
	// snapshot-state pass
	// determinism pass
	// bounded-drain skip
}

// Sweep a seed range, as simulate check does: the report depends only on
// the bounds, the properties and the seeds.
func ExampleSweep() {
	sw := &check.Sweep{Bounds: check.DefaultBounds(), Properties: check.Properties(), Seed: 1, Runs: 100, Workers: 2}
	rep := sw.Run(context.Background())
	for _, st := range rep.Stats {
		fmt.Printf("%-30s passed %3d failed %2d skipped %3d\n", st.Property.Name, st.Passed, st.Failed, st.Skipped)
	}
	fmt.Printf("%d runs: %d with faults, %d failed over, %d drained\n", rep.Runs, rep.WithFaults, rep.FailedOver, rep.Drained)
	// Output:
	// consistent-cut                 passed  96 failed  0 skipped   4
	// snapshot-state                 passed  64 failed  0 skipped  36
	// exactly-once-state             passed  12 failed  0 skipped  88
	// end-to-end                     passed   8 failed  0 skipped  92
	// no-loss                        passed  43 failed  0 skipped  57
	// two-phase-commit               passed  70 failed  0 skipped  30
	// shared-state                   passed  53 failed  0 skipped  47
	// determinism                    passed 100 failed  0 skipped   0
	// liveness                       passed  12 failed  0 skipped  88
	// bounded-drain                  passed  24 failed  0 skipped  76
	// at-least-once-is-exactly-once  passed  19 failed  1 skipped  80
	// 100 runs: 47 with faults, 33 failed over, 48 drained
}

// Refute the negative property and shrink the counterexample.
func ExampleShrinkProperty() {
	b := check.DefaultBounds()
	check.AtLeastOnceIsExactlyOnce.Focus(&b) // at-least-once mode only
	for seed := uint64(1); ; seed++ {
		cfg := check.Scenario(b, seed)
		if !check.Violates(cfg, check.AtLeastOnceIsExactlyOnce) {
			continue
		}
		small, _ := check.ShrinkProperty(cfg, check.AtLeastOnceIsExactlyOnce, 0)
		fmt.Printf("seed %d: %+v shrinks to %+v\n", seed, check.Size(cfg), check.Size(small))
		return
	}
	// Output:
	// seed 3: {Subtasks:13 Operators:6 Edges:5 Faults:0 Records:187} shrinks to {Subtasks:5 Operators:2 Edges:1 Faults:0 Records:40}
}
