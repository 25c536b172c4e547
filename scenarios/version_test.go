package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// TestFlinkVersionWarnings: keys that the chosen Flink version removed or
// deprecated are accepted with a warning at their position that says
// what they mean there.
func TestFlinkVersionWarnings(t *testing.T) {
	const job = `name: v
%s
operators:
  - {name: s, kind: source}
  - {name: k, kind: sink}
edges: [{from: s, to: k}]
recovery: {prefer_checkpoint_for_recovery: true, fail_on_checkpointing_errors: false}
`
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
