package scenarios

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// backendFields is the table of the state_backend section, Flink's
// state.backend.* and state.changelog.* options with the RocksDB options
// of the model of its files. Zero values are sim's defaults.
func (d *decoder) backendFields(b *sim.StateBackendConfig) []field {
	return []field{
		{name: "type", set: oneOf(&b.Type, sim.StateBackendTypes)},
		{name: "incremental", set: boolean(&b.Incremental)},
		{name: "changelog", set: d.section("state_backend.changelog", []field{
			{name: "enabled", set: boolean(&b.Changelog.Enabled)},
			{name: "materialization_interval", set: duration(&b.Changelog.MaterializationInterval)},
			{name: "persist_size", set: size64(&b.Changelog.PersistSize, false)},
		})},
		{name: "write_buffer_size", set: size64(&b.WriteBufferSize, false)},
		{name: "flush_bandwidth", set: bandwidth(&b.FlushBandwidth)},
		{name: "level0_trigger", set: integer(&b.Level0Trigger)},
		{name: "level_base", set: size64(&b.LevelBase, false)},
		{name: "level_multiplier", set: integer(&b.LevelMultiplier)},
		{name: "target_file_size", set: size64(&b.TargetFileSize, false)},
	}
}

// backendErrors map sim's messages about the state backend to its keys.
var backendErrors = []struct{ contains, path string }{
	{"unknown state backend", "state_backend.type"},
	{"level_base", "state_backend.level_base"},
	{"flush bandwidth", "state_backend.flush_bandwidth"},
	{"level0_trigger", "state_backend.level0_trigger"},
	{"level_multiplier", "state_backend.level_multiplier"},
	{"materialization interval", "state_backend.changelog.materialization_interval"},
	{"state backend file sizes", "state_backend"},
}

// backendErrorAt is the position of a state backend message's key.
func (s *Scenario) backendErrorAt(lower string) (position, bool) {
	for _, e := range backendErrors {
		if strings.Contains(lower, e.contains) {
			return s.orRoot(e.path), true
		}
	}
	return position{}, false
}

// backendNode writes a StateBackendConfig that is not the default as the
// state_backend section, nil for the default.
func backendNode(b sim.StateBackendConfig) *yaml.Node {
	if b == (sim.StateBackendConfig{}) {
		return nil
	}
	m := &mapping{}
	if b.Type != "" {
		m.str("type", string(b.Type))
	}
	if b.Incremental {
		m.raw("incremental", "!!bool", "true")
	}
	if c := b.Changelog; c != (sim.ChangelogConfig{}) {
		cm := &mapping{}
		cm.raw("enabled", "!!bool", strconv.FormatBool(c.Enabled))
		if c.MaterializationInterval != 0 {
			cm.dur("materialization_interval", c.MaterializationInterval)
		}
		if c.PersistSize != 0 {
			cm.str("persist_size", sizeText(c.PersistSize))
		}
		m.add("changelog", cm.flow())
	}
	sizes := []struct {
		key string
		v   int64
	}{{"write_buffer_size", b.WriteBufferSize}, {"flush_bandwidth", b.FlushBandwidth}, {"level0_trigger", int64(b.Level0Trigger)},
		{"level_base", b.LevelBase}, {"level_multiplier", int64(b.LevelMultiplier)}, {"target_file_size", b.TargetFileSize}}
	for _, f := range sizes {
		switch {
		case f.v == 0:
		case f.key == "level0_trigger" || f.key == "level_multiplier":
			m.int(f.key, f.v)
		case f.key == "flush_bandwidth":
			m.str(f.key, sizeText(f.v)+"/s")
		default:
			m.str(f.key, sizeText(f.v))
		}
	}
	return m.node()
}

// checkpointedPercent is what the completed checkpoints uploaded as a
// percentage of what they reference, over every one of them (0 without
// any state).
func checkpointedPercent(r *sim.Result) int64 {
	sm := &r.CompletedSummary
	if sm.StateSize.Sum == 0 {
		return 0
	}
	return int64(float64(sm.CheckpointedSize.Sum) / float64(sm.StateSize.Sum) * 100)
}

// minRestoreTime is the shortest restore of a failover, 0 for none.
func minRestoreTime(r *sim.Result) int64 {
	var m int64
	for _, f := range r.Failovers {
		if d := f.RestoredAt - f.RestartAt; f.RestoredAt > 0 && (m == 0 || d < m) {
			m = d
		}
	}
	return m
}
