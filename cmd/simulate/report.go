package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ckptsim/ckptsim/internal/human"
	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// writeText prints the header, the checkpoint table, the summary, the
// invariants and the expectations' verdicts.
func writeText(w io.Writer, sc *scenarios.Scenario, s *sim.Sim, r *sim.Result, exps []scenarios.ExpectationResult, subtasks bool) error {
	cfg := s.Config()
	mode := string(cfg.Checkpoint.Mode)
	if cfg.Checkpoint.AlignedCheckpointTimeout > 0 {
		mode = fmt.Sprintf("aligned, unaligned after %v (aligned checkpoint timeout)", cfg.Checkpoint.AlignedCheckpointTimeout)
	}
	eg := s.GraphOf(0) // the job as first submitted
	version := ""
	if r.FlinkVersion != sim.CurrentFlinkVersion {
		version = fmt.Sprintf(" · Flink %s rules", r.FlinkVersion)
	}
	fmt.Fprintf(w, "ckptsim · scenario %s · seed %d · mode %s%s\n", r.Scenario, r.Seed, mode, version)
	for _, warning := range sc.Warnings {
		fmt.Fprintf(w, "%s\n", warning)
	}
	if d := strings.TrimSpace(sc.Description); d != "" {
		fmt.Fprintf(w, "%s\n", d)
	}
	if cfg.Checkpoint.Mode == sim.ChandyLamport {
		fmt.Fprintf(w, "%d processes, %d channels · %d tokens · run ended at %s (%s) after %d events\n",
			len(eg.Subtasks), len(eg.Channels), r.TokenTotal, dur(r.VirtualEnd), stopWord(r.Stop), r.Events)
	} else {
		fmt.Fprintf(w, "%d subtasks, %d channels · interval %v · run ended at %s (%s) after %d events\n",
			len(eg.Subtasks), len(eg.Channels), cfg.Checkpoint.Interval, dur(r.VirtualEnd), stopWord(r.Stop), r.Events)
	}
	if chains := chainNames(eg); len(chains) > 0 {
		fmt.Fprintf(w, "chained into one task each: %s\n", termsafe.Line(strings.Join(chains, "; ")))
	}
	if len(r.AlignedEdges) > 0 {
		fmt.Fprintf(w, "unaligned checkpoints are disabled on %s: an operator with a forward or broadcast input aligns every input\n",
			termsafe.Line(strings.Join(r.AlignedEdges, ", ")))
	}
	fmt.Fprintln(w)
	if r.Stop == sim.Running {
		note := ""
		if len(sc.Expect) > 0 {
			note = ", and the scenario's expectations are not judged"
		}
		fmt.Fprintf(w, "INTERRUPTED at virtual time %s after %d events, before the run's end: the figures below are those of the run so far%s.\n\n",
			dur(r.VirtualEnd), r.Events, note)
	}
	if r.Stop == sim.Stalled {
		fmt.Fprintf(w, "STALLED at virtual time %s: every subtask still running read its last record and waits for its final checkpoint (FLIP-147), and checkpoint after checkpoint fails with nothing left that could change it; Flink's job would stay RUNNING. Let checkpoints complete (a longer timeout, a faster upload) for the job to finish.\n\n",
			dur(r.VirtualEnd))
	}
	if r.Stop == sim.RestoreLoop {
		why, fix := "exponential-delay without attempts_before_reset_backoff never gives up", "attempts_before_reset_backoff"
		if rs := cfg.Recovery.Restart; rs.Kind == sim.FailureRate {
			why = fmt.Sprintf("failure-rate: the failures come too slowly to reach %d in %s", rs.MaxFailures, rs.Interval)
			fix = "a longer interval"
		}
		fmt.Fprintf(w, "RESTORE LOOP at virtual time %s: every restart restores %s, whose state cannot be read, and fails again: a failover restores the latest completed checkpoint and never an older one (FLINK-22502), none can complete while the job restores, and the restart strategy restarts forever (%s). Flink's job would fail over forever; the run ends here. Limit the restarts (%s, or another strategy) for the job to FAIL, or restore another checkpoint by hand (restore: {from: ...}).\n\n",
			dur(r.VirtualEnd), r.RestoreLoop, why, fix)
	}
	if r.Stop == sim.Deadlocked {
		fmt.Fprintf(w, "DEADLOCKED at virtual time %s: the job is stuck in the deadlock below with nothing left that could change it: no record moved while checkpoint after checkpoint failed, failed checkpoints are tolerated (tolerable_failed_checkpoints: unlimited), and no fault, stop or restore is to come. Flink's job would stay RUNNING; the run ends here.\n\n",
			dur(r.VirtualEnd))
	}
	if r.Stop == sim.EventBudget {
		fmt.Fprintf(w, "STOPPED EARLY: the event budget of %d events was spent at virtual time %s, before the run's end; raise max_events or lower until.\n\n",
			r.Events, dur(r.VirtualEnd))
	}
	if cfg.Checkpoint.Mode == sim.ChandyLamport {
		writeSnapshots(w, r)
		writeInvariants(w, r)
		writeExpectations(w, sc.File, exps)
		return nil
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// The columns of Flink's checkpoint history (1.15+): Checkpointed Data
	// Size, Full Checkpoint Data Size, Processed (persisted) in-flight data.
	fmt.Fprintln(tw, "ID\tSTATUS\tTRIGGERED\tEND-TO-END\tACKED\tCHECKPOINTED\tFULL SIZE\tMAX ALIGNMENT\tPROCESSED (PERSISTED)\t")
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		if i > 0 && c.Execution != r.Checkpoints[i-1].Execution {
			fmt.Fprintf(tw, "--\texecution %d\t\t\t\t\t\t\t\t\n", c.Execution+1)
		}
		status := c.Status.String()
		if c.Reason != sim.NoReason && c.Status == sim.Aborted {
			status += " (" + c.Reason.String() + ")"
		}
		switch {
		case c.Synchronous:
			status = "STOP SAVEPOINT " + status
		case c.Savepoint:
			status = "SAVEPOINT " + status
		}
		e2e := "-"
		if c.Status != sim.InProgress {
			e2e = dur(c.EndToEnd())
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t\n", c.ID, status, dur(c.TriggerAt), e2e,
			c.Acked, c.Total, size(c.CheckpointedBytes), size(c.StateBytes), dur(c.MaxAlignment()), inFlight(c.ProcessedBytes, c.PersistedBytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Checkpoints) == 0 {
		fmt.Fprintln(w, "(no checkpoint was triggered)")
	}
	writeHistory(w, r)
	if log := s.ScriptLog(); len(log) > 0 {
		fmt.Fprintln(w, "\nAt the scripted task, in order:")
		for _, line := range log {
			fmt.Fprintln(w, "  "+line)
		}
	}
	if subtasks {
		writeSubtasks(w, s, r)
	}
	sm := r.Summary
	fmt.Fprintf(w, "\nSummary: %d records read by sources, %d received by sinks\n", sm.RecordsIn, sm.RecordsOut)
	fmt.Fprintf(w, "  checkpoints: %d completed, %d expired, %d aborted, %d in progress\n", sm.Completed, sm.Expired, sm.Aborted, sm.InProgress)
	fmt.Fprintf(w, "  end-to-end duration: mean %s, max %s · alignment: mean %s, max %s · persisted in-flight data %s\n",
		dur(sm.MeanEndToEnd), dur(sm.MaxEndToEnd), dur(sm.MeanAlignment), dur(sm.MaxAlignment), size(sm.PersistedBytes))
	fmt.Fprintf(w, "  records read between a checkpoint's completion and the next trigger: %d on average\n", sm.RecordsBetweenCheckpoints)
	if sm.AwaitingFinal > 0 {
		fmt.Fprintf(w, "  %d subtask(s) read their last record and wait for their final checkpoint (FLIP-147): the job FINISHES once a checkpoint they take part in completes\n", sm.AwaitingFinal)
	}
	if b := r.StateBackend; !b.IsDefault() {
		fmt.Fprintf(w, "  state backend %s · checkpoint storage used: %s at the end, %s at most\n", b, size(sm.StorageBytes), size(sm.PeakStorageBytes))
	}
	writeFailovers(w, r)
	writeDeadlock(w, r)
	writeInvariants(w, r)
	writeExpectations(w, sc.File, exps)
	return nil
}

// writeDeadlock says that a checkpoint can never complete, and why, when
// the run ended in a cycle of waits (sim.Deadlock): Flink's behaviour, not
// the simulator's.
func writeDeadlock(w io.Writer, r *sim.Result) {
	d := r.Deadlock
	if d == nil {
		return
	}
	if d.OwnBuffer() {
		fmt.Fprintf(w, "\nDEADLOCK: %s and the subtask below makes no progress, as in Flink:\n  %s.\n", d.Stuck(), d.Text)
		fmt.Fprintln(w, "  Nothing in Flink ends it: with max-buffers-per-channel 1 the buffer being filled makes the task's buffer pool unavailable (LocalBufferPool), so the task takes no input, and the output flusher sends what the buffer holds without finishing it; raise max_buffers_per_channel (docs/flink-semantics.md, \"Own-buffer wait\").")
		return
	}
	fmt.Fprintf(w, "\nDEADLOCK: %s and the subtasks below make no progress, as in Flink: forced-aligned barriers (an operator with a forward or broadcast input) wait behind records that a cycle of backpressure holds back:\n  %s.\n", d.Stuck(), d.Text)
	fmt.Fprintln(w, "  Nothing in Flink ends it: the alignment waits for a barrier, a cancel marker or a newer barrier, all behind the same records; the checkpoint expires after checkpoint.timeout and, without tolerable failed checkpoints, the job fails over (docs/flink-semantics.md, \"Forced alignment deadlock\").")
}

// writeInvariants writes the verdict of every checker.
func writeInvariants(w io.Writer, r *sim.Result) {
	fmt.Fprintln(w, "\nInvariants:")
	for _, inv := range r.Invariants {
		mark := "ok  "
		if !inv.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, inv.Name, inv.Detail)
	}
}

// writeSnapshots writes the snapshots of a token job (mode
// chandy-lamport): for each, when it completed and the tokens it recorded,
// then its content in the COS 418 assignment's format (simulate cl's).
func writeSnapshots(w io.Writer, r *sim.Result) {
	if len(r.Snapshots) == 0 {
		fmt.Fprintln(w, "(no snapshot was initiated)")
	}
	for i := range r.Snapshots {
		sn := &r.Snapshots[i]
		state := "in progress"
		if sn.Done {
			state = "completed at " + dur(sn.Completed)
		}
		fmt.Fprintf(w, "snapshot %d: %s, %d of %d tokens recorded (%d on channels, %d messages)\n", sn.ID, state, sn.Total(), r.TokenTotal, sn.Total()-sn.States(), len(sn.Messages))
		for _, l := range strings.Split(strings.TrimSuffix(sn.String(), "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", termsafe.Line(l))
		}
	}
	done := r.CompletedSnapshots()
	fmt.Fprintf(w, "\nSummary: %d snapshot(s) completed, %d in progress\n", done, len(r.Snapshots)-done)
}

// writeHistory says how many checkpoints the table leaves out, and
// summarises every completed one as Flink's web UI does
// (CompletedCheckpointStatsSummary), when the history dropped any.
func writeHistory(w io.Writer, r *sim.Result) {
	h, cs := r.History, &r.CompletedSummary
	if h.Evicted == 0 {
		return
	}
	fmt.Fprintf(w, "(%d older checkpoint(s) not listed: the history keeps the latest %d in full, checkpoint.history as Flink's web.checkpoints.history, and those still in progress or in storage; the summary counts every checkpoint)\n",
		h.Evicted, h.Size)
	durs := func(s sim.StatsSummary) string {
		return fmt.Sprintf("%s / %s / %s", dur(s.Min), dur(s.Avg()), dur(s.Max))
	}
	sizes := func(s sim.StatsSummary) string {
		return fmt.Sprintf("%s / %s / %s", size(s.Min), size(s.Avg()), size(s.Max))
	}
	fmt.Fprintf(w, "  all %d completed, min / avg / max: end-to-end %s · full size %s · processed in-flight %s · persisted in-flight %s\n",
		cs.EndToEnd.Count, durs(cs.EndToEnd), sizes(cs.StateSize), sizes(cs.ProcessedData), sizes(cs.PersistedData))
}

// stopWord says why a run ended; a run that has not ended was
// interrupted.
func stopWord(s sim.StopReason) string {
	if s == sim.Running {
		return "interrupted"
	}
	return s.String()
}

// writeSubtasks prints the per-subtask figures of every checkpoint.
func writeSubtasks(w io.Writer, s *sim.Sim, r *sim.Result) {
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		eg := s.GraphOf(c.Execution)
		fmt.Fprintf(w, "\nCheckpoint %d (%s)\n", c.ID, c.Status)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "SUBTASK\tACKED\tSTART DELAY\tALIGNMENT\tSYNC\tASYNC\tCHECKPOINTED\tFULL SIZE\tPROCESSED (PERSISTED)\tUNALIGNED\t")
		for _, st := range c.Subtasks {
			ack := "no"
			switch {
			case st.Finished:
				ack = "finished"
			case st.Acked:
				ack = dur(st.AckAt - c.TriggerAt)
			}
			delay := "-"
			if st.FirstBarrierAt >= 0 {
				delay = dur(st.StartDelay)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t\n", termsafe.Line(eg.Subtasks[st.Subtask].Name), ack, delay,
				dur(st.Alignment), dur(st.Sync), dur(st.Async), size(st.CheckpointedBytes), size(st.StateBytes),
				inFlight(st.ProcessedBytes, st.PersistedBytes), st.Unaligned)
		}
		tw.Flush()
		for _, st := range c.Subtasks {
			if len(st.OperatorStateBytes) == 0 {
				continue
			}
			parts := make([]string, len(st.OperatorStateBytes))
			for i, op := range eg.Chain(st.Subtask) {
				parts[i] = eg.Graph.Operators[op].Name + " " + size(st.OperatorStateBytes[i])
			}
			fmt.Fprintf(w, "  %s state by operator: %s\n", termsafe.Line(eg.Subtasks[st.Subtask].Name), termsafe.Line(strings.Join(parts, ", ")))
		}
	}
}

// chainNames lists the tasks that chain several operators.
func chainNames(eg *topology.ExecutionGraph) []string {
	var names []string
	for _, v := range eg.Vertices {
		if len(v.Operators) > 1 {
			names = append(names, v.Name)
		}
	}
	return names
}

// inFlight is the web UI's "Processed (persisted) in-flight data": the
// bytes processed during alignment, and in parentheses those persisted as
// channel state.
func inFlight(processed, persisted int64) string {
	return size(processed) + " (" + size(persisted) + ")"
}

// dur formats virtual nanoseconds (human.Duration).
func dur(ns int64) string { return human.Duration(ns) }

// size formats a byte count (human.Size).
func size(n int64) string { return human.Size(n) }

// reportSchemaVersion is the version of the JSON report: it grows when a
// key changes meaning or goes away (new keys do not change it).
const reportSchemaVersion = 1

// JSON shapes of `simulate run --format json`; the names are stable.
type jsonResult struct {
	SchemaVersion int               `json:"schema_version"`
	Scenario      string            `json:"scenario"`
	Seed          uint64            `json:"seed"`
	Mode          string            `json:"mode"`
	FlinkVersion  string            `json:"flink_version"`
	Warnings      []string          `json:"warnings,omitempty"`
	VirtualEndNs  int64             `json:"virtual_end_ns"`
	Events        int64             `json:"events"`
	Stop          string            `json:"stop"`
	Job           string            `json:"job"`
	StateBackend  string            `json:"state_backend,omitempty"`
	Chains        []string          `json:"chains,omitempty"`
	AlignedEdges  []string          `json:"aligned_edges,omitempty"`
	Checkpoints   []jsonCheckpoint  `json:"checkpoints"`
	Failovers     []jsonFailover    `json:"failovers"`
	Restores      []jsonRestore     `json:"restores,omitempty"`
	StopWithSP    *jsonStop         `json:"stop_with_savepoint,omitempty"`
	Retained      []int64           `json:"retained"`
	History       *jsonHistory      `json:"history,omitempty"`
	Summary       jsonSummary       `json:"summary"`
	Invariants    []jsonInvariant   `json:"invariants"`
	Deadlock      *jsonDeadlock     `json:"deadlock,omitempty"`
	Expectations  []jsonExpectation `json:"expectations"`
	ScriptLog     []string          `json:"script_log,omitempty"`
	// Snapshots and TokenTotal are a token job's (mode chandy-lamport).
	Snapshots  []jsonSnapshot `json:"snapshots,omitempty"`
	TokenTotal int64          `json:"token_total,omitempty"`
}

// jsonSnapshot is a snapshot of a token job: every process's recorded
// tokens (in string order of name) and the messages recorded on channels
// (grouped by destination), as the COS 418 format lists them.
type jsonSnapshot struct {
	ID          int           `json:"id"`
	Completed   bool          `json:"completed"`
	CompletedNs int64         `json:"completed_ns,omitempty"`
	Tokens      int64         `json:"tokens"`
	Processes   []jsonTokens  `json:"processes"`
	Messages    []jsonMessage `json:"messages"`
}

// jsonTokens is a process's recorded state.
type jsonTokens struct {
	Process string `json:"process"`
	Tokens  int64  `json:"tokens"`
}

// jsonMessage is a message recorded on the channel From -> To.
type jsonMessage struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Tokens int64  `json:"tokens"`
}

type jsonCheckpoint struct {
	ID                      int64         `json:"id"`
	Execution               int           `json:"execution,omitempty"`
	Status                  string        `json:"status"`
	Reason                  string        `json:"reason,omitempty"`
	Savepoint               bool          `json:"savepoint,omitempty"`
	Synchronous             bool          `json:"synchronous,omitempty"`
	TriggerNs               int64         `json:"trigger_ns"`
	EndToEndNs              int64         `json:"end_to_end_ns"`
	Acked                   int           `json:"acked"`
	Total                   int           `json:"total"`
	StateBytes              int64         `json:"state_bytes"`
	CheckpointedBytes       int64         `json:"checkpointed_bytes"`
	MaxAlignmentNs          int64         `json:"max_alignment_ns"`
	ProcessedInFlightBytes  int64         `json:"processed_in_flight_bytes"`
	PersistedInFlightBytes  int64         `json:"persisted_in_flight_bytes"`
	PersistedInFlightRecord int64         `json:"persisted_in_flight_records"`
	SourceOffsets           []int64       `json:"source_offsets"`
	Subtasks                []jsonSubtask `json:"subtasks"`
}

type jsonSubtask struct {
	Subtask                 string `json:"subtask"`
	Acked                   bool   `json:"acked"`
	Finished                bool   `json:"finished,omitempty"`
	AckNs                   int64  `json:"ack_ns,omitempty"`
	StartDelayNs            int64  `json:"start_delay_ns"`
	AlignmentNs             int64  `json:"alignment_ns"`
	SyncNs                  int64  `json:"sync_ns"`
	AsyncNs                 int64  `json:"async_ns"`
	StateBytes              int64  `json:"state_bytes"`
	CheckpointedBytes       int64  `json:"checkpointed_bytes"`
	ProcessedInFlightBytes  int64  `json:"processed_in_flight_bytes"`
	PersistedInFlightBytes  int64  `json:"persisted_in_flight_bytes"`
	PersistedInFlightRecord int64  `json:"persisted_in_flight_records"`
	Unaligned               bool   `json:"unaligned"`
	// Operators is the state by chained operator, for a chain of several.
	Operators []jsonOperatorState `json:"operators,omitempty"`
}

// jsonOperatorState is one chained operator's share of a snapshot.
type jsonOperatorState struct {
	Operator   string `json:"operator"`
	StateBytes int64  `json:"state_bytes"`
}

type jsonSummary struct {
	RecordsIn       int64 `json:"records_in"`
	RecordsOut      int64 `json:"records_out"`
	Completed       int   `json:"completed"`
	Expired         int   `json:"expired"`
	Aborted         int   `json:"aborted"`
	InProgress      int   `json:"in_progress"`
	MeanEndToEndNs  int64 `json:"mean_end_to_end_ns"`
	MaxEndToEndNs   int64 `json:"max_end_to_end_ns"`
	MeanAlignmentNs int64 `json:"mean_alignment_ns"`
	MaxAlignmentNs  int64 `json:"max_alignment_ns"`
	PersistedBytes  int64 `json:"persisted_in_flight_bytes"`

	RecordsBetweenCheckpoints int64 `json:"records_between_checkpoints"`
	Restarts                  int   `json:"restarts"`
	AwaitingFinalCheckpoint   int   `json:"awaiting_final_checkpoint"`
	MeanRestoreNs             int64 `json:"mean_restore_ns"`
	MaxRestoreNs              int64 `json:"max_restore_ns"`
	StorageBytes              int64 `json:"storage_bytes,omitempty"`
	PeakStorageBytes          int64 `json:"peak_storage_bytes,omitempty"`
	Duplicates                int64 `json:"duplicates"`
	Lost                      int64 `json:"lost"`
	LostAtFinish              int64 `json:"lost_at_finish,omitempty"`
	MeanCommitLatencyNs       int64 `json:"mean_commit_latency_ns"`
	MaxCommitLatencyNs        int64 `json:"max_commit_latency_ns"`
}

// jsonHistory is there when checkpoints lists only the latest ones: how
// many it leaves out, and Flink's summary of every completed checkpoint
// (the REST API's "summary" of /jobs/:jobid/checkpoints).
type jsonHistory struct {
	Size              int        `json:"size"`
	Evicted           int        `json:"evicted"`
	EndToEndNs        jsonMinMax `json:"end_to_end_ns"`
	StateBytes        jsonMinMax `json:"state_bytes"`
	CheckpointedBytes jsonMinMax `json:"checkpointed_bytes"`
	ProcessedBytes    jsonMinMax `json:"processed_in_flight_bytes"`
	PersistedBytes    jsonMinMax `json:"persisted_in_flight_bytes"`
}

// jsonMinMax is a StatsSummary.
type jsonMinMax struct {
	Min   int64 `json:"min"`
	Avg   int64 `json:"avg"`
	Max   int64 `json:"max"`
	Count int64 `json:"count"`
}

func minMax(s sim.StatsSummary) jsonMinMax {
	return jsonMinMax{Min: s.Min, Avg: s.Avg(), Max: s.Max, Count: s.Count}
}

// jsonStop is a stop-with-savepoint.
type jsonStop struct {
	AtNs      int64  `json:"at_ns"`
	Drain     bool   `json:"drain"`
	Savepoint int64  `json:"savepoint"`
	Failed    string `json:"failed,omitempty"`
}

// jsonRestore is a manual restore; execution numbers count from 0.
type jsonRestore struct {
	AtNs          int64         `json:"at_ns"`
	Cancelled     bool          `json:"cancelled_job"`
	Execution     int           `json:"execution"`
	RestoredFrom  int64         `json:"restored_from"`
	FromExecution int           `json:"from_execution"`
	Savepoint     bool          `json:"savepoint,omitempty"`
	Refused       string        `json:"refused,omitempty"`
	RestoredNs    int64         `json:"restored_ns,omitempty"`
	Rescaled      []jsonRescale `json:"rescaled,omitempty"`
}

// jsonRescale is an operator whose parallelism a restore changed.
type jsonRescale struct {
	Operator       string `json:"operator"`
	From           int    `json:"from_parallelism"`
	To             int    `json:"to_parallelism"`
	MaxParallelism int    `json:"max_parallelism"`
	MovedKeyGroups int    `json:"moved_key_groups"`
	// A source's splits: where each resumes, and how many moved.
	Splits      []jsonSplit `json:"splits,omitempty"`
	MovedSplits int         `json:"moved_splits,omitempty"`
}

// jsonSplit is a split of a rescaled source (sim.SplitMove).
type jsonSplit struct {
	Partition int   `json:"partition"`
	Offset    int64 `json:"offset"`
	Subtask   int   `json:"subtask"`
	Was       int   `json:"was"`
}

// jsonDeadlock is sim.Deadlock: the checkpoint that can never complete,
// since when its first aligning subtask waits, and the cycle of waits.
type jsonDeadlock struct {
	Checkpoint int64  `json:"checkpoint"`
	SinceNs    int64  `json:"since_ns"`
	Waits      string `json:"waits"`
}

type jsonInvariant struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// writeJSON prints the result as one JSON object.
func writeJSON(w io.Writer, s *sim.Sim, r *sim.Result, exps []scenarios.ExpectationResult, warnings []string) error {
	out := jsonResult{SchemaVersion: reportSchemaVersion, Scenario: r.Scenario, Seed: r.Seed, Mode: string(r.Mode), FlinkVersion: r.FlinkVersion.String(), Warnings: warnings, VirtualEndNs: r.VirtualEnd,
		Events: r.Events, Stop: strings.NewReplacer(" ", "_", "-", "_").Replace(stopWord(r.Stop)), Checkpoints: []jsonCheckpoint{}, ScriptLog: s.ScriptLog(),
		Expectations: jsonExpectations(exps), Chains: chainNames(s.Graph()), AlignedEdges: r.AlignedEdges, TokenTotal: r.TokenTotal}
	if d := r.Deadlock; d != nil {
		out.Deadlock = &jsonDeadlock{Checkpoint: d.Checkpoint, SinceNs: d.Since, Waits: d.Text}
	}
	for _, sn := range r.Snapshots {
		js := jsonSnapshot{ID: sn.ID, Completed: sn.Done, Tokens: sn.Total(), Messages: []jsonMessage{}}
		if sn.Done {
			js.CompletedNs = sn.Completed
		}
		for _, p := range sn.Tokens {
			js.Processes = append(js.Processes, jsonTokens{Process: p.ID, Tokens: p.Tokens})
		}
		for _, m := range sn.Messages {
			js.Messages = append(js.Messages, jsonMessage{From: m.From, To: m.To, Tokens: m.Tokens})
		}
		out.Snapshots = append(out.Snapshots, js)
	}
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		jc := jsonCheckpoint{ID: c.ID, Execution: c.Execution, Status: c.Status.String(), TriggerNs: c.TriggerAt, EndToEndNs: c.EndToEnd(),
			Acked: c.Acked, Total: c.Total, StateBytes: c.StateBytes, CheckpointedBytes: c.CheckpointedBytes, MaxAlignmentNs: c.MaxAlignment(),
			ProcessedInFlightBytes: c.ProcessedBytes, PersistedInFlightBytes: c.PersistedBytes, PersistedInFlightRecord: c.PersistedRecords, SourceOffsets: c.Offsets}
		if c.Reason != sim.NoReason {
			jc.Reason = c.Reason.String()
		}
		jc.Savepoint, jc.Synchronous = c.Savepoint, c.Synchronous
		eg := s.GraphOf(c.Execution)
		for _, st := range c.Subtasks {
			jc.Subtasks = append(jc.Subtasks, jsonSubtask{Subtask: eg.Subtasks[st.Subtask].Name, Acked: st.Acked, Finished: st.Finished,
				AckNs: st.AckAt, StartDelayNs: st.StartDelay, AlignmentNs: st.Alignment, SyncNs: st.Sync, AsyncNs: st.Async,
				StateBytes: st.StateBytes, CheckpointedBytes: st.CheckpointedBytes, ProcessedInFlightBytes: st.ProcessedBytes,
				PersistedInFlightBytes: st.PersistedBytes, PersistedInFlightRecord: st.PersistedRecords, Unaligned: st.Unaligned})
			for i, b := range st.OperatorStateBytes {
				js := &jc.Subtasks[len(jc.Subtasks)-1]
				js.Operators = append(js.Operators, jsonOperatorState{Operator: eg.Graph.Operators[eg.Chain(st.Subtask)[i]].Name, StateBytes: b})
			}
		}
		out.Checkpoints = append(out.Checkpoints, jc)
	}
	sm := r.Summary
	out.Summary = jsonSummary{RecordsIn: sm.RecordsIn, RecordsOut: sm.RecordsOut, Completed: sm.Completed, Expired: sm.Expired,
		Aborted: sm.Aborted, InProgress: sm.InProgress, MeanEndToEndNs: sm.MeanEndToEnd, MaxEndToEndNs: sm.MaxEndToEnd,
		MeanAlignmentNs: sm.MeanAlignment, MaxAlignmentNs: sm.MaxAlignment, PersistedBytes: sm.PersistedBytes,
		RecordsBetweenCheckpoints: sm.RecordsBetweenCheckpoints, Restarts: sm.Restarts, AwaitingFinalCheckpoint: sm.AwaitingFinal, MeanRestoreNs: sm.MeanRestoreTime,
		MaxRestoreNs: sm.MaxRestoreTime, Duplicates: sm.Duplicates, Lost: sm.Lost, LostAtFinish: sm.LostAtFinish,
		MeanCommitLatencyNs: sm.MeanCommitLatency, MaxCommitLatencyNs: sm.MaxCommitLatency}
	if b := r.StateBackend; !b.IsDefault() {
		out.StateBackend = b.String()
		out.Summary.StorageBytes, out.Summary.PeakStorageBytes = sm.StorageBytes, sm.PeakStorageBytes
	}
	out.Job = r.Job.String()
	out.Failovers = jsonFailovers(r)
	if st := r.StopWithSavepoint; st != nil {
		out.StopWithSP = &jsonStop{AtNs: st.At, Drain: st.Drain, Savepoint: st.Savepoint, Failed: st.Failed}
	}
	for _, rs := range r.Resubmissions {
		out.Restores = append(out.Restores, jsonRestore{AtNs: rs.At, Cancelled: rs.Cancelled, Execution: rs.Execution,
			RestoredFrom: rs.RestoredFrom, FromExecution: rs.FromExecution, Savepoint: rs.Savepoint, Refused: rs.Refused, RestoredNs: rs.RestoredAt,
			Rescaled: jsonRescales(rs.Rescaled)})
	}
	out.Retained = append([]int64{}, r.Retained...)
	if h, cs := r.History, &r.CompletedSummary; h.Evicted > 0 {
		out.History = &jsonHistory{Size: h.Size, Evicted: h.Evicted, EndToEndNs: minMax(cs.EndToEnd), StateBytes: minMax(cs.StateSize),
			CheckpointedBytes: minMax(cs.CheckpointedSize), ProcessedBytes: minMax(cs.ProcessedData), PersistedBytes: minMax(cs.PersistedData)}
	}
	for _, inv := range r.Invariants {
		out.Invariants = append(out.Invariants, jsonInvariant{Name: inv.Name, OK: inv.OK, Detail: inv.Detail})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeFailovers prints the job's status and every failover, if any.
func writeFailovers(w io.Writer, r *sim.Result) {
	sm := r.Summary
	if len(r.Failovers) == 0 && r.Job == sim.JobRunning && r.StopWithSavepoint == nil && len(r.Resubmissions) == 0 {
		return
	}
	fmt.Fprintf(w, "  job %s · %d restart(s), restore time mean %s, max %s · retained in storage: %v", r.Job, sm.Restarts,
		dur(sm.MeanRestoreTime), dur(sm.MaxRestoreTime), r.Retained)
	if sm.MaxCommitLatency > 0 {
		fmt.Fprintf(w, " · commit latency (read-committed) mean %s, max %s", dur(sm.MeanCommitLatency), dur(sm.MaxCommitLatency))
	}
	fmt.Fprintln(w)
	writeResubmissions(w, r)
	if len(r.Failovers) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFailovers:")
	for _, f := range r.Failovers {
		fmt.Fprintf(w, "  %s  %s: %d subtask(s)", dur(f.At), f.Cause, f.Subtasks)
		switch {
		case f.RestoredFrom < 0:
			fmt.Fprint(w, " stopped; the job FAILED")
		case f.RestartAt == 0:
			fmt.Fprint(w, " restart; restart pending")
		case f.RestoredFrom == 0:
			fmt.Fprintf(w, " restart; redeployed at %s without state", dur(f.RestartAt))
		default:
			kind := "checkpoint"
			if f.Savepoint {
				kind = "savepoint"
			}
			fmt.Fprintf(w, " restart; redeployed at %s from %s %d", dur(f.RestartAt), kind, f.RestoredFrom)
		}
		if f.RestoredAt > 0 {
			fmt.Fprintf(w, ", restored in %s", dur(f.RestoredAt-f.RestartAt))
			if f.LocalRestores > 0 {
				fmt.Fprintf(w, " (%d from local copies)", f.LocalRestores)
			}
		}
		fmt.Fprintln(w)
	}
}

// jsonFailover is one failover in the JSON output.
type jsonFailover struct {
	AtNs          int64  `json:"at_ns"`
	Cause         string `json:"cause"`
	Subtasks      int    `json:"subtasks"`
	RestoredFrom  int64  `json:"restored_from"`
	Savepoint     bool   `json:"savepoint,omitempty"`
	RestartNs     int64  `json:"restart_ns"`
	RestoredNs    int64  `json:"restored_ns"`
	LocalRestores int    `json:"local_restores"`
}

func jsonFailovers(r *sim.Result) []jsonFailover {
	out := []jsonFailover{}
	for _, f := range r.Failovers {
		out = append(out, jsonFailover{AtNs: f.At, Cause: f.Cause, Subtasks: f.Subtasks, RestoredFrom: f.RestoredFrom,
			Savepoint: f.Savepoint, RestartNs: f.RestartAt, RestoredNs: f.RestoredAt, LocalRestores: f.LocalRestores})
	}
	return out
}

// writeStop prints the stop-with-savepoint, if any.
func writeStop(w io.Writer, r *sim.Result) {
	st := r.StopWithSavepoint
	if st == nil {
		return
	}
	how := "flink stop"
	if st.Drain {
		how = "flink stop --drain"
	}
	fmt.Fprintf(w, "\nStop with savepoint (%s) at %s: ", how, dur(st.At))
	done := slices.ContainsFunc(r.Checkpoints, func(c sim.CheckpointStats) bool {
		return c.ID == st.Savepoint && c.Synchronous && c.Status == sim.Completed
	})
	switch {
	case st.Failed != "" && done:
		fmt.Fprintf(w, "failed, %s\n", st.Failed) // after its savepoint: the text says what follows
	case st.Failed != "":
		fmt.Fprintf(w, "failed, %s; the job goes on\n", st.Failed)
	case done && slices.ContainsFunc(r.Resubmissions, func(rs sim.ResubmissionStats) bool { return rs.At > st.At }):
		fmt.Fprintf(w, "savepoint %d, the job FINISHED (and was resubmitted)\n", st.Savepoint)
	case r.Job == sim.JobFinished:
		fmt.Fprintf(w, "savepoint %d, the job FINISHED\n", st.Savepoint)
	default:
		fmt.Fprintf(w, "savepoint %d in progress\n", st.Savepoint)
	}
}

// writeResubmissions prints the manual restores, if any.
func writeResubmissions(w io.Writer, r *sim.Result) {
	writeStop(w, r)
	if len(r.Resubmissions) == 0 {
		return
	}
	fmt.Fprintln(w, "\nManual restores (resubmissions):")
	for _, rs := range r.Resubmissions {
		fmt.Fprintf(w, "  %s  ", dur(rs.At))
		if rs.Cancelled {
			fmt.Fprint(w, "the running job was cancelled; ")
		}
		if rs.Refused != "" {
			fmt.Fprintf(w, "refused: %s\n", rs.Refused)
			continue
		}
		kind := "checkpoint"
		if rs.Savepoint {
			kind = "savepoint"
		}
		fmt.Fprintf(w, "execution %d restores %s %d of execution %d", rs.Execution+1, kind, rs.RestoredFrom, rs.FromExecution+1)
		if rs.RestoredAt > 0 {
			fmt.Fprintf(w, ", restored in %s", dur(rs.RestoredAt-rs.At))
		}
		fmt.Fprintln(w)
		writeRescales(w, rs.Rescaled)
	}
}

// writeRescales prints what a rescaling restore did to each operator: for
// keyed state, which key groups each new subtask owns and where they were;
// for a source, where each split resumes and where it was.
func writeRescales(w io.Writer, rescaled []sim.OperatorRescale) {
	for _, op := range rescaled {
		name := termsafe.Line(op.Operator)
		fmt.Fprintf(w, "    rescaled %s from %d to %d subtasks", name, op.From, op.To)
		if len(op.Splits) > 0 {
			fmt.Fprintf(w, ": %d of %d splits moved\n", op.MovedSplits, len(op.Splits))
			for _, m := range op.Splits {
				fmt.Fprintf(w, "      partition %d at offset %d: %s[%d]", m.Partition, m.Offset, name, m.Subtask)
				if m.Subtask != m.Was {
					fmt.Fprintf(w, " (moved from %s[%d])", name, m.Was)
				}
				fmt.Fprintln(w)
			}
			continue
		}
		if !op.Keyed {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, ": %d of %d key groups moved\n", op.Moved, op.MaxParallelism)
		for _, kr := range op.Ranges {
			fmt.Fprintf(w, "      key groups %d-%d: %s[%d]", kr.First, kr.Last, name, kr.Subtask)
			if kr.Subtask != kr.Was {
				fmt.Fprintf(w, " (moved from %s[%d])", name, kr.Was)
			}
			fmt.Fprintln(w)
		}
	}
}

func jsonRescales(rescaled []sim.OperatorRescale) []jsonRescale {
	var out []jsonRescale
	for _, op := range rescaled {
		r := jsonRescale{Operator: op.Operator, From: op.From, To: op.To, MaxParallelism: op.MaxParallelism, MovedKeyGroups: op.Moved, MovedSplits: op.MovedSplits}
		for _, m := range op.Splits {
			r.Splits = append(r.Splits, jsonSplit(m))
		}
		out = append(out, r)
	}
	return out
}
