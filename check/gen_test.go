package check

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// within fails unless cfg is valid and stays within b.
func within(t require.TestingT, b Bounds, cfg sim.Config) {
	require.NoError(t, cfg.Validate())
	in := func(r Range, v int, what string) {
		assert.True(t, v >= r.Min && v <= r.Max, "%s %d outside %d..%d", what, v, r.Min, r.Max)
	}
	inDur := func(r DurationRange, v time.Duration, what string) {
		assert.True(t, v >= r.Min && v <= r.Max, "%s %v outside %v..%v", what, v, r.Min, r.Max)
	}
	count := map[topology.Kind]int{}
	bounded := false
	for _, op := range cfg.Graph.Operators {
		count[op.Kind]++
		in(b.Parallelism, op.Parallelism, op.Name+" parallelism")
		switch op.Kind {
		case topology.Source:
			inDur(b.SourceCost, op.Cost, op.Name+" cost")
			in(b.Rate, int(op.Source.Rate), op.Name+" rate")
			in(b.Keys, op.Source.Keys, op.Name+" keys")
			if op.Source.Records > 0 {
				bounded = true
				in(b.Records, int(op.Source.Records), op.Name+" records")
			}
			if b.Zipf == Never {
				assert.Equal(t, topology.Uniform, op.Source.Distribution)
			}
		case topology.Sink:
			assert.Zero(t, op.Cost)
		default:
			inDur(b.Cost, op.Cost, op.Name+" cost")
		}
		for _, c := range op.SubtaskCost {
			inDur(b.SlowCost, c, op.Name+" slow cost")
		}
	}
	in(b.Sources, count[topology.Source], "sources")
	in(b.Stateless, count[topology.Map]+count[topology.Filter], "stateless operators")
	in(b.Aggregates, count[topology.Aggregate], "aggregates")
	in(b.Sinks, count[topology.Sink], "sinks")
	for _, e := range cfg.Graph.Edges {
		if cfg.Graph.Operators[cfg.Graph.Index(e.To)].Kind != topology.Aggregate && e.Partitioning != topology.Rebalance {
			assert.Contains(t, b.Partitionings, e.Partitioning)
		}
	}
	switch b.Bounded {
	case Always:
		assert.True(t, bounded)
	case Never:
		assert.False(t, bounded)
	}
	if bounded {
		assert.Zero(t, cfg.Until)
	} else {
		inDur(b.Until, cfg.Until, "until")
	}
	ch, ck := cfg.Channels, cfg.Checkpoint
	inDur(b.Latency, ch.Latency, "latency")
	assert.True(t, ch.Jitter <= b.Jitter.Max, "jitter")
	in(b.SegmentSize, ch.SegmentSize, "segment size")
	in(b.Exclusive, ch.BuffersPerChannel, "buffers per channel")
	assert.True(t, ch.FloatingBuffersPerGate <= b.Floating.Max, "floating buffers per gate")
	in(b.MaxBuffers, ch.MaxBuffersPerChannel, "max buffers per channel")
	assert.Contains(t, b.Modes, ck.Mode)
	inDur(b.Interval, ck.Interval, "interval")
	assert.True(t, ck.MinPause <= b.MinPause.Max, "min pause")
	assert.True(t, ck.AlignedCheckpointTimeout <= b.AlignedTimeout.Max, "aligned timeout")
	in(b.MaxConcurrent, ck.MaxConcurrent, "max concurrent")
	inDur(b.Timeout, ck.Timeout, "timeout")
	in(b.NumRetained, ck.NumRetained, "num retained")
	assert.Equal(t, b.MaxEvents, cfg.MaxEvents)
	withinFaults(t, b, withinRestores(t, b, cfg))
}

// withinRestores fails unless cfg's manual restore stays within b: at
// most one, valid, rescaling only when b allows it and never a receiver
// of a broadcast edge, with the stop, savepoint or retention it needs. It
// returns cfg without the restore and those settings.
func withinRestores(t require.TestingT, b Bounds, cfg sim.Config) sim.Config {
	if len(cfg.Restores) == 0 {
		assert.NotEqual(t, Always, b.Restores, "no restore")
		assert.Zero(t, cfg.Recovery.Stop)
		return cfg
	}
	assert.NotEqual(t, Never, b.Restores, "a restore")
	require.Len(t, cfg.Restores, 1)
	r := cfg.Restores[0]
	require.NoError(t, cfg.Validate())
	assert.True(t, len(r.Parallelism) == 0 || b.Rescale != Never, "rescaled")
	for name, p := range r.Parallelism {
		assert.True(t, p >= b.Parallelism.Min && p <= b.Parallelism.Max, "%s at %d", name, p)
		for _, e := range cfg.Graph.Edges {
			assert.False(t, e.To == name && e.Partitioning == topology.Broadcast, "broadcast receiver %s rescaled", name)
		}
	}
	rec := cfg.Recovery
	rec.Savepoints = slices.Clone(rec.Savepoints)
	switch {
	case rec.Stop.At > 0:
		assert.Equal(t, sim.FromSavepoint, r.From)
		assert.Less(t, rec.Stop.At, r.At)
		rec.Stop = sim.StopWithSavepoint{}
	case r.From == sim.FromSavepoint:
		// The restore's savepoint: the latest before it.
		i := slices.IndexFunc(rec.Savepoints, func(sp time.Duration) bool { return sp >= r.At }) - 1
		if i < 0 {
			i = len(rec.Savepoints) - 1
		}
		require.GreaterOrEqual(t, i, 0, "no savepoint before the restore")
		rec.Savepoints = slices.Delete(rec.Savepoints, i, i+1)
	default:
		assert.Equal(t, sim.FromLatestRetained, r.From)
		assert.Equal(t, sim.RetainOnCancellation, rec.Externalized)
		rec.Externalized = sim.DefaultRecoveryConfig().Externalized
	}
	if len(rec.Savepoints) == 0 {
		rec.Savepoints = nil
	}
	cfg.Recovery, cfg.Restores = rec, nil
	return cfg
}

// withinFaults fails unless cfg's fault schedule and recovery settings
// stay within b, and every fault ends.
func withinFaults(t require.TestingT, b Bounds, cfg sim.Config) {
	if len(cfg.Faults) == 0 {
		assert.True(t, b.Faults.Min == 0, "no faults although Faults.Min is %d", b.Faults.Min)
		def := sim.DefaultRecoveryConfig()
		def.TolerableFailures = cfg.Recovery.TolerableFailures
		assert.True(t, reflect.DeepEqual(cfg.Recovery, def) || reflect.DeepEqual(cfg.Recovery, sim.RecoveryConfig{}),
			"a fault-free run keeps the default recovery settings but the tolerance: %+v", cfg.Recovery)
		return
	}
	assert.True(t, len(cfg.Faults) >= max(1, b.Faults.Min) && len(cfg.Faults) <= b.Faults.Max, "%d faults outside %v", len(cfg.Faults), b.Faults)
	eg, err := topology.Expand(cfg.Graph)
	require.NoError(t, err)
	subtasks, channels := map[string]bool{}, map[string]bool{}
	for _, st := range eg.Subtasks {
		subtasks[st.Name] = true
	}
	for c := range eg.Channels {
		channels[eg.ChannelName(c)] = true
	}
	inDur := func(r DurationRange, v time.Duration, what string) {
		assert.True(t, v >= r.Min && v <= r.Max, "%s %v outside %v..%v", what, v, r.Min, r.Max)
	}
	for _, f := range cfg.Faults {
		assert.Contains(t, b.FaultKinds, f.Kind)
		assert.True(t, f.Subtask == "" || subtasks[f.Subtask], "unknown subtask %q", f.Subtask)
		assert.True(t, f.Channel == "" || channels[f.Channel], "unknown channel %q", f.Channel)
		if timed := f.Kind != sim.FailUpload && f.Kind != sim.CorruptCheckpoint && (f.Kind != sim.Crash || f.Phase == sim.AtTime); timed {
			inDur(b.FaultTimes, f.At, "fault time")
		} else {
			assert.Zero(t, f.At)
		}
		switch f.Kind {
		case sim.Crash:
			assert.Contains(t, b.CrashPhases, f.Phase)
			if f.Phase != sim.AtTime {
				assert.True(t, f.Checkpoint >= int64(b.FaultCheckpoint.Min) && f.Checkpoint <= int64(b.FaultCheckpoint.Max), "checkpoint %d", f.Checkpoint)
			}
		case sim.RandomCrashes:
			inDur(b.MTBF, f.MTBF, "mtbf")
			inDur(b.FaultWindow, f.Until-f.At, "random crashes window")
		case sim.Slow, sim.SlowUpload, sim.DelaySpike, sim.Partition:
			inDur(b.FaultWindow, f.Until-f.At, string(f.Kind)+" window")
		case sim.FailUpload, sim.CorruptCheckpoint:
			assert.True(t, f.Checkpoint >= int64(b.FaultCheckpoint.Min) && f.Checkpoint <= int64(b.FaultCheckpoint.Max), "checkpoint %d", f.Checkpoint)
		}
		if f.Kind == sim.Slow || f.Kind == sim.SlowUpload {
			assert.True(t, f.Factor >= float64(b.SlowFactor.Min) && f.Factor <= float64(b.SlowFactor.Max), "factor %v", f.Factor)
		}
		if f.Kind == sim.DelaySpike {
			inDur(b.SpikeDelay, f.Delay, "spike delay")
		}
		if f.Kind != sim.Crash && f.Kind != sim.FailUpload && f.Kind != sim.CorruptCheckpoint {
			assert.Greater(t, f.Until, f.At, "%s never ends", f.Kind)
		}
		if f.MachineLost {
			assert.NotEqual(t, Never, b.MachineLost)
		}
	}
	r := cfg.Recovery
	assert.Contains(t, b.RestartKinds, r.Restart.Kind)
	assert.Contains(t, b.Failovers, r.Failover)
	switch r.Restart.Kind {
	case sim.FixedDelay:
		assert.Equal(t, EnoughRestarts, r.Restart.Attempts)
	case sim.FailureRate:
		assert.Equal(t, EnoughRestarts, r.Restart.MaxFailures)
	}
	if r.Restart.Kind != sim.ExponentialDelay && r.Restart.Kind != sim.NoRestart {
		inDur(b.RestartDelay, r.Restart.Delay, "restart delay")
	}
	assert.True(t, len(r.Savepoints) >= b.Savepoints.Min && len(r.Savepoints) <= b.Savepoints.Max, "%d savepoints", len(r.Savepoints))
	assert.True(t, slices.IsSorted(r.Savepoints))
	assert.True(t, !r.PreferCheckpointForRecovery || len(r.Savepoints) > 0)
	assert.True(t, r.TolerableFailures >= b.TolerableFailures.Min && r.TolerableFailures <= b.TolerableFailures.Max)
	assert.Zero(t, r.CancelAt)
}

// TestConfigsValid: generated configs are valid and within their bounds,
// for the default bounds and for tightened ones.
func TestConfigsValid(t *testing.T) {
	tight := DefaultBounds()
	tight.Sources, tight.Stateless, tight.Aggregates, tight.Sinks = Range{2, 2}, Range{0, 0}, Range{1, 1}, Range{1, 1}
	tight.Parallelism = Range{2, 2}
	tight.Partitionings = []topology.Partitioning{topology.Broadcast}
	tight.Modes = []sim.Mode{sim.Unaligned}
	tight.AlignedTimeoutChoice = Always
	tight.Bounded, tight.Zipf, tight.SlowSubtask = Always, Never, Always
	tight.Records = Range{5, 10}
	tight.Faults = Range{2, 2}
	tight.FaultKinds = []sim.FaultKind{sim.Partition, sim.SlowUpload}
	tight.FaultTimes, tight.FaultWindow = DurationRange{time.Millisecond, 5 * time.Millisecond}, DurationRange{time.Millisecond, time.Millisecond}
	tight.RestartKinds, tight.Failovers = []sim.RestartKind{sim.FixedDelay}, []sim.Failover{sim.FullFailover}
	tight.Savepoints, tight.TolerableFailures = Range{1, 1}, Range{0, 3}
	wide := DefaultBounds()
	wide.Sources, wide.Stateless, wide.Aggregates, wide.Sinks = Range{1, 4}, Range{0, 5}, Range{0, 4}, Range{1, 3}
	wide.Parallelism = Range{1, 8}
	wide.Faults, wide.Savepoints = Range{0, 10}, Range{0, 5}
	wide.RestartKinds = sim.RestartKinds
	crashes := DefaultBounds()
	crashes.Faults, crashes.FaultKinds, crashes.CrashPhases = Range{1, 3}, []sim.FaultKind{sim.Crash}, []sim.Phase{sim.Restoring, sim.SyncPhase}
	crashes.MachineLost, crashes.LocalRecovery, crashes.PreferCheckpoint = Always, Always, Always
	noFaults := DefaultBounds()
	noFaults.Faults = Range{0, 0}
	for name, b := range map[string]Bounds{"default": DefaultBounds(), "tight": tight, "wide": wide, "crashes": crashes, "no faults": noFaults} {
		t.Run(name, rapid.MakeCheck(func(t *rapid.T) {
			within(t, b, Configs(b).Draw(t, "config"))
		}))
	}
	t.Run("parts", rapid.MakeCheck(func(t *rapid.T) {
		b := DefaultBounds()
		require.NoError(t, Graphs(b).Draw(t, "graph").Validate())
		w := Workloads(b, true).Draw(t, "workload")
		assert.True(t, w.Records >= 1)
		c := sim.Config{Graph: Graphs(b).Draw(t, "graph"), Channels: ChannelConfigs(b).Draw(t, "channels"),
			Checkpoint: CheckpointConfigs(b).Draw(t, "checkpoint"), Until: time.Second}
		require.NoError(t, c.Validate())
		b.Faults.Min = 1
		c.Faults = FaultSchedules(b, c).Draw(t, "faults")
		c.Recovery = RecoveryConfigs(b, c).Draw(t, "recovery")
		require.NoError(t, c.Validate())
		withinFaults(t, b, c)
		_, err := sim.New(c)
		require.NoError(t, err)
	}))
}

// TestFaultFreeScenariosUnchanged: the fault schedule is drawn last, so a
// scenario without faults is the one the same seed gives with faults
// ruled out, as before the generators had faults.
func TestFaultFreeScenariosUnchanged(t *testing.T) {
	b := DefaultBounds()
	b.Restores = Never // drawn after the faults: see TestRestoresComeLast
	none := b
	none.Faults = Range{0, 0}
	same := 0
	for seed := uint64(1); seed <= 100; seed++ {
		cfg := Scenario(b, seed)
		bare := Scenario(none, seed)
		if len(cfg.Faults) == 0 {
			require.Equal(t, bare, cfg, "seed %d", seed)
			same++
			continue
		}
		require.Equal(t, bare.Recovery.TolerableFailures, cfg.Recovery.TolerableFailures)
		cfg.Faults, cfg.Recovery = nil, bare.Recovery
		require.Equal(t, bare, cfg, "seed %d: all but the faults and the recovery settings", seed)
	}
	assert.Greater(t, same, 30)
}

// TestRestoresComeLast: a manual restore is drawn last, so a scenario of
// the default bounds is the one without restores plus, in some runs, a
// restore, its stop, savepoint or retained checkpoint, and its rescaling
// (of keyed operators and sources among others).
func TestRestoresComeLast(t *testing.T) {
	none := DefaultBounds()
	none.Restores = Never
	seen := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		cfg := Scenario(DefaultBounds(), seed)
		bare := Scenario(none, seed)
		if len(cfg.Restores) == 0 {
			require.Equal(t, bare, cfg, "seed %d", seed)
			continue
		}
		r := cfg.Restores[0]
		seen[string(r.From)]++
		if cfg.Recovery.Stop.At > 0 {
			seen["stop"]++
		}
		for name, p := range r.Parallelism {
			op := &cfg.Graph.Operators[cfg.Graph.Index(name)]
			if p != op.Parallelism {
				seen["rescaled "+string(op.Kind)]++
			}
		}
		require.NoError(t, cfg.Validate(), "seed %d", seed)
		bare.Recovery, cfg.Recovery = sim.RecoveryConfig{}, sim.RecoveryConfig{}
		cfg.Restores = nil
		require.Equal(t, bare, cfg, "seed %d: all but the restore and the recovery settings", seed)
	}
	t.Logf("%v", seen)
	for _, k := range []string{"savepoint", "latest-retained", "stop", "rescaled source", "rescaled aggregate", "rescaled sink"} {
		assert.Greater(t, seen[k], 5, k)
	}
}

// TestFaultCoverage: with faults in every run, the default bounds reach
// every fault kind and crash phase, every restart strategy they allow,
// both failover strategies, local recovery, savepoints, lost machines,
// and schedules whose crashes fail the job over in most runs.
func TestFaultCoverage(t *testing.T) {
	b := DefaultBounds()
	b.Restores = Never // a refused restore cancels the job
	b.Faults.Min = 1
	seen := map[string]int{}
	n := 300
	for seed := uint64(1); seed <= uint64(n); seed++ {
		cfg := Scenario(b, seed)
		for _, f := range cfg.Faults {
			seen[string(f.Kind)]++
			if f.Kind == sim.Crash {
				seen["phase "+string(f.Phase)]++
			}
			if f.MachineLost {
				seen["machine lost"]++
			}
		}
		r := cfg.Recovery
		seen[string(r.Restart.Kind)]++
		seen[string(r.Failover)+" failover"]++
		if r.LocalRecovery {
			seen["local recovery"]++
		}
		if len(r.Savepoints) > 0 {
			seen["savepoints"]++
		}
		if r.PreferCheckpointForRecovery {
			seen["prefer checkpoint"]++
		}
	}
	for _, want := range []string{"crash", "random-crashes", "slow", "delay-spike", "partition", "fail-upload", "slow-upload", "corrupt-checkpoint",
		"phase ", "phase aligning", "phase sync", "phase async", "phase restoring", "machine lost",
		"exponential-delay", "fixed-delay", "failure-rate", "region failover", "full failover", "local recovery", "savepoints", "prefer checkpoint"} {
		assert.Greater(t, seen[want], 0, "no generated scenario has %s", want)
	}
	assert.Zero(t, seen["none"], "the default bounds allow no restart strategy without restarts")
	assert.Greater(t, seen["crash"], seen["slow"], "crashes are the likeliest faults")

	// Most schedules fail the job over, and the job still finishes.
	failedOver, finished := 0, 0
	for seed := uint64(1); seed <= 100; seed++ {
		b := b
		b.Bounded = Always
		r, err := Simulate(Scenario(b, seed))
		require.NoError(t, err)
		if len(r.Result.Failovers) > 0 {
			failedOver++
		}
		if r.Drained() {
			finished++
		}
	}
	assert.Greater(t, failedOver, 40)
	assert.Greater(t, finished, 95)
}

// TestConfigsCoverage: the default bounds reach every mode, partitioning
// and operator kind, the aligned checkpoint timeout, bounded and unbounded
// sources, zipf keys, a slow subtask and jitter.
func TestConfigsCoverage(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 300; seed++ {
		cfg := Scenario(DefaultBounds(), seed)
		seen[string(cfg.Checkpoint.Mode)] = true
		for _, e := range cfg.Graph.Edges {
			seen[string(e.Partitioning)] = true
		}
		for _, op := range cfg.Graph.Operators {
			seen[string(op.Kind)] = true
			if op.SubtaskCost != nil {
				seen["slow"] = true
			}
			if op.Source != nil && op.Source.Distribution == topology.Zipf {
				seen["zipf"] = true
			}
		}
		seen["bounded"] = seen["bounded"] || cfg.Until == 0
		seen["unbounded"] = seen["unbounded"] || cfg.Until > 0
		seen["aligned timeout"] = seen["aligned timeout"] || cfg.Checkpoint.AlignedCheckpointTimeout > 0
		seen["jitter"] = seen["jitter"] || cfg.Channels.Jitter > 0
		seen["min pause"] = seen["min pause"] || cfg.Checkpoint.MinPause > 0
		seen["concurrent"] = seen["concurrent"] || cfg.Checkpoint.MaxConcurrent > 1
	}
	for _, want := range []string{"aligned", "unaligned", "at-least-once", "forward", "rebalance", "hash", "broadcast",
		"source", "map", "filter", "aggregate", "sink", "slow", "zipf", "bounded", "unbounded", "aligned timeout", "jitter", "min pause", "concurrent"} {
		assert.True(t, seen[want], "no generated scenario has %s", want)
	}
}

// TestScenarioIsAFunctionOfTheSeed: the same seed gives the same
// scenario, in this process and in a fresh generator; seeds differ.
func TestScenarioIsAFunctionOfTheSeed(t *testing.T) {
	b := DefaultBounds()
	var prev sim.Config
	for seed := uint64(1); seed <= 20; seed++ {
		a, c := Scenario(b, seed), Scenario(b, seed)
		require.True(t, reflect.DeepEqual(a, c), "seed %d", seed)
		assert.Equal(t, seed, a.Seed)
		assert.Equal(t, ScenarioName(seed), a.Name)
		assert.False(t, reflect.DeepEqual(a, prev))
		prev = a
	}
	// A large seed is a valid one too.
	within(t, b, Scenario(b, 1<<63+12345))
}

// TestBoundsValidate: bounds no scenario satisfies are refused.
func TestBoundsValidate(t *testing.T) {
	require.NoError(t, func() *Bounds { b := DefaultBounds(); return &b }().Validate())
	cases := map[string]func(b *Bounds){
		"empty range":  func(b *Bounds) { b.Parallelism = Range{3, 2} },
		"no source":    func(b *Bounds) { b.Sources = Range{0, 1} },
		"no mode":      func(b *Bounds) { b.Modes = nil },
		"unknown mode": func(b *Bounds) { b.Modes = []sim.Mode{"exactly"} },
		"short until":  func(b *Bounds) { b.Until = DurationRange{0, time.Second} },
		"interval":     func(b *Bounds) { b.Interval = DurationRange{0, time.Second} },
		"partitioning": func(b *Bounds) { b.Partitionings = []topology.Partitioning{"round-robin"} },
		"budget":       func(b *Bounds) { b.MaxEvents = 0 },
		"choice":       func(b *Bounds) { b.Zipf = 7 },
		"fault kind":   func(b *Bounds) { b.FaultKinds = []sim.FaultKind{"meteor"} },
		"no kind":      func(b *Bounds) { b.FaultKinds = nil },
		"phase":        func(b *Bounds) { b.CrashPhases = []sim.Phase{"lunch"} },
		"no phase":     func(b *Bounds) { b.CrashPhases = nil },
		"restart":      func(b *Bounds) { b.RestartKinds = []sim.RestartKind{"reboot"} },
		"no restart":   func(b *Bounds) { b.RestartKinds = nil },
		"failover":     func(b *Bounds) { b.Failovers = []sim.Failover{"partial"} },
		"faults":       func(b *Bounds) { b.Faults = Range{0, 2000} },
		"mtbf":         func(b *Bounds) { b.MTBF = DurationRange{0, time.Second} },
		"window":       func(b *Bounds) { b.FaultWindow = DurationRange{0, time.Second} },
		"factor":       func(b *Bounds) { b.SlowFactor = Range{0, 3} },
		"machine lost": func(b *Bounds) { b.MachineLost = 9 },
	}
	for name, f := range cases {
		b := DefaultBounds()
		f(&b)
		assert.Error(t, b.Validate(), name)
		assert.Panics(t, func() { Configs(b) }, name)
	}
	assert.True(t, slices.Equal(DefaultBounds().Modes, sim.Modes))
	// Without faults, the fault bounds do not matter.
	b := DefaultBounds()
	b.Faults, b.FaultKinds, b.RestartKinds = Range{0, 0}, nil, nil
	assert.NoError(t, b.Validate())
}

// TestAimedCrashes: with region failover, aimed crashes strike a region
// that acknowledged a checkpoint another region is still completing, so
// that the failover (the job RESTARTING) aborts a checkpoint the crashed
// region had acknowledged, and the restart restores an older one; without
// them (AimedCrashes Never) that hardly ever happens.
func TestAimedCrashes(t *testing.T) {
	abortedAcked := func(aim Choice) int {
		b := DefaultBounds()
		b.Faults = Range{1, 1}
		b.FaultKinds, b.CrashPhases = []sim.FaultKind{sim.Crash}, []sim.Phase{sim.AtTime}
		b.Failovers, b.Pipelines = []sim.Failover{sim.RegionFailover}, Range{2, 2}
		b.AimedCrashes = aim
		b.Restores = Never
		n := 0
		for seed := uint64(1); seed <= 100; seed++ {
			cfg := Scenario(b, seed)
			withinFaults(t, b, cfg)
			r, err := Simulate(cfg)
			require.NoError(t, err)
			region := topology.PipelinedRegions(r.Graph)
			for _, f := range r.Result.Failovers {
				if f.Origin >= 0 && slices.ContainsFunc(r.Result.Checkpoints, func(c sim.CheckpointStats) bool {
					return c.Status == sim.Aborted && c.Reason == sim.ReasonSuspended && c.EndAt == f.At && ackedBy(c, region, region[f.Origin])
				}) {
					n++
					break
				}
			}
		}
		return n
	}
	aimed, unaimed := abortedAcked(Always), abortedAcked(Never)
	t.Logf("the failover aborted a checkpoint the crashed region had acknowledged in %d of 100 runs aimed, %d unaimed", aimed, unaimed)
	assert.Greater(t, aimed, 40)
	assert.Greater(t, aimed, 5*unaimed)
}

// ackedBy reports whether every subtask of region r (region maps
// subtasks to regions) acknowledged checkpoint c.
func ackedBy(c sim.CheckpointStats, region []int, r int) bool {
	for st, sr := range region {
		if sr == r && !c.Subtasks[st].Acked {
			return false
		}
	}
	return true
}

// TestVersionsFromSeed: Bounds.Versions gives each run the release its
// seed picks, about evenly, and leaves every other draw of the seed as it
// was without them (an aimed crash aside: its pilot run follows the
// release); without versions a run follows the current release.
func TestVersionsFromSeed(t *testing.T) {
	b := DefaultBounds()
	b.AimedCrashes = Never
	vb := b
	vb.Versions = []sim.FlinkVersion{{Major: 1, Minor: 14}, sim.CurrentFlinkVersion}
	picked := map[sim.FlinkVersion]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		plain, versioned := Scenario(b, seed), Scenario(vb, seed)
		assert.Zero(t, plain.FlinkVersion)
		picked[versioned.FlinkVersion]++
		versioned.FlinkVersion = sim.FlinkVersion{}
		require.Equal(t, yamlOrError(plain), yamlOrError(versioned), "seed %d", seed)
	}
	assert.Len(t, picked, 2)
	for v, n := range picked {
		assert.Greater(t, n, 60, "release %s", v)
	}
	bad := b
	bad.Versions = []sim.FlinkVersion{{Major: 1, Minor: 13}}
	assert.ErrorContains(t, bad.Validate(), "1.13 is not modelled")
}

// TestPlacementFromSeed: Bounds.SharedTaskManagers places the subtasks of
// half of the runs (Sometimes) or of every run (Always) in TaskManagers
// with enough slots for the job and for its rescaling restores, so that
// some channels are local; the other draws of a seed stay as they were.
func TestPlacementFromSeed(t *testing.T) {
	b := DefaultBounds()
	b.AimedCrashes = Never
	b.Restores, b.Rescale = Always, Always
	for _, tc := range []struct {
		c        Choice
		min, max int // placed runs of 200
	}{{Never, 0, 0}, {Sometimes, 70, 130}, {Always, 200, 200}} {
		sb := b
		sb.SharedTaskManagers = tc.c
		placed, local := 0, 0
		for seed := uint64(1); seed <= 200; seed++ {
			plain, cfg := Scenario(b, seed), Scenario(sb, seed)
			p := cfg.Placement
			if p != (sim.Placement{}) {
				placed++
				for _, r := range cfg.Restores {
					for name, n := range r.Parallelism {
						assert.LessOrEqual(t, n, p.TaskManagers*p.SlotsPerTaskManager, "seed %d: %s rescaled to %d", seed, name, n)
					}
				}
				s, err := sim.New(cfg)
				require.NoError(t, err, "seed %d", seed)
				eg := s.Graph()
				for _, c := range eg.Channels {
					if p.TaskManagerOf(&eg.Subtasks[c.From]) == p.TaskManagerOf(&eg.Subtasks[c.To]) {
						local++
					}
				}
			}
			cfg.Placement = sim.Placement{}
			require.Equal(t, yamlOrError(plain), yamlOrError(cfg), "seed %d", seed)
		}
		assert.GreaterOrEqual(t, placed, tc.min, "%v", tc.c)
		assert.LessOrEqual(t, placed, tc.max, "%v", tc.c)
		if tc.c != Never {
			assert.Positive(t, local, "%v: no local channel", tc.c)
		}
	}
}
