package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// MaxSavepoints bounds the savepoints list of the recovery section.
const MaxSavepoints = 1000

// restartRow is a row of the restart table: a key, the strategies that
// take it (nil: every strategy) and how to decode it.
type restartRow struct {
	name  string
	kinds []sim.RestartKind
	set   func(r *sim.RestartStrategy) setter
}

// restartTable lists every key of the restart section. Flink configures
// each strategy with its own keys (restart-strategy.fixed-delay.attempts,
// ...); the format shares the key names and rejects those the chosen
// strategy does not have.
var restartTable = []restartRow{
	{name: "strategy"}, // decoded first: it picks the keys
	{name: "attempts", kinds: []sim.RestartKind{sim.FixedDelay}, set: func(r *sim.RestartStrategy) setter { return integer(&r.Attempts) }},
	{name: "delay", kinds: []sim.RestartKind{sim.FixedDelay, sim.FailureRate, sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter {
		return duration(&r.Delay)
	}},
	{name: "max_failures", kinds: []sim.RestartKind{sim.FailureRate}, set: func(r *sim.RestartStrategy) setter { return integer(&r.MaxFailures) }},
	{name: "interval", kinds: []sim.RestartKind{sim.FailureRate}, set: func(r *sim.RestartStrategy) setter { return duration(&r.Interval) }},
	{name: "max_delay", kinds: []sim.RestartKind{sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter { return duration(&r.MaxDelay) }},
	{name: "multiplier", kinds: []sim.RestartKind{sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter { return number(&r.Multiplier) }},
	{name: "reset_threshold", kinds: []sim.RestartKind{sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter {
		return duration(&r.ResetThreshold)
	}},
	{name: "jitter", kinds: []sim.RestartKind{sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter { return number(&r.Jitter) }},
	{name: "attempts_before_reset_backoff", kinds: []sim.RestartKind{sim.ExponentialDelay}, set: func(r *sim.RestartStrategy) setter {
		return attemptsBeforeReset(&r.AttemptsBeforeReset)
	}},
}

// attemptsBeforeReset decodes attempts_before_reset_backoff: at least 1,
// as ExponentialDelayRestartBackoffTimeStrategy checks (an explicit 0 is
// refused; leaving the key out keeps Flink's default, unlimited).
func attemptsBeforeReset(p *int) setter {
	return func(n *yaml.Node) error {
		v, err := parseInt(n, math.MinInt32, math.MaxInt32)
		if err != nil {
			return err
		}
		if v < 1 {
			return bad(n, "The attemptsBeforeResetBackoff must be at least 1. Found: %d", v)
		}
		*p = int(v)
		return nil
	}
}

// restartFields is the field table for r, whose Kind is set: keys of other
// strategies are rejected with the strategies that take them. given says
// whether the file named the strategy (or r.Kind is the default).
func restartFields(r *sim.RestartStrategy, given bool) []field {
	fields := make([]field, 0, len(restartTable))
	for _, row := range restartTable {
		f := field{name: row.name}
		switch {
		case row.kinds != nil && !slices.Contains(row.kinds, r.Kind):
			strategy, hint := "restart strategy "+string(r.Kind), ""
			if !given {
				strategy, hint = "the default restart strategy "+string(r.Kind), " (set strategy)"
				if len(row.kinds) == 1 {
					hint = " (set strategy: " + string(row.kinds[0]) + ")"
				}
			}
			takes := "the " + join(row.kinds) + " strategies accept it"
			if len(row.kinds) == 1 {
				takes = "the " + join(row.kinds) + " strategy accepts it"
			}
			f.reject = fmt.Sprintf("field %q is not allowed with %s; only %s%s", row.name, strategy, takes, hint)
		case row.set != nil:
			f.set = row.set(r)
		}
		fields = append(fields, f)
	}
	return fields
}

// restart decodes the restart section into r. Its strategy is read first,
// since it decides which keys are allowed; the other keys keep the
// defaults of sim.DefaultRestartStrategy.
func (d *decoder) restart(r *sim.RestartStrategy) setter {
	return func(n *yaml.Node) error {
		if n.Kind != yaml.MappingNode {
			return bad(n, "expected a mapping with fields strategy, delay, ... (strategies: %s), got %s", join(sim.RestartKinds), describe(n))
		}
		given := false
		if sn := get(n, "strategy"); sn != nil {
			if err := oneOf(&r.Kind, sim.RestartKinds)(sn); err != nil {
				return d.wrap("strategy", err)
			}
			given = true
		}
		return d.mapping(n, "restart", "in restart", restartFields(r, given))
	}
}

// failovers and cleanups are the words of the recovery section's enums.
var (
	failovers = []sim.Failover{sim.FullFailover, sim.RegionFailover}
	cleanups  = []sim.Externalized{sim.NoExternalized, sim.RetainOnCancellation, sim.DeleteOnCancellation}
)

// recoveryFields is the table of the recovery section. failOn receives
// fail_on_checkpointing_errors, which the section resolves after the walk.
func (d *decoder) recoveryFields(r *sim.RecoveryConfig, failOn *bool) []field {
	return []field{
		{name: "failover", set: oneOf(&r.Failover, failovers)},
		{name: "tolerable_failed_checkpoints", set: tolerable(&r.TolerableFailures)},
		{name: "fail_on_checkpointing_errors", set: boolean(failOn)},
		{name: "prefer_checkpoint_for_recovery", set: boolean(&r.PreferCheckpointForRecovery)},
		{name: "local_recovery", set: boolean(&r.LocalRecovery)},
		{name: "restore_base", set: duration(&r.RestoreBase)},
		{name: "remote_bandwidth", set: restoreBandwidth(&r.RemoteBandwidth)},
		{name: "local_bandwidth", set: restoreBandwidth(&r.LocalBandwidth)},
		{name: "savepoints", set: d.savepoints(&r.Savepoints)},
		{name: "cancel_at", set: duration(&r.CancelAt)},
		{name: "stop", set: d.stopWithSavepoint(&r.Stop)},
		{name: "externalized", set: oneOf(&r.Externalized, cleanups)},
	}
}

// recoverySection decodes the recovery section into r.
func (d *decoder) recoverySection(r *sim.RecoveryConfig) setter {
	return func(n *yaml.Node) error {
		var failOn bool
		if err := d.mapping(n, "recovery", "in recovery", d.recoveryFields(r, &failOn)); err != nil {
			return err
		}
		p, old := d.values["recovery.fail_on_checkpointing_errors"]
		switch {
		case !old:
		case d.has("recovery.tolerable_failed_checkpoints"):
			return p.err(d.file, "fail_on_checkpointing_errors is the older form of tolerable_failed_checkpoints (true is 0, false is unlimited); give only one of them")
		case failOn:
			r.TolerableFailures = 0
		default:
			r.TolerableFailures = -1
		}
		return nil
	}
}

// tolerable decodes tolerable_failed_checkpoints: an integer, or the word
// unlimited (-1). The range (>= -1) is sim's to check.
func tolerable(p *int) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "an integer >= -1 or unlimited")
		if err != nil {
			return err
		}
		if s == "unlimited" {
			*p = -1
			return nil
		}
		if !intSyntax.MatchString(s) {
			return bad(n, "expected an integer >= -1 or unlimited, got %s", describe(n))
		}
		return integer(p)(n)
	}
}

// restoreBandwidth decodes a bandwidth of at least 1 byte/s: sim reads a
// zero restore bandwidth as its default, so 0 must not pass silently.
func restoreBandwidth(p *int64) setter {
	set := bandwidth(p)
	return func(n *yaml.Node) error {
		if err := set(n); err != nil {
			return err
		}
		if *p < 1 {
			return bad(n, "must be at least 1 byte/s, got %s", describe(n))
		}
		return nil
	}
}

// savepoints decodes the list of times at which savepoints are triggered.
// Each item's position is kept for sim's errors.
func (d *decoder) savepoints(p *[]time.Duration) setter {
	return func(n *yaml.Node) error {
		var ts []time.Duration
		err := d.list(n, "savepoints", MaxSavepoints, func(i int, item *yaml.Node) error {
			var t time.Duration
			if err := duration(&t)(item); err != nil {
				return err
			}
			d.record("recovery", fmt.Sprintf("savepoints[%d]", i), item)
			ts = append(ts, t)
			return nil
		})
		*p = ts
		return err
	}
}

// recoveryError maps sim's messages that contain a text to the key at
// fault: path, or the one pick chooses among the keys the message covers.
type recoveryError struct {
	contains string
	path     string
	pick     func(c *sim.Config) string
}

// recoveryErrorAt is the position of the key a sim message about restart
// or recovery (lower-cased) is about; ok is false for other messages. A
// key the file does not give falls back to its section, then to the top.
func (s *Scenario) recoveryErrorAt(lower string) (p position, ok bool) {
	for _, e := range recoveryErrors {
		if !strings.Contains(lower, e.contains) {
			continue
		}
		path := e.path
		if e.pick != nil {
			path = e.pick(&s.Config)
		}
		if p, ok := s.at.values[path]; ok {
			return p, true
		}
		section, _, _ := strings.Cut(path, ".")
		return s.orRoot(section), true
	}
	return position{}, false
}

// recoveryErrors map sim's messages about restart and recovery to keys;
// the first match wins.
var recoveryErrors = []recoveryError{
	{contains: "unknown restart strategy", path: "restart.strategy"},
	{contains: "restart strategy durations", pick: func(c *sim.Config) string {
		rs := &c.Recovery.Restart
		switch {
		case rs.Delay < 0:
			return "restart.delay"
		case rs.MaxDelay < 0:
			return "restart.max_delay"
		case rs.Interval < 0:
			return "restart.interval"
		}
		return "restart.reset_threshold"
	}},
	{contains: "restart attempts", path: "restart.attempts"},
	{contains: "failure-rate restarts", pick: func(c *sim.Config) string {
		if c.Recovery.Restart.MaxFailures < 1 {
			return "restart.max_failures"
		}
		return "restart.interval"
	}},
	{contains: "backoff multiplier", path: "restart.multiplier"},
	{contains: "attemptsbeforeresetbackoff", path: "restart.attempts_before_reset_backoff"},
	{contains: "exponential-delay restarts", pick: func(c *sim.Config) string {
		rs := &c.Recovery.Restart
		switch {
		case rs.Jitter < 0 || rs.Jitter > 1:
			return "restart.jitter"
		}
		return "restart.delay"
	}},
	{contains: "failover strategy", path: "recovery.failover"},
	{contains: "tolerable checkpoint failures", path: "recovery.tolerable_failed_checkpoints"},
	{contains: "restore base", pick: func(c *sim.Config) string {
		r := &c.Recovery
		switch {
		case r.RestoreBase < 0:
			return "recovery.restore_base"
		case r.RemoteBandwidth < 1:
			return "recovery.remote_bandwidth"
		}
		return "recovery.local_bandwidth"
	}},
	{contains: "cancel time", path: "recovery.cancel_at"},
	{contains: "externalized", path: "recovery.externalized"},
	{contains: "savepoint times", pick: func(c *sim.Config) string {
		for i, t := range c.Recovery.Savepoints {
			if t < 0 {
				return fmt.Sprintf("recovery.savepoints[%d]", i)
			}
		}
		return "recovery.savepoints"
	}},
}

// warnings lists the keys the file gave that Flink version v removed or
// deprecated, with where they are and what they mean there.
func (d *decoder) warnings(c *sim.Config) []string {
	v := c.FlinkVersion
	var out []string
	warn := func(path, msg string) {
		if p, ok := d.values[path]; ok {
			out = append(out, d.located(p.err(d.file, "warning: %s", msg)).Error())
		}
	}
	if !v.NetworkBuffersConfigurable() {
		fixed := sim.DefaultChannelConfig()
		for _, k := range []struct {
			key, option  string
			value, flink int
		}{
			{"buffers_per_channel", "buffers-per-channel", c.Channels.BuffersPerChannel, fixed.BuffersPerChannel},
			{"floating_buffers_per_gate", "floating-buffers-per-gate", c.Channels.FloatingBuffersPerGate, fixed.FloatingBuffersPerGate},
			{"max_buffers_per_channel", "max-buffers-per-channel", c.Channels.MaxBuffersPerChannel, fixed.MaxBuffersPerChannel},
		} {
			if k.value != k.flink {
				warn("channels."+k.key, fmt.Sprintf("Flink %s has no taskmanager.network.memory.%s (removed in 2.0, FLINK-33750) and always uses %d; "+
					"the run uses %d as a what-if (an input gate gets fewer exclusive buffers only through taskmanager.network.memory.read-buffer.required-per-gate.max; set flink_version: 1.20 for a release with the option)",
					v.OrCurrent(), k.option, k.flink, k.value))
			}
		}
	}
	if !v.HasPreferCheckpointForRecovery() {
		warn("recovery.prefer_checkpoint_for_recovery", "prefer_checkpoint_for_recovery was removed in Flink 1.15 (FLINK-20427) and has no effect here: "+
			"since then a savepoint is not in the completed-checkpoint store, so a failover always restores the latest checkpoint and there is no newer savepoint to prefer it over (set flink_version: 1.14 for the old rule)")
	}
	warn("recovery.fail_on_checkpointing_errors", "fail_on_checkpointing_errors is deprecated (setFailOnCheckpointingErrors, replaced by setTolerableCheckpointFailureNumber in Flink 1.9): "+
		"true means tolerable_failed_checkpoints: 0, false means unlimited; write that instead")
	return out
}

// stopWithSavepoint decodes the stop mapping: {at, drain}.
func (d *decoder) stopWithSavepoint(st *sim.StopWithSavepoint) setter {
	return func(n *yaml.Node) error {
		*st = sim.StopWithSavepoint{}
		if err := d.mapping(n, "recovery.stop", "in stop", []field{
			{name: "at", required: true, set: duration(&st.At)},
			{name: "drain", set: boolean(&st.Drain)},
		}); err != nil {
			return err
		}
		if st.At == 0 {
			return d.errAt(n, "stop at 0s: the job is stopped before it starts; give a time after the start")
		}
		return nil
	}
}
