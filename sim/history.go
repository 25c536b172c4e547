package sim

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ckptsim/ckptsim/topology"
)

// The checkpoint statistics are kept as Flink's CheckpointStatsTracker
// keeps them for its web UI: the latest web.checkpoints.history
// checkpoints in full, with a row per subtask (CheckpointStatsHistory, an
// array of that many entries whose oldest is overwritten), and for every
// checkpoint ever triggered only counts by status (CheckpointStatsCounts)
// and a summary of the completed ones (CompletedCheckpointStatsSummary:
// a StatsSummary of min, max, sum and count each of the end-to-end
// duration, the state size, the checkpointed size and the processed and
// persisted in-flight data). The simulator also keeps, beyond the
// history, every checkpoint the engine still needs: those in progress,
// those in checkpoint storage (the completed-checkpoint store and every
// savepoint) and the one the current execution was restored from; Flink
// holds those too, in its PendingCheckpoints and its
// CompletedCheckpointStore. So the memory of a run grows with what is in
// flight and retained, not with the number of checkpoints.

// StatsSummary is Flink's StatsSummary: the minimum, maximum, sum and
// count of a measurement over the completed checkpoints.
type StatsSummary struct {
	Min, Max, Sum, Count int64
}

// add counts v, as Flink does only when it is not negative.
func (s *StatsSummary) add(v int64) {
	if v < 0 {
		return
	}
	if s.Count == 0 {
		s.Min, s.Max = v, v
	}
	s.Min, s.Max = min(s.Min, v), max(s.Max, v)
	s.Sum += v
	s.Count++
}

// Avg is the mean, 0 before the first value (StatsSummary.getAverage).
func (s StatsSummary) Avg() int64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / s.Count
}

// CompletedSummary is Flink's CompletedCheckpointStatsSummary over every
// completed checkpoint of the run, evicted ones included, with the
// largest alignment of a subtask per checkpoint, which the simulator's
// summary reports too.
type CompletedSummary struct {
	EndToEnd, StateSize, CheckpointedSize, ProcessedData, PersistedData, MaxAlignment StatsSummary
}

func (c *CompletedSummary) add(cs *CheckpointStats) {
	c.EndToEnd.add(cs.EndToEnd())
	c.StateSize.add(cs.StateBytes)
	c.CheckpointedSize.add(cs.CheckpointedBytes)
	c.ProcessedData.add(cs.ProcessedBytes)
	c.PersistedData.add(cs.PersistedBytes)
	c.MaxAlignment.add(cs.MaxAlignment())
}

// HistoryStats say what the checkpoint history holds.
type HistoryStats struct {
	// Size is Config.Checkpoint.History.
	Size int
	// Evicted counts the checkpoints whose statistics are no longer held
	// in full: Result.Checkpoints lists the others.
	Evicted int
}

// idRange is checkpoints lo..hi of execution exec.
type idRange struct {
	exec   int
	lo, hi int64
}

// idSet is a set of checkpoint ids as sorted, disjoint, non-adjacent
// ranges: the completed checkpoints, which the cut checker judges its
// observations against after their statistics are gone. Checkpoints
// complete nearly in id order, so it holds a range per gap of failed
// checkpoints.
type idSet []idRange

func (s *idSet) add(exec int, n int64) {
	r := *s
	i, _ := slices.BinarySearchFunc(r, idRange{exec, n, n}, cmpRange)
	switch {
	case i > 0 && r[i-1].exec == exec && r[i-1].hi+1 >= n:
		r[i-1].hi = max(r[i-1].hi, n)
		if i < len(r) && r[i].exec == exec && r[i].lo == r[i-1].hi+1 {
			r[i-1].hi = r[i].hi
			r = slices.Delete(r, i, i+1)
		}
	case i < len(r) && r[i].exec == exec && r[i].lo-1 <= n:
		r[i].lo = min(r[i].lo, n)
	default:
		r = slices.Insert(r, i, idRange{exec, n, n})
	}
	*s = r
}

// has reports whether checkpoint n of execution exec is in the set.
func (s idSet) has(exec int, n int64) bool {
	return s.count(exec, n, n) == 1
}

// from is the index of the first range of execution exec that ends at or
// after n.
func (s idSet) from(exec int, n int64) int {
	i, _ := slices.BinarySearchFunc(s, idRange{exec, n, n}, func(r, t idRange) int {
		if r.exec != t.exec {
			return cmp.Compare(r.exec, t.exec)
		}
		return cmp.Compare(r.hi, t.lo)
	})
	return i
}

// count is the number of ids lo..hi of execution exec in the set.
func (s idSet) count(exec int, lo, hi int64) int64 {
	var n int64
	for i := s.from(exec, lo); i < len(s) && s[i].exec == exec && s[i].lo <= hi; i++ {
		n += min(hi, s[i].hi) - max(lo, s[i].lo) + 1
	}
	return n
}

// next is the smallest id of execution exec in the set that is at least
// n, or -1.
func (s idSet) next(exec int, n int64) int64 {
	if i := s.from(exec, n); i < len(s) && s[i].exec == exec {
		return max(n, s[i].lo)
	}
	return -1
}

func cmpRange(a, b idRange) int {
	if a.exec != b.exec {
		return cmp.Compare(a.exec, b.exec)
	}
	return cmp.Compare(a.lo, b.lo)
}

// add appends a newly triggered checkpoint (or an id a script skips) to
// the statistics, counts it, pairs it with the checkpoint before it for
// the records read between checkpoints, and evicts what left the history.
func (co *coordinator) add(s *Sim, cs *CheckpointStats) {
	if p := co.latest; p != nil {
		p.followed, p.readAtNext = true, cs.readAtTrigger
		if p.Status == Completed {
			co.addBetween(p)
		}
	}
	co.latest = cs
	co.last = cs.ID
	co.counts[cs.Status]++
	co.stats = append(co.stats, cs)
	co.evict(s.cfg.Checkpoint.History)
}

// addBetween counts the records the sources read between completed
// checkpoint cs and the trigger of the checkpoint after it.
func (co *coordinator) addBetween(cs *CheckpointStats) {
	co.between += max(0, cs.readAtNext-cs.readAtEnd)
	co.pairs++
}

// setStatus moves an in-progress checkpoint to its final status.
func (co *coordinator) setStatus(cs *CheckpointStats, st Status) {
	co.counts[cs.Status]--
	co.counts[st]++
	cs.Status = st
}

// completed counts a completed checkpoint in the summary.
func (co *coordinator) completed(cs *CheckpointStats) {
	co.summary.add(cs)
	co.done.add(cs.Execution, cs.ID)
	if cs.followed {
		co.addBetween(cs)
	}
}

// evict drops the statistics of the checkpoints older than the latest
// size ones that the engine no longer needs.
func (co *coordinator) evict(size int) {
	old := len(co.stats) - size
	if old <= 0 {
		return
	}
	kept := 0
	for _, cs := range co.stats[:old] {
		if co.needed(cs) {
			co.stats[kept] = cs
			kept++
		}
	}
	if kept == old {
		return
	}
	co.evicted += old - kept
	n := copy(co.stats[kept:], co.stats[old:])
	clear(co.stats[kept+n:])
	co.stats = co.stats[:kept+n]
}

// needed reports whether the engine still needs checkpoint cs: it is in
// progress, in checkpoint storage (restores read it), or the checkpoint
// the current execution was restored from (its id is the base of the
// execution's ids).
func (co *coordinator) needed(cs *CheckpointStats) bool {
	return cs.Status == InProgress || cs.InStorage || cs == co.origin
}

// evictedID reports whether checkpoint n of the current execution was
// triggered but its statistics are no longer held.
func (co *coordinator) evictedID(n int64) bool {
	return n > co.base && n <= co.last && co.get(n) == nil
}

// goneReason says why checkpoint n, completed but no longer held, cannot
// be restored: everything in checkpoint storage is held.
func (co *coordinator) goneReason(s *Sim, n int64) string {
	return fmt.Sprintf("checkpoint %d is no longer retained: it left checkpoint storage long ago (its statistics are older than the history of the latest %d checkpoints)",
		n, s.cfg.Checkpoint.History)
}

// LongestHistory is the longest Config.Checkpoint.History the bounds
// allow for job g (MaxHistory, MaxHistoryRows): what a tool that judges
// every checkpoint of a run (check's properties, compare's percentiles)
// gives a run, which changes nothing else in it.
func LongestHistory(g *topology.Graph) int {
	if g == nil {
		return DefaultHistory
	}
	return max(DefaultHistory, min(MaxHistory, MaxHistoryRows/max(1, g.Subtasks())))
}
