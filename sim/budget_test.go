package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ckptsim/ckptsim/topology"
)

func TestDefaultBudget(t *testing.T) {
	big := func(records int64, until time.Duration) Config {
		cfg := pipeline()
		cfg.Graph.Operators[0].Parallelism = 250
		cfg.Graph.Operators[0].Source.Rate = 4000
		cfg.Graph.Operators[0].Source.Records = records
		cfg.Until = until
		return cfg
	}
	broadcast := big(40_000, 0)
	broadcast.Graph.Edges[1].Partitioning = topology.Broadcast
	cases := []struct {
		name string
		cfg  Config
		want int64
	}{
		{"a small job keeps the floor", pipeline(), DefaultMaxEvents},
		{"unbounded without an end keeps the floor", big(0, 0), DefaultMaxEvents},
		// 250 x 40,000 records reach 3 operators: 4 x 30 M events.
		{"bounded sources", big(40_000, 0), 120_000_000},
		{"the end time comes first", big(40_000, 5*time.Second), 60_000_000},
		{"unbounded sources until the end time", big(0, 10*time.Second), 120_000_000},
		// The sink's 2 subtasks each get every record: 10 M x (1 + 1 + 2).
		{"a broadcast counts every receiver", broadcast, 160_000_000},
		{"at most the ceiling", big(4_000_000, 0), MaxEventBudget},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, defaultBudget(tc.cfg))
		})
	}
}

// TestWorkPerEventBounded: a task takes at most MaxRecordsPerEvent inputs
// within one event, so that a run's event budget bounds its work. A source
// of 10^9 records/s, backpressured, reads on once credit comes back: every
// record that appeared meanwhile, as many as its buffers take (here 80,000
// per channel), all due at once. Within one event, a FuzzEngine run of
// 20,000 events (buffers of 460,000 4-byte records) took a minute.
func TestWorkPerEventBounded(t *testing.T) {
	cfg := Config{
		Name: "flood", Seed: 1,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 2, 1e9, 0), sink("sink", 1)},
			Edges:     []topology.Edge{{From: "src", To: "sink", Partitioning: topology.Hash}},
		},
		Channels: ChannelConfig{Latency: 13 * time.Millisecond, SegmentSize: 32 << 10, BuffersPerChannel: 2,
			FloatingBuffersPerGate: 8, MaxBuffersPerChannel: 2, BufferTimeout: 300 * time.Microsecond},
		Checkpoint: testCheckpoint(),
		MaxEvents:  60_000,
	}
	cfg.Graph.Operators[0].Source.RecordBytes = 4
	s := newSim(t, cfg)
	taken := func() (n int64) {
		for i := range s.tasks {
			n += s.tasks[i].processed
		}
		return n
	}
	var most int64
	for before := int64(0); s.Step(); {
		now := taken()
		most, before = max(most, now-before), now
	}
	assert.Equal(t, EventBudget, s.Result().Stop)
	assert.Equal(t, int64(MaxRecordsPerEvent), most, "the most records taken in one event")
}
