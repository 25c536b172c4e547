package tui

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// wideJob has 100 subtasks: 10 sources, 40 maps, 40 keyed counts (1600
// hash channels between them) and 10 sinks.
func wideJob() sim.Config {
	g := &topology.Graph{
		Operators: []topology.Operator{
			{Name: "src", Kind: topology.Source, Parallelism: 10,
				Source: &topology.SourceSpec{Rate: 2000, Keys: 1000, Distribution: topology.Uniform, MaxValue: 100, RecordBytes: 100}},
			{Name: "parse", Kind: topology.Map, Parallelism: 40, Cost: 200 * time.Microsecond, Multiply: 1},
			{Name: "count", Kind: topology.Aggregate, Parallelism: 40, Cost: 100 * time.Microsecond, Func: topology.Count, StateBytesPerKey: 64},
			{Name: "sink", Kind: topology.Sink, Parallelism: 10},
		},
		Edges: []topology.Edge{
			{From: "src", To: "parse", Partitioning: topology.Rebalance},
			{From: "parse", To: "count", Partitioning: topology.Hash},
			{From: "count", To: "sink", Partitioning: topology.Rebalance},
		},
	}
	ck := sim.DefaultCheckpointConfig()
	ck.Interval = 200 * time.Millisecond
	return sim.Config{Name: "wide", Seed: 1, Graph: g, Channels: sim.DefaultChannelConfig(), Checkpoint: ck, Until: 2 * time.Second}
}

// BenchmarkRedraw100Subtasks draws the whole screen of a 100-subtask job
// mid-checkpoint; the target is under 33 ms (30 frames a second).
func BenchmarkRedraw100Subtasks(b *testing.B) {
	for _, size := range [][2]int{{120, 40}, {240, 70}} {
		b.Run(itoa(int64(size[0]))+"x"+itoa(int64(size[1])), func(b *testing.B) {
			tu := newTestUI(b, wideJob(), size[0], size[1])
			require.Len(b, tu.u.order, 100)
			tu.u.m.GoToTime(int64(1250 * time.Millisecond))
			require.True(b, tu.u.m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.ChannelBlocked }))
			tu.u.timeline.zoom = 15 // 100ms a column: the whole run so far
			tu.draw()
			for b.Loop() {
				tu.draw()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/frame")
		})
	}
}

// millionEvents is a run of the alignment scenario with about 1.1 million
// engine events.
func millionEvents(t testing.TB) sim.Config {
	return scenarioConfig(t, "alignment", 250*time.Second)
}

// BenchmarkFirstPass1M steps a 1M-event run to its end with the UI's
// recording (trace, timeline, snapshots): what End costs the first time.
func BenchmarkFirstPass1M(b *testing.B) {
	cfg := millionEvents(b)
	for b.Loop() {
		m, err := NewModel(cfg)
		require.NoError(b, err)
		m.GoTo(1 << 62)
		require.Greater(b, m.Event(), int64(1_000_000))
	}
}

// BenchmarkBackInTime1M goes to random earlier events of a recorded
// 1M-event run; the target is under a second.
func BenchmarkBackInTime1M(b *testing.B) {
	m, err := NewModel(millionEvents(b))
	require.NoError(b, err)
	m.GoTo(1 << 62)
	end := m.Event()
	require.Greater(b, end, int64(1_000_000))
	rng := rand.New(rand.NewPCG(1, 1))
	var worst time.Duration
	for b.Loop() {
		b.StopTimer()
		m.GoTo(end)
		k := rng.Int64N(end)
		b.StartTimer()
		start := time.Now()
		m.GoTo(k)
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

// BenchmarkJump1M goes to random events, back or forward, of a recorded
// 1M-event run.
func BenchmarkJump1M(b *testing.B) {
	m, err := NewModel(millionEvents(b))
	require.NoError(b, err)
	m.GoTo(1 << 62)
	end := m.Event()
	rng := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		m.GoTo(rng.Int64N(end + 1))
	}
}

// TestBackInTime1M: on a recorded 1M-event run, going back to any event
// (here: the start, the middle, the one before the end, one event back)
// takes well under a second.
func TestBackInTime1M(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1M-event run")
	}
	m, err := NewModel(millionEvents(t))
	require.NoError(t, err)
	m.GoTo(1 << 62)
	end := m.Event()
	require.Greater(t, end, int64(1_000_000))
	for _, k := range []int64{0, end / 2, end - 1, end - 2, 1} {
		start := time.Now()
		m.GoTo(k)
		took := time.Since(start)
		require.Equal(t, k, m.Event())
		require.Less(t, took, 500*time.Millisecond, "going back to event %d", k)
	}
	require.Zero(t, m.Mismatches())
}
