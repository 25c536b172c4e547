package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/topology"
)

// TokenWorkload is the textbook workload of Chandy and Lamport's snapshot
// algorithm, run by mode ChandyLamport: every subtask of a Process
// operator holds an integer number of tokens (Operator.Tokens) and sends
// some of them to a neighbour, one message per send, while any process
// may initiate a snapshot.
type TokenWorkload struct {
	// Sends are the sends at the times the scenario gives.
	Sends []TokenSend
	// Snapshots are the initiations, in any order; the snapshots are
	// numbered 1, 2, ... in the order they start (equal times in list
	// order).
	Snapshots []TokenSnapshot
	// SendEvery, when > 0, is the seeded rule: every SendEvery each
	// process that holds tokens sends 1 to SendMax of them (all it holds
	// at most) on one of its output channels, both drawn from the run's
	// random source.
	SendEvery time.Duration
	// SendMax bounds the tokens of one send of the seeded rule; 0 means
	// all the process holds.
	SendMax int64
}

// TokenSend is one send: process From gives up Tokens tokens at At, and
// they travel in one message on the channel From -> To. A process that
// holds fewer at that moment sends what it holds, none if it holds none.
type TokenSend struct {
	// At is when the send happens.
	At time.Duration
	// From and To are subtask names ("p[0]"; "p" for a process of
	// parallelism 1); a channel must lead from From to To.
	From, To string
	// Tokens sent (>= 1).
	Tokens int64
}

// TokenSnapshot is one initiation: Process records its state and sends
// the markers of a new snapshot at At.
type TokenSnapshot struct {
	// At is when the process initiates the snapshot.
	At time.Duration
	// Process is a subtask name, as in TokenSend.
	Process string
}

// Bounds of a token workload.
const (
	// MaxTokenEvents bounds the sends and the snapshots a workload lists.
	MaxTokenEvents = 1 << 16
	// MaxTokenMarkers bounds the markers a run may send: snapshots ×
	// channels.
	MaxTokenMarkers = 1 << 22
)

// validateTokenJob checks that mode ChandyLamport runs a job of processes
// only, and that other modes run none, refusing a cycle with the modes
// that accept one; then it checks the token workload.
func (c *Config) validateTokenJob(g *topology.Graph) error {
	cl := c.Checkpoint.Mode == ChandyLamport
	for i, op := range g.Operators {
		switch {
		case cl && op.Kind != topology.Process:
			return &topology.Error{Operator: i, Edge: -1, Msg: fmt.Sprintf("operator %q is a %s: mode chandy-lamport runs the token-passing workload, a job of process operators only", op.Name, op.Kind)}
		case !cl && op.Kind == topology.Process:
			if cycle := g.Cycle(); cycle != nil {
				return g.CycleError(cycle, string(c.Checkpoint.Mode))
			}
			return &topology.Error{Operator: i, Edge: -1, Msg: fmt.Sprintf("operator %q is a process of the token-passing workload, which only mode chandy-lamport runs (the mode is %s)", op.Name, c.Checkpoint.Mode)}
		}
	}
	w := &c.Tokens
	if !cl {
		if len(w.Sends) > 0 || len(w.Snapshots) > 0 || w.SendEvery != 0 || w.SendMax != 0 {
			return &BoundError{Field: "Tokens", Msg: fmt.Sprintf("the tokens section applies to mode chandy-lamport only (the mode is %s)", c.Checkpoint.Mode)}
		}
		return nil
	}
	switch {
	case c.Script != nil:
		return fmt.Errorf("mode chandy-lamport runs the token-passing workload, not a script")
	case len(c.Faults) > 0:
		return &BoundError{Field: "Faults", Msg: "mode chandy-lamport runs the token-passing workload without faults"}
	case len(c.Restores) > 0:
		return &BoundError{Field: "Restores", Msg: "mode chandy-lamport runs the token-passing workload without restores"}
	case len(c.Recovery.Savepoints) > 0 || c.Recovery.Stop.At > 0 || c.Recovery.CancelAt > 0:
		return &BoundError{Field: "Recovery", Msg: "mode chandy-lamport runs the token-passing workload without savepoints, stop or cancel"}
	case len(w.Sends) > MaxTokenEvents || len(w.Snapshots) > MaxTokenEvents:
		return &BoundError{Field: "Tokens", Msg: fmt.Sprintf("at most %d sends and %d snapshots", MaxTokenEvents, MaxTokenEvents)}
	case w.SendEvery < 0 || (w.SendEvery > 0 && w.SendEvery < time.Microsecond):
		return &BoundError{Field: "Tokens.SendEvery", Msg: fmt.Sprintf("tokens.send_every %v: 0 (no seeded sends) or at least 1µs", w.SendEvery)}
	case w.SendMax < 0 || w.SendMax > topology.MaxTokens:
		return &BoundError{Field: "Tokens.SendMax", Msg: fmt.Sprintf("tokens.send_max %d: 0 (all the process holds) to %d", w.SendMax, topology.MaxTokens)}
	case len(w.Snapshots)*max(1, g.Channels()) > MaxTokenMarkers:
		return &BoundError{Field: "Tokens.Snapshots", Msg: fmt.Sprintf("%d snapshots on %d channels send more than %d markers", len(w.Snapshots), g.Channels(), MaxTokenMarkers)}
	}
	total := int64(0)
	for _, op := range g.Operators {
		if total += op.Tokens * int64(op.Parallelism); total > topology.MaxTokens {
			return &topology.Error{Operator: -1, Edge: -1, Msg: fmt.Sprintf("the processes hold more than %d tokens in all", topology.MaxTokens)}
		}
	}
	eg, err := topology.Expand(g)
	if err != nil {
		return err
	}
	for i, sd := range w.Sends {
		field := fmt.Sprintf("Tokens.Sends[%d]", i)
		switch _, err := tokenChannel(eg, sd.From, sd.To); {
		case sd.At < 0 || sd.At > Horizon:
			return &BoundError{Field: field + ".At", Msg: fmt.Sprintf("send %d: at %v is outside 0..%v", i+1, sd.At, Horizon)}
		case sd.Tokens < 1 || sd.Tokens > topology.MaxTokens:
			return &BoundError{Field: field + ".Tokens", Msg: fmt.Sprintf("send %d: tokens must be between 1 and %d, not %d", i+1, topology.MaxTokens, sd.Tokens)}
		case err != nil:
			return &BoundError{Field: field, Msg: fmt.Sprintf("send %d: %v", i+1, err)}
		}
	}
	for i, sn := range w.Snapshots {
		field := fmt.Sprintf("Tokens.Snapshots[%d]", i)
		switch _, err := tokenProcess(eg, sn.Process); {
		case sn.At < 0 || sn.At > Horizon:
			return &BoundError{Field: field + ".At", Msg: fmt.Sprintf("snapshot %d: at %v is outside 0..%v", i+1, sn.At, Horizon)}
		case err != nil:
			return &BoundError{Field: field + ".Process", Msg: fmt.Sprintf("snapshot %d: %v", i+1, err)}
		}
	}
	return nil
}

// tokenProcess is the subtask a send or a snapshot names: "p[1]", or "p"
// for the one subtask of a process of parallelism 1.
func tokenProcess(eg *topology.ExecutionGraph, name string) (int, error) {
	if id, ok := eg.SubtaskNamed(name); ok {
		return id, nil
	}
	if i := eg.Graph.Index(name); i >= 0 && eg.Graph.Operators[i].Parallelism == 1 {
		return eg.ByOperator[i][0], nil
	}
	var names []string
	for _, st := range eg.Subtasks {
		names = append(names, st.Name)
	}
	return -1, fmt.Errorf("unknown process %q (processes: %s)", name, strings.Join(names, ", "))
}

// tokenChannel is the channel from subtask from to subtask to.
func tokenChannel(eg *topology.ExecutionGraph, from, to string) (int, error) {
	f, err := tokenProcess(eg, from)
	if err != nil {
		return -1, err
	}
	t, err := tokenProcess(eg, to)
	if err != nil {
		return -1, err
	}
	for _, g := range eg.Subtasks[f].Outputs {
		for _, id := range g.Channels {
			if int(eg.Channels[id].To) == t {
				return int(id), nil
			}
		}
	}
	return -1, fmt.Errorf("there is no channel %s -> %s", eg.Subtasks[f].Name, eg.Subtasks[t].Name)
}
