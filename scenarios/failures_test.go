package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// jobGraph is a valid job with parallel operators, seven lines long, for
// the cases about faults, restart, recovery and expectations: after
// "name: a" a section starts at line 9.
const jobGraph = `operators:
  - {name: src, kind: source, parallelism: 2}
  - {name: count, kind: aggregate, parallelism: 2}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: rebalance}
`

// badFailureFiles are files with problems in the sections about failures
// and expectations (and sink_mode), with the exact error.
var badFailureFiles = []struct {
	name, yaml, err string
}{
	// sink_mode.
	{"sink_mode on a source", "name: a\noperators:\n  - {name: src, kind: source, sink_mode: exactly-once}\n",
		`t.yaml:3:31: field "sink_mode" is not allowed on a source operator; only sink operators accept it`},
	{"unknown sink_mode", "name: a\noperators:\n  - {name: sink, kind: sink, sink_mode: transactional}\n",
		`t.yaml:3:41: sink_mode: unknown value "transactional" (allowed: at-least-once, exactly-once, idempotent)`},

	// restart.
	{"restart is a scalar", "name: a\n" + jobGraph + "restart: fixed-delay\n",
		`t.yaml:9:10: restart: expected a mapping with fields strategy, delay, ... (strategies: none, fixed-delay, failure-rate, exponential-delay), got "fixed-delay"`},
	{"unknown strategy", "name: a\n" + jobGraph + "restart: {strategy: fixed, delay: 1s}\n",
		`t.yaml:9:21: strategy: unknown value "fixed" (allowed: none, fixed-delay, failure-rate, exponential-delay)`},
	{"attempts with failure-rate", "name: a\n" + jobGraph + "restart: {strategy: failure-rate, attempts: 3}\n",
		`t.yaml:9:35: field "attempts" is not allowed with restart strategy failure-rate; only the fixed-delay strategy accepts it`},
	{"attempts with the default strategy", "name: a\n" + jobGraph + "restart: {attempts: 3}\n",
		`t.yaml:9:11: field "attempts" is not allowed with the default restart strategy exponential-delay; only the fixed-delay strategy accepts it (set strategy: fixed-delay)`},
	{"delay with none", "name: a\n" + jobGraph + "restart:\n  strategy: none\n  delay: 1s\n",
		`t.yaml:11:3: field "delay" is not allowed with restart strategy none; only the fixed-delay, failure-rate, exponential-delay strategies accept it`},
	{"unknown restart field", "name: a\n" + jobGraph + "restart: {strategy: fixed-delay, retries: 3}\n",
		`t.yaml:9:34: unknown field "retries" in restart (allowed: strategy, attempts, delay)`},
	{"multiplier below 1 (from sim)", "name: a\n" + jobGraph + "restart: {strategy: exponential-delay, multiplier: 0.5}\n",
		`t.yaml:9:52: exponential-delay restarts: Backoff multiplier must be greater than 1. Found: 0.5`},
	{"multiplier 1 (from sim)", "name: a\n" + jobGraph + "restart: {multiplier: 1}\n",
		`t.yaml:9:23: exponential-delay restarts: Backoff multiplier must be greater than 1. Found: 1`},
	{"jitter above 1 (from sim)", "name: a\n" + jobGraph + "restart: {jitter: 2, multiplier: 2}\n",
		`t.yaml:9:19: exponential-delay restarts need a positive initial delay and a jitter in 0..1`},
	{"zero attempts before reset", "name: a\n" + jobGraph + "restart: {attempts_before_reset_backoff: 0}\n",
		`t.yaml:9:42: attempts_before_reset_backoff: The attemptsBeforeResetBackoff must be at least 1. Found: 0`},
	{"attempts before reset with fixed-delay", "name: a\n" + jobGraph + "restart: {strategy: fixed-delay, attempts_before_reset_backoff: 2}\n",
		`t.yaml:9:34: field "attempts_before_reset_backoff" is not allowed with restart strategy fixed-delay; only the exponential-delay strategy accepts it`},
	{"zero max_failures (from sim)", "name: a\n" + jobGraph + "restart: {strategy: failure-rate, interval: 1m, max_failures: 0}\n",
		`t.yaml:9:63: failure-rate restarts need max failures >= 1 and a positive interval`},
	{"zero interval (from sim)", "name: a\n" + jobGraph + "restart: {strategy: failure-rate, max_failures: 2, interval: 0s}\n",
		`t.yaml:9:62: failure-rate restarts need max failures >= 1 and a positive interval`},
	{"negative attempts (from sim)", "name: a\n" + jobGraph + "restart: {strategy: fixed-delay, attempts: -1}\n",
		`t.yaml:9:44: restart attempts must not be negative`},
	{"negative max_delay (from sim)", "name: a\n" + jobGraph + "restart: {delay: 1s, max_delay: -1s}\n",
		`t.yaml:9:33: restart strategy durations must not be negative`},

	// recovery.
	{"unknown recovery field", "name: a\n" + jobGraph + "recovery: {local: true}\n",
		`t.yaml:9:12: unknown field "local" in recovery (allowed: failover, tolerable_failed_checkpoints, fail_on_checkpointing_errors, prefer_checkpoint_for_recovery, local_recovery, restore_base, remote_bandwidth, local_bandwidth, savepoints, cancel_at, stop, externalized)`},
	{"unknown failover", "name: a\n" + jobGraph + "recovery: {failover: partial}\n",
		`t.yaml:9:22: failover: unknown value "partial" (allowed: full, region)`},
	{"tolerable is a word", "name: a\n" + jobGraph + "recovery: {tolerable_failed_checkpoints: lots}\n",
		`t.yaml:9:42: tolerable_failed_checkpoints: expected an integer >= -1 or unlimited, got "lots"`},
	{"tolerable below -1 (from sim)", "name: a\n" + jobGraph + "recovery: {tolerable_failed_checkpoints: -2}\n",
		`t.yaml:9:42: tolerable checkpoint failures must be -1 (unlimited) or more`},
	{"both forms of tolerable", "name: a\n" + jobGraph + "recovery:\n  tolerable_failed_checkpoints: 3\n  fail_on_checkpointing_errors: false\n",
		`t.yaml:11:33: fail_on_checkpointing_errors is the older form of tolerable_failed_checkpoints (true is 0, false is unlimited); give only one of them`},
	{"fail_on is not a bool", "name: a\n" + jobGraph + "recovery: {fail_on_checkpointing_errors: no}\n",
		`t.yaml:9:42: fail_on_checkpointing_errors: expected true or false, got "no"`},
	{"negative restore_base (from sim)", "name: a\n" + jobGraph + "recovery: {restore_base: -1ms}\n",
		`t.yaml:9:26: restore base must not be negative and bandwidths must be at least 1 byte/s`},
	{"zero remote bandwidth", "name: a\n" + jobGraph + "recovery: {remote_bandwidth: 0}\n",
		`t.yaml:9:30: remote_bandwidth: must be at least 1 byte/s, got 0`},
	{"savepoints is a scalar", "name: a\n" + jobGraph + "recovery:\n  savepoints: 1s\n",
		`t.yaml:10:15: savepoints: expected a list of savepoints, got "1s"`},
	{"savepoint without unit", "name: a\n" + jobGraph + "recovery:\n  savepoints: [1s, 2]\n",
		`t.yaml:10:20: savepoints: item 2: invalid duration "2": a unit is required (use Go durations such as 500ms, 2s, 1m)`},
	{"negative savepoint (from sim)", "name: a\n" + jobGraph + "recovery:\n  savepoints:\n    - 1s\n    - -2s\n",
		`t.yaml:12:7: savepoint times must not be negative`},
	{"negative cancel_at (from sim)", "name: a\n" + jobGraph + "recovery: {cancel_at: -1s}\n",
		`t.yaml:9:23: cancel time must not be negative`},
	{"unknown externalized", "name: a\n" + jobGraph + "recovery: {externalized: retain}\n",
		`t.yaml:9:26: externalized: unknown value "retain" (allowed: none, retain-on-cancellation, delete-on-cancellation)`},

	// faults: shape and keys.
	{"faults is a mapping", "name: a\n" + jobGraph + "faults: {kind: crash}\n",
		`t.yaml:9:9: faults: expected a list of faults, got a mapping`},
	{"fault is a scalar", "name: a\n" + jobGraph + "faults:\n  - crash\n",
		`t.yaml:10:5: faults: item 1: expected a fault (a mapping with fields kind, subtask, at, ...), got "crash"`},
	{"fault without kind", "name: a\n" + jobGraph + "faults:\n  - {subtask: \"count[0]\", at: 1s}\n",
		`t.yaml:10:5: missing required field "kind" in fault 1 (allowed kinds: crash, random-crashes, slow, delay-spike, partition, fail-upload, slow-upload, corrupt-checkpoint)`},
	{"unknown fault kind", "name: a\n" + jobGraph + "faults:\n  - {kind: explode}\n",
		`t.yaml:10:12: kind: unknown value "explode" (allowed: crash, random-crashes, slow, delay-spike, partition, fail-upload, slow-upload, corrupt-checkpoint)`},
	{"crash without subtask", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, at: 1s}\n",
		`t.yaml:10:5: missing required field "subtask" in fault 1 (crash)`},
	{"factor on a crash", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", at: 1s, factor: 2}\n",
		`t.yaml:10:48: field "factor" is not allowed on a crash fault; only slow, slow-upload faults accept it`},
	{"at on corrupt-checkpoint", "name: a\n" + jobGraph + "faults:\n  - {kind: corrupt-checkpoint, checkpoint: 2, at: 1s}\n",
		`t.yaml:10:47: field "at" is not allowed on a corrupt-checkpoint fault; only crash, random-crashes, slow, delay-spike, partition, slow-upload faults accept it`},
	{"unknown fault field", "name: a\n" + jobGraph + "faults:\n  - {kind: partition, channel: \"src[0]->count[0]\", for: 1s}\n",
		`t.yaml:10:52: unknown field "for" in fault 1 (partition) (allowed: kind, channel, at, until)`},
	{"crash with neither at nor phase", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\"}\n",
		`t.yaml:10:5: fault 1 (crash) needs a time (at) or a phase of a checkpoint (phase: aligning, sync, async, restoring)`},
	{"crash with at and phase", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", at: 1s, phase: async, checkpoint: 2}\n",
		`t.yaml:10:44: at: a crash happens either at a time (at) or in a phase of a checkpoint (phase), not both`},
	{"checkpoint without phase", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", at: 1s, checkpoint: 2}\n",
		`t.yaml:10:60: checkpoint: applies to a crash only with a phase (aligning, sync, async, restoring); a crash at a time has none`},
	{"phase without checkpoint", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", phase: async}\n",
		`t.yaml:10:47: phase: a crash in phase async needs checkpoint: the id of the checkpoint (1 for the first)`},
	{"restoring without checkpoint", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", phase: restoring}\n",
		`t.yaml:10:47: phase: a crash while restoring needs checkpoint: the number of the failover whose restore it interrupts (1 for the first)`},
	{"unknown phase", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", phase: finishing, checkpoint: 1}\n",
		`t.yaml:10:47: phase: unknown value "finishing" (allowed: aligning, sync, async, restoring)`},
	{"too many faults", "name: a\n" + jobGraph + "faults:\n" + repeat("  - {kind: corrupt-checkpoint, checkpoint: 1}\n", MaxFaults+1),
		`t.yaml:1010:5: faults: too many faults (a scenario may have at most 1000)`},

	// faults: subtasks and channels.
	{"subtask index out of range", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[2]\", at: 1s}\n",
		`t.yaml:10:28: subtask: unknown subtask "count[2]": operator count has parallelism 2 (subtasks: count[0]..count[1])`},
	{"subtask of an unknown operator", "name: a\n" + jobGraph + "faults:\n  - {kind: slow, subtask: \"cnt[0]\", factor: 2}\n",
		`t.yaml:10:27: subtask: unknown subtask "cnt[0]": no operator "cnt" (subtasks: src[0]..src[1], count[0]..count[1], sink[0])`},
	{"operator for a subtask", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: count, at: 1s}\n",
		`t.yaml:10:28: subtask: "count" is an operator; name one of its subtasks: count[0]..count[1]`},
	{"subtask in another syntax", "name: a\n" + jobGraph + "faults:\n  - {kind: fail-upload, subtask: \"count(1)\", checkpoint: 1}\n",
		`t.yaml:10:34: subtask: expected a subtask such as src[0] (operator[index]), got "count(1)"`},
	{"subtask index with a leading zero", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[01]\", at: 1s}\n",
		`t.yaml:10:28: subtask: unknown subtask "count[01]": write the index without leading zeros (count[1])`},
	{"channel between unconnected subtasks", "name: a\n" + jobGraph + "faults:\n  - {kind: delay-spike, channel: \"src[0]->sink[0]\", delay: 1s}\n",
		`t.yaml:10:34: channel: no channel "src[0]->sink[0]": src[0] sends on src[0]->count[0], src[0]->count[1]`},
	{"channel from a sink", "name: a\n" + jobGraph + "faults:\n  - {kind: partition, channel: \"sink[0]->src[0]\"}\n",
		`t.yaml:10:32: channel: no channel "sink[0]->src[0]": sink[0] sends on no channel (channels include src[0]->count[0], src[0]->count[1], src[1]->count[0], src[1]->count[1], count[0]->sink[0], count[1]->sink[0])`},
	{"channel without arrow", "name: a\n" + jobGraph + "faults:\n  - {kind: partition, channel: \"src[0]-count[1]\"}\n",
		`t.yaml:10:32: channel: expected a channel such as src[0]->count[0] (sender->receiver), got "src[0]-count[1]"`},
	{"channel from an unknown subtask", "name: a\n" + jobGraph + "faults:\n  - {kind: partition, channel: \"src[5]->count[1]\"}\n",
		`t.yaml:10:32: channel: in "src[5]->count[1]": unknown subtask "src[5]": operator src has parallelism 2 (subtasks: src[0]..src[1])`},

	// faults: sim's checks, at the key.
	{"negative at (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", at: -1s}\n",
		`t.yaml:10:44: fault 1 (crash): times must not be negative`},
	{"until before at (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: slow, subtask: \"count[0]\", factor: 2, at: 2s, until: 1s}\n",
		`t.yaml:10:65: fault 1 (slow): until 1s is before at 2s`},
	{"zero factor (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: slow-upload, factor: 0}\n",
		`t.yaml:10:33: fault 1 (slow-upload): needs a positive factor`},
	{"zero mtbf (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: random-crashes, mtbf: 0s}\n",
		`t.yaml:10:34: fault 1 (random-crashes): needs a positive mtbf`},
	{"zero delay (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: delay-spike, channel: \"src[0]->count[1]\", delay: 0s}\n",
		`t.yaml:10:61: fault 1 (delay-spike): needs a positive delay`},
	{"checkpoint 0 (from sim)", "name: a\n" + jobGraph + "faults:\n  - {kind: crash, subtask: \"count[0]\", at: 1s}\n  - {kind: corrupt-checkpoint, checkpoint: 0}\n",
		`t.yaml:11:44: fault 2 (corrupt-checkpoint): needs a checkpoint id`},

	// expect.
	{"expect is a scalar", "name: a\n" + jobGraph + "expect: \">0\"\n",
		`t.yaml:9:9: expect: expected a mapping with fields exactly_once_state, no_loss, end_to_end, consistent_snapshots, tokens_conserved, completed_snapshots, duplicates, lost, lost_at_finish, restarts, resubmissions, restores_refused, completed_checkpoints, expired_checkpoints, aborted_checkpoints, records_between_checkpoints, max_restore_time, mean_restore_time, min_restore_time, max_end_to_end, mean_end_to_end, max_commit_latency, shared_state, checkpointed_percent, moved_key_groups, moved_splits, job, got ">0"`},
	{"unknown expectation", "name: a\n" + jobGraph + "expect: {exactly_once: true}\n",
		`t.yaml:9:10: unknown field "exactly_once" in expect (allowed: exactly_once_state, no_loss, end_to_end, consistent_snapshots, tokens_conserved, completed_snapshots, duplicates, lost, lost_at_finish, restarts, resubmissions, restores_refused, completed_checkpoints, expired_checkpoints, aborted_checkpoints, records_between_checkpoints, max_restore_time, mean_restore_time, min_restore_time, max_end_to_end, mean_end_to_end, max_commit_latency, shared_state, checkpointed_percent, moved_key_groups, moved_splits, job)`},
	{"expectation given twice", "name: a\n" + jobGraph + "expect:\n  duplicates: 1\n  duplicates: 2\n",
		`t.yaml:11:3: duplicate field "duplicates" in expect (first given at line 10)`},
	{"count is a word", "name: a\n" + jobGraph + "expect: {duplicates: lots}\n",
		`t.yaml:9:22: duplicates: expected a whole number or a comparison such as ">0", ">=5", "==3", "!=0", got "lots"`},
	{"comparison without value", "name: a\n" + jobGraph + "expect: {restarts: \">=\"}\n",
		`t.yaml:9:20: restarts: expected a whole number or a comparison such as ">0", ">=5", "==3", "!=0", got ">="`},
	{"count with a fraction", "name: a\n" + jobGraph + "expect: {lost: \"<1.5\"}\n",
		`t.yaml:9:16: lost: expected a whole number or a comparison such as ">0", ">=5", "==3", "!=0", got "<1.5"`},
	{"unquoted != is a tag", "name: a\n" + jobGraph + "expect:\n  lost: !=0\n",
		`t.yaml:10:9: lost: write the comparison in quotes ("!=0"): unquoted, YAML reads ! as the start of a tag`},
	{"duration without unit", "name: a\n" + jobGraph + "expect: {max_restore_time: \"<2\"}\n",
		`t.yaml:9:28: max_restore_time: invalid duration "2": a unit is required (use Go durations such as 500ms, 2s, 1m)`},
	{"duration is a word", "name: a\n" + jobGraph + "expect: {mean_end_to_end: \"<fast\"}\n",
		`t.yaml:9:27: mean_end_to_end: expected a duration or a comparison such as "<2s", ">=100ms", "==0s" (use Go durations such as 500ms, 2s, 1m), got "<fast"`},
	{"job status in lower case", "name: a\n" + jobGraph + "expect: {job: running}\n",
		`t.yaml:9:15: job: unknown job status "running" (allowed: RUNNING, RESTARTING, FAILED, FINISHED, CANCELED)`},
	{"job compared by order", "name: a\n" + jobGraph + "expect: {job: \"<RUNNING\"}\n",
		`t.yaml:9:15: job: only == and != compare a job status, got "<RUNNING"`},
	{"invariant expectation is not a bool", "name: a\n" + jobGraph + "expect: {exactly_once_state: yes}\n",
		`t.yaml:9:30: exactly_once_state: expected true or false, got "yes"`},
	{"expectation is a list", "name: a\n" + jobGraph + "expect: {completed_checkpoints: [1]}\n",
		`t.yaml:9:33: completed_checkpoints: expected a whole number or a comparison such as ">0", ">=5", "==3", "!=0", got a list`},
}

// repeat is strings.Repeat, for the table above.
func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestParseRejectsFailures(t *testing.T) {
	for _, tc := range badFailureFiles {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, tc.yaml, tc.err)
		})
	}
}

func TestParseFailureDefaults(t *testing.T) {
	// Without the sections: sim's zero values, which mean its defaults.
	s, err := Parse("d.yaml", []byte("name: d\n"+jobGraph))
	require.NoError(t, err)
	assert.Equal(t, sim.RecoveryConfig{}, s.Config.Recovery)
	assert.Nil(t, s.Config.Faults)
	assert.Nil(t, s.Expect)
	assert.Equal(t, topology.SinkMode(""), s.Config.Graph.Operators[2].SinkMode, `"" is at-least-once`)

	// With either section, every key it does not give is the default.
	for _, section := range []string{"restart: {}\n", "recovery: {}\n", "restart: {}\nrecovery: {}\n"} {
		s, err := Parse("d.yaml", []byte("name: d\n"+jobGraph+section))
		require.NoError(t, err, section)
		assert.Equal(t, sim.DefaultRecoveryConfig(), s.Config.Recovery, section)
	}

	// A strategy keeps the defaults of the keys it does not give.
	s, err = Parse("d.yaml", []byte("name: d\n"+jobGraph+"restart: {strategy: fixed-delay}\nrecovery: {local_recovery: true}\n"))
	require.NoError(t, err)
	want := sim.DefaultRecoveryConfig()
	want.Restart.Kind = sim.FixedDelay
	want.LocalRecovery = true
	assert.Equal(t, want, s.Config.Recovery)
	assert.Equal(t, 1, s.Config.Recovery.Restart.Attempts)
	assert.Equal(t, time.Second, s.Config.Recovery.Restart.Delay)
}

// everyFailureField sets every key of the new sections (and the order of
// restart after recovery does not matter).
const everyFailureField = `name: failures
operators:
  - {name: src, kind: source, parallelism: 2}
  - {name: count, kind: aggregate, parallelism: 2}
  - {name: sink, kind: sink, sink_mode: exactly-once}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: rebalance}
recovery:
  failover: full
  tolerable_failed_checkpoints: unlimited
  prefer_checkpoint_for_recovery: true
  local_recovery: true
  restore_base: 20ms
  remote_bandwidth: 10MiB/s
  local_bandwidth: 2GiB
  savepoints: [2s, 5s]
  cancel_at: 9s
  externalized: retain-on-cancellation
restart:
  strategy: exponential-delay
  delay: 100ms
  max_delay: 10s
  multiplier: 2
  reset_threshold: 30m
  jitter: 0.25
faults:
  - {kind: crash, subtask: "count[1]", at: 3s, machine_lost: true}
  - {kind: crash, subtask: "count[0]", phase: async, checkpoint: 3}
  - {kind: crash, subtask: "src[1]", phase: restoring, checkpoint: 1}
  - {kind: random-crashes, subtask: "count[0]", mtbf: 4s, at: 1s, until: 8s, machine_lost: true}
  - {kind: slow, subtask: "count[1]", factor: 10, at: 2s, until: 4s}
  - {kind: delay-spike, channel: "src[0]->count[1]", delay: 50ms, at: 1s, until: 2s}
  - {kind: partition, channel: "count[1] -> sink[0]", at: 5s, until: 5.5s}
  - {kind: fail-upload, subtask: "sink[0]", checkpoint: 2}
  - {kind: slow-upload, factor: 3.5, at: 6s}
  - {kind: corrupt-checkpoint, checkpoint: 4}
expect:
  exactly_once_state: true
  no_loss: true
  end_to_end: false
  consistent_snapshots: true
  duplicates: ">0"
  lost: 0
  restarts: ">= 2"
  completed_checkpoints: "!=0"
  expired_checkpoints: "<=1"
  aborted_checkpoints: "<3"
  records_between_checkpoints: "==1_000"
  max_restore_time: "<2s"
  mean_restore_time: ">=1.5ms"
  max_end_to_end: 1s
  mean_end_to_end: "!=0s"
  max_commit_latency: "> 500ms"
  job: "!=FAILED"
`

func TestParseEveryFailureField(t *testing.T) {
	s, err := Parse("f.yaml", []byte(everyFailureField))
	require.NoError(t, err)
	c := s.Config
	assert.Equal(t, topology.TwoPhaseCommitSink, c.Graph.Operators[2].SinkMode)
	assert.Equal(t, sim.RecoveryConfig{
		Restart: sim.RestartStrategy{Kind: sim.ExponentialDelay, Delay: 100 * time.Millisecond, MaxDelay: 10 * time.Second,
			Multiplier: 2, ResetThreshold: 30 * time.Minute, Jitter: 0.25,
			Attempts: 1, MaxFailures: 1, Interval: time.Minute}, // other strategies' defaults
		Failover: sim.FullFailover, TolerableFailures: -1, PreferCheckpointForRecovery: true, LocalRecovery: true,
		RestoreBase: 20 * time.Millisecond, RemoteBandwidth: 10 << 20, LocalBandwidth: 2 << 30,
		Savepoints: []time.Duration{2 * time.Second, 5 * time.Second}, CancelAt: 9 * time.Second,
		Externalized: sim.RetainOnCancellation,
	}, c.Recovery)
	assert.Equal(t, []sim.Fault{
		{Kind: sim.Crash, Subtask: "count[1]", At: 3 * time.Second, MachineLost: true},
		{Kind: sim.Crash, Subtask: "count[0]", Phase: sim.AsyncPhase, Checkpoint: 3},
		{Kind: sim.Crash, Subtask: "src[1]", Phase: sim.Restoring, Checkpoint: 1},
		{Kind: sim.RandomCrashes, Subtask: "count[0]", MTBF: 4 * time.Second, At: time.Second, Until: 8 * time.Second, MachineLost: true},
		{Kind: sim.Slow, Subtask: "count[1]", Factor: 10, At: 2 * time.Second, Until: 4 * time.Second},
		{Kind: sim.DelaySpike, Channel: "src[0]->count[1]", Delay: 50 * time.Millisecond, At: time.Second, Until: 2 * time.Second},
		{Kind: sim.Partition, Channel: "count[1]->sink[0]", At: 5 * time.Second, Until: 5500 * time.Millisecond},
		{Kind: sim.FailUpload, Subtask: "sink[0]", Checkpoint: 2},
		{Kind: sim.SlowUpload, Factor: 3.5, At: 6 * time.Second},
		{Kind: sim.CorruptCheckpoint, Checkpoint: 4},
	}, c.Faults)

	type exp struct {
		name, want string
		line       int
	}
	var got []exp
	for _, e := range s.Expect {
		got = append(got, exp{e.Name, e.Want, e.Line})
	}
	assert.Equal(t, []exp{
		{"exactly_once_state", "true", 39}, {"no_loss", "true", 40}, {"end_to_end", "false", 41},
		{"consistent_snapshots", "true", 42}, {"duplicates", ">0", 43}, {"lost", "0", 44},
		{"restarts", ">=2", 45}, {"completed_checkpoints", "!=0", 46}, {"expired_checkpoints", "<=1", 47},
		{"aborted_checkpoints", "<3", 48}, {"records_between_checkpoints", "==1_000", 49},
		{"max_restore_time", "<2s", 50}, {"mean_restore_time", ">=1.5ms", 51}, {"max_end_to_end", "1s", 52},
		{"mean_end_to_end", "!=0s", 53}, {"max_commit_latency", ">500ms", 54}, {"job", "!=FAILED", 55},
	}, got)
	assert.Equal(t, int64(1000), s.Expect[10].num)
	assert.Equal(t, int64(1500*time.Microsecond), s.Expect[12].num)
}

func TestRestartStrategies(t *testing.T) {
	def := sim.DefaultRestartStrategy()
	for _, tc := range []struct {
		yaml string
		want func(r *sim.RestartStrategy)
	}{
		{"{strategy: none}", func(r *sim.RestartStrategy) { r.Kind = sim.NoRestart }},
		{"{strategy: fixed-delay, attempts: 5, delay: 2s}", func(r *sim.RestartStrategy) {
			r.Kind, r.Attempts, r.Delay = sim.FixedDelay, 5, 2*time.Second
		}},
		{"{strategy: failure-rate, max_failures: 3, interval: 5m, delay: 10s}", func(r *sim.RestartStrategy) {
			r.Kind, r.MaxFailures, r.Interval, r.Delay = sim.FailureRate, 3, 5*time.Minute, 10*time.Second
		}},
		{"{jitter: 0, multiplier: 1.25}", func(r *sim.RestartStrategy) { r.Jitter, r.Multiplier = 0, 1.25 }},
		{"{attempts_before_reset_backoff: 4}", func(r *sim.RestartStrategy) { r.AttemptsBeforeReset = 4 }},
	} {
		s, err := Parse("r.yaml", []byte("name: r\n"+jobGraph+"restart: "+tc.yaml+"\n"))
		require.NoError(t, err, tc.yaml)
		want := def
		tc.want(&want)
		assert.Equal(t, want, s.Config.Recovery.Restart, tc.yaml)
	}
}

func TestTolerableFailures(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want int
	}{
		{"tolerable_failed_checkpoints: unlimited", -1},
		{"tolerable_failed_checkpoints: -1", -1},
		{"tolerable_failed_checkpoints: 0", 0},
		{"tolerable_failed_checkpoints: 3", 3},
		{"fail_on_checkpointing_errors: true", 0},
		{"fail_on_checkpointing_errors: false", -1},
	} {
		s, err := Parse("r.yaml", []byte("name: r\n"+jobGraph+"recovery: {"+tc.yaml+"}\n"))
		require.NoError(t, err, tc.yaml)
		assert.Equal(t, tc.want, s.Config.Recovery.TolerableFailures, tc.yaml)
	}
}

// TestFaultTargetsMatchExpand: every subtask and channel of the execution
// graph is accepted by its name, for every partitioning.
func TestFaultTargetsMatchExpand(t *testing.T) {
	const job = `name: t
operators:
  - {name: src, kind: source, parallelism: 3}
  - {name: m, kind: map, parallelism: 3}
  - {name: count, kind: aggregate, parallelism: 2}
  - {name: b, kind: map, parallelism: 2}
  - {name: sink, kind: sink, parallelism: 2}
edges:
  - {from: src, to: m, partitioning: forward}
  - {from: m, to: count, partitioning: hash}
  - {from: count, to: b, partitioning: rebalance}
  - {from: b, to: sink, partitioning: broadcast}
`
	base, err := Parse("t.yaml", []byte(job))
	require.NoError(t, err)
	eg, err := topology.Expand(base.Config.Graph)
	require.NoError(t, err)
	faults := "faults:\n"
	for _, st := range eg.Subtasks {
		faults += fmt.Sprintf("  - {kind: slow, subtask: %q, factor: 2}\n", st.Name)
	}
	for c := range eg.Channels {
		faults += fmt.Sprintf("  - {kind: partition, channel: %q}\n", eg.ChannelName(c))
	}
	s, err := Parse("t.yaml", []byte(job+faults))
	require.NoError(t, err)
	assert.Len(t, s.Config.Faults, len(eg.Subtasks)+len(eg.Channels))
	_, err = sim.New(s.Config)
	require.NoError(t, err, "sim resolves every name the parser accepts")

	// Any other pair of subtasks is refused.
	names := make(map[string]bool)
	for c := range eg.Channels {
		names[eg.ChannelName(c)] = true
	}
	tg := newTargets(base.Config.Graph)
	for _, a := range eg.Subtasks {
		for _, b := range eg.Subtasks {
			name := a.Name + "->" + b.Name
			_, msg := tg.channel(name)
			assert.Equal(t, names[name], msg == "", "%s: %s", name, msg)
		}
	}

	// Forward edges connect equal indexes only.
	_, err = Parse("t.yaml", []byte(job+"faults:\n  - {kind: partition, channel: \"src[0]->m[1]\"}\n"))
	require.EqualError(t, err, `t.yaml:14:32: channel: no channel "src[0]->m[1]": src[0] sends on src[0]->m[0]`)
}

// TestFaultTargetsOfALargeJob: checking names does not expand the job,
// whose two million channels would take seconds.
func TestFaultTargetsOfALargeJob(t *testing.T) {
	const job = `name: big
operators:
  - {name: src, kind: source, parallelism: 300}
  - {name: m, kind: map, parallelism: 300}
  - {name: sink, kind: sink, parallelism: 300}
edges:
  - {from: src, to: m, partitioning: rebalance}
  - {from: m, to: sink, partitioning: rebalance}
faults:
  - {kind: crash, subtask: "m[299]", at: 1s}
  - {kind: partition, channel: "m[7]->sink[250]"}
`
	start := time.Now()
	_, err := Parse("t.yaml", []byte(job))
	require.NoError(t, err)
	_, err = Parse("t.yaml", []byte(job+"  - {kind: partition, channel: \"m[7]->src[0]\"}\n"))
	assert.EqualError(t, err, `t.yaml:12:32: channel: no channel "m[7]->src[0]": m[7] sends on m[7]->sink[0], m[7]->sink[1], m[7]->sink[2], m[7]->sink[3], m[7]->sink[4], m[7]->sink[5], ... (300 in all)`)
	assert.Less(t, time.Since(start), time.Second)
}

// TestScriptedFaults: a scripted scenario's task is task[0].
func TestScriptedFaults(t *testing.T) {
	const script = "name: s\nscript:\n  channels: 2\n  input: [c0:r1, c1:r2]\n"
	_, err := Parse("s.yaml", []byte(script+"faults:\n  - {kind: crash, subtask: \"task[0]\", at: 1ms}\n"))
	require.NoError(t, err)
	_, err = Parse("s.yaml", []byte(script+"faults:\n  - {kind: crash, subtask: \"count[0]\", at: 1ms}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `s.yaml:6:28: subtask: unknown subtask "count[0]": no operator "count"`)
}
