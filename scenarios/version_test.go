package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// versionJob is a scenario with a flink_version line (the %s) and a job,
// for a test to add the section it warns about.
const versionJob = `name: v
%s
operators:
  - {name: s, kind: source}
  - {name: k, kind: sink}
edges: [{from: s, to: k}]
`

// TestFlinkVersionWarnings: keys that the chosen Flink version removed or
// deprecated are accepted with a warning at their position that says
// what they mean there.
func TestFlinkVersionWarnings(t *testing.T) {
	const job = versionJob + "recovery: {prefer_checkpoint_for_recovery: true, fail_on_checkpointing_errors: false}\n"
	cases := []struct {
		version string
		want    sim.FlinkVersion
		prefer  bool // prefer_checkpoint_for_recovery is warned about
	}{
		{"", sim.FlinkVersion{}, true},
		{"flink_version: 2.1", sim.FlinkVersion{Major: 2, Minor: 1}, true},
		{"flink_version: 1.15", sim.FlinkVersion{Major: 1, Minor: 15}, true},
		{"flink_version: 1.14", sim.FlinkVersion{Major: 1, Minor: 14}, false},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			sc, err := Parse("v.yaml", []byte(fmt.Sprintf(job, c.version)))
			require.NoError(t, err)
			assert.Equal(t, c.want, sc.Config.FlinkVersion)
			var prefer, failOn bool
			for _, w := range sc.Warnings {
				prefer = prefer || assert.Regexp(t, `^v\.yaml:\d+:\d+: warning: `, w) && strings.Contains(w, "prefer_checkpoint_for_recovery was removed in Flink 1.15")
				failOn = failOn || strings.Contains(w, "fail_on_checkpointing_errors is deprecated")
			}
			assert.Equal(t, c.prefer, prefer, "%q", sc.Warnings)
			assert.True(t, failOn, "%q", sc.Warnings)
			assert.Equal(t, -1, sc.Config.Recovery.TolerableFailures, "false still means unlimited")
		})
	}
	_, err := Parse("v.yaml", []byte(fmt.Sprintf(job, "flink_version: 1.12")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "v.yaml:2:16: flink_version: Flink version 1.12 is not modelled (allowed: 1.14,")
}

// TestRemovedNetworkOptionWarnings: under Flink 2.0 and later, a channels
// value that Flink 2 fixes (FLINK-33750) warns at its position with the
// value Flink uses; the run keeps the value. A value equal to Flink's, or
// a release that has the option, does not warn.
func TestRemovedNetworkOptionWarnings(t *testing.T) {
	const job = versionJob + "channels: {buffers_per_channel: %d, floating_buffers_per_gate: 8, max_buffers_per_channel: %d}\n"
	cases := []struct {
		version           string
		exclusive, maxBuf int
		want              []string
	}{
		{"", 0, 1, []string{
			"v.yaml:7:33: warning: Flink 2.1 has no taskmanager.network.memory.buffers-per-channel (removed in 2.0, FLINK-33750) and always uses 2; the run uses 0 as a what-if",
			"v.yaml:7:91: warning: Flink 2.1 has no taskmanager.network.memory.max-buffers-per-channel (removed in 2.0, FLINK-33750) and always uses 10; the run uses 1 as a what-if",
		}},
		{"flink_version: 2.0", 2, 10, nil},
		{"flink_version: 2.0", 2, 3, []string{"v.yaml:7:91: warning: Flink 2.0 has no taskmanager.network.memory.max-buffers-per-channel"}},
		{"flink_version: 1.20", 0, 1, nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %d %d", c.version, c.exclusive, c.maxBuf), func(t *testing.T) {
			sc, err := Parse("v.yaml", []byte(fmt.Sprintf(job, c.version, c.exclusive, c.maxBuf)))
			require.NoError(t, err)
			require.Len(t, sc.Warnings, len(c.want), "%q", sc.Warnings)
			for i, w := range c.want {
				assert.True(t, strings.HasPrefix(sc.Warnings[i], w), "%q\nwant prefix %q", sc.Warnings[i], w)
			}
			assert.Equal(t, c.exclusive, sc.Config.Channels.BuffersPerChannel, "the run keeps the value")
		})
	}
}
