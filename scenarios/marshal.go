package scenarios

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Marshal writes sc as a scenario file named name with the given
// description. Parsing the result gives sc back, with Name set to name:
// the same job, workload, channels, checkpointing, seed and end, so the
// same trace, byte for byte. Fields at the format's defaults are left
// out (the checkpoint interval and mode, the run's seed and end are always
// written); operators and edges are written one per line.
//
// The restart and recovery sections and the faults are written too, one
// fault per line, with the keys of its kind.
//
// Marshal fails when the format cannot express sc exactly: a scripted
// run, an invalid config, or a value the parser would never produce (a
// field set on an operator or fault kind that does not take it, zipf_s on
// a uniform source, a crash with both a time and a phase, a fault on a
// subtask or channel the job does not have). It reads what it wrote back
// and fails rather than return a file that would replay a different run.
// An empty subtask_cost map is written as none, an empty savepoints list
// or faults list as none. The description may be empty; name must be a
// valid scenario name.
func Marshal(sc sim.Config, name, description string) ([]byte, error) {
	switch {
	case sc.Script != nil:
		return nil, fmt.Errorf("scenarios: Marshal does not write scripted runs")
	case sc.Checkpoint.Protocol != nil:
		return nil, fmt.Errorf("scenarios: a scenario file names no protocol of its own (Checkpoint.Protocol is Go code)")
	case len(sc.Faults) > MaxFaults:
		return nil, fmt.Errorf("scenarios: %d faults, a scenario file holds at most %d", len(sc.Faults), MaxFaults)
	case len(sc.Recovery.Savepoints) > MaxSavepoints:
		return nil, fmt.Errorf("scenarios: %d savepoints, a scenario file holds at most %d", len(sc.Recovery.Savepoints), MaxSavepoints)
	case strings.TrimSpace(name) == "":
		return nil, fmt.Errorf("scenarios: a scenario needs a name")
	case !utf8.ValidString(name) || !utf8.ValidString(description):
		return nil, fmt.Errorf("scenarios: name and description must be UTF-8")
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("scenarios: the config is invalid: %w", err)
	}
	sc = normalized(sc)
	m := &mapping{}
	m.str("name", name)
	if description != "" {
		m.add("description", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: description, Style: textStyle(description)})
	}
	m.raw("seed", "!!int", strconv.FormatUint(sc.Seed, 10))
	if sc.FlinkVersion != (sim.FlinkVersion{}) {
		m.str("flink_version", sc.FlinkVersion.String())
	}
	m.dur("until", sc.Until)
	if sc.MaxEvents != 0 {
		m.raw("max_events", "!!int", strconv.FormatInt(sc.MaxEvents, 10))
	}
	ops := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range sc.Graph.Operators {
		n, err := operatorNode(&sc.Graph.Operators[i])
		if err != nil {
			return nil, err
		}
		ops.Content = append(ops.Content, n)
	}
	m.add("operators", ops)
	if len(sc.Graph.Edges) > 0 {
		edges := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range sc.Graph.Edges {
			em := &mapping{}
			em.str("from", e.From)
			em.str("to", e.To)
			em.str("partitioning", string(e.Partitioning))
			edges.Content = append(edges.Content, em.flow())
		}
		m.add("edges", edges)
	}
	if sc.Graph.MaxParallelism != 0 {
		m.raw("max_parallelism", "!!int", strconv.Itoa(sc.Graph.MaxParallelism))
	}
	if sc.Graph.DisableChaining {
		m.raw("chaining", "!!bool", "false")
	}
	if ch := channelsNode(sc.Channels); ch != nil {
		m.add("channels", ch)
	}
	if p := sc.Placement; p != (sim.Placement{}) {
		m.int("taskmanagers", int64(p.TaskManagers))
		m.int("slots_per_taskmanager", int64(p.SlotsPerTaskManager))
	}
	m.add("checkpoint", checkpointNode(sc.Checkpoint))
	if b := backendNode(sc.StateBackend); b != nil {
		m.add("state_backend", b)
	}
	if !reflect.DeepEqual(sc.Recovery, sim.RecoveryConfig{}) {
		restart, recovery := recoveryNodes(sc.Recovery)
		if restart != nil {
			m.add("restart", restart)
		}
		if recovery != nil {
			m.add("recovery", recovery)
		}
	}
	if tk := tokensNode(&sc.Tokens); tk != nil {
		m.add("tokens", tk)
	}
	if len(sc.Faults) > 0 {
		faults := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range sc.Faults {
			n, err := faultNode(i, &sc.Faults[i])
			if err != nil {
				return nil, err
			}
			faults.Content = append(faults.Content, n)
		}
		m.add("faults", faults)
	}
	if len(sc.Restores) > 0 {
		restores := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range sc.Restores {
			rm := &mapping{}
			rm.dur("at", r.At)
			from := string(r.From)
			if r.From == sim.FromCheckpoint {
				from = fmt.Sprintf("checkpoint %d", r.Checkpoint)
			}
			rm.str("from", from)
			if len(r.Parallelism) > 0 {
				rm.add("parallelism", parallelismNode(operatorNames(&sc), r.Parallelism))
			}
			restores.Content = append(restores.Content, rm.flow())
		}
		m.add("restore", restores)
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m.node()}}); err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	// Read it back: a field the writer does not know (a newer one) must
	// not be dropped silently, or the file would replay another run.
	back, err := Parse(name+".yaml", buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("scenarios: the written scenario does not parse: %w", err)
	}
	want := sc
	want.Name = name
	if !reflect.DeepEqual(back.Config, want) {
		return nil, fmt.Errorf("scenarios: the format cannot express this config exactly (it reads back differently)")
	}
	return buf.Bytes(), nil
}

// normalized is cfg as a parsed scenario holds it: no empty subtask_cost
// maps, savepoints or faults.
func normalized(cfg sim.Config) sim.Config {
	g := *cfg.Graph
	g.Operators = slices.Clone(g.Operators)
	for i := range g.Operators {
		if len(g.Operators[i].SubtaskCost) == 0 {
			g.Operators[i].SubtaskCost = nil
		}
	}
	cfg.Graph = &g
	if len(cfg.Recovery.Savepoints) == 0 {
		cfg.Recovery.Savepoints = nil
	}
	if len(cfg.Faults) == 0 {
		cfg.Faults = nil
	}
	if len(cfg.Restores) == 0 {
		cfg.Restores = nil
	}
	return cfg
}

// textStyle is a literal block (|) for plain text, which reads as
// written, and a double-quoted string with escapes for text a block
// cannot hold: tabs, control characters, leading or trailing spaces.
func textStyle(s string) yaml.Style {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, " ") || strings.HasSuffix(line, " ") {
			return yaml.DoubleQuotedStyle
		}
		for _, r := range line {
			if !unicode.IsPrint(r) {
				return yaml.DoubleQuotedStyle
			}
		}
	}
	return yaml.LiteralStyle
}

// mapping builds a YAML mapping node in field order.
type mapping struct{ content []*yaml.Node }

func (m *mapping) add(key string, v *yaml.Node) {
	m.content = append(m.content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func (m *mapping) raw(key, tag, value string) {
	m.add(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
}

func (m *mapping) str(key, value string) { m.raw(key, "!!str", value) }

func (m *mapping) dur(key string, d time.Duration) { m.str(key, durationText(d)) }

func (m *mapping) int(key string, v int64) { m.raw(key, "!!int", strconv.FormatInt(v, 10)) }

func (m *mapping) node() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: m.content} }

func (m *mapping) flow() *yaml.Node {
	n := m.node()
	n.Style = yaml.FlowStyle
	return n
}

// durationText writes a duration as Go prints it (1.5ms, 1m30s, 0s), with
// us for microseconds: time.ParseDuration reads it back exactly.
func durationText(d time.Duration) string {
	return strings.ReplaceAll(d.String(), "µs", "us")
}

// number adds a float that strconv.ParseFloat reads back exactly.
func (m *mapping) number(key string, f float64) {
	text := strconv.FormatFloat(f, 'g', -1, 64)
	tag := "!!float"
	if !strings.ContainsAny(text, ".eEnN") {
		tag = "!!int"
	}
	m.raw(key, tag, text)
}

// sizeText writes a byte count in the largest binary unit that divides it
// (64KiB, 100MiB), as parseSize reads it back.
func sizeText(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// operatorNode writes one operator, leaving out the defaults of its kind.
func operatorNode(op *topology.Operator) (*yaml.Node, error) {
	def := defaultOperator(op.Kind)
	if err := representable(op, &def); err != nil {
		return nil, err
	}
	m := &mapping{}
	m.str("name", op.Name)
	m.str("kind", string(op.Kind))
	if op.Parallelism != def.Parallelism {
		m.int("parallelism", int64(op.Parallelism))
	}
	if op.MaxParallelism != 0 {
		m.int("max_parallelism", int64(op.MaxParallelism))
	}
	if op.Cost != def.Cost {
		m.dur("cost", op.Cost)
	}
	if len(op.SubtaskCost) > 0 {
		sm := &mapping{}
		for _, idx := range slices.Sorted(maps.Keys(op.SubtaskCost)) {
			sm.content = append(sm.content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(idx)},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: durationText(op.SubtaskCost[idx])})
		}
		m.add("subtask_cost", sm.flow())
	}
	switch {
	case op.RecordSizes != nil:
		m.add("record_size", recordSizesNode(op.RecordSizes))
	case op.OutputBytes != 0:
		m.str("output_bytes", sizeText(int64(op.OutputBytes)))
	}
	if op.DisableChaining {
		m.raw("chaining", "!!bool", "false")
	}
	if op.StartNewChain {
		m.raw("start_new_chain", "!!bool", "true")
	}
	switch op.Kind {
	case topology.Source:
		s, d := op.Source, def.Source
		m.number("rate", s.Rate)
		if s.Records != d.Records {
			m.int("records", s.Records)
		}
		m.int("keys", int64(s.Keys))
		if s.Distribution != d.Distribution {
			m.str("distribution", string(s.Distribution))
		}
		if s.ZipfS != d.ZipfS {
			m.number("zipf_s", s.ZipfS)
		}
		if s.MaxValue != d.MaxValue {
			m.int("max_value", s.MaxValue)
		}
		if s.RecordBytes != d.RecordBytes && op.RecordSizes == nil {
			m.str("record_bytes", sizeText(int64(s.RecordBytes)))
		}
		if s.Partitions != d.Partitions {
			m.int("partitions", int64(s.Partitions))
		}
	case topology.Map:
		if op.Multiply != def.Multiply {
			m.int("multiply", op.Multiply)
		}
		if op.Add != def.Add {
			m.int("add", op.Add)
		}
	case topology.Filter:
		m.int("keep_percent", int64(op.KeepPercent))
	case topology.Aggregate:
		m.str("function", string(op.Func))
		if op.StateBytesPerKey != def.StateBytesPerKey {
			m.str("state_bytes_per_key", sizeText(int64(op.StateBytesPerKey)))
		}
	case topology.Sink:
		if op.SinkMode != def.SinkMode {
			m.str("sink_mode", string(op.SinkMode))
		}
	case topology.Process:
		m.int("tokens", op.Tokens)
	}
	return m.flow(), nil
}

// recordSizesNode is a record_size distribution as the parser reads it:
// its distribution and the sizes it takes.
func recordSizesNode(r *topology.RecordSizes) *yaml.Node {
	m := &mapping{}
	m.str("distribution", string(r.Shape))
	for _, k := range []struct {
		key  string
		v    int
		uses bool
	}{
		{"min", r.Min, r.Shape != topology.NormalSize}, {"max", r.Max, r.Shape == topology.UniformSize},
		{"mean", r.Mean, r.Shape != topology.UniformSize}, {"stddev", r.Stddev, r.Shape == topology.NormalSize},
	} {
		if k.uses {
			m.str(k.key, sizeText(int64(k.v)))
		}
	}
	return m.flow()
}

// representable reports a value of op that a parsed scenario cannot
// have: fields of other kinds, which the parser rejects or fills in with
// their defaults.
func representable(op, def *topology.Operator) error {
	bad := func(field string) error {
		return fmt.Errorf("scenarios: operator %q: a %s operator cannot have %s in a scenario file", op.Name, op.Kind, field)
	}
	switch {
	case op.Kind != topology.Source && op.Source != nil:
		return bad("a workload")
	case op.Kind == topology.Sink && (op.OutputBytes != 0 || op.RecordSizes != nil):
		return bad("a record size")
	case op.Kind != topology.Map && (op.Multiply != def.Multiply || op.Add != def.Add):
		return bad("multiply or add")
	case op.Kind != topology.Filter && op.KeepPercent != def.KeepPercent:
		return bad("keep_percent")
	case op.Kind != topology.Aggregate && (op.Func != def.Func || op.StateBytesPerKey != def.StateBytesPerKey):
		return bad("an aggregate function or state size")
	case op.Kind != topology.Sink && op.SinkMode != def.SinkMode:
		return bad("sink_mode")
	case op.Kind == topology.Source && (math.IsNaN(op.Source.Rate) || math.IsNaN(op.Source.ZipfS)):
		return fmt.Errorf("scenarios: source %q: rate and zipf_s must be numbers, not NaN", op.Name)
	case op.Kind == topology.Source && op.Source.Distribution != topology.Zipf && op.Source.ZipfS != def.Source.ZipfS:
		return fmt.Errorf("scenarios: source %q: zipf_s %v is only written with distribution: zipf (a %s source reads back with the default %v)",
			op.Name, op.Source.ZipfS, op.Source.Distribution, def.Source.ZipfS)
	}
	return nil
}

// channelsNode writes the channel settings that differ from the
// defaults, or nil if none does.
func channelsNode(c sim.ChannelConfig) *yaml.Node {
	d := sim.DefaultChannelConfig()
	m := &mapping{}
	if c.Latency != d.Latency {
		m.dur("latency", c.Latency)
	}
	if c.Jitter != d.Jitter {
		m.dur("jitter", c.Jitter)
	}
	if c.SegmentSize != d.SegmentSize {
		m.str("segment_size", sizeText(int64(c.SegmentSize)))
	}
	if c.BuffersPerChannel != d.BuffersPerChannel {
		m.int("buffers_per_channel", int64(c.BuffersPerChannel))
	}
	if c.FloatingBuffersPerGate != d.FloatingBuffersPerGate {
		m.int("floating_buffers_per_gate", int64(c.FloatingBuffersPerGate))
	}
	if c.MaxBuffersPerChannel != d.MaxBuffersPerChannel {
		m.int("max_buffers_per_channel", int64(c.MaxBuffersPerChannel))
	}
	switch {
	case c.BufferTimeout == sim.NoBufferTimeout:
		m.int("buffer_timeout", -1)
	case c.BufferTimeout != d.BufferTimeout:
		m.dur("buffer_timeout", c.BufferTimeout)
	}
	if n := debloatNode(c.Debloat); n != nil {
		m.add("debloat", n)
	}
	if len(m.content) == 0 {
		return nil
	}
	return m.node()
}

// debloatNode writes the debloating settings that differ from the
// defaults, or nil if none does.
func debloatNode(c sim.DebloatConfig) *yaml.Node {
	d := sim.DefaultDebloatConfig()
	m := &mapping{}
	if c.Enabled {
		m.raw("enabled", "!!bool", "true")
	}
	if c.Target != d.Target {
		m.dur("target", c.Target)
	}
	if c.Period != d.Period {
		m.dur("period", c.Period)
	}
	if c.Samples != d.Samples {
		m.int("samples", int64(c.Samples))
	}
	if c.ThresholdPercentage != d.ThresholdPercentage {
		m.int("threshold_percentage", int64(c.ThresholdPercentage))
	}
	if c.MinSegmentSize != d.MinSegmentSize {
		m.str("min_segment_size", sizeText(int64(c.MinSegmentSize)))
	}
	if len(m.content) == 0 {
		return nil
	}
	return m.node()
}

// checkpointNode writes the interval, the mode and the knobs that differ
// from the defaults.
func checkpointNode(c sim.CheckpointConfig) *yaml.Node {
	d := sim.DefaultCheckpointConfig()
	m := &mapping{}
	m.dur("interval", c.Interval)
	m.str("mode", string(c.Mode))
	durs := []struct {
		key       string
		got, want time.Duration
	}{
		{"aligned_checkpoint_timeout", c.AlignedCheckpointTimeout, d.AlignedCheckpointTimeout},
		{"min_pause", c.MinPause, d.MinPause},
	}
	for _, f := range durs {
		if f.got != f.want {
			m.dur(f.key, f.got)
		}
	}
	if c.MaxConcurrent != d.MaxConcurrent {
		m.int("max_concurrent", int64(c.MaxConcurrent))
	}
	if c.Timeout != d.Timeout {
		m.dur("timeout", c.Timeout)
	}
	if c.NumRetained != d.NumRetained {
		m.int("num_retained", int64(c.NumRetained))
	}
	if c.History != d.History {
		m.int("history", int64(c.History))
	}
	if c.SyncDuration != d.SyncDuration {
		m.dur("sync_duration", c.SyncDuration)
	}
	if c.AsyncBase != d.AsyncBase {
		m.dur("async_base", c.AsyncBase)
	}
	if c.StorageBandwidth != d.StorageBandwidth {
		m.str("storage_bandwidth", sizeText(c.StorageBandwidth)+"/s")
	}
	return m.node()
}

// recoveryNodes writes a non-zero RecoveryConfig as the restart and
// recovery sections, which the parser fills in from
// sim.DefaultRecoveryConfig: the strategy's keys that differ from
// sim.DefaultRestartStrategy, and the recovery keys that differ from
// sim.DefaultRecoveryConfig. At least one section is written, so that the
// parser does not read back the zero value.
func recoveryNodes(r sim.RecoveryConfig) (restart, recovery *yaml.Node) {
	d := sim.DefaultRecoveryConfig()
	rs, ds := r.Restart, d.Restart
	rm := &mapping{}
	if rs.Kind != ds.Kind {
		rm.str("strategy", string(rs.Kind))
	}
	takes := func(kinds ...sim.RestartKind) bool { return slices.Contains(kinds, rs.Kind) }
	if takes(sim.FixedDelay) && rs.Attempts != ds.Attempts {
		rm.int("attempts", int64(rs.Attempts))
	}
	if takes(sim.FixedDelay, sim.FailureRate, sim.ExponentialDelay) && rs.Delay != ds.Delay {
		rm.dur("delay", rs.Delay)
	}
	if takes(sim.FailureRate) {
		if rs.MaxFailures != ds.MaxFailures {
			rm.int("max_failures", int64(rs.MaxFailures))
		}
		if rs.Interval != ds.Interval {
			rm.dur("interval", rs.Interval)
		}
	}
	if takes(sim.ExponentialDelay) {
		if rs.MaxDelay != ds.MaxDelay {
			rm.dur("max_delay", rs.MaxDelay)
		}
		if rs.Multiplier != ds.Multiplier {
			rm.number("multiplier", rs.Multiplier)
		}
		if rs.ResetThreshold != ds.ResetThreshold {
			rm.dur("reset_threshold", rs.ResetThreshold)
		}
		if rs.Jitter != ds.Jitter {
			rm.number("jitter", rs.Jitter)
		}
		if rs.AttemptsBeforeReset != 0 {
			rm.int("attempts_before_reset_backoff", int64(rs.AttemptsBeforeReset))
		}
	}
	cm := &mapping{}
	if r.Failover != d.Failover {
		cm.str("failover", string(r.Failover))
	}
	if r.TolerableFailures != d.TolerableFailures {
		if r.TolerableFailures == -1 {
			cm.str("tolerable_failed_checkpoints", "unlimited")
		} else {
			cm.int("tolerable_failed_checkpoints", int64(r.TolerableFailures))
		}
	}
	if r.PreferCheckpointForRecovery != d.PreferCheckpointForRecovery {
		cm.raw("prefer_checkpoint_for_recovery", "!!bool", strconv.FormatBool(r.PreferCheckpointForRecovery))
	}
	if r.LocalRecovery != d.LocalRecovery {
		cm.raw("local_recovery", "!!bool", strconv.FormatBool(r.LocalRecovery))
	}
	if r.RestoreBase != d.RestoreBase {
		cm.dur("restore_base", r.RestoreBase)
	}
	if r.RemoteBandwidth != d.RemoteBandwidth {
		cm.str("remote_bandwidth", sizeText(r.RemoteBandwidth)+"/s")
	}
	if r.LocalBandwidth != d.LocalBandwidth {
		cm.str("local_bandwidth", sizeText(r.LocalBandwidth)+"/s")
	}
	if len(r.Savepoints) > 0 {
		sp := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, t := range r.Savepoints {
			sp.Content = append(sp.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: durationText(t)})
		}
		cm.add("savepoints", sp)
	}
	if r.CancelAt != d.CancelAt {
		cm.dur("cancel_at", r.CancelAt)
	}
	if r.Stop.At > 0 {
		st := &mapping{}
		st.dur("at", r.Stop.At)
		if r.Stop.Drain {
			st.raw("drain", "!!bool", "true")
		}
		cm.add("stop", st.flow())
	}
	if r.Externalized != d.Externalized {
		cm.str("externalized", string(r.Externalized))
	}
	if len(rm.content) > 0 || len(cm.content) == 0 {
		if len(rm.content) == 0 {
			rm.str("strategy", string(rs.Kind))
		}
		restart = rm.node()
	}
	if len(cm.content) > 0 {
		recovery = cm.node()
	}
	return restart, recovery
}

// faultNode writes fault i with the keys its kind takes: every key of the
// fault table whose value is set, and at: for a crash at a time (a crash
// needs at or phase). A value on a key the kind does not take, or a crash
// with both a time and a phase, is an error.
func faultNode(i int, f *sim.Fault) (*yaml.Node, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("scenarios: fault %d (%s): %s", i+1, f.Kind, fmt.Sprintf(format, args...))
	}
	if !slices.Contains(sim.FaultKinds, f.Kind) {
		return nil, fmt.Errorf("scenarios: fault %d: unknown kind %q", i+1, f.Kind)
	}
	crash := f.Kind == sim.Crash
	if crash && f.Phase != sim.AtTime {
		switch {
		case f.At != 0:
			return nil, bad("a crash happens at a time or in a phase (%s), not both", f.Phase)
		case f.Checkpoint < 1:
			return nil, bad("a crash in phase %s needs a checkpoint (or failover number) >= 1", f.Phase)
		}
	}
	if crash && f.Phase == sim.AtTime && f.Checkpoint != 0 {
		return nil, bad("checkpoint %d applies to a crash only with a phase", f.Checkpoint)
	}
	set := map[string]bool{
		"subtask":      f.Subtask != "",
		"channel":      f.Channel != "",
		"at":           f.At != 0 || crash && f.Phase == sim.AtTime,
		"until":        f.Until != 0,
		"phase":        f.Phase != sim.AtTime,
		"checkpoint":   f.Checkpoint != 0,
		"factor":       f.Factor != 0,
		"delay":        f.Delay != 0,
		"mtbf":         f.MTBF != 0,
		"machine_lost": f.MachineLost,
	}
	m := &mapping{}
	m.str("kind", string(f.Kind))
	for _, row := range faultTable[1:] {
		if !set[row.name] {
			continue
		}
		if row.kinds != nil && !slices.Contains(row.kinds, f.Kind) {
			return nil, bad("a %s fault has no %s in a scenario file (only %s faults do)", f.Kind, row.name, join(row.kinds))
		}
		switch row.name {
		case "subtask":
			m.str("subtask", f.Subtask)
		case "channel":
			m.str("channel", f.Channel)
		case "at":
			m.dur("at", f.At)
		case "until":
			m.dur("until", f.Until)
		case "phase":
			m.str("phase", string(f.Phase))
		case "checkpoint":
			m.int("checkpoint", f.Checkpoint)
		case "factor":
			if math.IsNaN(f.Factor) || math.IsInf(f.Factor, 0) {
				return nil, bad("factor must be a finite number, not %v", f.Factor)
			}
			m.number("factor", f.Factor)
		case "delay":
			m.dur("delay", f.Delay)
		case "mtbf":
			m.dur("mtbf", f.MTBF)
		case "machine_lost":
			m.raw("machine_lost", "!!bool", "true")
		}
	}
	return m.flow(), nil
}

// tokensNode is the tokens section of a token workload, nil for none.
func tokensNode(w *sim.TokenWorkload) *yaml.Node {
	if len(w.Sends) == 0 && len(w.Snapshots) == 0 && w.SendEvery == 0 && w.SendMax == 0 {
		return nil
	}
	m := &mapping{}
	if len(w.Sends) > 0 {
		m.add("sends", flowList(w.Sends, func(sm *mapping, sd sim.TokenSend) {
			sm.dur("at", sd.At)
			sm.str("from", sd.From)
			sm.str("to", sd.To)
			sm.int("tokens", sd.Tokens)
		}))
	}
	if len(w.Snapshots) > 0 {
		m.add("snapshots", flowList(w.Snapshots, func(sm *mapping, sn sim.TokenSnapshot) {
			sm.dur("at", sn.At)
			sm.str("process", sn.Process)
		}))
	}
	if w.SendEvery != 0 {
		m.dur("send_every", w.SendEvery)
	}
	if w.SendMax != 0 {
		m.int("send_max", w.SendMax)
	}
	return m.node()
}

// flowList is a list with one flow mapping per element, each written by
// write.
func flowList[T any](xs []T, write func(*mapping, T)) *yaml.Node {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, x := range xs {
		m := &mapping{}
		write(m, x)
		list.Content = append(list.Content, m.flow())
	}
	return list
}
