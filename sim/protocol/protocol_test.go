package protocol_test

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"

	"github.com/ckptsim/ckptsim/sim/protocol"
)

// brief writes an action the way the tables below expect it.
func brief(a protocol.Action) string {
	switch a.Kind {
	case protocol.Block, protocol.Resume, protocol.StartRecording, protocol.StopRecording, protocol.Prioritize:
		return fmt.Sprintf("%s c%d", a.Kind, a.Channel)
	case protocol.Forward:
		if a.Priority {
			return fmt.Sprintf("forward %d priority", a.Checkpoint)
		}
	case protocol.Decline:
		return fmt.Sprintf("decline %d %s", a.Checkpoint, a.Reason)
	case protocol.SetTimer:
		return fmt.Sprintf("set timer %d at %d", a.Checkpoint, a.At)
	case protocol.UnblockAll:
		return "unblock all"
	}
	return fmt.Sprintf("%s %d", a.Kind, a.Checkpoint)
}

// steps feeds inputs and returns, per input, its actions joined by ", ",
// leaving out AlignmentStart, AlignmentEnd and Started, which feed the
// executor's statistics and fault phases (TestMetricActions).
func steps(p protocol.Protocol, ins ...protocol.Input) []string {
	var out []string
	for _, in := range ins {
		var acts []string
		for _, a := range p.Step(in).Actions {
			if a.Kind != protocol.AlignmentStart && a.Kind != protocol.AlignmentEnd && a.Kind != protocol.Started {
				acts = append(acts, brief(a))
			}
		}
		out = append(out, strings.Join(acts, ", "))
	}
	return out
}

func barrier(ch int, n int64) protocol.Input {
	return protocol.Input{Kind: protocol.Barrier, Channel: ch, Checkpoint: n}
}

func TestHandlers(t *testing.T) {
	spec2 := protocol.Spec{Inputs: 2, Outputs: 1}
	eop := func(ch int, now int64) protocol.Input {
		return protocol.Input{Kind: protocol.EndOfPartition, Channel: ch, Now: now}
	}
	for _, tc := range []struct {
		name  string
		p     protocol.Protocol
		ins   []protocol.Input
		want  []string
		state string
	}{{
		name: "aligned: blocks every barrier's channel, triggers on the last, then unblocks",
		p:    protocol.NewAligned(spec2),
		ins:  []protocol.Input{barrier(0, 1), barrier(1, 1)},
		want: []string{"block c0", "block c1, forward 1, snapshot 1, acknowledge 1, unblock all"},
	}, {
		name:  "aligned: a savepoint in unaligned mode aligns",
		p:     protocol.NewUnaligned(spec2),
		ins:   []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Savepoint: true}},
		want:  []string{"block c0"},
		state: "CollectingBarriers",
	}, {
		name: "unaligned: a barrier while an input still recovers declines (task not ready); its next barrier is obsolete",
		p:    protocol.NewUnaligned(spec2),
		ins: []protocol.Input{{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Unaligned: true, Recovering: true},
			{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Unaligned: true}, {Kind: protocol.Barrier, Channel: 1, Checkpoint: 2, Unaligned: true}},
		want: []string{"unblock all, decline 1 task not ready", "", "forward 2 priority, persist output 2, snapshot 2, start recording c1, stop recording c1, start recording c0, prioritize c0"},
	}, {
		name: "aligned timeout: the alignment times out while an input still recovers: declined",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins:  []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Recovering: true}, {Kind: protocol.Timer, Checkpoint: 1, Now: 11, Recovering: true}},
		want: []string{"set timer 1 at 11, block c0", "timed out 1, unblock all, decline 1 task not ready"},
	}, {
		name: "aligned: a barrier while an input still recovers aligns",
		p:    protocol.NewAligned(spec2),
		ins:  []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Recovering: true}, {Kind: protocol.Barrier, Channel: 1, Checkpoint: 1}},
		want: []string{"block c0", "block c1, forward 1, snapshot 1, acknowledge 1, unblock all"},
	}, {
		name: "unaligned: the first barrier triggers, records the other channel and prioritizes its barrier",
		p:    protocol.NewUnaligned(spec2),
		ins:  []protocol.Input{{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Unaligned: true}, {Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Unaligned: true}},
		want: []string{"forward 1 priority, persist output 1, snapshot 1, start recording c1, stop recording c1, start recording c0, prioritize c0",
			"stop recording c0, unblock all, acknowledge 1"},
		state: "WaitingForFirstBarrierUnaligned",
	}, {
		name: "alternating: the timer, set from the trigger time, switches to unaligned; the blocked channel persists nothing",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins:  []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Now: 5, Triggered: 2}, {Kind: protocol.Timer, Checkpoint: 1, Now: 13}},
		want: []string{"set timer 1 at 13, block c0",
			"timed out 1, forward 1 priority, persist output 1, snapshot 1, start recording c1, prioritize c1"},
		state: "CollectingBarriersUnaligned",
	}, {
		name: "alternating: after the timeout an aligned barrier blocks its channel until the last one",
		p:    protocol.NewAlignedWithTimeout(protocol.Spec{Inputs: 3}, 10),
		ins:  []protocol.Input{barrier(0, 1), {Kind: protocol.Timer, Checkpoint: 1, Now: 11}, barrier(1, 1), barrier(2, 1)},
		want: []string{"set timer 1 at 11, block c0",
			"timed out 1, forward 1 priority, persist output 1, snapshot 1, start recording c1, prioritize c1, start recording c2, prioritize c2",
			"stop recording c1, block c1", "stop recording c2, unblock all, acknowledge 1"},
	}, {
		name: "alternating: the timer of a checkpoint only announced prioritizes its barriers; the first one taken starts it unaligned",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins: []protocol.Input{{Kind: protocol.Announcement, Channel: 0, Checkpoint: 1}, {Kind: protocol.Timer, Checkpoint: 1, Now: 11},
			{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Now: 12, Unaligned: true}},
		want: []string{"set timer 1 at 11", "timed out 1, prioritize c0, prioritize c1",
			"forward 1 priority, persist output 1, snapshot 1, start recording c1, stop recording c1, start recording c0, prioritize c0"},
		state: "CollectingBarriersUnaligned",
	}, {
		name: "alternating: a channel that ended does not make the timer of an announced checkpoint take it: its barriers are prioritized",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins: []protocol.Input{{Kind: protocol.Announcement, Channel: 0, Checkpoint: 1}, eop(1, 5),
			{Kind: protocol.Timer, Checkpoint: 1, Now: 11}},
		want:  []string{"set timer 1 at 11", "", "timed out 1, prioritize c0"},
		state: "AlternatingWaitingForFirstBarrier",
	}, {
		name: "aligned: a cancel marker of an announced checkpoint whose barriers have not come is ignored",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins:  []protocol.Input{{Kind: protocol.Announcement, Channel: 0, Checkpoint: 1}, {Kind: protocol.Cancel, Channel: 1, Checkpoint: 1}},
		want: []string{"set timer 1 at 11", ""},
	}, {
		name:  "alternating: an ended channel after the deadline switches to unaligned",
		p:     protocol.NewAlignedWithTimeout(protocol.Spec{Inputs: 3}, 10),
		ins:   []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1}, eop(1, 11)},
		want:  []string{"set timer 1 at 11, block c0", "forward 1 priority, persist output 1, snapshot 1, start recording c2, prioritize c2"},
		state: "CollectingBarriersUnaligned",
	}, {
		name:  "alternating: a stale timer does nothing",
		p:     protocol.NewAlignedWithTimeout(spec2, 10),
		ins:   []protocol.Input{barrier(0, 1), barrier(1, 1), {Kind: protocol.Timer, Checkpoint: 1, Now: 50}},
		want:  []string{"set timer 1 at 11, block c0", "block c1, forward 1, snapshot 1, acknowledge 1, unblock all", ""},
		state: "AlternatingWaitingForFirstBarrier",
	}, {
		name: "aligned: an ended channel no longer counts for the next checkpoint",
		p:    protocol.NewAligned(spec2),
		ins:  []protocol.Input{eop(1, 0), barrier(0, 1)},
		want: []string{"", "block c0, forward 1, snapshot 1, acknowledge 1, unblock all"},
	}, {
		name: "aligned: an obsolete barrier resumes its channel",
		p:    protocol.NewAligned(spec2),
		ins:  []protocol.Input{{Kind: protocol.Cancel, Channel: 1, Checkpoint: 2}, barrier(0, 1), barrier(0, 2)},
		want: []string{"unblock all, decline 2 cancelled", "resume c0", "resume c0"},
	}, {
		name: "aligned: a trigger at a task whose inputs ended snapshots at once",
		p:    protocol.NewAligned(spec2),
		ins:  []protocol.Input{{Kind: protocol.Trigger, Checkpoint: 3}, barrier(0, 3)},
		want: []string{"forward 3, snapshot 3, acknowledge 3", "resume c0"},
	}, {
		name: "at-least-once: an ended channel completes the newest pending checkpoint",
		p:    protocol.NewCheckpointBarrierTracker(spec2),
		ins:  []protocol.Input{barrier(0, 1), barrier(0, 2), eop(1, 0), barrier(1, 1)},
		want: []string{"", "", "forward 2, snapshot 2, acknowledge 2", ""},
	}, {
		name: "at-least-once: a cancel marker aborts it and every older one",
		p:    protocol.NewCheckpointBarrierTracker(spec2),
		ins:  []protocol.Input{barrier(0, 1), barrier(0, 2), {Kind: protocol.Cancel, Checkpoint: 2}, barrier(1, 2)},
		want: []string{"", "", "decline 1 cancelled, decline 2 cancelled", ""},
	}, {
		name: "unaligned: a forced aligned barrier aligns; the first barrier that may be unaligned takes the checkpoint unaligned",
		p:    protocol.NewUnaligned(protocol.Spec{Inputs: 3}),
		ins: []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, ForcedAligned: true},
			{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Unaligned: true}, {Kind: protocol.Barrier, Channel: 2, Checkpoint: 1, ForcedAligned: true}},
		want: []string{"block c0",
			"forward 1 priority, persist output 1, snapshot 1, start recording c1, stop recording c1, start recording c2, prioritize c2",
			"stop recording c2, unblock all, acknowledge 1"},
		state: "WaitingForFirstBarrierUnaligned",
	}, {
		name: "unaligned: forced aligned inputs align, and the task's own barriers still overtake its output data",
		p:    protocol.NewUnaligned(spec2),
		ins: []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, ForcedAligned: true},
			{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, ForcedAligned: true}},
		want: []string{"block c0", "block c1, forward 1 priority, persist output 1, snapshot 1, acknowledge 1, unblock all"},
	}, {
		name: "unaligned: a task triggered directly forwards a priority barrier; a savepoint's is aligned",
		p:    protocol.NewUnaligned(spec2),
		ins:  []protocol.Input{{Kind: protocol.Trigger, Checkpoint: 1}, {Kind: protocol.Trigger, Checkpoint: 2, Savepoint: true}},
		want: []string{"forward 1 priority, persist output 1, snapshot 1, acknowledge 1", "forward 2, snapshot 2, acknowledge 2"},
	}, {
		name: "alternating: a forced aligned checkpoint sets no timer and never times out",
		p:    protocol.NewAlignedWithTimeout(spec2, 10),
		ins:  []protocol.Input{{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, ForcedAligned: true}, eop(1, 50)},
		want: []string{"block c0", "forward 1, snapshot 1, acknowledge 1, unblock all"},
	}, {
		name: "alternating: a prioritized barrier takes the checkpoint unaligned; the next one blocks, its sender paused after it",
		p:    protocol.NewAlignedWithTimeout(protocol.Spec{Inputs: 3}, 10),
		ins: []protocol.Input{{Kind: protocol.Announcement, Channel: 0, Checkpoint: 1}, {Kind: protocol.Timer, Checkpoint: 1, Now: 11},
			{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Now: 12, Prioritized: true},
			{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Now: 12, Prioritized: true}},
		want: []string{"set timer 1 at 11", "timed out 1, prioritize c0, prioritize c1, prioritize c2",
			"forward 1 priority, persist output 1, snapshot 1, start recording c0, stop recording c0, start recording c1, prioritize c1, start recording c2, prioritize c2",
			"stop recording c1, block c1"},
	}, {
		name: "aligned: an obsolete barrier resumes its channel, prioritized or not (convertToPriorityEvent leaves it aligned)",
		p:    protocol.NewAligned(spec2),
		ins: []protocol.Input{{Kind: protocol.Cancel, Channel: 1, Checkpoint: 1},
			{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Prioritized: true}, barrier(1, 1)},
		want: []string{"unblock all, decline 1 cancelled", "resume c0", "resume c1"},
	}, {
		name: "aligned: a redeployed task's handler starts at its floor",
		p:    protocol.NewAligned(protocol.Spec{Inputs: 1, Floor: 4}),
		ins:  []protocol.Input{barrier(0, 4), {Kind: protocol.Trigger, Checkpoint: 3}, barrier(0, 5)},
		want: []string{"resume c0", "", "block c0, forward 5, snapshot 5, acknowledge 5, unblock all"},
	}, {
		name: "at-least-once: a redeployed task's tracker starts at its floor",
		p:    protocol.NewCheckpointBarrierTracker(protocol.Spec{Inputs: 1, Floor: 4}),
		ins:  []protocol.Input{barrier(0, 4), barrier(0, 5)},
		want: []string{"", "forward 5, snapshot 5, acknowledge 5"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, steps(tc.p, tc.ins...))
			if h, ok := tc.p.(*protocol.SingleCheckpointBarrierHandler); ok && tc.state != "" {
				assert.Equal(t, tc.state, h.State())
			}
		})
	}
}

func TestChandyLamport(t *testing.T) {
	spec := protocol.Spec{Inputs: 3, Outputs: 2}
	for _, tc := range []struct {
		name string
		ins  []protocol.Input
		want []string
	}{{
		name: "an initiator records every input until its marker",
		ins:  []protocol.Input{{Kind: protocol.Trigger, Checkpoint: 0}, barrier(2, 0), barrier(0, 0), barrier(1, 0), barrier(1, 0)},
		want: []string{"snapshot 0, forward 0, start recording c0, start recording c1, start recording c2",
			"stop recording c2", "stop recording c0", "stop recording c1, acknowledge 0", ""},
	}, {
		name: "the first marker's channel is empty; concurrent snapshots are apart",
		ins:  []protocol.Input{barrier(1, 4), barrier(0, 5), barrier(0, 4), barrier(2, 4), {Kind: protocol.EndOfPartition, Channel: 1}, barrier(2, 5)},
		want: []string{"snapshot 4, forward 4, start recording c0, start recording c2",
			"snapshot 5, forward 5, start recording c1, start recording c2",
			"stop recording c0", "stop recording c2, acknowledge 4", "stop recording c1", "stop recording c2, acknowledge 5"},
	}, {
		name: "a process whose inputs all ended completes at once",
		ins: []protocol.Input{{Kind: protocol.EndOfPartition, Channel: 0}, {Kind: protocol.EndOfPartition, Channel: 1},
			{Kind: protocol.EndOfPartition, Channel: 2}, {Kind: protocol.Trigger, Checkpoint: 1}},
		want: []string{"", "", "", "snapshot 1, forward 1, acknowledge 1"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, steps(protocol.NewChandyLamport(spec), tc.ins...))
		})
	}
}

// TestMetricActions: the actions that feed the executor's statistics and
// fault phases. Started comes after the decline of the checkpoint it
// subsumes; the alignment starts with the first barrier, not an
// announcement, and its end reports the bytes taken since.
func TestMetricActions(t *testing.T) {
	rec := func(ch int, n int64) protocol.Input {
		return protocol.Input{Kind: protocol.Record, Channel: ch, Bytes: n}
	}
	all := func(p protocol.Protocol, ins ...protocol.Input) []string {
		var out []string
		for _, in := range ins {
			for _, a := range p.Step(in).Actions {
				switch a.Kind {
				case protocol.AlignmentEnd:
					out = append(out, fmt.Sprintf("alignment end %d: %d bytes", a.Checkpoint, a.Bytes))
				case protocol.AlignmentStart, protocol.Started, protocol.Decline:
					out = append(out, brief(a))
				}
			}
		}
		return out
	}
	spec2 := protocol.Spec{Inputs: 2}
	assert.Equal(t, []string{"started 1", "alignment start 1", "decline 1 subsumed", "started 2", "alignment start 2", "alignment end 2: 20 bytes"},
		all(protocol.NewAligned(spec2), rec(0, 1), barrier(0, 1), rec(1, 7), barrier(0, 2), rec(1, 20), barrier(1, 2), rec(0, 5)))
	assert.Equal(t, []string{"started 1", "alignment start 1", "alignment end 1: 3 bytes"},
		all(protocol.NewUnaligned(spec2), protocol.Input{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Unaligned: true}, rec(1, 3),
			protocol.Input{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Unaligned: true}))
	assert.Equal(t, []string{"started 1", "alignment start 1", "alignment end 1: 4 bytes"},
		all(protocol.NewAlignedWithTimeout(spec2, 10), protocol.Input{Kind: protocol.Announcement, Channel: 0, Checkpoint: 1}, rec(1, 9),
			barrier(1, 1), rec(0, 4), barrier(0, 1)))
	assert.Equal(t, []string{"alignment start 1", "alignment start 2", "alignment end 2: 4 bytes"},
		all(protocol.NewCheckpointBarrierTracker(spec2), barrier(0, 1), rec(1, 2), barrier(0, 2), rec(1, 4), barrier(1, 2)))
}

// TestClone: a clone goes on from where its original was, and stepping
// one leaves the other as it was.
func TestClone(t *testing.T) {
	spec2 := protocol.Spec{Inputs: 2}
	for _, p := range []protocol.Cloner{protocol.NewAligned(spec2), protocol.NewAlignedWithTimeout(spec2, 10),
		protocol.NewUnaligned(spec2), protocol.NewCheckpointBarrierTracker(spec2), protocol.NewChandyLamport(spec2)} {
		t.Run(fmt.Sprintf("%T", p), func(t *testing.T) {
			first := protocol.Input{Kind: protocol.Barrier, Channel: 0, Checkpoint: 1, Unaligned: true}
			rest := []protocol.Input{{Kind: protocol.Barrier, Channel: 1, Checkpoint: 1, Unaligned: true}, barrier(0, 2)}
			p.Step(first)
			c := p.Clone()
			got := steps(c, rest...)
			assert.NotEqual(t, []string{"", ""}, got)
			assert.Equal(t, got, steps(p, rest...), "the original did not move with its clone")
		})
	}
}

// TestActionSize: an action takes 48 bytes (its small fields first), a
// handler keeps its actions' buffer, and a task with many inputs fills it
// with two per input at an unaligned start.
func TestActionSize(t *testing.T) {
	assert.Equal(t, uintptr(48), unsafe.Sizeof(protocol.Action{}))
}
