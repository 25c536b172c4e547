package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
)

// TestCheckpointPaneShowsStorage: with a backend other than hashmap the
// checkpoint pane's title shows the checkpoint storage used; the table
// has Flink's two sizes.
func TestCheckpointPaneShowsStorage(t *testing.T) {
	sc, err := scenarios.Load("rocksdb-incremental")
	require.NoError(t, err)
	tu := newTestUI(t, sc.Config, 240, 40)
	tu.key(tcell.KeyEnd, 0)
	screen := tu.screen()
	assert.Contains(t, screen, "100 triggered · storage 305 MiB")
	assert.Contains(t, screen, "CHECKPOINTED")
	assert.Contains(t, screen, "FULL SIZE")

	sc, err = scenarios.Load("minimal")
	require.NoError(t, err)
	tu = newTestUI(t, sc.Config, 160, 40)
	tu.key(tcell.KeyEnd, 0)
	assert.NotContains(t, tu.screen(), "storage ")
}
