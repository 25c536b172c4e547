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
