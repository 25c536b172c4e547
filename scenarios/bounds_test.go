package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// boundsJob is a valid job whose source line (4) and aggregate line (5)
// take extra fields, and whose sections start at line 10.
func boundsJob(src, agg, sections string) string {
	return "name: b\nuntil: 2s\noperators:\n" +
		"  - {name: src, kind: source, keys: 100" + src + "}\n" +
		"  - {name: count, kind: aggregate, parallelism: 2" + agg + "}\n" +
		"  - {name: sink, kind: sink}\n" +
		"edges:\n  - {from: src, to: count, partitioning: hash}\n  - {from: count, to: sink, partitioning: rebalance}\n" +
		sections
}

// maxNanos is the largest duration a file can write: 2^63-1 ns.
const maxNanos = "9223372036854775807ns"

// crash is a fault that makes the job restart and restore.
const crash = "  - {kind: crash, subtask: \"count[0]\", at: 500ms}\n"

// boundCases are the values of issue 10 that the parser accepted and the
// engine overflowed on (a panic "event scheduled in the past" or
// "invalid argument to Int64N", or a silently wrong run), each written
// beyond its bound (refused, at the value) and at its bound (runs). The
// file has one %s for the value, where the error points unless at says
// otherwise.
var boundCases = []struct {
	name, file, beyond, edge, err string
	at                            string
}{
	{"checkpoint timeout", boundsJob("", "", "checkpoint: {timeout: %s}\n"), maxNanos, "876000h",
		"checkpoint timeout 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"checkpoint interval", boundsJob("", "", "checkpoint: {interval: %s}\n"), maxNanos, "876000h",
		"checkpoint interval 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"min pause", boundsJob("", "", "checkpoint: {interval: 100ms, min_pause: %s}\n"), maxNanos, "876000h",
		"min pause between checkpoints 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"aligned checkpoint timeout", boundsJob("", "", "checkpoint: {mode: unaligned, aligned_checkpoint_timeout: %s}\n"), maxNanos, "876000h",
		"aligned checkpoint timeout 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"sync duration", boundsJob("", "", "checkpoint: {sync_duration: %s}\n"), maxNanos, "876000h",
		"sync duration 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"async base", boundsJob("", "", "checkpoint: {async_base: %s}\n"), maxNanos, "876000h",
		"async base 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"channel latency", boundsJob("", "", "channels: {latency: %s}\n"), maxNanos, "876000h",
		"channel latency 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"channel jitter", boundsJob("", "", "channels: {jitter: %s}\n"), maxNanos, "876000h",
		"channel jitter 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"segment size", boundsJob("", "", "channels: {segment_size: %s}\n"), "2GiB", "1GiB",
		"segment size 2147483648 is too large (at most 1073741824 bytes)", ""},
	{"buffers per channel", boundsJob("", "", "channels: {buffers_per_channel: %s}\n"), "100001", "100000",
		"buffers per channel 100001 is too large (at most 100000)", ""},
	{"floating buffers per gate", boundsJob("", "", "channels: {floating_buffers_per_gate: %s}\n"), "9223372036854775807", "100000",
		"floating buffers per gate 9223372036854775807 is too large (at most 100000)", ""},
	{"max buffers per channel", boundsJob("", "", "channels: {max_buffers_per_channel: %s}\n"), "100001", "100000",
		"max buffers per channel 100001 is too large (at most 100000)", ""},
	{"buffer timeout", boundsJob("", "", "channels: {buffer_timeout: %s}\n"), maxNanos, "876000h",
		"buffer timeout 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"debloat period", boundsJob("", "", "channels: {debloat: {enabled: true, period: %s}}\n"), maxNanos, "876000h",
		"debloat period 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"cost", boundsJob("", ", cost: %s", ""), maxNanos, "876000h",
		"operator \"count\": cost 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"subtask cost", boundsJob("", ", subtask_cost: {1: %s}", ""), maxNanos, "876000h",
		"operator \"count\": subtask_cost of subtask 1 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", "5:66"}, // at the subtask_cost mapping
	{"state bytes per key", boundsJob("", ", state_bytes_per_key: %s", ""), "9223372036854775807", "1MiB",
		"operator \"count\": state_bytes_per_key 9223372036854775807 is too large (at most 1048576 bytes)", ""},
	{"record bytes", boundsJob(", record_bytes: %s", "", ""), "2GiB", "1GiB",
		"operator \"src\": record_bytes 2147483648 is too large (at most 1073741824 bytes)", ""},
	{"output bytes", boundsJob("", ", output_bytes: %s", ""), "2GiB", "1GiB",
		"operator \"count\": output_bytes 2147483648 is too large (at most 1073741824 bytes)", ""},
	{"rate", boundsJob(", rate: %s", "", ""), "1e-300", "1e-6",
		"operator \"src\": rate 1e-300 is too low (at least 1e-06 records/s per partition)", ""},
	{"delay spike", boundsJob("", "", "faults:\n  - {kind: delay-spike, channel: \"src[0]->count[0]\", delay: %s}\n"), maxNanos, "876000h",
		"fault 1 (delay-spike): delay 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"slow factor", boundsJob("", "", "faults:\n  - {kind: slow, subtask: \"count[0]\", factor: %s}\n"), "1e23", "1e6",
		"fault 1 (slow): factor 1e+23 is too large (at most 1e+06)", ""},
	{"slow-upload factor", boundsJob("", "", "faults:\n  - {kind: slow-upload, factor: %s}\n"), "1e23", "1e6",
		"fault 1 (slow-upload): factor 1e+23 is too large (at most 1e+06)", ""},
	{"mtbf", boundsJob("", "", "faults:\n  - {kind: random-crashes, mtbf: %s}\n"), maxNanos, "876000h",
		"fault 1 (random-crashes): mtbf 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"fault time", boundsJob("", "", "faults:\n  - {kind: crash, subtask: \"count[0]\", at: %s}\n"), maxNanos, "876000h",
		"fault 1 (crash): at 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"restore base", boundsJob("", "", "recovery: {restore_base: %s}\nfaults:\n"+crash), maxNanos, "876000h",
		"restore base 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"restart delay", boundsJob("", "", "restart: {strategy: fixed-delay, attempts: 3, delay: %s}\nfaults:\n"+crash), maxNanos, "876000h",
		"restart delay 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"exponential max delay", boundsJob("", "", "restart: {max_delay: %s, multiplier: 1e6}\nfaults:\n"+crash+crash), maxNanos, "876000h",
		"restart max delay 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"exponential multiplier", boundsJob("", "", "restart: {max_delay: 876000h, multiplier: %s}\nfaults:\n"+crash+crash), "1e23", "1e6",
		"restart multiplier 1e+23 is too large (at most 1e+06)", ""},
	{"savepoint", boundsJob("", "", "recovery: {savepoints: [1s, %s]}\n"), maxNanos, "876000h",
		"savepoint time 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"cancel", boundsJob("", "", "recovery: {cancel_at: %s}\n"), maxNanos, "876000h",
		"cancel time 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"until", strings.Replace(boundsJob("", "", ""), "until: 2s", "until: %s", 1), maxNanos, "876000h",
		"run length 2562047h47m16.854775807s is beyond the virtual horizon (at most 876000h0m0s, 100 years)", ""},
	{"event budget", boundsJob("", "", "max_events: %s\n"), "9223372036854775807", "1000000000",
		"event budget 9223372036854775807 is too large (at most 1000000000 events)", ""},
}

// TestBoundsRefuseBeyond: every value beyond its bound is refused with the
// bound, at the value.
func TestBoundsRefuseBeyond(t *testing.T) {
	for _, tc := range boundCases {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at == "" {
				at = placeholderAt(tc.file)
			}
			requireRejected(t, fmt.Sprintf(tc.file, tc.beyond), "t.yaml:"+at+": "+tc.err)
		})
	}
}

// placeholderAt is the line:col of the %s in file.
func placeholderAt(file string) string {
	before, _, _ := strings.Cut(file, "%s")
	line := strings.Count(before, "\n") + 1
	return fmt.Sprintf("%d:%d", line, len(before)-strings.LastIndex(before, "\n"))
}

// TestBoundsRunAtTheEdge: every value at its bound runs, within the budget
// and the horizon, also without an end time.
func TestBoundsRunAtTheEdge(t *testing.T) {
	for _, tc := range boundCases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Parse("t.yaml", []byte(fmt.Sprintf(tc.file, tc.edge)))
			require.NoError(t, err)
			for _, until := range []time.Duration{2 * time.Second, 0} {
				cfg := sc.Config
				cfg.Until, cfg.MaxEvents = until, 100_000
				s, err := sim.New(cfg)
				require.NoError(t, err)
				r := s.Run()
				assert.NotEqual(t, sim.Running, r.Stop)
				assert.LessOrEqual(t, r.Events, int64(100_000))
				assert.LessOrEqual(t, r.VirtualEnd, int64(sim.Horizon))
			}
		})
	}
}
