package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// newSim builds a run from cfg and fails the test if cfg is invalid.
func newSim(t testing.TB, cfg Config) *Sim {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	return s
}

// runHashed runs cfg with a TraceHasher and returns the trace hash, the
// number of trace events and the result.
func runHashed(t testing.TB, cfg Config) (uint64, int64, *Result) {
	t.Helper()
	s := newSim(t, cfg)
	h, sum := s.TraceHasher()
	var n int64
	s.Tracer = func(ev TraceEvent) { n++; h(ev) }
	r := s.Run()
	return sum(), n, r
}

// runTraced runs cfg and returns every trace event, the result and the
// finished run.
func runTraced(t testing.TB, cfg Config) ([]TraceEvent, *Result, *Sim) {
	t.Helper()
	s := newSim(t, cfg)
	var evs []TraceEvent
	s.Tracer = func(ev TraceEvent) { evs = append(evs, ev) }
	r := s.Run()
	return evs, r, s
}

// subtaskID returns the execution-graph ID of the subtask called name
// (e.g. "count[0]"), or of the chain that runs operator subtask name.
func subtaskID(t testing.TB, s *Sim, name string) int32 {
	t.Helper()
	id, ok := s.Graph().SubtaskNamed(name)
	require.True(t, ok, "no such subtask %s", name)
	return int32(id)
}

// channelID returns the ID of the channel called name (e.g. "a[0]->agg[0]").
func channelID(t testing.TB, s *Sim, name string) int32 {
	t.Helper()
	id, ok := s.Graph().ChannelNamed(name)
	require.True(t, ok, "no such channel %s", name)
	return int32(id)
}

// requireInvariants fails unless every invariant of r is named in names
// (when given) and holds.
func requireInvariants(t testing.TB, r *Result, names ...string) {
	t.Helper()
	require.NotEmpty(t, r.Invariants)
	for _, inv := range r.Invariants {
		if len(names) > 0 {
			require.Contains(t, names, inv.Name)
		}
		require.Truef(t, inv.OK, "invariant %s: %s", inv.Name, inv.Detail)
	}
}

// countStatus counts the checkpoints of r with status st.
func countStatus(r *Result, st Status) int {
	n := 0
	for i := range r.Checkpoints {
		if r.Checkpoints[i].Status == st {
			n++
		}
	}
	return n
}

// describeCheckpoints is a compact listing of r's checkpoints for failure
// messages.
func describeCheckpoints(r *Result) string {
	s := ""
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		s += fmt.Sprintf("#%d %s %s [%d, %d]; ", c.ID, c.Status, c.Reason, c.TriggerAt, c.EndAt)
	}
	return s
}

// recordNetwork sets ch up as a network of one record per buffer while
// there is credit: a buffer timeout of 0 sends each record at once, a
// slice of its own (without credit the records wait together in the
// buffer being filled), in segments of three 100-byte records; credit
// exclusive buffers per channel and no floating ones, and a sender
// backpressured once a channel holds more than outbuf segments, so that a
// test counts credits in records.
func recordNetwork(ch *ChannelConfig, credit, outbuf int) {
	ch.BufferTimeout, ch.SegmentSize = 0, 300
	ch.BuffersPerChannel, ch.FloatingBuffersPerGate = credit, 0
	ch.MaxBuffersPerChannel = outbuf + 1
}

// recordChannels is the network most engine tests were written against:
// one record per buffer, ten records of credit, a sender backpressured
// past two waiting segments of three records.
func recordChannels() ChannelConfig {
	ch := DefaultChannelConfig()
	recordNetwork(&ch, 10, 2)
	return ch
}
