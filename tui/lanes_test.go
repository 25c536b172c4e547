package tui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

func TestLanes(t *testing.T) {
	cfg := scenarioConfig(t, "alignment", 2*time.Second)
	m, err := NewModel(cfg)
	require.NoError(t, err)
	m.GoTo(1 << 62)
	jc := -1
	for i, n := range m.names() {
		if n == "join_count -> sink[0]" {
			jc = i
		}
	}
	require.GreaterOrEqual(t, jc, 0)
	var lc laneCells
	// The whole run in 100 columns: join_count -> sink[0] aligned, synced,
	// uploaded and processed.
	col := int64(20 * time.Millisecond)
	m.lanes.fill(&lc, jc, 0, col, 100, m.Now(), m.TraceLen())
	for _, st := range []laneState{laneAlign, laneSync, laneAsync} {
		require.Contains(t, lc.present[st], true, "state %d", st)
	}
	busy := 0.0
	for _, b := range lc.busy {
		busy += b
	}
	require.Greater(t, busy, 0.0)
	// As of an earlier cursor, later spans are not shown.
	mk := m.marks[0]
	m.lanes.fill(&lc, jc, 0, col, 100, mk.trigger, mk.triggerSeq)
	require.NotContains(t, lc.present[laneSync], true)
}

// TestLanesRecovery: failures and restores, followed by the names of
// their trace kinds.
func TestLanesRecovery(t *testing.T) {
	m, err := NewModel(scenarioConfig(t, "minimal", time.Second))
	require.NoError(t, err)
	ls := m.lanes
	ls.observe(sim.TraceEvent{Seq: 0, At: 0, Kind: sim.ChannelBlocked, Subtask: 1, Channel: 0, Checkpoint: 1})
	ls.observeRecovery("subtask_failed", 1, sim.TraceEvent{Seq: 1, At: 100, Subtask: 1, Channel: -1})
	ls.observeRecovery("subtask_restoring", 1, sim.TraceEvent{Seq: 2, At: 200, Subtask: 1, Channel: -1})
	ls.observeRecovery("subtask_restored", 1, sim.TraceEvent{Seq: 3, At: 300, Subtask: 1, Channel: -1})
	var lc laneCells
	ls.fill(&lc, 1, 0, 50, 8, 400, 4)
	require.Equal(t, []bool{true, true, false, false, false, false, false, false}, lc.present[laneAlign])
	require.Equal(t, []bool{false, false, true, true, false, false, false, false}, lc.present[laneFailed])
	require.Equal(t, []bool{false, false, false, false, true, true, false, false}, lc.present[laneRestore])
	// As of trace event 2, the failure is still open: it lasts until now.
	ls.fill(&lc, 1, 0, 50, 8, 250, 2)
	require.Equal(t, []bool{false, false, true, true, true, false, false, false}, lc.present[laneFailed])
	require.NotContains(t, lc.present[laneRestore], true)
}
