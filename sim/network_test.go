package sim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/topology"
)

// genNetwork draws a run of genConfig (bounded or not) with a random
// network: no exclusive buffers (floating ones only, FLINK-16641) or a few,
// debloating, and a placement with local channels.
func genNetwork(t *rapid.T, bounded bool) Config {
	pm := rapid.SampledFrom(propModes).Draw(t, "mode")
	cfg := genConfig(t, pm, bounded)
	ch := &cfg.Channels
	ch.BuffersPerChannel = rapid.IntRange(0, 3).Draw(t, "exclusive")
	ch.FloatingBuffersPerGate = rapid.IntRange(max(0, 1-ch.BuffersPerChannel), 6).Draw(t, "floating")
	if rapid.Bool().Draw(t, "debloat?") {
		ch.Debloat = DebloatConfig{Enabled: true, Target: ms(t, 1, 500, "target"), Period: ms(t, 1, 100, "period"),
			Samples: rapid.IntRange(1, 20).Draw(t, "samples"), ThresholdPercentage: rapid.IntRange(0, 100).Draw(t, "threshold"),
			MinSegmentSize: rapid.IntRange(1, ch.SegmentSize).Draw(t, "min segment")}
	}
	if rapid.Bool().Draw(t, "placement?") {
		cfg.Placement = Placement{TaskManagers: rapid.IntRange(1, 3).Draw(t, "taskmanagers"), SlotsPerTaskManager: 3}
	}
	return cfg
}

// fataler is what checkBuffers reports to: a *testing.T or a *rapid.T.
type fataler interface {
	Fatalf(format string, args ...any)
}

// checkBuffers fails unless no sender sent past a blocking barrier its
// receiver has not taken, and every buffer of every remote channel's
// receiver is accounted for: each exclusive buffer is free or held by a
// landed buffer of data, and each floating buffer of a gate is in the
// gate's pool, free at one of its channels or held by landed data, and a
// channel whose receiver took its end of partition holds none.
// held is scratch space: floating buffers held per task and gate.
func checkBuffers(t fataler, s *Sim, held [][]int) {
	e, f := s.cfg.Channels.BuffersPerChannel, s.cfg.Channels.FloatingBuffersPerGate
	for ti := range held {
		clear(held[ti])
	}
	for i := range s.chans {
		c := &s.chans[i]
		// The sender pauses after a blocking barrier until the receiver
		// took it and resumed consumption: nothing follows it but priority
		// barriers, which the model still sends (see sendPriority).
		blocking := int64(-1)
		for j := range c.in().len() {
			switch it := c.in().at(j); {
			case blocking >= 0 && !it.priority:
				t.Fatalf("channel %d at %d: something was sent after blocking barrier %d before it was taken", c.id, s.now, blocking)
			case it.kind == itemBarrier && it.blocking && !it.priority:
				blocking = it.ck
			}
		}
		if c.local {
			continue
		}
		if c.exclusive < 0 || c.floating < 0 {
			t.Fatalf("channel %d at %d: %d exclusive, %d floating buffers", c.id, s.now, c.exclusive, c.floating)
		}
		if c.ended && c.floating > 0 {
			t.Fatalf("channel %d at %d: ended, and keeps %d floating buffers from its gate", c.id, s.now, c.floating)
		}
		exclusive := int(c.exclusive)
		held[c.to][c.gate] += int(c.floating)
		for j := range int(c.landed) {
			switch b := c.inBufs.at(j); {
			case b.recovered:
			case b.floating:
				held[c.to][c.gate]++
			default:
				exclusive++
			}
		}
		if exclusive != e {
			t.Fatalf("channel %d at %d: %d free + landed exclusive buffers, want %d", c.id, s.now, exclusive, e)
		}
	}
	for ti := range s.tasks {
		for gi := range s.tasks[ti].gates {
			g := &s.tasks[ti].gates[gi]
			if n := g.free + held[ti][gi]; g.free < 0 || n != f {
				t.Fatalf("task %d gate %d at %d: %d in the pool + %d at the channels, want %d", ti, gi, s.now, g.free, held[ti][gi], f)
			}
		}
	}
}

// stepCheckingBuffers runs s to its end, checking its buffers after every
// step (checkBuffers).
func stepCheckingBuffers(t fataler, s *Sim) {
	held := make([][]int, len(s.tasks))
	for ti := range held {
		held[ti] = make([]int, len(s.tasks[ti].gates))
	}
	for s.Step() {
		checkBuffers(t, s, held)
	}
}

// TestPropertyBuffersConserved: after every step of a failure-free run, no
// receiver's buffer is lost or made up, whatever the network.
func TestPropertyBuffersConserved(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genNetwork(t, false)
		cfg.Until = ms(t, 300, 1500, "short until")
		s, err := New(cfg)
		require.NoError(t, err)
		stepCheckingBuffers(t, s)
	})
}

// TestPropertyEndedChannelsReleaseBuffers: as a bounded job drains, a
// channel whose receiver takes its end of partition gives its floating
// buffers back to the gate (RemoteInputChannel.releaseAllResources), which
// hands them to the channels still waiting; buffers stay conserved to the
// end of the run.
func TestPropertyEndedChannelsReleaseBuffers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genNetwork(t, true)
		// Floating buffers only, so that the gate's are all there is: a
		// channel that kept them would starve the others.
		cfg.Channels.BuffersPerChannel = 0
		cfg.Channels.FloatingBuffersPerGate = max(1, cfg.Channels.FloatingBuffersPerGate)
		s, err := New(cfg)
		require.NoError(t, err)
		stepCheckingBuffers(t, s)
	})
}

// TestResumeOnlyTakenBarriers: the end of an alignment resumes the inputs
// the task blocked, not one whose sender paused after the barrier of the
// next checkpoint, which is still on its way (ChannelState.
// unblockAllChannels). Found by TestPropertyBuffersConserved (seed
// 15770414709739704337): checkpoint 39 ended unaligned at mid while barrier
// 40 had paused s0; s0, resumed, later sent with a credit of the floating
// buffer mid had released when it blocked the channel for barrier 40, and
// the buffer landed with no free buffer (-1 exclusive buffers).
func TestResumeOnlyTakenBarriers(t *testing.T) {
	m := topology.Operator{Name: "mid", Kind: topology.Map, Parallelism: 1, Cost: 3 * time.Microsecond, Multiply: 2, Add: 1}
	snk := sink("sink", 1)
	snk.SubtaskCost = map[int]time.Duration{0: 1867 * time.Microsecond}
	source := src("s0", 1, 2000, 0)
	source.Source.Keys, source.Cost = 1, 16*time.Microsecond
	cfg := Config{
		Name: "resume", Seed: 0x10,
		Graph: &topology.Graph{
			Operators: []topology.Operator{source, m, agg("agg", 1, 264*time.Microsecond), snk},
			Edges: []topology.Edge{
				{From: "s0", To: "mid", Partitioning: topology.Rebalance},
				{From: "mid", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels: ChannelConfig{Latency: 3 * time.Microsecond, Jitter: 72 * time.Microsecond, SegmentSize: 534,
			FloatingBuffersPerGate: 2, MaxBuffersPerChannel: 2, BufferTimeout: time.Millisecond},
		Checkpoint: CheckpointConfig{Interval: 10 * time.Millisecond, Mode: Unaligned, AlignedCheckpointTimeout: 10 * time.Millisecond,
			MaxConcurrent: 1, Timeout: 30 * time.Millisecond, MinPause: 3 * time.Millisecond, NumRetained: 1, History: 1,
			SyncDuration: 40 * time.Microsecond, AsyncBase: 2 * time.Millisecond, StorageBandwidth: 3 << 20},
		Recovery: RecoveryConfig{TolerableFailures: -1},
		Until:    409 * time.Millisecond,
	}
	stepCheckingBuffers(t, newSim(t, cfg))
}

// TestPausedSenderSendsOnlyPriorityBarriers: a sender paused after a
// blocking barrier sends nothing but priority barriers until the receiver
// resumes it. Found by TestPropertyBuffersConserved (seed
// 17248675384297620846): unaligned barrier 15 followed timeoutable barrier
// 14 on a paused local channel into agg, which the check took for a
// record sent past the pause.
func TestPausedSenderSendsOnlyPriorityBarriers(t *testing.T) {
	source := src("s0", 2, 300, 0)
	source.Source.Keys = 1
	a := agg("agg", 1, 0)
	a.SubtaskCost = map[int]time.Duration{0: 1667 * time.Microsecond}
	cfg := Config{
		Name: "paused", Seed: 0,
		Graph: &topology.Graph{
			Operators: []topology.Operator{source, {Name: "mid", Kind: topology.Map, Parallelism: 3, Multiply: 2, Add: 1}, a, sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "s0", To: "mid", Partitioning: topology.Broadcast},
				{From: "mid", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels: ChannelConfig{SegmentSize: 256, FloatingBuffersPerGate: 1, MaxBuffersPerChannel: 3,
			Debloat: DebloatConfig{Enabled: true, Target: time.Millisecond, Period: 6 * time.Millisecond, Samples: 3, ThresholdPercentage: 1, MinSegmentSize: 5}},
		Checkpoint: CheckpointConfig{Interval: 10 * time.Millisecond, Mode: Unaligned, AlignedCheckpointTimeout: 22 * time.Millisecond,
			MinPause: 6 * time.Millisecond, MaxConcurrent: 1, Timeout: 1106 * time.Millisecond, NumRetained: 2, History: 3,
			SyncDuration: 2 * time.Microsecond, AsyncBase: 24 * time.Millisecond, StorageBandwidth: 67 << 20},
		Recovery:  RecoveryConfig{TolerableFailures: -1},
		Placement: Placement{TaskManagers: 3, SlotsPerTaskManager: 3},
		Until:     300 * time.Millisecond,
	}
	stepCheckingBuffers(t, newSim(t, cfg))
}

// TestObsoletePrioritizedBarrierResumes: an aligned barrier that a
// timed-out alignment moved to the front of its queue stays aligned
// (RemoteInputChannel.convertToPriorityEvent), so when it turns out
// obsolete it resumes its paused sender, as SingleCheckpointBarrierHandler.
// processBarrier resumes every obsolete barrier but an unaligned one.
// Found by TestPropertyRecovery (seed 9392324429919241617): at agg[2],
// whose single input is mid, barrier 638 timed out and jumped the queue,
// barrier 639 overtook it and subsumed 638, and the obsolete 638 left mid
// paused: every later checkpoint expired until the event budget ran out.
func TestObsoletePrioritizedBarrierResumes(t *testing.T) {
	s0, s1 := src("s0", 2, 300, 1500), src("s1", 3, 300, 1500)
	s0.Source.Keys, s0.Cost = 2, 18*time.Microsecond
	s1.Source.Keys, s1.Cost = 15, 97*time.Microsecond
	a := agg("agg", 3, 92*time.Microsecond)
	a.Func = topology.Sum
	snk := exactlyOnceSink("sink", 3)
	snk.SubtaskCost = map[int]time.Duration{2: 1066 * time.Microsecond}
	cfg := Config{
		Name: "obsolete-prioritized", Seed: 1,
		Graph: &topology.Graph{
			Operators: []topology.Operator{s0, s1, {Name: "mid", Kind: topology.Map, Parallelism: 1, Cost: 30 * time.Microsecond, Multiply: 2, Add: 1}, a, snk},
			Edges: []topology.Edge{
				{From: "s0", To: "mid", Partitioning: topology.Broadcast},
				{From: "s1", To: "mid", Partitioning: topology.Broadcast},
				{From: "mid", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Broadcast},
			},
		},
		Channels: ChannelConfig{Latency: 291 * time.Microsecond, Jitter: 2 * time.Microsecond, SegmentSize: 1114,
			BuffersPerChannel: 2, FloatingBuffersPerGate: 1, MaxBuffersPerChannel: 2},
		Checkpoint: CheckpointConfig{Interval: 12 * time.Millisecond, Mode: Unaligned, AlignedCheckpointTimeout: 26 * time.Millisecond,
			MaxConcurrent: 1, Timeout: 21 * time.Millisecond, NumRetained: 2, History: 2,
			SyncDuration: time.Microsecond, AsyncBase: 11 * time.Millisecond, StorageBandwidth: 9 << 20},
		MaxEvents: 2_000_000,
	}
	cfg.Recovery = recoveryWith(RestartStrategy{Kind: FailureRate, MaxFailures: 1000, Interval: 2 * time.Millisecond, Delay: time.Millisecond})
	cfg.Recovery.Failover, cfg.Recovery.LocalRecovery, cfg.Recovery.Savepoints = RegionFailover, true, []time.Duration{1}
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "s0[0]", Phase: Aligning, Checkpoint: 19}}
	r := newSim(t, cfg).Run()
	require.Equal(t, JobFinished, r.Job, "stop: %s at %v, %d checkpoints expired", r.Stop, time.Duration(r.VirtualEnd), r.Summary.Expired)
}

// TestBufferSizeEMA follows Flink's BufferSizeEMATest: new
// BufferSizeEMA(200, 10, 3) fed the same totals gives the same sizes.
func TestBufferSizeEMA(t *testing.T) {
	tests := []struct {
		name  string
		steps [][3]int // total bytes, buffers, want
	}{
		{"calculation", [][3]int{{111, 13, 104}, {107, 7, 60}, {107, 7, 38}, {107, 7, 26}, {107, 7, 21}, {107, 7, 18},
			{107, 13, 13}, {107, 13, 11}, {107, 13, 10},
			{333, 1, 15}, {333, 1, 23}, {333, 1, 34}, {333, 1, 51}, {333, 1, 76}, {333, 1, 114}}},
		{"greater than max", [][3]int{{0, 1, 100}, {1000, 1, 150}, {1000, 1, 200}, {1000, 1, 200}}},
		{"less than min", [][3]int{{0, 1, 100}, {0, 1, 50}, {0, 1, 25}, {0, 1, 13}, {0, 1, 10}, {0, 1, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			last := 200.0
			for i, st := range tt.steps {
				last = bufferSizeEMA(last, float64(st[0]), st[1], 3, 10, 200)
				assert.Equal(t, st[2], int(math.Round(last)), "step %d", i)
			}
		})
	}
}

// backpressuredJob is the debloating scenario's job: agg[1] needs 8 ms per
// record, a third of 500 records/s reaches it, and it backpressures the
// sources; the other subtasks are mostly idle. Its buffers are debloated
// with Flink's defaults (a target of 1 s).
func backpressuredJob() Config {
	slow := agg("agg", 3, 100*time.Microsecond)
	slow.SubtaskCost = map[int]time.Duration{1: 8 * time.Millisecond}
	cfg := Config{
		Name: "backpressured",
		Seed: 11,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("src", 2, 250, 0), slow, sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "src", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels:   DefaultChannelConfig(),
		Checkpoint: testCheckpoint(),
		Until:      20*time.Second + 100*time.Millisecond, // the last size announced has arrived
	}
	cfg.Graph.Operators[0].Source.Keys = 500
	cfg.Channels.Debloat = DefaultDebloatConfig()
	cfg.Channels.Debloat.Enabled = true
	return cfg
}

// TestDebloatShrinksBackpressuredGate: the backpressured agg[1] sizes its
// buffers to hold the target of what it consumes, far below the segment
// size; the mostly idle agg[0] measures its throughput over its busy time
// only and keeps larger buffers; every size stays within the bounds, and the
// senders fill their buffers to the size announced.
func TestDebloatShrinksBackpressuredGate(t *testing.T) {
	cfg := backpressuredJob()
	// The senders' buffers are full ones under backpressure (the output
	// flusher sends slices only with credit), so fewer are in use and the
	// size takes some 25 s to settle.
	cfg.Until = 30*time.Second + 100*time.Millisecond
	s := newSim(t, cfg)
	lo, hi := int32(DefaultDebloatConfig().MinSegmentSize), int32(cfg.Channels.SegmentSize)
	slow, idle := subtaskID(t, s, "agg[1]"), subtaskID(t, s, "agg[0]")
	sizes := map[int32]bool{}
	for s.Step() {
		g := &s.tasks[slow].gates[0]
		require.True(t, g.size >= lo && g.size <= hi, "size %d outside [%d, %d]", g.size, lo, hi)
		sizes[g.size] = true
	}
	g := &s.tasks[slow].gates[0]
	// agg[1] consumes one 100-byte record per 8 ms: 12.5 KB/s, 12.5 KB in
	// the 1 s target, over the buffers in use.
	want := 12_500 * cfg.Channels.Debloat.Target.Seconds() / float64(max(1, g.inUse))
	assert.InEpsilon(t, want, float64(g.size), 0.25, "agg[1]: %d buffers in use", g.inUse)
	assert.Less(t, g.size, hi/10)
	assert.Greater(t, len(sizes), 3, "the size shrank in steps")
	for _, id := range g.chans {
		assert.Equal(t, g.size, s.chans[id].bufSize, "the sender of channel %d fills to the announced size", id)
	}
	assert.Greater(t, s.tasks[idle].gates[0].size, 4*g.size, "agg[0] is mostly idle: larger buffers")
}

// TestPlacementLocalChannels: with two TaskManagers of one slot, subtask i
// of every operator runs on TaskManager i, so the channels between equal
// indices are local and arrive the instant they are sent; the others cross
// the network with its latency.
func TestPlacementLocalChannels(t *testing.T) {
	cfg := pipeline()
	cfg.Graph.Edges[1].Partitioning = topology.Rebalance // no chaining
	cfg.Channels = DefaultChannelConfig()
	cfg.Channels.BufferTimeout = 0 // a buffer per record
	cfg.Placement = Placement{TaskManagers: 2, SlotsPerTaskManager: 1}
	cfg.Until = time.Second
	s := newSim(t, cfg)
	for _, name := range []string{"src[0]->count[0]", "src[1]->count[1]", "count[0]->sink[0]", "count[1]->sink[1]"} {
		assert.True(t, s.chans[channelID(t, s, name)].local, name)
	}
	for _, name := range []string{"src[0]->count[1]", "src[1]->count[0]", "count[0]->sink[1]", "count[1]->sink[0]"} {
		assert.False(t, s.chans[channelID(t, s, name)].local, name)
	}
	latency := int64(cfg.Channels.Latency)
	sent := map[bool]int{}
	s.Tracer = func(ev TraceEvent) {
		if ev.Kind != RecordSent {
			return
		}
		c := &s.chans[ev.Channel]
		sent[c.local]++
		if c.local {
			require.Equal(t, ev.At, c.lastArr, "a local record arrives the instant it is sent")
		} else {
			require.GreaterOrEqual(t, c.lastArr-ev.At, latency, "a remote record takes the latency")
		}
	}
	r := s.Run()
	requireInvariants(t, r)
	assert.Positive(t, sent[true])
	assert.Positive(t, sent[false])

	cfg.Placement = Placement{TaskManagers: 1, SlotsPerTaskManager: 1}
	_, err := New(cfg)
	require.EqualError(t, err, "placement: 1 taskmanagers × 1 slots = 1 slots, but the job needs 2 (its highest parallelism, with slot sharing)")
}

// TestMachineLostWithItsTaskManager: a crash that loses the machine fails
// every subtask placed on its TaskManager and loses their task-local
// copies; the subtasks of the other TaskManager restore theirs.
func TestMachineLostWithItsTaskManager(t *testing.T) {
	cfg := pipeline()
	cfg.Graph.Edges[1].Partitioning = topology.Rebalance // no chaining
	cfg.Placement = Placement{TaskManagers: 2, SlotsPerTaskManager: 1}
	cfg.Recovery = recoveryWith(fixedDelay(10, 50*time.Millisecond))
	cfg.Recovery.LocalRecovery = true
	cfg.Checkpoint.Interval = 100 * time.Millisecond
	cfg.Until = time.Second
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "src[0]", At: 550 * time.Millisecond, MachineLost: true}}
	r := newSim(t, cfg).Run()
	requireInvariants(t, r)
	require.Len(t, r.Failovers, 1)
	f := r.Failovers[0]
	assert.Equal(t, "crash of src[0] and the loss of its TaskManager with 3 subtask(s)", f.Cause)
	assert.Equal(t, 3, f.LocalRestores, "the three subtasks of the other TaskManager restore their local copies")
}
