package main

import (
	"fmt"
	"strings"

	"github.com/ckptsim/ckptsim/sim"
)

// stateAt runs s up to virtual time at (every event at or before it) and
// returns its execution graph in DOT, each subtask annotated with what it
// is doing, its checkpoint and its state, each channel with what is
// queued on it.
func stateAt(s *sim.Sim, at int64) string {
	for {
		next, ok := s.NextEventAt()
		if !ok || next > at || !s.Step() {
			break
		}
	}
	s.ObserveAt(at)
	eg := s.Graph()
	subtasks := make([]string, len(eg.Subtasks))
	for i := range subtasks {
		subtasks[i] = subtaskNote(s.SubtaskView(i))
	}
	channels := make([]string, len(eg.Channels))
	for i := range channels {
		channels[i] = channelNote(s.ChannelView(i))
	}
	title := fmt.Sprintf("%s at %s · job %s", s.Config().Name, dur(at), s.JobStatus())
	return eg.AnnotatedDOT(title, subtasks, channels)
}

// subtaskNote is a subtask's state in a few words on two lines.
func subtaskNote(v sim.SubtaskView) string {
	lines := []string{v.Activity.String()}
	if v.Pending {
		what := "aligning"
		if v.Unaligned {
			what = "collecting channel state"
		}
		lines = append(lines, fmt.Sprintf("checkpoint %d: %s, %d/%d inputs", v.Checkpoint, what, v.AlignedInputs, v.TargetInputs))
	}
	for _, sn := range v.Snapshots {
		lines = append(lines, fmt.Sprintf("checkpoint %d: %s", sn.Checkpoint, sn.Phase))
	}
	var facts []string
	switch {
	case v.Source && len(v.Splits) == 1:
		facts = append(facts, fmt.Sprintf("offset %d", v.Offset))
	case v.Source:
		facts = append(facts, fmt.Sprintf("%d splits, read %d", len(v.Splits), v.Offset))
	}
	facts = append(facts, fmt.Sprintf("%d processed", v.Processed))
	if v.StateKeys > 0 {
		facts = append(facts, fmt.Sprintf("%d keys, %s", v.StateKeys, size(v.StateBytes)))
	}
	if v.LastSnapshot > 0 {
		facts = append(facts, fmt.Sprintf("last snapshot %d", v.LastSnapshot))
	}
	return strings.Join(append(lines, strings.Join(facts, ", ")), "\n")
}

// channelNote is what is queued on a channel, and whether it is held.
func channelNote(v sim.ChannelView) string {
	var parts []string
	if n := v.SenderRecords + v.ReceiverRecords; n > 0 {
		parts = append(parts, fmt.Sprintf("%d queued", n))
	}
	if b := v.Network.Backlog; b > 0 {
		parts = append(parts, fmt.Sprintf("backlog %d", b))
		if !v.Network.Local && v.Credit == 0 {
			parts = append(parts, "no credit")
		}
	}
	switch {
	case v.Blocked:
		parts = append(parts, "blocked (aligning)")
	case v.Ended:
		parts = append(parts, "ended")
	}
	return strings.Join(parts, ", ")
}
