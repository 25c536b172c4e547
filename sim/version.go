package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// FlinkVersion is the Flink release whose rules a run follows, as
// major.minor. Where Flink changed a rule between releases, the engine
// asks the version (the methods below); docs/flink-semantics.md lists
// every such rule with its FLINK ticket. The zero value means
// CurrentFlinkVersion.
type FlinkVersion struct{ Major, Minor int }

// CurrentFlinkVersion is the release a run follows unless told otherwise.
var CurrentFlinkVersion = FlinkVersion{2, 1}

// OldestFlinkVersion is the oldest release whose rules are modelled: 1.14,
// the release of the seed's CheckpointConfig API.
var OldestFlinkVersion = FlinkVersion{1, 14}

// FlinkVersions lists the releases a run can follow, oldest first.
var FlinkVersions = []FlinkVersion{{1, 14}, {1, 15}, {1, 16}, {1, 17}, {1, 18}, {1, 19}, {1, 20}, {2, 0}, {2, 1}}

// ParseFlinkVersion reads "1.14" or "2.1" (a patch level, "1.14.6", is
// accepted and ignored: no modelled rule changed in a patch release).
func ParseFlinkVersion(text string) (FlinkVersion, error) {
	parts := strings.Split(text, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return FlinkVersion{}, fmt.Errorf("Flink version %q: expected major.minor, such as %s", text, CurrentFlinkVersion)
	}
	var v FlinkVersion
	var err error
	if v.Major, err = strconv.Atoi(parts[0]); err == nil {
		v.Minor, err = strconv.Atoi(parts[1])
	}
	if err == nil && len(parts) == 3 {
		_, err = strconv.Atoi(parts[2])
	}
	if err != nil {
		return FlinkVersion{}, fmt.Errorf("Flink version %q: expected major.minor, such as %s", text, CurrentFlinkVersion)
	}
	if !v.known() {
		return FlinkVersion{}, fmt.Errorf("Flink version %s is not modelled (allowed: %s)", v, versionList())
	}
	return v, nil
}

func versionList() string {
	names := make([]string, len(FlinkVersions))
	for i, v := range FlinkVersions {
		names[i] = v.String()
	}
	return strings.Join(names, ", ")
}

// String is "major.minor".
func (v FlinkVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

func (v FlinkVersion) known() bool {
	for _, k := range FlinkVersions {
		if k == v {
			return true
		}
	}
	return false
}

// OrCurrent is v, or CurrentFlinkVersion for the zero value.
func (v FlinkVersion) OrCurrent() FlinkVersion {
	if v == (FlinkVersion{}) {
		return CurrentFlinkVersion
	}
	return v
}

// atLeast reports whether v is major.minor or later.
func (v FlinkVersion) atLeast(major, minor int) bool {
	v = v.OrCurrent()
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// SavepointsInStore reports whether a completed savepoint joins the
// completed-checkpoint store like a checkpoint: it subsumes older
// checkpoints, is notified (so two-phase commit sinks commit on it) and is
// used for failover. Flink 1.15 stopped all of that for intermediate
// savepoints (FLINK-25191; CheckpointCoordinator.completePendingCheckpoint
// adds only !props.isSavepoint() to the store).
func (v FlinkVersion) SavepointsInStore() bool { return !v.atLeast(1, 15) }

// CheckpointsAfterTasksFinish reports whether checkpoints go on after some
// tasks finished and a task that reaches the end of its input waits for a
// final checkpoint before it finishes (FLIP-147, FLINK-2491; on by default
// since 1.15, FLINK-25105). Before, DefaultCheckpointPlanCalculator refused
// to trigger once a task had finished (NOT_ALL_REQUIRED_TASKS_RUNNING).
func (v FlinkVersion) CheckpointsAfterTasksFinish() bool { return v.atLeast(1, 15) }

// StopWithSavepointStopping reports whether a job that fails after the
// synchronous savepoint of a stop-with-savepoint completed, before every
// task finished, fails for good (StopWithSavepointStoppingException, not
// recoverable: FLINK-26783, 1.15) rather than failing over to its latest
// checkpoint.
func (v FlinkVersion) StopWithSavepointStopping() bool { return v.atLeast(1, 15) }

// HasPreferCheckpointForRecovery reports whether
// execution.checkpointing.prefer-checkpoint-for-recovery exists: removed
// in 1.15 (FLINK-20427: it could lose data), where savepoints are no longer in the store it
// chose from.
func (v FlinkVersion) HasPreferCheckpointForRecovery() bool { return !v.atLeast(1, 15) }

// NetworkBuffersConfigurable reports whether Flink reads
// taskmanager.network.memory.buffers-per-channel,
// floating-buffers-per-gate and max-buffers-per-channel: deprecated in
// 1.20 (FLINK-35461) and removed in 2.0 (FLINK-33750), where
// NettyShuffleEnvironmentConfiguration.fromConfiguration fixes them at 2,
// 8 and 10 and an input gate gets fewer exclusive buffers only through
// taskmanager.network.memory.read-buffer.required-per-gate.max
// (InputGateSpecUtils). A run uses ChannelConfig's values whatever the
// release; a scenario that sets other values warns under 2.0 and later.
func (v FlinkVersion) NetworkBuffersConfigurable() bool { return !v.atLeast(2, 0) }
