package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// chained is src (p=2) -forward-> keep (filter, p=2) -hash-> count (p=2)
// -forward-> double (map, p=2) -forward-> a two-phase commit sink (p=2),
// bounded: src -> keep and count -> double -> sink are tasks of two and
// three operators.
func chained(records int64) Config {
	cfg := bounded(records, topology.TwoPhaseCommitSink)
	cfg.Graph = &topology.Graph{
		Operators: []topology.Operator{src("src", 2, 1000, records),
			{Name: "keep", Kind: topology.Filter, Parallelism: 2, Cost: 20 * time.Microsecond, KeepPercent: 60},
			agg("count", 2, 100*time.Microsecond),
			{Name: "double", Kind: topology.Map, Parallelism: 2, Cost: 50 * time.Microsecond, Multiply: 2}, exactlyOnceSink("sink", 2)},
		Edges: []topology.Edge{
			{From: "src", To: "keep", Partitioning: topology.Forward},
			{From: "keep", To: "count", Partitioning: topology.Hash},
			{From: "count", To: "double", Partitioning: topology.Forward},
			{From: "double", To: "sink", Partitioning: topology.Forward},
		},
	}
	return cfg
}

// TestChainSnapshotsOncePerTask: a chain is one task, with one snapshot
// and one acknowledgement per checkpoint holding each operator's state,
// and a crash in the chain recovers exactly once.
func TestChainSnapshotsOncePerTask(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []Fault
	}{
		{"no fault", nil},
		{"a crash of the chain", []Fault{crashAt("double[1]", 450*time.Millisecond)}},
		{"a crash of the source chain", []Fault{crashAt("src -> keep[0]", 700*time.Millisecond)}},
		{"a crash in the chain's sync phase", []Fault{crashIn("sink[0]", SyncPhase, 2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := chained(1500)
			cfg.Faults = tc.faults
			evs, r, s := runTraced(t, cfg)
			require.Len(t, s.Graph().Subtasks, 4)
			assert.Equal(t, "src -> keep[1]", s.Graph().Subtasks[1].Name)
			assert.Equal(t, "count -> double -> sink[1]", s.Graph().Subtasks[3].Name)
			require.NotZero(t, r.Summary.Completed)
			for _, c := range r.Checkpoints {
				if c.Status != Completed {
					continue
				}
				assert.Equal(t, 4, c.Total, "one acknowledgement per task")
				for _, st := range c.Subtasks[:2] {
					assert.Equal(t, []int64{8, 0}, st.OperatorStateBytes, "checkpoint %d: the source's offset", c.ID)
				}
				for _, st := range c.Subtasks[2:] {
					require.Len(t, st.OperatorStateBytes, 3, "checkpoint %d", c.ID)
					assert.Equal(t, st.StateBytes, st.OperatorStateBytes[0], "the aggregate at the head holds all the state")
					assert.Equal(t, []int64{0, 0}, st.OperatorStateBytes[1:])
				}
				syncs := 0
				for _, ev := range ofKind(evs, SnapshotSyncStart) {
					if ev.Checkpoint == c.ID && ev.At >= c.TriggerAt {
						syncs++
					}
				}
				assert.LessOrEqual(t, syncs, 4, "checkpoint %d: one snapshot per task", c.ID)
			}
			assert.Equal(t, len(tc.faults), len(r.Failovers))
			requireDrainedExactlyOnce(t, r)
		})
	}
}

// TestChainCost: a record costs the operators it reaches, the ones after a
// filter that drops it excepted; the sink counts what reached it.
func TestChainCost(t *testing.T) {
	cfg := chained(100)
	cfg.Graph.Operators[0].Cost = 5 * time.Microsecond
	s := newSim(t, cfg)
	task := &s.tasks[subtaskID(t, s, "keep[0]")]
	assert.Equal(t, int64(25*time.Microsecond), task.chainCost(0, &item{kind: itemRecord, key: 1, value: 7}), "the source and the filter")
	count := &s.tasks[subtaskID(t, s, "count[0]")]
	assert.Equal(t, int64(150*time.Microsecond), count.chainCost(0, &item{kind: itemRecord, key: 1, value: 7}), "count, double and the sink")

	// A filter keeping nothing spares the operators after it.
	cfg = chained(100)
	cfg.Graph.Operators[1].KeepPercent = 0
	cfg.Graph.Edges[1].Partitioning = topology.Forward
	cfg.Graph.Operators[2].Kind, cfg.Graph.Operators[2].Func = topology.Map, ""
	s = newSim(t, cfg)
	require.Len(t, s.Graph().Subtasks, 2, "src -> keep -> count -> double -> sink")
	task = &s.tasks[0]
	assert.Equal(t, int64(20*time.Microsecond), task.chainCost(0, &item{kind: itemRecord, key: 1, value: 1}), "the filter only")
	r := s.Run()
	assert.Zero(t, r.Summary.RecordsOut, "nothing reaches the sink")
	assert.Equal(t, int64(200), r.Summary.RecordsIn)
}

// forcedAligned is a(src, p=2) -forward-> m (p=2, a new chain) and
// b(src, p=2) -hash-> m, then m -hash-> agg (p=2) -rebalance-> sink (p=1),
// unaligned: m has a forward input, so both of its input edges stay
// aligned; agg's input is unaligned.
func forcedAligned() Config {
	m := topology.Operator{Name: "m", Kind: topology.Map, Parallelism: 2, Cost: 1100 * time.Microsecond, Multiply: 1, StartNewChain: true}
	cfg := Config{
		Name: "forced", Seed: 5,
		Graph: &topology.Graph{
			Operators: []topology.Operator{src("a", 2, 1000, 0), src("b", 2, 100, 0), m, agg("agg", 2, 100*time.Microsecond), sink("sink", 1)},
			Edges: []topology.Edge{
				{From: "a", To: "m", Partitioning: topology.Forward},
				{From: "b", To: "m", Partitioning: topology.Hash},
				{From: "m", To: "agg", Partitioning: topology.Hash},
				{From: "agg", To: "sink", Partitioning: topology.Rebalance},
			},
		},
		Channels:   ChannelConfig{Latency: time.Millisecond, BuffersPerChannel: 20, MaxBuffersPerChannel: 3},
		Checkpoint: DefaultCheckpointConfig(),
		Until:      2 * time.Second,
	}
	cfg.Checkpoint.Mode = Unaligned
	cfg.Checkpoint.Interval = 300 * time.Millisecond
	return cfg
}

// TestForcedAlignedEdges: in unaligned mode the inputs of an operator with
// a forward input are aligned (blocked, never persisted), while that
// operator's own barriers are unaligned again downstream; the report lists
// the aligned edges.
func TestForcedAlignedEdges(t *testing.T) {
	evs, r, s := runTraced(t, forcedAligned())
	assert.Equal(t, []string{"a -> m (forward)", "b -> m (hash)"}, r.AlignedEdges)
	m0, agg0 := subtaskID(t, s, "m[0]"), subtaskID(t, s, "agg[0]")
	require.NotZero(t, r.Summary.Completed)
	var aligning int64
	for _, c := range r.Checkpoints {
		if c.Status != Completed {
			continue
		}
		assert.False(t, c.Subtasks[m0].Unaligned, "checkpoint %d: m aligns", c.ID)
		assert.Zero(t, inputPersisted(evs, m0, c.ID), "checkpoint %d: m persists no input", c.ID)
		aligning = max(aligning, c.Subtasks[m0].Alignment)
		assert.True(t, c.Subtasks[agg0].Unaligned, "checkpoint %d: agg's hash input is unaligned", c.ID)
	}
	assert.Positive(t, aligning, "m waits for its slow forward input")
	assert.NotEmpty(t, at(evs, ChannelBlocked, m0, 0), "m blocks its inputs")
	assert.Empty(t, at(evs, ChannelBlocked, agg0, 0), "agg never blocks")
	assert.Empty(t, at(evs, AlignmentTimedOut, m0, 0))
	requireInvariants(t, r)

	// With an aligned checkpoint timeout m never times out: forced-aligned
	// barriers are not timeoutable.
	cfg := forcedAligned()
	cfg.Checkpoint.AlignedCheckpointTimeout = time.Millisecond
	evs, r, _ = runTraced(t, cfg)
	assert.Empty(t, at(evs, AlignmentTimedOut, m0, 0))
	assert.NotEmpty(t, ofKind(evs, AlignmentTimedOut), "agg times out")
	requireInvariants(t, r)

	cfg = forcedAligned()
	cfg.Checkpoint.Mode = Aligned
	assert.Empty(t, newSim(t, cfg).Result().AlignedEdges, "only unaligned mode reports them")
}

// inputPersisted sums the input channel state subtask id persisted for
// checkpoint n.
func inputPersisted(evs []TraceEvent, id int32, n int64) int64 {
	var b int64
	for _, ev := range at(evs, InFlightPersisted, id, n) {
		b += ev.N
	}
	return b
}

// TestForcedAlignedBesideUnaligned: a forced-aligned barrier that arrives
// while the task takes the checkpoint unaligned on its other inputs blocks
// its channel (SingleCheckpointBarrierHandler's unaligned states block the
// channel of an aligned barrier) and the checkpoint stays a consistent
// cut. Flink's StreamGraphGenerator never builds this mix, since it marks
// every input of the operator (in Flink the unaligned checkpoint would
// persist the pointwise channel's in-flight data too,
// RemoteInputChannel.checkpointStarted: the reason of FLINK-21945), so the
// test unmarks the hash input by hand.
func TestForcedAlignedBesideUnaligned(t *testing.T) {
	s := newSim(t, forcedAligned())
	var hash []int32
	for i := range s.eg.Channels {
		if c := &s.eg.Channels[i]; s.cfg.Graph.Edges[c.Edge].From == "b" {
			c.AlignedOnly = false
			hash = append(hash, int32(i))
		}
	}
	m0 := subtaskID(t, s, "m[0]")
	var evs []TraceEvent
	s.Tracer = func(ev TraceEvent) { evs = append(evs, ev) }
	r := s.Run()
	require.NotZero(t, r.Summary.Completed)
	assert.NotEmpty(t, at(evs, ChannelBlocked, m0, 0), "the forced-aligned input is blocked")
	for _, ev := range at(evs, ChannelBlocked, m0, 0) {
		assert.NotContains(t, hash, ev.Channel, "the unaligned input is never blocked")
	}
	for _, c := range r.Checkpoints {
		if c.Status == Completed {
			assert.True(t, c.Subtasks[m0].Unaligned, "checkpoint %d is unaligned at m", c.ID)
		}
	}
	requireInvariants(t, r)
}
