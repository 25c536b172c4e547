package sim

import (
	"fmt"
	"slices"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// Result is what a run produced: the checkpoints as Flink's web UI would
// list them, a summary, and the verdicts of the invariant checkers.
type Result struct {
	// Scenario is the Config's name and Seed its seed.
	Scenario string
	Seed     uint64
	// VirtualEnd is the virtual time at which the run ended.
	VirtualEnd int64
	// Events is the number of events fired.
	Events int64
	// Stop says why the run ended.
	Stop StopReason
	// Mode is the checkpointing mode.
	Mode Mode
	// Snapshots are the snapshots of mode ChandyLamport's token job, in
	// id order (from 1), each as the COS 418 assignment prints it;
	// TokenTotal is the tokens in the system.
	Snapshots  []tokens.Snap
	TokenTotal int64
	// StateBackend is the state backend, with its defaults.
	StateBackend StateBackendConfig
	// FlinkVersion is the release whose rules the run followed.
	FlinkVersion FlinkVersion
	// Job is the job's status at the end of the run.
	Job JobStatus
	// Failovers lists every failover of the job, in order.
	Failovers []FailoverStats
	// Resubmissions lists the manual restores, in order.
	Resubmissions []ResubmissionStats
	// StopWithSavepoint is the stop-with-savepoint, nil if none was asked
	// for (yet).
	StopWithSavepoint *StopStats
	// Retained are the ids of the current execution's completed
	// checkpoints and savepoints still in checkpoint storage: every
	// savepoint, and the newest num-retained checkpoints unless the job's
	// terminal state deleted them (the externalized checkpoint retention).
	// Checkpoints[i].InStorage says the same of every execution's.
	Retained []int64
	// AlignedEdges, in unaligned mode, are the edges whose channels stay
	// aligned, "from -> to (partitioning)": the input edges of an operator
	// with a forward or broadcast input, on which Flink disables unaligned
	// checkpoints (topology.Graph.UnalignedUnsupported).
	AlignedEdges []string
	// Checkpoints in trigger order: those in the history (the latest
	// Config.Checkpoint.History) and those the engine still needed, see
	// History; the Summary and CompletedSummary count every checkpoint.
	Checkpoints []CheckpointStats
	// History says how many checkpoints Checkpoints leaves out.
	History HistoryStats
	// CompletedSummary is Flink's summary of every completed checkpoint.
	CompletedSummary CompletedSummary
	// Summary of the run.
	Summary Summary
	// Invariants checked over the run.
	Invariants []Invariant
	// Deadlock is the cycle of waits that keeps a checkpoint's alignment
	// from ever ending at the end of the run, as it would in Flink (see
	// Deadlock), nil if there is none.
	Deadlock *Deadlock
	// RestoreLoop, when Stop is RestoreLoop, names the unreadable state
	// every restart would restore: "checkpoint N" or "savepoint N".
	RestoreLoop string
}

// Summary condenses a run.
type Summary struct {
	// RecordsIn is the number of records the sources read; RecordsOut the
	// number the sinks received.
	RecordsIn, RecordsOut int64
	// Checkpoints by final status.
	Completed, Expired, Aborted, InProgress int
	// End-to-end durations of completed checkpoints (ns).
	MeanEndToEnd, MaxEndToEnd int64
	// Largest alignment of a subtask per completed checkpoint (ns).
	MeanAlignment, MaxAlignment int64
	// PersistedBytes is the in-flight data persisted by completed checkpoints.
	PersistedBytes int64
	// RecordsBetweenCheckpoints is the mean number of records the sources
	// read between the completion of a checkpoint and the trigger of the
	// next: the work done while no checkpoint is in progress.
	RecordsBetweenCheckpoints int64
	// Restarts is the number of restarts of the job (or of regions).
	Restarts int
	// AwaitingFinal counts the subtasks that read their last record and
	// still wait for their final checkpoint at the end of the run
	// (FLIP-147); LastEndOfInput is when the last subtask reached the end
	// of its input (0: none did). A bounded job whose checkpoints never
	// complete after that stays RUNNING, as Flink's does.
	AwaitingFinal  int
	LastEndOfInput int64
	// MeanRestoreTime and MaxRestoreTime are the durations of the restores
	// (from the redeployment to the last restored subtask), ns.
	MeanRestoreTime, MaxRestoreTime int64
	// Duplicates and Lost compare the sinks' output with the failure-free
	// output: records written more than once, and records never written.
	// For an exactly-once (two-phase commit) sink only committed output
	// counts.
	Duplicates, Lost int64
	// LostAtFinish counts the lost records, of Lost, that were in the
	// transactions of a two-phase commit sink when it finished without
	// checkpoints after tasks finished (Flink before 1.15, FLIP-147):
	// TwoPhaseCommitSinkFunction.close aborts the open transaction, and the
	// pre-committed ones wait for a notification that a finished task never
	// gets. Flink loses these records too.
	LostAtFinish int64
	// MeanCommitLatency and MaxCommitLatency are how long a record written
	// to a two-phase commit sink waited until its transaction committed and
	// a read-committed reader could see it, ns.
	MeanCommitLatency, MaxCommitLatency int64
	// StorageBytes is what the checkpoints and savepoints still in
	// checkpoint storage take at the end of the run, and PeakStorageBytes
	// the most they took at once: the private files of each, plus every
	// shared file a retained checkpoint references, once
	// (SharedStateRegistry).
	StorageBytes, PeakStorageBytes int64
}

// JobStatus is the job's state, as Flink names it.
type JobStatus uint8

// The job statuses.
const (
	JobRunning JobStatus = iota
	JobRestarting
	JobFailed
	JobFinished
	JobCanceled
)

var jobNames = [...]string{"RUNNING", "RESTARTING", "FAILED", "FINISHED", "CANCELED"}

// String is the status in Flink's upper-case spelling.
func (j JobStatus) String() string { return jobNames[j] }

// FailoverStats describe one failover: what failed, what restarted, and
// where it recovered from.
type FailoverStats struct {
	// At is the failure time.
	At int64
	// Cause says what failed ("crash of count[1]", "checkpoint failures
	// exceeded the tolerable number", ...).
	Cause string
	// Subtasks is the number of subtasks restarted (the region, or all).
	Subtasks int
	// Origin is the subtask whose fault started the failover, -1 for a
	// job-wide cause (too many checkpoint failures).
	Origin int32
	// RestoredFrom is the checkpoint (or savepoint) id the restart restored
	// from, 0 for a start without state, -1 if the job failed instead.
	RestoredFrom int64
	// Savepoint reports whether RestoredFrom is a savepoint.
	Savepoint bool
	// RestartAt is when the restarted subtasks were redeployed, and
	// RestoredAt when the last of them finished restoring (0 if not yet).
	RestartAt, RestoredAt int64
	// LocalRestores counts subtasks restored from their local copy.
	LocalRestores int
}

// Invariant is the verdict of one checker.
type Invariant struct {
	// Name of the checker.
	Name string
	// OK reports whether it held.
	OK bool
	// Detail explains the verdict.
	Detail string
}

// CompletedSnapshots is the number of the token job's snapshots that
// completed (mode ChandyLamport).
func (r *Result) CompletedSnapshots() int {
	n := 0
	for i := range r.Snapshots {
		if r.Snapshots[i].Done {
			n++
		}
	}
	return n
}

// OK reports whether every invariant held.
func (r *Result) OK() bool {
	for _, inv := range r.Invariants {
		if !inv.OK {
			return false
		}
	}
	return true
}

// alignedEdges lists, in unaligned mode, the edges with channels on
// which unaligned checkpoints are disabled.
func (s *Sim) alignedEdges() []string {
	if s.cfg.Checkpoint.Mode != Unaligned {
		return nil
	}
	var out []string
	for i, off := range s.cfg.Graph.UnalignedUnsupported() {
		if e := s.cfg.Graph.Edges[i]; off && !s.eg.Chained[i] {
			out = append(out, fmt.Sprintf("%s -> %s (%s)", e.From, e.To, e.Partitioning))
		}
	}
	return out
}

// carve copies xs to the end of buf, whose capacity must hold them, and
// returns the copy, capped so that appending to it copies, and buf; nil
// for none, as a fresh copy would be.
func carve[T any](buf, xs []T) (copied, rest []T) {
	if len(xs) == 0 {
		return nil, buf
	}
	i := len(buf)
	buf = append(buf, xs...)
	return buf[i:len(buf):len(buf)], buf
}

// Result describes the run so far (it may be called before the end).
func (s *Sim) Result() *Result {
	r := &Result{Scenario: s.cfg.Name, Seed: s.cfg.Seed, VirtualEnd: s.now, Events: s.fired, Stop: s.stop,
		Mode: s.cfg.Checkpoint.Mode, StateBackend: s.cfg.StateBackend, FlinkVersion: s.cfg.FlinkVersion.OrCurrent(), Job: s.job.status, Failovers: slices.Clone(s.job.failovers),
		Resubmissions: slices.Clone(s.job.resubmissions)}
	if s.tokens != nil {
		s.tokenResult(r)
		return r
	}
	if st := s.job.stop; st != nil {
		c := *st
		r.StopWithSavepoint = &c
	}
	co := &s.coord
	rows, offsets := 0, 0
	for _, cs := range co.stats {
		rows, offsets = rows+len(cs.Subtasks), offsets+len(cs.Offsets)
	}
	// The copies share two arrays, one allocation each (every checkpoint
	// has a row per subtask): a check sweep makes a Result twice per run.
	if len(co.stats) > 0 {
		r.Checkpoints = make([]CheckpointStats, 0, len(co.stats))
	}
	subs, offs := make([]SubtaskStats, 0, rows), make([]int64, 0, offsets)
	for _, cs := range co.stats {
		if cs.InStorage && cs.Execution == co.execution {
			r.Retained = append(r.Retained, cs.ID)
		}
		c := *cs
		c.Subtasks, subs = carve(subs, cs.Subtasks)
		c.Offsets, offs = carve(offs, cs.Offsets)
		c.states = nil
		r.Checkpoints = append(r.Checkpoints, c)
	}
	r.History = HistoryStats{Size: s.cfg.Checkpoint.History, Evicted: co.evicted}
	r.CompletedSummary = co.summary
	r.AlignedEdges = s.alignedEdges()
	r.Deadlock = s.Deadlock()
	if s.stop == Deadlocked {
		r.Deadlock = s.deadlock
	}
	if s.stop == RestoreLoop {
		r.RestoreLoop = co.label(co.restorePoint(s).ID)
	}
	sm := &r.Summary
	sm.LastEndOfInput = s.lastEndOfInput
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.endOfData && !t.finished {
			sm.AwaitingFinal++
		}
		if t.isSource() {
			sm.RecordsIn += t.processed
		}
		sm.RecordsOut += t.sunk
	}
	sm.Completed, sm.Expired, sm.Aborted, sm.InProgress = co.counts[Completed], co.counts[Expired], co.counts[Aborted], co.counts[InProgress]
	cp := &co.summary
	sm.MeanEndToEnd, sm.MaxEndToEnd = cp.EndToEnd.Avg(), cp.EndToEnd.Max
	sm.MeanAlignment, sm.MaxAlignment = cp.MaxAlignment.Avg(), cp.MaxAlignment.Max
	sm.PersistedBytes = cp.PersistedData.Sum
	if co.pairs > 0 {
		sm.RecordsBetweenCheckpoints = co.between / co.pairs
	}
	var restore int64
	for _, f := range r.Failovers {
		if f.RestartAt > 0 {
			sm.Restarts++
		}
		if f.RestoredAt > 0 {
			d := f.RestoredAt - f.RestartAt
			restore += d
			sm.MaxRestoreTime = max(sm.MaxRestoreTime, d)
		}
	}
	if sm.Restarts > 0 {
		sm.MeanRestoreTime = restore / int64(sm.Restarts)
	}
	if s.committedRecs > 0 {
		sm.MeanCommitLatency = s.commitLatency / s.committedRecs
		sm.MaxCommitLatency = s.maxCommitLatency
	}
	sm.StorageBytes, sm.PeakStorageBytes = s.coord.shared.used(), s.coord.shared.peak
	run := s.runView()
	s.checks.report(&run, r)
	if b := &s.cfg.StateBackend; b.incremental() || b.Changelog.Enabled {
		r.Invariants = append(r.Invariants, s.sharedInvariant())
	}
	return r
}

// runView is what the checkers' reports read of the run as it stands
// (observer.go).
func (s *Sim) runView() runView {
	co := &s.coord
	run := runView{stats: co.stats, done: co.done, completed: co.counts[Completed], eg: s.eg, graphOf: s.GraphOf, finished: s.job.status == JobFinished}
	if !run.finished {
		return run
	}
	run.states = make([]map[int64]int64, len(s.tasks))
	for i := range s.tasks {
		run.states[i] = s.tasks[i].state.toMap()
	}
	run.inputEnd = make([]int64, len(s.logs))
	for p, l := range s.logs {
		run.inputEnd[p] = s.inputEnd(p, l)
	}
	return run
}

// inputEnd is how much of partition p (log l) the job consumed in the
// end: all of it, or for a job stopped with a savepoint the savepoint's
// offset.
func (s *Sim) inputEnd(p int, l *sourceLog) int64 {
	if st := s.job.stop; st != nil && st.Failed == "" && s.job.stopped {
		if cs := s.coord.get(st.Savepoint); cs != nil && cs.Offsets[p] >= 0 {
			return cs.Offsets[p]
		}
	}
	return l.spec.Records
}
