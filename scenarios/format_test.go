package scenarios

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// TestFormatDocumentsEveryField keeps FORMAT.md in step with the decoder's
// tables: every key has a row.
func TestFormatDocumentsEveryField(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	require.NoError(t, err)
	var names []string
	add := func(fields []field) {
		for _, f := range fields {
			if f.reject == "" { // a rejected key says what replaced it
				names = append(names, f.name)
			}
		}
	}
	add((&decoder{}).topFields(&Scenario{}))
	add(checkpointFields(&sim.CheckpointConfig{}))
	add((&decoder{}).channelFields(&sim.ChannelConfig{}))
	add(debloatFields(&sim.DebloatConfig{}))
	var step time.Duration
	add((&decoder{}).scriptFields(&sim.Script{}, &step))
	add(edgeFields(&topology.Edge{}))
	for _, r := range operatorTable {
		names = append(names, r.name)
	}
	for _, r := range restartTable {
		names = append(names, r.name)
	}
	add((&decoder{}).recoveryFields(&sim.RecoveryConfig{}, new(bool)))
	for _, r := range faultTable {
		names = append(names, r.name)
	}
	add(expectFields(&Scenario{}))
	for _, name := range names {
		assert.Contains(t, string(doc), "| `"+name+"` |", "FORMAT.md has no row for %s", name)
	}
	for _, k := range topology.Kinds {
		assert.Contains(t, string(doc), "### `"+string(k)+"`", "FORMAT.md has no section for kind %s", k)
	}
	for _, p := range topology.Partitionings {
		assert.Contains(t, string(doc), "- `"+string(p)+"`", "FORMAT.md does not explain partitioning %s", p)
	}
	for _, m := range sim.AllModes {
		assert.Contains(t, string(doc), "`"+string(m)+"`", "FORMAT.md does not explain mode %s", m)
	}
	for _, k := range sim.RestartKinds {
		assert.Contains(t, string(doc), "`"+string(k)+"`:", "FORMAT.md does not explain restart strategy %s", k)
	}
	for _, k := range sim.FaultKinds {
		assert.Contains(t, string(doc), "| `"+string(k)+"` |", "FORMAT.md has no row for fault kind %s", k)
	}
	for _, m := range topology.SinkModes {
		assert.Contains(t, string(doc), "`"+string(m)+"`:", "FORMAT.md does not explain sink mode %s", m)
	}
	for _, j := range jobStatuses {
		assert.Contains(t, string(doc), "`"+j+"`", "FORMAT.md does not list job status %s", j)
	}
}
