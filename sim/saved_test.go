package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestSavedState: what SavedState shows of a completed checkpoint is what
// a restore from it loads: the sources' offsets, the keyed state the
// restored subtasks start from, and the channel state replayed into them.
func TestSavedState(t *testing.T) {
	for _, mode := range []Mode{Aligned, Unaligned} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := bounded(400, topology.TwoPhaseCommitSink)
			cfg.Checkpoint.Mode = mode
			cfg.Faults = []Fault{crashAt("count[1]", 250*time.Millisecond)}
			s := newSim(t, cfg)
			// Run to just before the crash.
			for {
				next, ok := s.NextEventAt()
				if !ok || next >= int64(250*time.Millisecond) || !s.Step() {
					break
				}
			}
			retained := s.Result().Retained
			require.NotEmpty(t, retained)
			n := retained[len(retained)-1]
			cs, ok := s.CheckpointView(n, true)
			require.True(t, ok)
			require.Equal(t, Completed, cs.Status)
			saved := make([]SavedState, len(s.Graph().Subtasks))
			for id := range saved {
				saved[id], ok = s.SavedState(n, id)
				require.True(t, ok)
			}
			for id, st := range s.Graph().Subtasks {
				v := saved[id]
				switch st.Operator {
				case 0:
					assert.True(t, v.Source)
					var want []SplitView // a partition read to its end is no split any more
					if off := cs.Offsets[st.Index]; off >= 0 && off < s.cfg.Graph.Operators[0].Source.Records {
						want = []SplitView{{st.Index, off}}
					}
					assert.Equal(t, want, v.Splits)
				case 1:
					assert.NotEmpty(t, v.State)
				}
			}
			// The restart restores checkpoint n: the keyed state of count[1]
			// equals what was saved, right after it restored.
			for s.Step() {
				if v := s.SubtaskView(2); v.RestoredFrom == n && v.Activity != ActivityRestoring && v.Activity != ActivityFailed {
					break
				}
			}
			assert.Equal(t, saved[2].State, s.AppendKeyedState(nil, 2))
			_, ok = s.SavedState(99, 0)
			assert.False(t, ok)
		})
	}
}

// TestSavedChannelState: an unaligned checkpoint under backpressure saves
// the records its barriers overtook, on the receiver's channels.
func TestSavedChannelState(t *testing.T) {
	cfg := bounded(2000, topology.AtLeastOnceSink)
	cfg.Checkpoint.Mode = Unaligned
	cfg.Graph.Operators[1].Cost = 3 * time.Millisecond // backpressured
	s := newSim(t, cfg)
	var completed []int64
	s.Tracer = func(ev TraceEvent) {
		if ev.Kind == CheckpointCompleted {
			completed = append(completed, ev.Checkpoint)
		}
	}
	found := 0
	for s.Step() {
		if len(completed) == 0 {
			continue
		}
		n := completed[0]
		completed = completed[1:]
		cs, ok := s.CheckpointView(n, true)
		require.True(t, ok)
		var recs int64
		for id := range s.Graph().Subtasks {
			v, ok := s.SavedState(n, id)
			require.True(t, ok)
			for _, rec := range v.Channel {
				assert.Equal(t, id, int(s.Graph().Channels[rec.Channel].To))
			}
			recs += int64(len(v.Channel))
		}
		assert.Equal(t, cs.PersistedRecords, recs, "checkpoint %d", n)
		if recs > 0 {
			found++
		}
	}
	assert.Positive(t, found, "no checkpoint with channel state")
}

// TestAppendDuplicates: the records an at-least-once sink wrote twice
// after a crash, as many as the summary counts; none without a failure.
func TestAppendDuplicates(t *testing.T) {
	cfg := bounded(300, topology.AtLeastOnceSink)
	cfg.Faults = []Fault{crashAt("count[1]", 250*time.Millisecond)}
	s := newSim(t, cfg)
	r := s.Run()
	require.Positive(t, r.Summary.Duplicates)
	dups, extra, ok := s.AppendDuplicates(nil, 5)
	require.True(t, ok)
	assert.Equal(t, r.Summary.Duplicates, extra)
	require.Len(t, dups, 5)
	for _, d := range dups {
		assert.Greater(t, d.Written, d.Want)
	}
	clean := newSim(t, bounded(300, topology.AtLeastOnceSink))
	clean.Run()
	dups, extra, ok = clean.AppendDuplicates(nil, 5)
	assert.True(t, ok)
	assert.Empty(t, dups)
	assert.Zero(t, extra)
}
