package check

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// ScenarioSize measures a scenario for comparing counterexamples.
type ScenarioSize struct {
	Subtasks, Operators, Edges int
	// Faults is the number of faults.
	Faults int
	// Records is how many records the sources offer: their records when
	// bounded, rate times run length when not.
	Records int64
}

// Size measures cfg.
func Size(cfg sim.Config) ScenarioSize {
	sz := ScenarioSize{Operators: len(cfg.Graph.Operators), Edges: len(cfg.Graph.Edges), Faults: len(cfg.Faults)}
	for _, op := range cfg.Graph.Operators {
		sz.Subtasks += op.Parallelism
		if s := op.Source; s != nil {
			n := s.Records
			if n == 0 || cfg.Until > 0 {
				n = int64(s.Rate * cfg.Until.Seconds())
			}
			if s.Records > 0 {
				n = min(n, s.Records)
			}
			sz.Records += int64(op.Parallelism) * n
		}
	}
	return sz
}

// Less orders sizes by subtasks, then operators, edges, faults and
// records.
func (a ScenarioSize) Less(b ScenarioSize) bool {
	switch {
	case a.Subtasks != b.Subtasks:
		return a.Subtasks < b.Subtasks
	case a.Operators != b.Operators:
		return a.Operators < b.Operators
	case a.Edges != b.Edges:
		return a.Edges < b.Edges
	case a.Faults != b.Faults:
		return a.Faults < b.Faults
	}
	return a.Records < b.Records
}

// ShrinkStats describe a shrink.
type ShrinkStats struct {
	// Runs is the number of candidate scenarios simulated; Steps the
	// number that still failed and were kept.
	Runs, Steps int
}

// DefaultShrinkRuns is the candidate budget of ShrinkProperty.
const DefaultShrinkRuns = 2000

// ShrinkProperty shrinks a scenario that violates p (see Shrink).
func ShrinkProperty(cfg sim.Config, p Property, maxRuns int) (sim.Config, ShrinkStats) {
	return Shrink(cfg, func(c sim.Config) bool { return Violates(c, p) }, maxRuns)
}

// ShrinkSeeds shrinks the scenarios of several failing seeds of a sweep
// within b (see Scenario) and returns the smallest result (by Size; the
// lowest seed on a tie), the seed it came from and its shrink's stats.
// Greedy shrinking can stop in a local minimum; a few seeds give it a few
// chances.
func ShrinkSeeds(b Bounds, seeds []uint64, p Property, maxRuns int) (best sim.Config, seed uint64, st ShrinkStats) {
	for i, s := range seeds {
		small, stats := ShrinkProperty(Scenario(b, s), p, maxRuns)
		if i == 0 || Size(small).Less(Size(best)) {
			best, seed, st = small, s, stats
		}
	}
	return best, seed, st
}

// Violates reports whether running cfg violates p.
func Violates(cfg sim.Config, p Property) bool {
	_, vs, err := Evaluate(cfg, p)
	return err == nil && vs[0].Status == Fail
}

// Shrink searches for a smaller scenario on which fails still holds, by
// greedy steps over the configuration itself: drop the manual restore or
// its rescaling, drop faults, turn random
// crashes into one crash at a time one of them struck, move fault times
// and windows, bypass or remove operators and edges (faults on subtasks
// and channels that no longer exist go with them), lower parallelism,
// simplify partitionings, shorten the run and the sources, drop costs,
// jitter and the slow subtask, and move every knob to its default (which a
// scenario file then omits). It tries at most maxRuns candidates (0:
// DefaultShrinkRuns) and is deterministic: the same input gives the same
// result, on any machine.
//
// cfg itself must satisfy fails; Shrink returns it unchanged otherwise.
func Shrink(cfg sim.Config, fails func(sim.Config) bool, maxRuns int) (sim.Config, ShrinkStats) {
	if maxRuns <= 0 {
		maxRuns = DefaultShrinkRuns
	}
	var st ShrinkStats
	cur := cloneConfig(cfg)
	cands := candidates(cur)
	for improved := true; improved && st.Runs < maxRuns; {
		improved = false
		for i := 0; st.Runs < maxRuns && i < len(cands); i++ {
			c := cands[i]
			if c.Validate() != nil || !targetsExist(&c) {
				continue
			}
			st.Runs++
			if fails(c) {
				cur = c
				st.Steps++
				improved = true
				cands = candidates(cur)
				i-- // the next candidate of the smaller scenario sits at i
			}
		}
	}
	return cur, st
}

// candidates lists smaller or simpler variants of cfg, the biggest
// reductions first. Some are invalid; the caller skips those.
func candidates(cfg sim.Config) []sim.Config {
	var out []sim.Config
	try := func(f func(c *sim.Config) bool) {
		c := cloneConfig(cfg)
		if f(&c) {
			out = append(out, c)
		}
	}
	// The manual restore: none (nor its stop), then one that does not
	// rescale.
	if len(cfg.Restores) > 0 {
		try(func(c *sim.Config) bool { c.Restores, c.Recovery.Stop = nil, sim.StopWithSavepoint{}; return true })
		for i, r := range cfg.Restores {
			if len(r.Parallelism) > 0 {
				try(func(c *sim.Config) bool { c.Restores[i].Parallelism = nil; return true })
			}
		}
	}
	// The faults: fewer, simpler, earlier.
	out = append(out, faultCandidates(cfg)...)
	g := cfg.Graph
	// The job graph.
	for i := range g.Operators {
		try(func(c *sim.Config) bool { return bypass(c.Graph, i) && retarget(c) })
	}
	for i := range g.Operators {
		try(func(c *sim.Config) bool { removeOperator(c.Graph, i); return retarget(c) })
	}
	for i := range g.Edges {
		try(func(c *sim.Config) bool {
			c.Graph.Edges = slices.Delete(c.Graph.Edges, i, i+1)
			prune(c.Graph)
			return retarget(c)
		})
	}
	// The length of the run and of the sources.
	if cfg.Until > time.Millisecond {
		for _, u := range append(roundings(cfg.Until, time.Second, 100*time.Millisecond, 10*time.Millisecond), roundDown(cfg.Until/2, time.Millisecond)) {
			try(func(c *sim.Config) bool { c.Until = u; return true })
		}
	}
	for i, op := range g.Operators {
		if op.Source == nil || op.Source.Records <= 1 {
			continue
		}
		for _, r := range []int64{1, op.Source.Records / 2, op.Source.Records - 1} {
			try(func(c *sim.Config) bool { c.Graph.Operators[i].Source.Records = r; return true })
		}
	}
	// Parallelism and partitionings.
	for i, op := range g.Operators {
		for _, p := range uniq(1, op.Parallelism/2, op.Parallelism-1) {
			if p >= 1 && p < op.Parallelism {
				try(func(c *sim.Config) bool { setParallelism(c.Graph, i, p); return retarget(c) })
			}
		}
	}
	for i, e := range g.Edges {
		for _, p := range []topology.Partitioning{topology.Forward, topology.Rebalance} {
			if e.Partitioning != p && simpler(p, e.Partitioning) {
				try(func(c *sim.Config) bool { c.Graph.Edges[i].Partitioning = p; return retarget(c) })
			}
		}
	}
	// Operators' parameters: costs, workloads, functions.
	for i, op := range g.Operators {
		if op.SubtaskCost != nil {
			try(func(c *sim.Config) bool { c.Graph.Operators[i].SubtaskCost = nil; return true })
		}
		for _, v := range durations(op.Cost, defaultCost(op.Kind), 0) {
			try(func(c *sim.Config) bool { c.Graph.Operators[i].Cost = v; return true })
		}
		switch op.Kind {
		case topology.Source:
			s := op.Source
			var rates []float64
			for _, u := range []float64{1000, 100, 10} {
				rates = append(rates, math.Floor(s.Rate/u)*u)
			}
			for _, r := range append(rates, math.Floor(s.Rate/2)) {
				if r >= 1 && r < s.Rate {
					try(func(c *sim.Config) bool { c.Graph.Operators[i].Source.Rate = r; return true })
				}
			}
			for _, k := range uniq(1, s.Keys/2) {
				if k >= 1 && k < s.Keys {
					try(func(c *sim.Config) bool { c.Graph.Operators[i].Source.Keys = k; return true })
				}
			}
			if s.Distribution != topology.Uniform {
				try(func(c *sim.Config) bool {
					c.Graph.Operators[i].Source.Distribution = topology.Uniform
					c.Graph.Operators[i].Source.ZipfS = scenarios.DefaultZipfS
					return true
				})
			}
		case topology.Map:
			if op.Multiply != 1 || op.Add != 0 {
				try(func(c *sim.Config) bool { c.Graph.Operators[i].Multiply, c.Graph.Operators[i].Add = 1, 0; return true })
			}
		case topology.Filter:
			if op.KeepPercent != scenarios.DefaultKeepPercent {
				try(func(c *sim.Config) bool { c.Graph.Operators[i].KeepPercent = scenarios.DefaultKeepPercent; return true })
			}
		case topology.Sink:
			if op.SinkMode != "" {
				try(func(c *sim.Config) bool { c.Graph.Operators[i].SinkMode = ""; return true })
			}
		case topology.Aggregate:
			if op.Func != topology.Count {
				try(func(c *sim.Config) bool { c.Graph.Operators[i].Func = topology.Count; return true })
			}
		}
	}
	// A TaskManager of its own for every subtask, then the channels.
	if cfg.Placement != (sim.Placement{}) {
		try(func(c *sim.Config) bool { c.Placement = sim.Placement{}; return true })
	}
	ch, dc := cfg.Channels, sim.DefaultChannelConfig()
	for _, v := range durations(ch.Jitter, 0) {
		try(func(c *sim.Config) bool { c.Channels.Jitter = v; return true })
	}
	for _, v := range durations(ch.Latency, dc.Latency, 0) {
		try(func(c *sim.Config) bool { c.Channels.Latency = v; return true })
	}
	if ch.Debloat.Enabled {
		try(func(c *sim.Config) bool { c.Channels.Debloat = dc.Debloat; return true })
	}
	for _, v := range durations(ch.BufferTimeout, dc.BufferTimeout, 0) {
		try(func(c *sim.Config) bool { c.Channels.BufferTimeout = v; return true })
	}
	for _, v := range ints(ch.SegmentSize, dc.SegmentSize) {
		try(func(c *sim.Config) bool { c.Channels.SegmentSize = v; return true })
	}
	for _, v := range ints(ch.BuffersPerChannel, dc.BuffersPerChannel, 1) {
		try(func(c *sim.Config) bool { c.Channels.BuffersPerChannel = v; return true })
	}
	for _, v := range ints(ch.FloatingBuffersPerGate, dc.FloatingBuffersPerGate, 0) {
		try(func(c *sim.Config) bool { c.Channels.FloatingBuffersPerGate = v; return true })
	}
	for _, v := range ints(ch.MaxBuffersPerChannel, dc.MaxBuffersPerChannel, 1) {
		try(func(c *sim.Config) bool { c.Channels.MaxBuffersPerChannel = v; return true })
	}
	// Checkpointing.
	ck, dk := cfg.Checkpoint, sim.DefaultCheckpointConfig()
	knobs := []struct {
		p    func(c *sim.Config) *time.Duration
		vals []time.Duration
	}{
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.AlignedCheckpointTimeout }, durations(ck.AlignedCheckpointTimeout, 0)},
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.MinPause }, durations(ck.MinPause, 0)},
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.Timeout }, toDefault(ck.Timeout, dk.Timeout)},
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.SyncDuration }, durations(ck.SyncDuration, dk.SyncDuration, 0)},
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.AsyncBase }, durations(ck.AsyncBase, dk.AsyncBase, 0)},
		{func(c *sim.Config) *time.Duration { return &c.Checkpoint.Interval }, roundings(ck.Interval, 100*time.Millisecond, 10*time.Millisecond, time.Millisecond)},
	}
	for _, k := range knobs {
		for _, v := range k.vals {
			try(func(c *sim.Config) bool { *k.p(c) = v; return true })
		}
	}
	for _, v := range ints(ck.MaxConcurrent, 1) {
		try(func(c *sim.Config) bool { c.Checkpoint.MaxConcurrent = v; return true })
	}
	for _, v := range ints(ck.NumRetained, dk.NumRetained) {
		try(func(c *sim.Config) bool { c.Checkpoint.NumRetained = v; return true })
	}
	if ck.StorageBandwidth != dk.StorageBandwidth {
		try(func(c *sim.Config) bool { c.Checkpoint.StorageBandwidth = dk.StorageBandwidth; return true })
	}
	out = append(out, recoveryCandidates(cfg)...)
	if cfg.MaxEvents != 0 {
		try(func(c *sim.Config) bool { c.MaxEvents = 0; return true })
	}
	if cfg.Seed != scenarios.DefaultSeed {
		try(func(c *sim.Config) bool { c.Seed = scenarios.DefaultSeed; return true })
	}
	return out
}

// simpler orders partitionings by how much they connect.
func simpler(a, b topology.Partitioning) bool {
	rank := map[topology.Partitioning]int{topology.Forward: 0, topology.Rebalance: 1, topology.Hash: 2, topology.Broadcast: 3}
	return rank[a] < rank[b]
}

// defaultCost is the scenario format's default cost of an operator kind.
func defaultCost(k topology.Kind) time.Duration {
	if k == topology.Source || k == topology.Sink {
		return 0
	}
	return scenarios.DefaultCost
}

// Candidate values never cycle: a knob at its default gets none, and
// otherwise the default (where the search stops) or smaller values.

// durations lists the candidate values for a duration knob currently cur
// whose default is def: def, then the smaller of more, then cur rounded
// down to 1ms, 100us and 10us, and half of cur.
func durations(cur, def time.Duration, more ...time.Duration) []time.Duration {
	if cur == def {
		return nil
	}
	out := []time.Duration{def}
	add := func(v time.Duration) {
		if v >= 0 && v < cur && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range more {
		add(v)
	}
	for _, v := range roundings(cur, time.Millisecond, 100*time.Microsecond, 10*time.Microsecond) {
		add(v)
	}
	add(cur / 2)
	return out
}

// toDefault is def as the only candidate, unless cur is def.
func toDefault(cur, def time.Duration) []time.Duration {
	if cur == def {
		return nil
	}
	return []time.Duration{def}
}

// roundings lists cur rounded down to each unit, where that is smaller
// and positive.
func roundings(cur time.Duration, units ...time.Duration) []time.Duration {
	var out []time.Duration
	for _, u := range units {
		if r := cur - cur%u; r > 0 && r < cur && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// ints lists the candidate values for an integer knob currently cur whose
// default is def: def, then the smaller of more.
func ints(cur, def int, more ...int) []int {
	if cur == def {
		return nil
	}
	out := []int{def}
	for _, v := range more {
		if v >= 0 && v < cur && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func roundDown(d, unit time.Duration) time.Duration {
	if d < unit {
		return d
	}
	return d - d%unit
}

// uniq returns xs without repeats, in order.
func uniq(xs ...int) []int {
	var out []int
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// cloneConfig copies cfg deeply enough that candidates never share a
// graph, an operator's workload or its subtask costs, the faults or the
// savepoints.
func cloneConfig(cfg sim.Config) sim.Config {
	c := cfg
	c.Faults = slices.Clone(cfg.Faults)
	c.Recovery.Savepoints = slices.Clone(cfg.Recovery.Savepoints)
	c.Restores = slices.Clone(cfg.Restores)
	for i := range c.Restores {
		c.Restores[i].Parallelism = maps.Clone(cfg.Restores[i].Parallelism)
	}
	if cfg.Graph != nil {
		g := &topology.Graph{Operators: slices.Clone(cfg.Graph.Operators), Edges: slices.Clone(cfg.Graph.Edges)}
		for i := range g.Operators {
			op := &g.Operators[i]
			if op.Source != nil {
				s := *op.Source
				op.Source = &s
			}
			if op.SubtaskCost != nil {
				op.SubtaskCost = maps.Clone(op.SubtaskCost)
			}
		}
		c.Graph = g
	}
	return c
}

// bypass removes operator i, a stateless or keyed operator between others,
// and connects each of its inputs to each of its outputs. It reports
// whether i could be bypassed.
func bypass(g *topology.Graph, i int) bool {
	op := g.Operators[i]
	if op.Kind == topology.Source || op.Kind == topology.Sink {
		return false
	}
	var ins, outs []topology.Edge
	var rest []topology.Edge
	for _, e := range g.Edges {
		switch {
		case e.To == op.Name:
			ins = append(ins, e)
		case e.From == op.Name:
			outs = append(outs, e)
		default:
			rest = append(rest, e)
		}
	}
	for _, in := range ins {
		for _, out := range outs {
			if slices.ContainsFunc(rest, func(e topology.Edge) bool { return e.From == in.From && e.To == out.To }) {
				continue
			}
			e := topology.Edge{From: in.From, To: out.To, Partitioning: out.Partitioning}
			if e.Partitioning == topology.Forward && g.Operators[g.Index(e.From)].Parallelism != g.Operators[g.Index(e.To)].Parallelism {
				e.Partitioning = topology.Rebalance
			}
			rest = append(rest, e)
		}
	}
	g.Edges = rest
	g.Operators = slices.Delete(g.Operators, i, i+1)
	return true
}

// removeOperator removes operator i with its edges, then whatever that
// leaves dangling.
func removeOperator(g *topology.Graph, i int) {
	name := g.Operators[i].Name
	g.Operators = slices.Delete(g.Operators, i, i+1)
	g.Edges = slices.DeleteFunc(g.Edges, func(e topology.Edge) bool { return e.From == name || e.To == name })
	prune(g)
}

// prune removes operators that lost all their inputs (other than sources)
// or all their outputs (other than sinks), until none is left.
func prune(g *topology.Graph) {
	for {
		ins, outs := map[string]int{}, map[string]int{}
		for _, e := range g.Edges {
			outs[e.From]++
			ins[e.To]++
		}
		i := slices.IndexFunc(g.Operators, func(op topology.Operator) bool {
			return op.Kind != topology.Source && ins[op.Name] == 0 || op.Kind != topology.Sink && outs[op.Name] == 0
		})
		if i < 0 {
			return
		}
		name := g.Operators[i].Name
		g.Operators = slices.Delete(g.Operators, i, i+1)
		g.Edges = slices.DeleteFunc(g.Edges, func(e topology.Edge) bool { return e.From == name || e.To == name })
	}
}

// setParallelism sets operator i's parallelism, turning forward edges
// that no longer match into rebalance and dropping subtask costs of
// subtasks that no longer exist.
func setParallelism(g *topology.Graph, i, p int) {
	op := &g.Operators[i]
	op.Parallelism = p
	for idx := range op.SubtaskCost {
		if idx >= p {
			delete(op.SubtaskCost, idx)
		}
	}
	if len(op.SubtaskCost) == 0 {
		op.SubtaskCost = nil
	}
	for j := range g.Edges {
		e := &g.Edges[j]
		if e.Partitioning == topology.Forward && (e.From == op.Name || e.To == op.Name) &&
			g.Operators[g.Index(e.From)].Parallelism != g.Operators[g.Index(e.To)].Parallelism {
			e.Partitioning = topology.Rebalance
		}
	}
}
