package sim

import (
	"cmp"
	"github.com/ckptsim/ckptsim/examples/ownprotocol"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// cloneConfigs are runs that exercise every kind of state Clone copies:
// each mode, the aligned checkpoint timeout (announcements, output
// timeouts), backpressure, finishing sources and concurrent checkpoints.
func cloneConfigs() map[string]Config {
	fanIn := func(mode Mode, timeout time.Duration) Config {
		slow := agg("slow", 2, 0)
		slow.Kind = topology.Map
		slow.Cost = 1100 * time.Microsecond
		slow.StartNewChain = true // its input queue is what the tests watch
		cfg := Config{
			Name: "fan-in", Seed: 11,
			Graph: &topology.Graph{
				Operators: []topology.Operator{src("busy", 2, 1000, 0), slow, src("quiet", 2, 100, 0), agg("join", 2, 100*time.Microsecond), sink("sink", 1)},
				Edges: []topology.Edge{
					{From: "busy", To: "slow", Partitioning: topology.Forward},
					{From: "slow", To: "join", Partitioning: topology.Hash},
					{From: "quiet", To: "join", Partitioning: topology.Hash},
					{From: "join", To: "sink", Partitioning: topology.Rebalance},
				},
			},
			Channels:   ChannelConfig{Latency: time.Millisecond, Jitter: 300 * time.Microsecond, BuffersPerChannel: 20, MaxBuffersPerChannel: 3},
			Checkpoint: testCheckpoint(),
			Until:      2 * time.Second,
		}
		cfg.Checkpoint.Mode = mode
		cfg.Checkpoint.AlignedCheckpointTimeout = timeout
		cfg.Checkpoint.Interval = 200 * time.Millisecond
		if mode != Unaligned { // Flink refuses concurrent unaligned checkpoints
			cfg.Checkpoint.MaxConcurrent = 2
		}
		cfg.Checkpoint.Timeout = 300 * time.Millisecond
		return cfg
	}
	bounded := pipeline()
	bounded.Graph.Operators[0].Source.Records = 700
	bounded.Until = 0
	return map[string]Config{
		"pipeline":       pipeline(),
		"bounded":        bounded,
		"aligned":        fanIn(Aligned, 0),
		"unaligned":      fanIn(Unaligned, 0),
		"aligned-tmo":    fanIn(Unaligned, 20*time.Millisecond),
		"at-least-once":  fanIn(AtLeastOnce, 0),
		"unaligned-tiny": fanIn(Unaligned, 3*time.Millisecond),
		// A user's own protocol that is not a Cloner: Clone replays its
		// inputs to a fresh one (userprotocol.go).
		"aligned-eager": withProtocol(fanIn(Aligned, 0), ownprotocol.NewEager),
		"replayed-tmo":  withProtocol(fanIn(Unaligned, 20*time.Millisecond), flinkFactory(CheckpointConfig{Mode: Unaligned, AlignedCheckpointTimeout: 20 * time.Millisecond}, false)),
	}
}

// traceOf steps s to the end, collecting the trace.
func traceOf(s *Sim) []TraceEvent {
	var evs []TraceEvent
	s.Tracer = func(ev TraceEvent) { evs = append(evs, ev) }
	for s.Step() {
	}
	return evs
}

func TestCloneContinuesIdentically(t *testing.T) {
	for name, cfg := range cloneConfigs() {
		t.Run(name, func(t *testing.T) {
			want, wantRes, full := runTraced(t, cfg)
			total := full.Events()
			require.Greater(t, total, int64(1000))
			for _, k := range []int64{0, 1, 2, total / 7, total / 3, total / 2, total - 1, total} {
				b := newSim(t, cfg)
				var prefix []TraceEvent
				b.Tracer = func(ev TraceEvent) { prefix = append(prefix, ev) }
				for b.Events() < k && b.Step() {
				}
				c1, c2 := b.Clone(), b.Clone()
				require.Nil(t, c1.Tracer)
				require.Equal(t, b.TraceCount(), c1.TraceCount())
				// The first clone runs to the end before the original and
				// the second clone continue: no state may be shared.
				got1 := append(slices.Clone(prefix), traceOf(c1)...)
				b.Tracer = nil
				gotB := append(slices.Clone(prefix), traceOf(b)...)
				got2 := append(slices.Clone(prefix), traceOf(c2)...)
				require.Equalf(t, len(want), len(got1), "k=%d: clone's trace length", k)
				require.Equalf(t, want, got1, "k=%d: a clone continued", k)
				require.Equalf(t, want, gotB, "k=%d: the original continued after its clone ran", k)
				require.Equalf(t, want, got2, "k=%d: a second clone", k)
				require.Equal(t, wantRes, c1.Result())
				require.Equal(t, wantRes, b.Result())
				require.Equal(t, wantRes, c2.Result())
			}
		})
	}
}

// TestCloneTraceHash checks with the trace hash, as the determinism tests
// do, that a clone taken every few thousand events and continued gives the
// original's trace: the way a UI travels in time.
func TestCloneTraceHash(t *testing.T) {
	cfg := cloneConfigs()["aligned-tmo"]
	want, _, _ := runHashed(t, cfg)
	s := newSim(t, cfg)
	h, sum := s.TraceHasher()
	s.Tracer = h
	var snaps []*Sim
	for s.Step() {
		if s.Events()%5000 == 0 {
			c := s.Clone()
			snaps = append(snaps, c)
		}
	}
	require.Equal(t, want, sum())
	require.NotEmpty(t, snaps)
	// Restore a clone of a clone from the middle and finish it with a
	// hasher fed the same prefix.
	mid := snaps[len(snaps)/2]
	ref := newSim(t, cfg)
	h2, sum2 := ref.TraceHasher()
	ref.Tracer = h2
	for ref.Events() < mid.Events() && ref.Step() {
	}
	c := mid.Clone()
	c.Tracer = h2
	for c.Step() {
	}
	require.Equal(t, want, sum2())
}

// TestCloneKnowsEveryField fails when a field that holds a reference
// (slice, map, pointer, function, interface) is added to the run's state:
// Clone copies structs shallowly and must be told how to copy it (or that
// it is never changed and may be shared).
func TestCloneKnowsEveryField(t *testing.T) {
	// Each reference field Clone deep-copies, or shares because it never
	// changes after New or after being taken.
	known := map[string]string{
		"Sim.Tracer": "reset", "Sim.cfg.Graph": "shared", "Sim.cfg.Script": "shared",
		"Sim.cfg.Recovery.Savepoints": "shared", "Sim.cfg.Faults": "shared", "Sim.cfg.Restores": "shared", "Sim.job.resubmissions": "copied", "Sim.job.stop": "copied",
		"Sim.eg": "shared", "Sim.q.heap": "copied", "Sim.q.rh.buckets": "copied", "Sim.q.rh.spare": "reset", "Sim.q.now.buf": "copied", "Sim.q.fifos.buf": "copied", "Sim.rng": "copied", "Sim.pcg": "copied",
		"Sim.job.restarter.failures": "copied", "Sim.job.loop.units": "copied", "Sim.job.failovers": "copied", "Sim.job.waiting": "copied", "Sim.job.waitingFor": "copied", "Sim.job.stoppedBy": "copied", "Sim.job.restarts": "copied",
		"Sim.job.region": "shared", "Sim.job.corrupt": "shared", "Sim.job.fired": "copied",
		"Sim.faultSubtask": "shared", "Sim.faultChannel": "shared", "Sim.observe": "shared",
		"task.sink.open": "copied", "task.sink.pending": "copied", "taskSnap.txns": "copied",
		"taskSnap.inState": "copied", "taskSnap.outState": "copied", "txn.recs": "copied",
		"CheckpointStats.txns": "copied", "CheckpointStats.inState": "copied", "CheckpointStats.outState": "copied",
		"Sim.tasks": "copied", "Sim.chans": "copied", "Sim.lazy": "copied", "Sim.announcing": "copied", "deque[github.com/ckptsim/ckptsim/sim.announcement].buf": "copied",
		"Sim.coord.stats": "copied", "Sim.coord.pending": "copied", "Sim.coord.retained": "copied",
		"Sim.coord.latest": "copied", "Sim.coord.origin": "copied", "Sim.coord.savepoints": "copied", "Sim.coord.done": "copied",
		"Sim.script": "copied", "Sim.checks": "copied", "checkers.cut.obs": "copied",
		"checkers.ref.g": "shared", "checkers.ref.offsets": "copied", "checkers.ref.state": "copied", "checkers.ref.logs": "shared", "checkers.ref.srcOp": "shared", "checkers.ref.outs": "shared", "checkers.ref.maxPar": "shared",
		"checkers.end.g": "shared", "checkers.end.ref": "repointed", "checkers.end.modes": "shared",
		"checkers.end.delivered.counts": "copied", "partCounts.pages": "copied", "checkers.end.delivered.overflow": "copied", "checkers.end.delivered.tables": "copied",
		"checkers.end.dropped.counts": "copied", "checkers.end.dropped.overflow": "copied", "checkers.end.dropped.tables": "copied",
		"task.op": "shared", "task.chain": "shared", "task.inputs": "shared", "task.outputs": "copied", "task.cur": "value",
		"task.splits": "copied", "split.log": "shared", "CheckpointStats.splits": "shared", "Sim.logs": "shared", "Sim.partBase": "shared", "task.triggers": "copied", "task.state": "copied",
		"task.proto": "copied", "task.recording": "copied",
		"task.snaps": "copied", "task.localCopies": "copied", "task.abortedCk": "copied",
		"task.readable.which": "copied", "task.readable.pos": "copied", "task.readable.heaps": "copied",
		"gate.chans":     "shared",
		"taskSnap.state": "shared", "taskSnap.opStateBytes": "shared", "SubtaskStats.OperatorStateBytes": "shared",
		"task.gates": "copied", "task.dirty": "copied", "task.recoveredOut": "copied", "inGate.waiters.buf": "copied", "inGate.chans": "shared",
		"channel.outBufs.buf": "copied", "channel.inBufs.rest.buf": "copied",
		"channel.items.rest.buf": "copied", "channel.items.pool": "repointed", "Sim.chunks.free.blocks": "reset", "Sim.chunks.rings.free.blocks": "reset", "Sim.bufs.free.blocks": "reset", "Sim.annRings.free.blocks": "reset", "Sim.txnRecs.blocks": "reset",
		"ResubmissionStats.Parallelism": "shared", "ResubmissionStats.Rescaled": "shared", "ResubmissionStats.Deadlock": "shared",
		"Sim.zipf": "shared", "Sim.graphs": "shared", "Sim.owners": "shared", "gate.owners": "shared", "checkers.ref.owners": "shared", "keyedState.owners": "shared", "keyedState.vals": "copied", "keyedState.has": "copied", "keyedState.more": "copied",
		"task.backend.memtable": "copied", "task.backend.l0keys": "copied", "task.backend.levels": "copied", "task.backend.snapped": "copied", "task.backend.base": "shared",
		"task.backend.segments": "copied", "task.backend.mat": "copied", "task.backend.matPending": "copied", "snappedFiles.files": "shared",
		"taskSnap.files": "shared", "CheckpointStats.files": "copied", "Sim.coord.shared.entries": "copied", "Sim.coord.shared.deleted": "copied",
		"Sim.cfg.Checkpoint.Protocol": "shared", "Sim.cfg.Tokens.Sends": "shared", "Sim.cfg.Tokens.Snapshots": "shared",
		"Sim.tokens": "copied", "tokenJob.held": "copied", "tokenJob.links": "copied", "tokenJob.due": "copied",
		"tokenJob.rec": "copied", "tokenJob.check": "copied", "tokenJob.sends": "shared", "tokenJob.initiators": "shared", "tokenJob.started": "copied",
		"deque[github.com/ckptsim/ckptsim/sim.tokenMsg].buf": "copied",
		"Recorder.names": "shared", "Recorder.order": "shared", "Recorder.recording": "copied", "Recorder.snaps": "copied",
		"TokenChecker.snaps": "copied", "TokenChecker.err": "shared",
		"snapState.recorded": "copied", "snapState.tokens": "copied", "snapState.messages": "copied", "tokenCut.recorded": "copied",
		"CheckpointStats.Offsets": "copied", "CheckpointStats.Subtasks": "copied", "CheckpointStats.states": "copied",
		"Sim.deadlock": "shared", // set once, when the run stops
	}
	seen := map[string]bool{}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := prefix + "." + f.Name
			ft := f.Type
			switch ft.Kind() {
			case reflect.Struct:
				if strings.HasPrefix(ft.PkgPath(), "github.com/ckptsim/ckptsim/sim") && ft.Name() != "Config" {
					walk(name, ft)
					continue
				}
				if ft.Name() == "Config" {
					walk(name, ft)
				}
				continue
			case reflect.Array: // its elements' references are the array's
				el := ft.Elem()
				if el.Kind() == reflect.Struct && strings.HasPrefix(el.PkgPath(), "github.com/ckptsim/ckptsim/sim") {
					walk(name, el)
					continue
				}
				if !isReference(el.Kind()) {
					continue
				}
				ft = el // an array of references: each is one
			default:
				if !isReference(ft.Kind()) {
					continue
				}
			}
			seen[name] = true
			if _, ok := known[name]; !ok {
				t.Errorf("%s (%s) holds a reference: teach Clone (sim/inspect.go) to copy it, then list it here", name, ft)
			}
			// Elements of copied slices are structs with references of
			// their own; shared ones are not changed at all.
			if known[name] != "copied" {
				continue
			}
			elem := ft
			for elem.Kind() == reflect.Slice || elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
			if elem.Kind() == reflect.Struct && strings.HasPrefix(elem.PkgPath(), "github.com/ckptsim/ckptsim/sim") {
				walk(elem.Name(), elem)
			}
		}
	}
	walk("Sim", reflect.TypeFor[Sim]())
	for name := range known {
		if !seen[name] && !strings.HasPrefix(name, "task.cur") {
			t.Errorf("%s is listed but no longer exists", name)
		}
	}
}

// isReference reports whether a value of kind k refers to memory that a
// shallow copy shares.
func isReference(k reflect.Kind) bool {
	switch k {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Func, reflect.Interface, reflect.Chan:
		return true
	}
	return false
}

func TestInspectViews(t *testing.T) {
	cfg := cloneConfigs()["aligned"]
	s := newSim(t, cfg)
	blockedSeen, barrierSeen, syncSeen, keyed := false, false, false, false
	var buf []QueuedItem
	var kv []KeyValue
	for s.Step() {
		if s.Events()%97 != 0 {
			continue
		}
		for id := range s.Graph().Channels {
			v := s.ChannelView(id)
			buf = s.AppendQueued(buf[:0], id)
			require.Equal(t, v.AtReceiver+v.AtSender, len(buf))
			recs := 0
			for _, it := range buf {
				if it.Kind == QueuedRecord {
					recs++
				}
				if it.Kind == QueuedBarrier {
					barrierSeen = true
				}
			}
			require.Equal(t, v.SenderRecords+v.ReceiverRecords, recs)
			blockedSeen = blockedSeen || v.Blocked
		}
		for id := range s.Graph().Subtasks {
			v := s.SubtaskView(id)
			syncSeen = syncSeen || v.Activity == ActivitySync
			kv = s.AppendKeyedState(kv[:0], id)
			require.Equal(t, v.StateKeys, len(kv))
			require.True(t, slices.IsSortedFunc(kv, func(a, b KeyValue) int { return cmp.Compare(a.Key, b.Key) }))
			keyed = keyed || len(kv) > 0
		}
	}
	require.True(t, blockedSeen, "an aligned fan-in blocks channels")
	require.True(t, barrierSeen, "barriers are seen queued")
	require.True(t, syncSeen, "a sync phase is seen")
	require.True(t, keyed, "keyed state is seen")
	res := s.Result()
	require.Equal(t, len(res.Checkpoints), s.NumCheckpoints())
	for _, want := range res.Checkpoints {
		got, ok := s.CheckpointView(want.ID, true)
		require.True(t, ok)
		require.Equal(t, want, got)
		head, _ := s.CheckpointView(want.ID, false)
		require.Nil(t, head.Subtasks)
	}
	_, ok := s.CheckpointView(int64(s.NumCheckpoints()+1), false)
	require.False(t, ok)
	require.NotEqual(t, Running, s.Stopped())
	_, ok = s.NextEventAt()
	require.False(t, ok)
}

func TestQueuedKindsMatchItems(t *testing.T) {
	require.Equal(t, QueuedRecord, QueuedKind(itemRecord))
	require.Equal(t, QueuedBarrier, QueuedKind(itemBarrier))
	require.Equal(t, QueuedCancel, QueuedKind(itemCancel))
	require.Equal(t, QueuedEndOfPartition, QueuedKind(itemEOP))
}

func BenchmarkClone(b *testing.B) {
	cfg := cloneConfigs()["aligned"]
	s, err := New(cfg)
	require.NoError(b, err)
	for s.Events() < 20000 && s.Step() {
	}
	for b.Loop() {
		_ = s.Clone()
	}
}

// TestInspectRecovery: the views show a failover (failed, restoring, the
// job restarting, the checkpoint restored from) and a two-phase commit
// sink's transactions.
func TestInspectRecovery(t *testing.T) {
	cfg := pipeline()
	cfg.Until = 3 * time.Second
	cfg.Graph.Operators[2].SinkMode = topology.TwoPhaseCommitSink
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", At: 1500 * time.Millisecond}}
	s := newSim(t, cfg)
	seen := map[Activity]bool{}
	restarting, restored, open, pending := false, false, false, false
	for s.Step() {
		for id := range s.Graph().Subtasks {
			v := s.SubtaskView(id)
			seen[v.Activity] = true
			restored = restored || v.RestoredFrom > 0
			open = open || v.SinkOpenRecords > 0
			pending = pending || len(v.SinkPending) > 0
			for _, p := range v.SinkPending {
				require.Positive(t, p.Checkpoint)
			}
		}
		restarting = restarting || s.JobStatus() == JobRestarting
	}
	require.True(t, seen[ActivityFailed], "a subtask waits for its restart")
	require.True(t, seen[ActivityRestoring], "a subtask restores")
	require.True(t, restarting, "the job restarts")
	require.True(t, restored, "subtasks are restored from a checkpoint")
	require.True(t, open, "the sink writes into an open transaction")
	require.True(t, pending, "pre-committed transactions wait for their checkpoint")
	require.Equal(t, JobRunning, s.JobStatus())
}

// TestInspectWhatWasRestored: a crash during checkpoint 2 aborts it; the
// restarted subtasks restore checkpoint 1, the one the restart chose, not
// the coordinator's latest id 2. While they wait for the restart, the
// crashed subtask is the failover's origin and the others of its region
// name it.
func TestInspectWhatWasRestored(t *testing.T) {
	cfg := pipeline()
	cfg.Until = 3 * time.Second
	cfg.Faults = []Fault{{Kind: Crash, Subtask: "count[1]", Phase: SyncPhase, Checkpoint: 2}}
	s := newSim(t, cfg)
	origin := subtaskID(t, s, "count[1]")
	var restoring []TraceEvent
	s.Tracer = func(ev TraceEvent) {
		if ev.Kind == SubtaskRestoring {
			restoring = append(restoring, ev)
		}
	}
	sawFailed := false
	for len(restoring) < len(s.Graph().Subtasks) && s.Step() {
		for id := range s.Graph().Subtasks {
			v := s.SubtaskView(id)
			if v.Activity != ActivityFailed {
				require.Equal(t, -1, v.Failover)
				require.Equal(t, int32(-1), v.FailedBy)
				continue
			}
			sawFailed = true
			require.Equal(t, 0, v.Failover)
			require.Equal(t, origin, v.FailedBy, "every subtask of the region names the one that crashed")
		}
	}
	require.True(t, sawFailed)
	f, ok := s.Failover(0)
	require.True(t, ok)
	require.Equal(t, origin, f.Origin)
	require.Equal(t, "crash of count -> sink[1]", f.Cause)
	require.EqualValues(t, 1, f.RestoredFrom)
	_, ok = s.Failover(1)
	require.False(t, ok)
	ck2, ok := s.CheckpointView(2, false)
	require.True(t, ok)
	require.Equal(t, Aborted, ck2.Status)
	require.Len(t, restoring, len(s.Graph().Subtasks))
	for _, ev := range restoring {
		require.EqualValues(t, 1, ev.Checkpoint)
		v := s.SubtaskView(int(ev.Subtask))
		require.EqualValues(t, 1, v.RestoredFrom, s.Graph().Subtasks[ev.Subtask].Name)
	}
	// A job-wide failure has no origin.
	cfg.Faults = nil
	cfg.Checkpoint.Timeout = time.Millisecond
	cfg.Recovery.TolerableFailures = 0
	res := newSim(t, cfg).Run()
	require.NotEmpty(t, res.Failovers)
	require.Equal(t, int32(-1), res.Failovers[0].Origin)
}
