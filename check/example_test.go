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
	//   segment_size: "259"
	//   buffers_per_channel: 0
	//   floating_buffers_per_gate: 5
	//   max_buffers_per_channel: 5
	//   buffer_timeout: 12ms
	// checkpoint:
	//   interval: 45ms
	//   mode: aligned
	//   max_concurrent: 3
	//   timeout: 123ms
	//   num_retained: 3
	//   sync_duration: 321us
	//   async_base: 0s
	//   storage_bandwidth: 84MiB/s
	// restart:
	//   strategy: failure-rate
	//   delay: 0s
	//   max_failures: 1000
	// recovery:
	//   tolerable_failed_checkpoints: unlimited
	//   local_recovery: true
	//   externalized: retain-on-cancellation
	// faults:
	//   - {kind: partition, channel: 'agg1[0]->sink1[0]', at: 36.71ms, until: 280.45ms}
	//   - {kind: crash, subtask: 'src1[1]', at: 99.62ms}
	// restore:
	//   - {at: 87.49ms, from: latest-retained}
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
	fmt.Printf("%d runs: %d with faults, %d failed over, %d restored (%d rescaled), %d drained\n", rep.Runs, rep.WithFaults, rep.FailedOver, rep.Restored, rep.Rescaled, rep.Drained)
	// Output:
	// consistent-cut                 passed  90 failed  0 skipped  10
	// snapshot-state                 passed  60 failed  0 skipped  40
	// exactly-once-state             passed   9 failed  0 skipped  91
	// end-to-end                     passed   5 failed  0 skipped  95
	// no-loss                        passed  36 failed  0 skipped  64
	// two-phase-commit               passed  65 failed  0 skipped  35
	// shared-state                   passed  52 failed  0 skipped  48
	// determinism                    passed 100 failed  0 skipped   0
	// liveness                       passed   3 failed  0 skipped  97
	// bounded-drain                  passed  15 failed  0 skipped  85
	// bounded-ends                   passed  48 failed  0 skipped  52
	// at-least-once-is-exactly-once  passed  10 failed  1 skipped  89
	// 100 runs: 53 with faults, 29 failed over, 22 restored (9 rescaled), 41 drained
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
	// seed 7: {Subtasks:9 Operators:5 Edges:5 Faults:0 Records:24} shrinks to {Subtasks:3 Operators:3 Edges:3 Faults:0 Records:7}
}
