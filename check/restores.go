package check

import (
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// restoreWay is how a generated manual restore resubmits the job.
type restoreWay uint8

const (
	// afterStop: flink stop (a synchronous savepoint), then flink run -s
	// from it: Flink's way to rescale without writing output twice.
	afterStop restoreWay = iota
	// fromSavepoint: a savepoint while the job runs, and later a restore
	// of it (the job is cancelled first).
	fromSavepoint
	// fromRetained: a restore of the latest retained checkpoint, which the
	// cancellation keeps (RETAIN_ON_CANCELLATION).
	fromRetained
)

// drawRestore adds a manual restore to cfg (see Bounds.Restores), within
// the run's expected length, and its rescaling (Bounds.Rescale).
func drawRestore(t *rapid.T, b *Bounds, cfg *sim.Config) {
	length := RunLength(cfg)
	if b.Restores == Never || length < 10*time.Millisecond {
		return
	}
	// One run in three (Sometimes): the properties of runs without a
	// restore (liveness, bounded drain) keep most of their runs.
	if b.Restores == Sometimes && rapid.IntRange(0, 2).Draw(t, "restore?") != 0 {
		return
	}
	if cfg.Recovery.Restart.Kind == "" { // unset: Flink's defaults, with the tolerable failures drawn
		tol := cfg.Recovery.TolerableFailures
		cfg.Recovery = sim.DefaultRecoveryConfig()
		cfg.Recovery.TolerableFailures = tol
	}
	// The savepoint (or the stop) comes early enough for the job to run
	// on after the restore, and the restore late enough for the savepoint
	// or a retained checkpoint to have completed in most runs.
	first := drawTime(t, DurationRange{length / 10, length * 6 / 10}, 10*time.Microsecond, "restore point")
	at := first + drawTime(t, DurationRange{length / 10, length / 2}, 10*time.Microsecond, "restore after")
	r := sim.ManualRestore{At: at, From: sim.FromSavepoint}
	// The simplest first: rapid shrinks towards it.
	switch rapid.SampledFrom([]restoreWay{afterStop, fromSavepoint, fromRetained}).Draw(t, "restore way") {
	case afterStop:
		cfg.Recovery.Stop = sim.StopWithSavepoint{At: first}
	case fromSavepoint:
		cfg.Recovery.Savepoints = append(cfg.Recovery.Savepoints, first)
		slices.Sort(cfg.Recovery.Savepoints)
	case fromRetained:
		r.From = sim.FromLatestRetained
		cfg.Recovery.Externalized = sim.RetainOnCancellation
	}
	if drawChoice(t, b.Rescale, "rescale") {
		r.Parallelism = drawParallelisms(t, b, cfg.Graph)
	}
	cfg.Restores = []sim.ManualRestore{r}
}

// drawParallelisms draws new parallelisms for a rescaling restore of g:
// one for each group of operators joined by forward edges (which keep
// equal parallelism on both sides), in operator order, leaving out the
// groups with a receiver of a broadcast edge.
func drawParallelisms(t *rapid.T, b *Bounds, g *topology.Graph) map[string]int {
	group := make([]int, len(g.Operators))
	for i := range group {
		group[i] = i
	}
	var root func(int) int
	root = func(i int) int {
		for group[i] != i {
			i = group[i]
		}
		return i
	}
	from, to := g.EdgeEnds()
	fixed := make([]bool, len(g.Operators))
	for i, e := range g.Edges {
		switch e.Partitioning {
		case topology.Forward:
			a, c := root(from[i]), root(to[i])
			group[max(a, c)] = min(a, c)
		case topology.Broadcast:
			fixed[to[i]] = true
		}
	}
	for i := range fixed {
		if fixed[i] {
			fixed[root(i)] = true
		}
	}
	par := map[string]int{}
	drawn := map[int]int{}
	for i := range g.Operators {
		r := root(i)
		if fixed[r] {
			continue
		}
		p, ok := drawn[r]
		if !ok {
			p = drawInt(t, b.Parallelism, "rescale "+g.Operators[r].Name)
			drawn[r] = p
		}
		par[g.Operators[i].Name] = p
	}
	return par
}
