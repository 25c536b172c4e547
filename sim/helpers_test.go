package sim

import (
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// src returns a source operator with a uniform workload.
func src(name string, p int, rate float64, records int64) topology.Operator {
	return topology.Operator{Name: name, Kind: topology.Source, Parallelism: p,
		Source: &topology.SourceSpec{Rate: rate, Records: records, Keys: 20, Distribution: topology.Uniform, MaxValue: 100, RecordBytes: 100}}
}

func agg(name string, p int, cost time.Duration) topology.Operator {
	return topology.Operator{Name: name, Kind: topology.Aggregate, Parallelism: p, Cost: cost, Func: topology.Count, StateBytesPerKey: 64}
}

// exactlyOnceSink is a two-phase commit sink.
func exactlyOnceSink(name string, p int) topology.Operator {
	snk := sink(name, p)
	snk.SinkMode = topology.TwoPhaseCommitSink
	return snk
}

func sink(name string, p int) topology.Operator {
	return topology.Operator{Name: name, Kind: topology.Sink, Parallelism: p}
}

// pipeline is source(p=2) -hash-> count(p=2) -forward-> sink(p=2).
func pipeline() Config {
	return Config{
		Name: "pipeline",
		Seed: 7,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 2, 1000, 0), agg("count", 2, 200*time.Microsecond), sink("sink", 2)},
			Edges: []topology.Edge{
				{From: "src", To: "count", Partitioning: topology.Hash},
				{From: "count", To: "sink", Partitioning: topology.Forward},
			},
		},
		Channels:   recordChannels(),
		Checkpoint: testCheckpoint(),
		Until:      5 * time.Second,
	}
}

// testHistory is the checkpoint history of the unit tests' jobs, which look
// at every checkpoint of their runs; history_test.go tests the eviction.
const testHistory = 1000

// testCheckpoint is the default checkpoint config with testHistory.
func testCheckpoint() CheckpointConfig {
	ck := DefaultCheckpointConfig()
	ck.History = testHistory
	return ck
}
