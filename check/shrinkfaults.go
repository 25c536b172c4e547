package check

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// faultCandidates lists simpler fault schedules for cfg: without each
// fault; each random-crashes fault turned into one crash at a time and of
// a subtask where a crash struck in cfg's run, or with a shorter window;
// each fault earlier, shorter, milder, on an earlier checkpoint, without
// losing its machine, on an earlier operator.
func faultCandidates(cfg sim.Config) []sim.Config {
	var out []sim.Config
	with := func(i int, f sim.Fault) {
		c := cloneConfig(cfg)
		c.Faults[i] = f
		out = append(out, c)
	}
	for i := range cfg.Faults {
		c := cloneConfig(cfg)
		c.Faults = slices.Delete(c.Faults, i, i+1)
		out = append(out, c)
	}
	var crashes []observedCrash
	if slices.ContainsFunc(cfg.Faults, func(f sim.Fault) bool { return f.Kind == sim.RandomCrashes }) {
		crashes = observeCrashes(cfg)
	}
	for i, f := range cfg.Faults {
		if f.Kind == sim.RandomCrashes {
			for _, oc := range crashes {
				with(i, sim.Fault{Kind: sim.Crash, Subtask: oc.subtask, At: oc.at, MachineLost: f.MachineLost})
			}
		}
		if f.MachineLost {
			g := f
			g.MachineLost = false
			with(i, g)
		}
		// An earlier operator's first subtask (never a later one, so that
		// the search does not cycle), so that the operator this one strikes
		// may go.
		if op, _, ok := parseSubtask(f.Subtask); ok {
			for _, o := range cfg.Graph.Operators[:max(0, cfg.Graph.Index(op))] {
				g := f
				g.Subtask = o.Name + "[0]"
				with(i, g)
			}
		}
		// Earlier: the window keeps its length.
		if f.At > 0 {
			for _, at := range append([]time.Duration{0}, append(roundings(f.At, 100*time.Millisecond, 10*time.Millisecond, time.Millisecond), f.At/2)...) {
				if at >= f.At {
					continue
				}
				g := f
				g.At = at
				if f.Until > 0 {
					g.Until = f.Until - (f.At - at)
				}
				with(i, g)
			}
		}
		// Shorter windows (a partition still heals).
		if w := f.Until - f.At; f.Until > 0 && w > 10*time.Microsecond {
			for _, v := range append(roundings(w, 100*time.Millisecond, 10*time.Millisecond, time.Millisecond), w/2) {
				if v > 0 && v < w {
					g := f
					g.Until = f.At + v
					with(i, g)
				}
			}
		}
		if f.Checkpoint > 1 {
			for _, n := range uniq(1, int(f.Checkpoint/2), int(f.Checkpoint-1)) {
				if n >= 1 && int64(n) < f.Checkpoint {
					g := f
					g.Checkpoint = int64(n)
					with(i, g)
				}
			}
		}
		if f.Factor > 2 {
			for _, v := range []float64{2, math.Floor(f.Factor / 2)} {
				if v >= 2 && v < f.Factor {
					g := f
					g.Factor = v
					with(i, g)
				}
			}
		}
		if f.Delay > 0 {
			for _, v := range append(roundings(f.Delay, time.Millisecond, 100*time.Microsecond), f.Delay/2) {
				if v > 0 && v < f.Delay {
					g := f
					g.Delay = v
					with(i, g)
				}
			}
		}
	}
	return dedupe(out)
}

// dedupe drops candidates whose faults equal an earlier one's.
func dedupe(cs []sim.Config) []sim.Config {
	var out []sim.Config
	for _, c := range cs {
		if !slices.ContainsFunc(out, func(o sim.Config) bool { return slices.Equal(o.Faults, c.Faults) }) {
			out = append(out, c)
		}
	}
	return out
}

// observedCrash is a crash that struck in a run.
type observedCrash struct {
	subtask string
	at      time.Duration
}

// maxObservedCrashes bounds the single crashes a random-crashes fault is
// turned into.
const maxObservedCrashes = 3

// crashCause reads the subtask of a failover's cause.
var crashCause = regexp.MustCompile(`^crash of (\S+\[\d+\])`)

// observeCrashes runs cfg and lists its first crashes.
func observeCrashes(cfg sim.Config) []observedCrash {
	s, err := sim.New(cfg)
	if err != nil {
		return nil
	}
	var out []observedCrash
	for _, f := range s.Run().Failovers {
		if m := crashCause.FindStringSubmatch(f.Cause); m != nil {
			out = append(out, observedCrash{m[1], time.Duration(f.At)})
			if len(out) == maxObservedCrashes {
				break
			}
		}
	}
	return out
}

// recoveryCandidates moves the recovery settings towards Flink's
// defaults: no savepoint, no preference for checkpoints, no local
// recovery, region failover, the default restart strategy or its keys,
// no cancellation, the default restore speeds.
func recoveryCandidates(cfg sim.Config) []sim.Config {
	r := cfg.Recovery
	if r.Restart.Kind == "" { // unset: the defaults but the tolerance
		return nil
	}
	var out []sim.Config
	try := func(f func(r *sim.RecoveryConfig)) {
		c := cloneConfig(cfg)
		f(&c.Recovery)
		out = append(out, c)
	}
	for i := range r.Savepoints {
		try(func(r *sim.RecoveryConfig) { r.Savepoints = slices.Delete(r.Savepoints, i, i+1) })
	}
	d := sim.DefaultRecoveryConfig()
	if r.CancelAt != d.CancelAt {
		try(func(r *sim.RecoveryConfig) { r.CancelAt = d.CancelAt })
	}
	if r.PreferCheckpointForRecovery {
		try(func(r *sim.RecoveryConfig) { r.PreferCheckpointForRecovery = false })
	}
	if r.LocalRecovery {
		try(func(r *sim.RecoveryConfig) { r.LocalRecovery = false })
	}
	if r.Failover != d.Failover {
		try(func(r *sim.RecoveryConfig) { r.Failover = d.Failover })
	}
	rs, ds := r.Restart, d.Restart
	if rs != ds {
		try(func(r *sim.RecoveryConfig) { r.Restart = ds })
	}
	for _, v := range durations(rs.Delay, ds.Delay, 0) {
		if v > 0 || rs.Kind != sim.ExponentialDelay {
			try(func(r *sim.RecoveryConfig) { r.Restart.Delay = v })
		}
	}
	if rs.Kind == sim.ExponentialDelay {
		if rs.MaxDelay != ds.MaxDelay {
			try(func(r *sim.RecoveryConfig) { r.Restart.MaxDelay = ds.MaxDelay })
		}
		if rs.Multiplier != ds.Multiplier {
			try(func(r *sim.RecoveryConfig) { r.Restart.Multiplier = ds.Multiplier })
		}
		if rs.Jitter != ds.Jitter {
			try(func(r *sim.RecoveryConfig) { r.Restart.Jitter = ds.Jitter })
		}
		if rs.ResetThreshold != ds.ResetThreshold {
			try(func(r *sim.RecoveryConfig) { r.Restart.ResetThreshold = ds.ResetThreshold })
		}
	}
	if r.RestoreBase != d.RestoreBase || r.RemoteBandwidth != d.RemoteBandwidth || r.LocalBandwidth != d.LocalBandwidth || r.Externalized != d.Externalized {
		try(func(r *sim.RecoveryConfig) {
			r.RestoreBase, r.RemoteBandwidth, r.LocalBandwidth, r.Externalized = d.RestoreBase, d.RemoteBandwidth, d.LocalBandwidth, d.Externalized
		})
	}
	return out
}

// subtaskRef is a subtask name "op[i]".
var subtaskRef = regexp.MustCompile(`^(.+)\[(\d+)\]$`)

func parseSubtask(name string) (op string, index int, ok bool) {
	m := subtaskRef.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	i, err := strconv.Atoi(m[2])
	return m[1], i, err == nil
}

// retarget keeps the faults of a changed job on subtasks and channels it
// has: a subtask index beyond the parallelism becomes the last subtask, a
// forward channel connects equal indexes, and a fault whose operator or
// edge is gone is dropped. It returns true, for use in candidates.
func retarget(c *sim.Config) bool {
	g := c.Graph
	par := func(op string) int {
		if i := g.Index(op); i >= 0 {
			return g.Operators[i].Parallelism
		}
		return 0
	}
	sub := func(name string) (string, int, bool) {
		op, i, ok := parseSubtask(name)
		if !ok || par(op) == 0 {
			return "", 0, false
		}
		return op, min(i, par(op)-1), true
	}
	c.Faults = slices.DeleteFunc(c.Faults, func(f sim.Fault) bool {
		return !fixTargets(&f, g, sub)
	})
	for i := range c.Faults {
		fixTargets(&c.Faults[i], g, sub)
	}
	for _, r := range c.Restores { // a rescale of an operator that is gone
		maps.DeleteFunc(r.Parallelism, func(op string, _ int) bool { return g.Index(op) < 0 })
	}
	return true
}

// fixTargets rewrites f's subtask and channel into g, reporting false when
// one of them cannot be.
func fixTargets(f *sim.Fault, g *topology.Graph, sub func(string) (string, int, bool)) bool {
	if f.Subtask != "" {
		op, i, ok := sub(f.Subtask)
		if !ok {
			return false
		}
		f.Subtask = op + "[" + strconv.Itoa(i) + "]"
	}
	if f.Channel != "" {
		from, to, ok := strings.Cut(f.Channel, "->")
		if !ok {
			return false
		}
		a, i, ok1 := sub(from)
		b, j, ok2 := sub(to)
		if !ok1 || !ok2 {
			return false
		}
		e := slices.IndexFunc(g.Edges, func(e topology.Edge) bool { return e.From == a && e.To == b })
		if e < 0 {
			return false
		}
		if g.Edges[e].Partitioning == topology.Forward {
			j = i
		}
		f.Channel = a + "[" + strconv.Itoa(i) + "]->" + b + "[" + strconv.Itoa(j) + "]"
	}
	return true
}

// targetsExist reports whether every fault's subtask and channel exists
// in the job.
func targetsExist(c *sim.Config) bool {
	g := c.Graph
	exact := func(name string) (string, int, bool) {
		op, i, ok := parseSubtask(name)
		if !ok || g.Index(op) < 0 || i >= g.Operators[g.Index(op)].Parallelism || name != op+"["+strconv.Itoa(i)+"]" {
			return "", 0, false
		}
		return op, i, true
	}
	for _, f := range c.Faults {
		g2 := f
		if !fixTargets(&g2, g, exact) || g2 != f {
			return false
		}
	}
	return true
}
