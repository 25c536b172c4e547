package check

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// The generators below draw every part of a scenario within Bounds. Each
// one is an ordinary rapid generator: use it with Draw inside rapid.Check,
// or with Example(seed) for a deterministic value outside a test. Their
// draws are ordered so that rapid's shrinking (which moves every draw
// towards its minimum) yields small scenarios: few operators, parallelism
// 1, forward or rebalance edges, few records, short runs, no jitter, no
// minimum pause, one concurrent checkpoint. Values that the scenario
// format defaults (zipf_s, max_value, record_bytes, state_bytes_per_key)
// are left at their defaults so that a written scenario stays short.

// mustValid panics on bounds that no scenario satisfies: a programming
// error of the caller, reported where the generator is built.
func mustValid(b *Bounds) {
	if err := b.Validate(); err != nil {
		panic("check: " + err.Error())
	}
}

// Configs generates complete runs: a job with its workload, channel
// settings and a checkpoint configuration, a seed, and an end (Until for
// unbounded sources, quiescence for bounded ones). Every generated Config
// passes sim's validation and can be written with scenarios.Marshal.
func Configs(b Bounds) *rapid.Generator[sim.Config] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.Config {
		return drawConfig(t, &b, nil)
	})
}

// drawConfig draws a run; its seed is runSeed if set (before the fault
// schedule, which a pilot run may aim), else drawn.
func drawConfig(t *rapid.T, b *Bounds, runSeed *uint64) sim.Config {
	bounded := drawChoice(t, b.Bounded, "bounded")
	cfg := sim.Config{
		Name:       "check",
		Seed:       rapid.Uint64().Draw(t, "seed"),
		Graph:      drawGraph(t, b, bounded),
		Channels:   drawChannels(t, b),
		Checkpoint: drawCheckpoint(t, b),
		MaxEvents:  b.MaxEvents,
	}
	cfg.Checkpoint.Protocol = b.Protocol
	if runSeed != nil {
		cfg.Seed = *runSeed
	}
	if n := uint64(len(b.Backends)); n > 0 {
		// From the run's seed, not a draw: the other draws of a seed stay
		// what they were before backends, and a shrunk seed (0) has the
		// first, Flink's default.
		cfg.StateBackend = b.Backends[cfg.Seed%n]
	}
	if n := uint64(len(b.Versions)); n > 0 {
		cfg.FlinkVersion = b.Versions[scramble(cfg.Seed)%n] // as the backend, from the seed
	}
	cfg.Placement = drawPlacement(b.SharedTaskManagers, cfg.Seed, cfg.Graph)
	tol := drawInt(t, b.TolerableFailures, "tolerable failed checkpoints")
	if tol != 0 {
		cfg.Recovery = sim.DefaultRecoveryConfig()
		cfg.Recovery.TolerableFailures = tol
	}
	if !bounded {
		cfg.Until = drawDur(t, b.Until, time.Millisecond, "until")
	}
	// The fault schedule comes last, so that a fault-free run is the
	// scenario these bounds drew before they had faults.
	if drawCount(t, b.Faults, "faults") > 0 {
		n := drawInt(t, Range{max(1, b.Faults.Min), b.Faults.Max}, "fault count")
		var aimed int
		cfg.Faults, aimed = drawFaults(t, b, &cfg, n)
		cfg.Recovery = drawRecovery(t, b, &cfg)
		cfg.Recovery.TolerableFailures = tol
		aimCrash(t, b, &cfg, aimed)
	}
	drawRestore(t, b, &cfg)
	coverRestores(&cfg)
	return cfg
}

// drawPlacement picks the TaskManagers of a run from its seed, not from a
// draw (see Bounds.SharedTaskManagers): Sometimes for half of the seeds, 1
// to 4 slots per TaskManager, and as many TaskManagers as the job's highest
// parallelism needs with slot sharing, or one more. The zero Placement
// gives every subtask a TaskManager of its own.
func drawPlacement(c Choice, seed uint64, g *topology.Graph) sim.Placement {
	h := scramble(seed ^ 0x7a5c) // another pick than the version's
	if c == Never || (c == Sometimes && h&1 == 0) {
		return sim.Placement{}
	}
	need := 1
	for _, op := range g.Operators {
		need = max(need, op.Parallelism)
	}
	slots := 1 + int(h>>1%4)
	return sim.Placement{TaskManagers: (need+slots-1)/slots + int(h>>3%2), SlotsPerTaskManager: slots}
}

// coverRestores adds TaskManagers to a run's placement for the highest
// parallelism its rescaling restores ask for, as Flink's resource manager
// starts the TaskManagers a resubmitted job needs.
func coverRestores(cfg *sim.Config) {
	p := &cfg.Placement
	if p.TaskManagers == 0 {
		return
	}
	for _, r := range cfg.Restores {
		for _, n := range r.Parallelism {
			p.TaskManagers = max(p.TaskManagers, (n+p.SlotsPerTaskManager-1)/p.SlotsPerTaskManager)
		}
	}
}

// scramble mixes the bits of a seed (SplitMix64's finalizer), so that a
// pick from it does not follow the pick of Seed modulo another number.
func scramble(seed uint64) uint64 {
	z := seed + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// drawCount draws whether a count in r is positive: always when Min > 0,
// never when Max is 0, else with probability 1/2 (rapid shrinks to no).
// The caller draws the count itself.
func drawCount(t *rapid.T, r Range, label string) int {
	switch {
	case r.Max <= 0:
		return 0
	case r.Min > 0 || rapid.Bool().Draw(t, label+"?"):
		return 1
	}
	return 0
}

// FaultSchedules generates fault schedules for the job of cfg: up to
// Bounds.Faults.Max faults (at least one when Faults.Min >= 1) of the
// kinds allowed, on its subtasks and channels, at times within the run's
// expected length. Every schedule ends: windows close, partitions heal.
// A run with a schedule also needs a RecoveryConfig that allows enough
// restarts (RecoveryConfigs).
func FaultSchedules(b Bounds, cfg sim.Config) *rapid.Generator[[]sim.Fault] {
	mustValid(&b)
	if _, err := topology.Expand(cfg.Graph); err != nil {
		panic("check: FaultSchedules needs a valid job graph: " + err.Error())
	}
	return rapid.Custom(func(t *rapid.T) []sim.Fault {
		if drawCount(t, b.Faults, "faults") == 0 {
			return nil
		}
		faults, _ := drawFaults(t, &b, &cfg, drawInt(t, Range{max(1, b.Faults.Min), b.Faults.Max}, "fault count"))
		return faults
	})
}

// RecoveryConfigs generates the recovery settings of a run of cfg with
// faults: a restart strategy with enough restarts (see
// Bounds.RestartKinds), a failover strategy, maybe local recovery, and
// savepoints at times within the run. TolerableFailures is drawn from
// Bounds.TolerableFailures.
func RecoveryConfigs(b Bounds, cfg sim.Config) *rapid.Generator[sim.RecoveryConfig] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.RecoveryConfig {
		r := drawRecovery(t, &b, &cfg)
		r.TolerableFailures = drawInt(t, b.TolerableFailures, "tolerable failed checkpoints")
		return r
	})
}

// RunLength is how long a run of cfg is expected to last in virtual time:
// Until, or for bounded sources the longest partition's records / rate
// (more if the job is backpressured), and 0 for unbounded sources without
// an end.
func RunLength(cfg *sim.Config) time.Duration {
	if cfg.Until > 0 {
		return cfg.Until
	}
	var d time.Duration
	for _, op := range cfg.Graph.Operators {
		if s := op.Source; s != nil && s.Records > 0 && s.Rate > 0 {
			d = max(d, time.Duration(float64(s.Records)/s.Rate*float64(time.Second)))
		}
	}
	return d
}

// drawFaults draws n faults for the job of cfg, and the index of the
// first crash at a time to aim (see aimCrash), -1 for none.
func drawFaults(t *rapid.T, b *Bounds, cfg *sim.Config, n int) (faults []sim.Fault, aimed int) {
	eg, err := topology.Expand(cfg.Graph)
	if err != nil {
		panic("check: a generated graph is invalid: " + err.Error())
	}
	length := RunLength(cfg)
	// Checkpoints the run can trigger: one per interval.
	checkpoints := 1
	if iv := cfg.Checkpoint.Interval; iv > 0 {
		checkpoints = int(min(length/iv+1, 1<<20))
	}
	ckRange := Range{b.FaultCheckpoint.Min, max(b.FaultCheckpoint.Min, min(b.FaultCheckpoint.Max, checkpoints))}
	times := DurationRange{b.FaultTimes.Min, max(b.FaultTimes.Min, min(b.FaultTimes.Max, length))}
	subtask := func(label string) string {
		return eg.Subtasks[rapid.IntRange(0, len(eg.Subtasks)-1).Draw(t, label)].Name
	}
	channel := func(label string) string {
		return eg.ChannelName(rapid.IntRange(0, len(eg.Channels)-1).Draw(t, label))
	}
	window := func(f *sim.Fault, label string) {
		f.At = drawTime(t, times, 10*time.Microsecond, label+".at")
		f.Until = f.At + drawDur(t, b.FaultWindow, 10*time.Microsecond, label+".window")
	}
	factor := func(label string) float64 { return float64(drawInt(t, b.SlowFactor, label)) }
	kinds := rapid.SampledFrom(weighted(b.FaultKinds, faultWeights))
	phases := rapid.SampledFrom(weighted(b.CrashPhases, phaseWeights))
	faults, aimed = make([]sim.Fault, 0, n), -1
	for i := range n {
		label := fmt.Sprintf("fault%d", i+1)
		f := sim.Fault{Kind: kinds.Draw(t, label+".kind")}
		if len(eg.Channels) == 0 && (f.Kind == sim.DelaySpike || f.Kind == sim.Partition) {
			f.Kind = sim.Crash // a job chained into one task per pipeline has no channel
		}
		switch f.Kind {
		case sim.Crash:
			f.Subtask = subtask(label + ".subtask")
			if aimed < 0 && slices.Contains(b.CrashPhases, sim.AtTime) && drawChoice(t, b.AimedCrashes, label+".aimed") {
				aimed = i // at a time, aimCrash moves it (this time is its fallback)
			} else {
				f.Phase = phases.Draw(t, label+".phase")
			}
			switch f.Phase {
			case sim.AtTime:
				f.At = drawTime(t, times, 10*time.Microsecond, label+".at")
			case sim.Restoring:
				f.Checkpoint = int64(drawInt(t, Range{b.FaultCheckpoint.Min, max(b.FaultCheckpoint.Min, min(b.FaultCheckpoint.Max, 3))}, label+".failover"))
			default:
				f.Checkpoint = int64(drawInt(t, ckRange, label+".checkpoint"))
			}
			f.MachineLost = drawChoice(t, b.MachineLost, label+".machine lost")
		case sim.RandomCrashes:
			// A window of one to five MTBFs (within FaultWindow): a few
			// crashes on average.
			f.MTBF = drawLogDur(t, b.MTBF, label+".mtbf")
			f.At = drawTime(t, times, 10*time.Microsecond, label+".at")
			span := f.MTBF * time.Duration(rapid.IntRange(1, 5).Draw(t, label+".mtbfs"))
			f.Until = f.At + min(max(span, b.FaultWindow.Min), b.FaultWindow.Max)
			if rapid.Bool().Draw(t, label+".one subtask?") {
				f.Subtask = subtask(label + ".subtask")
			}
			f.MachineLost = drawChoice(t, b.MachineLost, label+".machine lost")
		case sim.Slow:
			f.Subtask = subtask(label + ".subtask")
			f.Factor = factor(label + ".factor")
			window(&f, label)
		case sim.DelaySpike:
			f.Channel = channel(label + ".channel")
			f.Delay = drawDur(t, b.SpikeDelay, 100*time.Microsecond, label+".delay")
			window(&f, label)
		case sim.Partition:
			f.Channel = channel(label + ".channel")
			window(&f, label)
		case sim.FailUpload:
			f.Subtask = subtask(label + ".subtask")
			f.Checkpoint = int64(drawInt(t, ckRange, label+".checkpoint"))
		case sim.SlowUpload:
			f.Factor = factor(label + ".factor")
			window(&f, label)
			if rapid.Bool().Draw(t, label+".one subtask?") {
				f.Subtask = subtask(label + ".subtask")
			}
		case sim.CorruptCheckpoint:
			f.Checkpoint = int64(drawInt(t, ckRange, label+".checkpoint"))
		}
		faults = append(faults, f)
	}
	return faults, aimed
}

// sinkWeights make two-phase commit sinks, whose transactions recovery
// must commit exactly once, as likely as the other modes together.
var sinkWeights = map[topology.SinkMode]int{topology.TwoPhaseCommitSink: 2}

// faultWeights and phaseWeights make the faults that fail the job over
// more likely than the others (a weight not given is 1): most schedules
// have a crash that strikes, so that the properties about recovery are
// exercised.
var (
	faultWeights = map[sim.FaultKind]int{sim.Crash: 4, sim.RandomCrashes: 2}
	phaseWeights = map[sim.Phase]int{sim.AtTime: 3}
)

// weighted repeats each of xs as often as its weight, in the order of xs
// (rapid shrinks a SampledFrom towards the first).
func weighted[T comparable](xs []T, weights map[T]int) []T {
	var out []T
	for _, x := range xs {
		for range max(1, weights[x]) {
			out = append(out, x)
		}
	}
	return out
}

// drawRecovery draws the recovery settings of a run with faults; the
// tolerable failures are the caller's.
func drawRecovery(t *rapid.T, b *Bounds, cfg *sim.Config) sim.RecoveryConfig {
	r := sim.DefaultRecoveryConfig()
	r.Restart = drawRestart(t, b)
	r.Failover = rapid.SampledFrom(b.Failovers).Draw(t, "failover")
	r.LocalRecovery = drawChoice(t, b.LocalRecovery, "local recovery")
	if drawCount(t, b.Savepoints, "savepoints") > 0 {
		length := RunLength(cfg)
		for i := range drawInt(t, Range{max(1, b.Savepoints.Min), b.Savepoints.Max}, "savepoint count") {
			r.Savepoints = append(r.Savepoints, drawTime(t, DurationRange{0, length}, 10*time.Microsecond, fmt.Sprintf("savepoint%d", i+1)))
		}
		slices.Sort(r.Savepoints)
		r.PreferCheckpointForRecovery = drawChoice(t, b.PreferCheckpoint, "prefer checkpoint")
	}
	return r
}

// drawRestart draws a restart strategy of an allowed kind with enough
// restarts for any generated schedule. Values at Flink's defaults come
// first, so that shrinking leaves them out of a written scenario.
func drawRestart(t *rapid.T, b *Bounds) sim.RestartStrategy {
	rs := sim.DefaultRestartStrategy()
	rs.Kind = rapid.SampledFrom(b.RestartKinds).Draw(t, "restart")
	switch rs.Kind {
	case sim.FixedDelay:
		rs.Attempts = EnoughRestarts
		rs.Delay = drawRestartDelay(t, b.RestartDelay, "restart delay")
	case sim.FailureRate:
		rs.MaxFailures = EnoughRestarts
		rs.Delay = drawRestartDelay(t, b.RestartDelay, "restart delay")
	case sim.ExponentialDelay:
		r := b.RestartDelay
		r.Min = max(r.Min, time.Millisecond)
		r.Max = max(r.Max, r.Min)
		rs.Delay = drawLogDur(t, r, "restart delay")
		rs.MaxDelay = drawDur(t, DurationRange{rs.Delay, max(rs.Delay, 3*r.Max)}, time.Millisecond, "restart max delay")
		rs.Multiplier = rapid.SampledFrom([]float64{1.5, 1.1, 2, 3}).Draw(t, "restart multiplier") // Flink needs > 1
		rs.Jitter = rapid.SampledFrom([]float64{0.1, 0, 0.5}).Draw(t, "restart jitter")
		rs.ResetThreshold = rapid.SampledFrom([]time.Duration{time.Hour, 100 * time.Millisecond, time.Second}).Draw(t, "restart reset")
	}
	return rs
}

// drawRestartDelay draws a restart delay in r: 0 in a quarter of the
// draws when r allows it (rapid shrinks to it), else log-uniformly, so
// that restarts within a checkpoint interval and restarts that miss
// several checkpoints are both common.
func drawRestartDelay(t *rapid.T, r DurationRange, label string) time.Duration {
	if r.Min == 0 && rapid.IntRange(0, 3).Draw(t, label+" zero?") == 0 {
		return 0
	}
	return drawLogDur(t, r, label)
}

// Graphs generates job graphs with their workloads: sources, map, filter
// and aggregate operators and sinks in a random DAG with random
// parallelism and partitionings. With bounded sources every partition ends
// after a drawn number of records.
func Graphs(b Bounds) *rapid.Generator[*topology.Graph] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) *topology.Graph {
		return drawGraph(t, &b, drawChoice(t, b.Bounded, "bounded"))
	})
}

// Workloads generates the workload of one source operator; records is
// drawn from Bounds.Records when bounded, else 0 (unbounded).
func Workloads(b Bounds, bounded bool) *rapid.Generator[*topology.SourceSpec] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) *topology.SourceSpec {
		return drawWorkload(t, &b, bounded, "")
	})
}

// ChannelConfigs generates the network settings of a run.
func ChannelConfigs(b Bounds) *rapid.Generator[sim.ChannelConfig] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.ChannelConfig { return drawChannels(t, &b) })
}

// CheckpointConfigs generates checkpoint configurations: every mode in
// Bounds.Modes (unaligned with or without an aligned checkpoint timeout)
// and every knob of Flink's CheckpointConfig.
func CheckpointConfigs(b Bounds) *rapid.Generator[sim.CheckpointConfig] {
	mustValid(&b)
	return rapid.Custom(func(t *rapid.T) sim.CheckpointConfig { return drawCheckpoint(t, &b) })
}

// drawChoice draws whether an optional feature is on.
func drawChoice(t *rapid.T, c Choice, label string) bool {
	switch c {
	case Never:
		return false
	case Always:
		return true
	}
	return rapid.Bool().Draw(t, label)
}

func drawInt(t *rapid.T, r Range, label string) int {
	return rapid.IntRange(r.Min, r.Max).Draw(t, label)
}

// drawDur draws a duration in r in steps of unit (rounding the range
// inwards; a range narrower than one unit yields its minimum).
func drawDur(t *rapid.T, r DurationRange, unit time.Duration, label string) time.Duration {
	lo := (r.Min + unit - 1) / unit
	hi := r.Max / unit
	if hi < lo {
		return r.Min
	}
	return time.Duration(rapid.Int64Range(int64(lo), int64(hi)).Draw(t, label)) * unit
}

// drawTime draws a point in time in r in steps of unit, uniformly: rapid's
// integer draws favour small values (their bit length is geometric),
// which would put nearly every fault into the first milliseconds of a run,
// before its first checkpoint. It shrinks to r.Min.
func drawTime(t *rapid.T, r DurationRange, unit time.Duration, label string) time.Duration {
	lo, hi := (r.Min+unit-1)/unit, r.Max/unit
	if hi < lo {
		return r.Min
	}
	return (lo + time.Duration(uniformInt64(t, int64(hi-lo)+1, label))) * unit
}

// uniformDigits are the digits of uniformInt64, base 32.
var uniformDigits = func() []int64 {
	d := make([]int64, 32)
	for i := range d {
		d[i] = int64(i)
	}
	return d
}()

// uniformInt64 draws an integer in 0..n-1 (n >= 1) uniformly, digit by
// digit in base 32: the first element of a rapid.Permutation is uniform
// (its shuffle draws without bias), and shrinks to 0.
func uniformInt64(t *rapid.T, n int64, label string) int64 {
	base := int64(len(uniformDigits))
	var v, span int64 = 0, 1
	for span < n && span < math.MaxInt64/base {
		v = v*base + rapid.Permutation(uniformDigits).Draw(t, label)[0]
		span *= base
	}
	// v/span is a uniform fraction of 1 in steps of 1/span.
	hi, lo := bits.Mul64(uint64(v), uint64(n))
	q, _ := bits.Div64(hi, lo, uint64(span))
	return int64(q)
}

// drawOptDur draws 0 or a positive duration in r: a knob that is off by
// default. A range with Min > 0 is always on.
func drawOptDur(t *rapid.T, r DurationRange, unit time.Duration, label string) time.Duration {
	switch {
	case r.Max <= 0:
		return 0
	case r.Min > 0:
		return drawDur(t, r, unit, label)
	case !rapid.Bool().Draw(t, label+"?"):
		return 0
	}
	return drawDur(t, DurationRange{max(unit, r.Min), r.Max}, unit, label)
}

// drawLogDur draws a duration log-uniformly in r (at least 1ms), rounded
// to milliseconds: short and very long values are equally likely.
func drawLogDur(t *rapid.T, r DurationRange, label string) time.Duration {
	lo, hi := float64(max(r.Min, time.Millisecond)), float64(max(r.Max, time.Millisecond))
	x := float64(uniformInt64(t, 1001, label)) / 1000
	d := time.Duration(lo * math.Pow(hi/lo, x)).Round(time.Millisecond)
	return min(max(d, r.Min, time.Millisecond), r.Max)
}

// opName names the i-th operator of a kind: src1, map2, agg1, sink1.
func opName(k topology.Kind, i int) string {
	short := map[topology.Kind]string{topology.Source: "src", topology.Aggregate: "agg"}[k]
	if short == "" {
		short = string(k)
	}
	return fmt.Sprintf("%s%d", short, i)
}

func drawGraph(t *rapid.T, b *Bounds, bounded bool) *topology.Graph {
	pipelines := drawInt(t, Range{b.Pipelines.Min, max(b.Pipelines.Min, min(b.Pipelines.Max, b.Sources.Max, b.Sinks.Max))}, "pipelines")
	nSrc := drawInt(t, Range{max(b.Sources.Min, pipelines), b.Sources.Max}, "sources")
	nStateless := drawInt(t, b.Stateless, "stateless")
	nAgg := drawInt(t, b.Aggregates, "aggregates")
	nSink := drawInt(t, Range{max(b.Sinks.Min, pipelines), b.Sinks.Max}, "sinks")
	g := &topology.Graph{}
	count := map[topology.Kind]int{}
	// pipeline[i] is the independent pipeline of operator i: sources and
	// sinks are dealt out in turn, so that each pipeline has both.
	var pipeline []int
	add := func(op topology.Operator, p int) {
		count[op.Kind]++
		op.Name = opName(op.Kind, count[op.Kind])
		op.Parallelism = drawInt(t, b.Parallelism, op.Name+".parallelism")
		g.Operators = append(g.Operators, op)
		pipeline = append(pipeline, p)
	}
	for i := range nSrc {
		add(topology.Operator{Kind: topology.Source}, i%pipelines)
		op := &g.Operators[len(g.Operators)-1]
		op.Cost = drawDur(t, b.SourceCost, time.Microsecond, op.Name+".cost")
		op.Source = drawWorkload(t, b, bounded, op.Name+".")
	}
	for s, a := nStateless, nAgg; s+a > 0; {
		aggregate := s == 0 || (a > 0 && rapid.Bool().Draw(t, "aggregate next"))
		op := topology.Operator{}
		if aggregate {
			a--
			op.Kind, op.Func, op.StateBytesPerKey = topology.Aggregate, topology.Count, scenarios.DefaultStateBytesPerKey
			if rapid.Bool().Draw(t, "sum") {
				op.Func = topology.Sum
			}
		} else {
			s--
			op.Kind = rapid.SampledFrom([]topology.Kind{topology.Map, topology.Filter}).Draw(t, "stateless kind")
			if op.Kind == topology.Map {
				op.Multiply = int64(rapid.IntRange(1, 3).Draw(t, "multiply"))
				op.Add = int64(rapid.IntRange(0, 10).Draw(t, "add"))
			} else {
				op.KeepPercent = rapid.IntRange(0, 100).Draw(t, "keep percent")
			}
		}
		p := 0
		if pipelines > 1 {
			p = rapid.IntRange(0, pipelines-1).Draw(t, "pipeline")
		}
		add(op, p)
		o := &g.Operators[len(g.Operators)-1]
		o.Cost = drawDur(t, b.Cost, time.Microsecond, o.Name+".cost")
	}
	for i := range nSink {
		add(topology.Operator{Kind: topology.Sink}, i%pipelines)
		o := &g.Operators[len(g.Operators)-1]
		o.SinkMode = rapid.SampledFrom(weighted(b.SinkModes, sinkWeights)).Draw(t, o.Name+".mode")
	}
	drawEdges(t, b, g, nSrc, pipeline)
	if drawChoice(t, b.SlowSubtask, "slow subtask") {
		op := &g.Operators[rapid.IntRange(0, len(g.Operators)-1).Draw(t, "slow operator")]
		idx := rapid.IntRange(0, op.Parallelism-1).Draw(t, "slow index")
		op.SubtaskCost = map[int]time.Duration{idx: drawDur(t, b.SlowCost, time.Microsecond, "slow cost")}
	}
	return g
}

// drawEdges connects the operators, which are in a topological order
// (sources first, sinks last), within their pipelines: every non-source
// gets one or two inputs from earlier non-sinks of its pipeline, then
// every non-sink without an output feeds a later operator of its
// pipeline. Every pipeline has a source and a sink.
func drawEdges(t *rapid.T, b *Bounds, g *topology.Graph, nSrc int, pipeline []int) {
	ops := g.Operators
	has := map[[2]int]bool{}
	outs := make([]int, len(ops))
	connect := func(from, to int) {
		if has[[2]int{from, to}] {
			return
		}
		has[[2]int{from, to}] = true
		outs[from]++
		g.Edges = append(g.Edges, topology.Edge{From: ops[from].Name, To: ops[to].Name,
			Partitioning: drawPartitioning(t, b, &ops[from], &ops[to])})
	}
	firstSink := len(ops)
	for i := range ops {
		if ops[i].Kind == topology.Sink {
			firstSink = i
			break
		}
	}
	// among lists the operators of to's pipeline in lo..hi-1.
	among := func(to, lo, hi int) []int {
		var out []int
		for i := lo; i < hi; i++ {
			if pipeline[i] == pipeline[to] {
				out = append(out, i)
			}
		}
		return out
	}
	for to := nSrc; to < len(ops); to++ {
		preds := among(to, 0, min(to, firstSink)) // the operators that may feed to
		connect(rapid.SampledFrom(preds).Draw(t, ops[to].Name+".input"), to)
		if len(preds) > 1 && rapid.Bool().Draw(t, ops[to].Name+".second input?") {
			connect(rapid.SampledFrom(preds).Draw(t, ops[to].Name+".second input"), to)
		}
	}
	for from := range firstSink {
		if outs[from] == 0 {
			connect(from, rapid.SampledFrom(among(from, max(from+1, nSrc), len(ops))).Draw(t, ops[from].Name+".output"))
		}
	}
}

// drawPartitioning picks a partitioning valid from one operator to another
// among the allowed ones.
func drawPartitioning(t *rapid.T, b *Bounds, from, to *topology.Operator) topology.Partitioning {
	if to.Kind == topology.Aggregate {
		return topology.Hash
	}
	var opts []topology.Partitioning
	for _, p := range topology.Partitionings { // forward, rebalance, hash, broadcast
		if p == topology.Forward && from.Parallelism != to.Parallelism {
			continue
		}
		for _, q := range b.Partitionings {
			if p == q {
				opts = append(opts, p)
			}
		}
	}
	if len(opts) == 0 {
		return topology.Rebalance
	}
	return rapid.SampledFrom(opts).Draw(t, from.Name+"->"+to.Name)
}

func drawWorkload(t *rapid.T, b *Bounds, bounded bool, prefix string) *topology.SourceSpec {
	w := &topology.SourceSpec{
		Rate:         float64(drawInt(t, b.Rate, prefix+"rate")),
		Keys:         drawInt(t, b.Keys, prefix+"keys"),
		Distribution: topology.Uniform,
		ZipfS:        scenarios.DefaultZipfS,
		MaxValue:     scenarios.DefaultMaxValue,
		RecordBytes:  scenarios.DefaultRecordBytes,
	}
	if drawChoice(t, b.Zipf, prefix+"zipf") {
		w.Distribution = topology.Zipf
	}
	if bounded {
		w.Records = int64(drawInt(t, b.Records, prefix+"records"))
	}
	return w
}

func drawChannels(t *rapid.T, b *Bounds) sim.ChannelConfig {
	c := sim.ChannelConfig{
		Latency:                drawDur(t, b.Latency, time.Microsecond, "latency"),
		Jitter:                 drawOptDur(t, b.Jitter, time.Microsecond, "jitter"),
		SegmentSize:            drawInt(t, b.SegmentSize, "segment size"),
		BuffersPerChannel:      drawInt(t, b.Exclusive, "buffers per channel"),
		FloatingBuffersPerGate: drawInt(t, b.Floating, "floating buffers per gate"),
		MaxBuffersPerChannel:   drawInt(t, b.MaxBuffers, "max buffers per channel"),
		BufferTimeout:          sim.NoBufferTimeout,
		Debloat:                sim.DefaultDebloatConfig(),
	}
	if c.BuffersPerChannel+c.FloatingBuffersPerGate == 0 {
		c.FloatingBuffersPerGate = 1 // a channel needs a buffer
	}
	if drawChoice(t, b.BufferTimeoutChoice, "buffer timeout") {
		c.BufferTimeout = drawDur(t, b.BufferTimeout, time.Millisecond, "buffer timeout")
	}
	if drawChoice(t, b.Debloat, "debloat") {
		c.Debloat.Enabled = true
		c.Debloat.Period = 10 * time.Millisecond
		c.Debloat.Target = 20 * time.Millisecond
		c.Debloat.MinSegmentSize = min(c.Debloat.MinSegmentSize, c.SegmentSize)
	}
	return c
}

func drawCheckpoint(t *rapid.T, b *Bounds) sim.CheckpointConfig {
	c := sim.CheckpointConfig{
		Mode:             rapid.SampledFrom(b.Modes).Draw(t, "mode"),
		Interval:         drawDur(t, b.Interval, time.Millisecond, "interval"),
		MinPause:         drawOptDur(t, b.MinPause, time.Millisecond, "min pause"),
		MaxConcurrent:    drawInt(t, b.MaxConcurrent, "max concurrent"),
		Timeout:          drawLogDur(t, b.Timeout, "timeout"),
		NumRetained:      drawInt(t, b.NumRetained, "num retained"),
		History:          sim.DefaultHistory,
		SyncDuration:     drawDur(t, b.SyncDuration, time.Microsecond, "sync duration"),
		AsyncBase:        drawDur(t, b.AsyncBase, time.Millisecond, "async base"),
		StorageBandwidth: int64(drawInt(t, b.StorageBandwidthMiBs, "storage bandwidth")) << 20,
	}
	if c.Mode == sim.Unaligned && b.AlignedTimeoutChoice != Never {
		r := b.AlignedTimeout
		if b.AlignedTimeoutChoice == Always {
			r.Min = max(r.Min, time.Millisecond)
		}
		c.AlignedCheckpointTimeout = drawOptDur(t, r, time.Millisecond, "aligned checkpoint timeout")
	}
	if c.Mode == sim.Unaligned {
		// Flink refuses concurrent unaligned checkpoints
		// (CheckpointCoordinatorConfiguration, FLINK-17342); the draw above
		// is kept so that the other draws of a seed stay the same.
		c.MaxConcurrent = 1
	}
	return c
}
