package tui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// scenarioConfig loads a bundled scenario, shortened to until.
func scenarioConfig(t testing.TB, name string, until time.Duration) sim.Config {
	t.Helper()
	sc, err := scenarios.Load(name)
	require.NoError(t, err)
	cfg := sc.Config
	if until > 0 {
		cfg.Until = until
	}
	return cfg
}

// headless runs cfg to event k without a UI and returns the engine and
// the trace so far.
func headless(t testing.TB, cfg sim.Config, k int64) (*sim.Sim, []sim.TraceEvent) {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	var evs []sim.TraceEvent
	s.Tracer = func(ev sim.TraceEvent) { evs = append(evs, ev) }
	for s.Events() < k && s.Step() {
	}
	return s, evs
}

// digest describes everything the UI reads from an engine.
func digest(s *sim.Sim) string {
	var b strings.Builder
	fmt.Fprintf(&b, "events %d now %d trace %d stop %v\n", s.Events(), s.Now(), s.TraceCount(), s.Stopped())
	var q []sim.QueuedItem
	for id := range s.Graph().Channels {
		q = s.AppendQueued(q[:0], id)
		fmt.Fprintf(&b, "ch%d %+v %v\n", id, s.ChannelView(id), q)
	}
	var kv []sim.KeyValue
	for id := range s.Graph().Subtasks {
		kv = s.AppendKeyedState(kv[:0], id)
		fmt.Fprintf(&b, "st%d %+v %v\n", id, s.SubtaskView(id), kv)
	}
	for n := int64(1); n <= int64(s.NumCheckpoints()); n++ {
		cs, _ := s.CheckpointView(n, true)
		fmt.Fprintf(&b, "ck%d %+v\n", n, cs)
	}
	return b.String()
}

// requireSameState fails with the first difference between the digests
// of two engines.
func requireSameState(t testing.TB, want, got *sim.Sim) {
	t.Helper()
	a, b := digest(want), digest(got)
	if a == b {
		return
	}
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			t.Fatalf("state at event %d differs from the headless run:\nheadless: %.300s\nmodel:    %.300s", want.Events(), al[i], bl[i])
		}
	}
	t.Fatalf("state at event %d differs in length", want.Events())
}

// TestModelMatchesHeadless: whatever way the cursor gets to event k —
// forward, back through a snapshot, by search — the engine state and the
// trace the model holds at k are those of a headless run stepped k times.
func TestModelMatchesHeadless(t *testing.T) {
	for _, name := range []string{"alignment", "slow-subtask"} {
		t.Run(name, func(t *testing.T) {
			cfg := scenarioConfig(t, name, 1500*time.Millisecond)
			m, err := NewModel(cfg)
			require.NoError(t, err)
			m.snapEvery, m.maxSnaps = 128, 8 // exercise thinning
			full, fullTrace := headless(t, cfg, 1<<62)
			total := full.Events()
			m.GoTo(total + 10)
			require.Equal(t, total, m.Event())
			end, ok := m.End()
			require.True(t, ok)
			require.Equal(t, total, end)
			require.Equal(t, int64(len(fullTrace)), m.trace.len())
			for i, ev := range fullTrace {
				require.Equal(t, ev, m.TraceAt(int64(i)))
			}
			require.Greater(t, m.snapEvery, int64(128), "snapshots were thinned")
			rng := rand.New(rand.NewPCG(1, 2))
			ks := []int64{0, 1, total / 2, total - 1, total}
			for range 12 {
				ks = append(ks, rng.Int64N(total+1))
			}
			for _, k := range ks {
				m.GoTo(k)
				require.Equal(t, k, m.Event())
				h, tr := headless(t, cfg, k)
				if m.Sim().Stopped() != sim.Running {
					h.Step()
				}
				requireSameState(t, h, m.Sim())
				require.Equal(t, int64(len(tr)), m.TraceLen())
			}
			require.Zero(t, m.Mismatches())
		})
	}
}

func TestModelNextPrev(t *testing.T) {
	cfg := scenarioConfig(t, "minimal", 300*time.Millisecond)
	m, err := NewModel(cfg)
	require.NoError(t, err)
	var visited []int64
	for range 200 {
		before := m.TraceLen()
		require.True(t, m.Next())
		require.Greater(t, m.TraceLen(), before, "every step forward shows a trace event")
		visited = append(visited, m.Event())
	}
	for i := len(visited) - 2; i >= 0; i-- {
		require.True(t, m.Prev())
		require.Equal(t, visited[i], m.Event())
	}
	require.True(t, m.Prev())
	require.False(t, m.Prev())
	require.Zero(t, m.Event())
}

func TestModelSeek(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 3*time.Second)
	m, err := NewModel(cfg)
	require.NoError(t, err)
	completed := func(ev sim.TraceEvent) bool { return ev.Kind == sim.CheckpointCompleted }
	require.True(t, m.SeekNext(completed))
	last := m.TraceAt(m.TraceLen() - 1)
	found := false
	for i := m.stepEnd[m.Event()-1]; i < m.TraceLen(); i++ {
		found = found || completed(m.TraceAt(i))
	}
	require.True(t, found, "the cursor's event emitted the completion (last: %+v)", last)
	first := m.Event()
	require.True(t, m.SeekNext(completed))
	second := m.Event()
	require.Greater(t, second, first)
	require.True(t, m.SeekPrev(completed))
	require.Equal(t, first, m.Event())
	require.False(t, m.SeekPrev(completed))
	// A kind that never happens is looked for to the end of the run; the
	// cursor stays.
	require.False(t, m.SeekNext(func(ev sim.TraceEvent) bool { return ev.Kind == sim.CheckpointExpired }))
	require.Equal(t, first, m.Event())
	end, ok := m.End()
	require.True(t, ok, "the search reached the end")
	require.Greater(t, end, second)
	// Time travel by time.
	m.GoToTime(int64(time.Second))
	require.LessOrEqual(t, m.Now(), int64(time.Second))
	m.Next()
	require.Greater(t, m.Now(), int64(time.Second)-int64(time.Millisecond))
	require.Zero(t, m.Mismatches())
}

func TestExplain(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 2500*time.Millisecond)
	m, err := NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 40)
	text := m.Explain(1)
	t.Log(text)
	require.Contains(t, text, "slowest ")
	require.Contains(t, text, "join_count -> sink[")
	require.Contains(t, text, "aligned")
	require.Contains(t, text, "parse[")
	// In progress: what it waits for.
	m.GoToTime(m.marks[1].trigger + int64(20*time.Millisecond))
	require.Contains(t, m.Explain(2), "waiting for")
	require.Empty(t, m.Explain(99))

	// A checkpoint pending when the user stops the job with a savepoint.
	probe, err := sim.New(cfg)
	require.NoError(t, err)
	pending := probe.Run().Checkpoints[1]
	cfg.Recovery.Stop = sim.StopWithSavepoint{At: time.Duration((pending.TriggerAt + pending.EndAt) / 2)}
	m, err = NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 40)
	require.Contains(t, m.Explain(pending.ID), "aborted after")
	require.Contains(t, m.Explain(pending.ID), "suspended: a stop-with-savepoint stopped the checkpoint scheduler")

	// A checkpoint pending when a subtask crashes: the failover moves the
	// job to RESTARTING, which suspends the coordinator.
	cfg.Recovery.Stop = sim.StopWithSavepoint{}
	crash := time.Duration((pending.TriggerAt + pending.EndAt) / 2)
	cfg.Faults = []sim.Fault{{Kind: sim.Crash, Subtask: "parse[0]", At: crash}}
	m, err = NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 40)
	require.Contains(t, m.Explain(pending.ID), "suspended: the failover at "+fmtDur(int64(crash))+" (job RESTARTING) stopped the checkpoint scheduler")
}

func TestFilter(t *testing.T) {
	cfg := scenarioConfig(t, "minimal", 2*time.Second)
	m, err := NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 40)
	f, err := parseFilter("ck:1 kind:barrier -sub:sink")
	require.NoError(t, err)
	idx, total := f.before(m, m.TraceLen(), 1000, 0)
	require.Equal(t, len(idx), total)
	require.NotEmpty(t, idx)
	for _, i := range idx {
		ev := m.TraceAt(i)
		require.Equal(t, int64(1), ev.Checkpoint)
		require.Contains(t, ev.Kind.String(), "barrier")
		require.NotContains(t, m.SubtaskName(ev.Subtask), "sink")
	}
	_, err = parseFilter("ck:x")
	require.Error(t, err)
	all, _ := parseFilter("")
	idx, total = all.before(m, 10, 3, 2)
	require.Equal(t, []int64{5, 6, 7}, idx)
	require.Equal(t, 10, total)
}

// TestExplainBusyRecord: in unaligned mode a barrier overtakes the queued
// records, so what holds it at agg[1], 8ms per record, is the record it is
// busy with, not a queue of 0 records; once completed, the checkpoint's
// slowest hop says the same.
func TestExplainBusyRecord(t *testing.T) {
	cfg := scenarioConfig(t, "backpressure", 3*time.Second)
	cfg.Checkpoint.Mode = sim.Unaligned
	m, err := NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 40)
	trigger := m.marks[0].trigger
	seen := ""
	for d := int64(0); d < int64(20*time.Millisecond) && seen == ""; d += int64(100 * time.Microsecond) {
		m.GoToTime(trigger + d)
		if text := m.Explain(1); strings.Contains(text, "busy with a record") {
			seen = text
		}
		require.NotContains(t, m.Explain(1), "behind 0 records")
	}
	require.Contains(t, seen, "agg[1] (busy with a record (8ms each), barrier next on ")
}

// TestSnapSpacing: a small job's clones come every 4096 events, up to 256
// of them; a big job's are fewer and further apart, within the budget. The
// big job (testdata/bench/big-job.yaml, a clone of about 90 MB) filled
// 7.5 GB in 25 s of playing with the small job's spacing.
func TestSnapSpacing(t *testing.T) {
	for _, c := range []struct {
		bytes int64
		every int64
		most  int
	}{
		{0, defaultSnapEvery, maxSnapshots},
		{20 << 10, defaultSnapEvery, maxSnapshots},
		{90 << 20, (90 << 20) / cloneBytesPerEvent, 11},
		{100 << 30, (100 << 30) / cloneBytesPerEvent, 2},
	} {
		every, most := snapSpacing(c.bytes)
		require.Equal(t, c.every, every, "bytes %d", c.bytes)
		require.Equal(t, c.most, most, "bytes %d", c.bytes)
	}
	sc, err := scenarios.Load("../testdata/bench/big-job.yaml")
	require.NoError(t, err)
	m, err := NewModel(sc.Config)
	require.NoError(t, err)
	require.Greater(t, m.snapEvery, int64(1_000_000), "the big job's clones are far apart")
	require.LessOrEqual(t, int64(m.maxSnaps)*m.cur.CloneBytes(), int64(snapBudget))
}

// TestTraceBudget: the UI records at most traceCap trace events; at that
// frontier it stops (AtEnd, AtCap) without ending the run, going back and
// forward again still works, and stepping past the frontier stays refused.
func TestTraceBudget(t *testing.T) {
	m, err := NewModel(scenarioConfig(t, "minimal", time.Hour))
	require.NoError(t, err)
	m.traceCap = 500
	require.True(t, m.PlayTo(int64(time.Hour), nil), "playing stops at the budget")
	require.True(t, m.AtCap())
	require.True(t, m.AtEnd())
	_, ended := m.End()
	require.False(t, ended, "the run itself did not end")
	require.GreaterOrEqual(t, m.trace.len(), int64(500))
	require.Less(t, m.trace.len(), int64(600), "one event adds a few trace events at most")
	frontier := m.Frontier()
	require.False(t, m.Next(), "no step past the frontier")
	m.GoTo(frontier / 2)
	require.False(t, m.AtEnd())
	m.GoTo(frontier)
	require.True(t, m.AtCap())
	require.Equal(t, frontier, m.Frontier())
	require.Zero(t, m.Mismatches())
}
