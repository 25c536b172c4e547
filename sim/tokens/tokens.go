package tokens

import (
	"fmt"
	"strings"
)

// Topology is the processes and the directed links between them.
type Topology struct {
	// Processes in file order, with their initial tokens.
	Processes []Process
	// Links, one per directed link, in file order.
	Links []Link
}

// Process is one process and the tokens it starts with.
type Process struct {
	// ID names the process (any word without spaces).
	ID string
	// Tokens the process holds.
	Tokens int64
}

// Link is the directed FIFO link From → To.
type Link struct {
	// From and To are process ids.
	From, To string
}

// EventKind is what an events line does.
type EventKind uint8

// The event kinds.
const (
	// Send: From gives up Tokens tokens at once; they arrive at To with
	// one message.
	Send EventKind = iota
	// Snapshot: Process initiates the next snapshot (ids 0, 1, 2, ...).
	Snapshot
	// Tick advances time by Ticks steps.
	Tick
)

// Event is one line of an events file. Events between two ticks happen at
// the same step, in order.
type Event struct {
	// Kind of event.
	Kind EventKind
	// From and To of a Send.
	From, To string
	// Tokens of a Send.
	Tokens int64
	// Process of a Snapshot.
	Process string
	// Ticks of a Tick (>= 1).
	Ticks int64
	// Line is the events file's line, for errors.
	Line int
}

// Snap is one recorded snapshot.
type Snap struct {
	// ID of the snapshot, 0 for the first initiated.
	ID int
	// Tokens of every process's recorded state, in string order of id.
	Tokens []Process
	// Messages recorded on the links, grouped by destination (string
	// order) and in recording order within a destination.
	Messages []Message
	// Completed is the tick (package sim: the virtual time) at which the
	// last process completed it, if Done.
	Completed int64
	// Done: every process completed its part.
	Done bool
}

// Message is a token message recorded on link From → To.
type Message struct {
	// From and To are the link's processes.
	From, To string
	// Tokens the message carried.
	Tokens int64
}

// String is the snapshot in the format of the assignment's .snap files:
// the id, then "id tokens" per process, then "src dst token(n)" per
// recorded message.
func (s *Snap) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", s.ID)
	for _, p := range s.Tokens {
		fmt.Fprintf(&b, "%s %d\n", p.ID, p.Tokens)
	}
	for _, m := range s.Messages {
		fmt.Fprintf(&b, "%s %s token(%d)\n", m.From, m.To, m.Tokens)
	}
	return b.String()
}

// brief is the snapshot on one line.
func (s *Snap) brief() string {
	var parts []string
	for _, p := range s.Tokens {
		parts = append(parts, fmt.Sprintf("%s %d", p.ID, p.Tokens))
	}
	msgs := "no recorded message"
	if len(s.Messages) > 0 {
		var ms []string
		for _, m := range s.Messages {
			ms = append(ms, fmt.Sprintf("%s %s token(%d)", m.From, m.To, m.Tokens))
		}
		msgs = "recorded " + strings.Join(ms, ", ")
	}
	return strings.Join(parts, ", ") + "; " + msgs
}

// Total is the number of tokens the snapshot recorded: in the process
// states and on the links.
func (s *Snap) Total() int64 {
	n := s.States()
	for _, m := range s.Messages {
		n += m.Tokens
	}
	return n
}

// States is the number of tokens in the recorded process states.
func (s *Snap) States() int64 {
	var n int64
	for _, p := range s.Tokens {
		n += p.Tokens
	}
	return n
}

// Result is what a run recorded.
type Result struct {
	// Snapshots in id order.
	Snapshots []Snap
	// Total is the number of tokens in the system (constant: the initial
	// tokens of every process).
	Total int64
	// Ticks is the time the run ended at: every snapshot complete.
	Ticks int64
}

// Conserved checks every snapshot against the invariant of a consistent
// cut: the tokens it recorded equal the total.
func Conserved(res *Result) error {
	for i := range res.Snapshots {
		s := &res.Snapshots[i]
		if got := s.Total(); got != res.Total {
			return fmt.Errorf("snapshot %d records %d tokens, the system holds %d: %s", s.ID, got, res.Total, s.brief())
		}
	}
	return nil
}

// String is the topology in the COS 418 topology file format.
func (top *Topology) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", len(top.Processes))
	for _, p := range top.Processes {
		fmt.Fprintf(&b, "%s %d\n", p.ID, p.Tokens)
	}
	for _, l := range top.Links {
		fmt.Fprintf(&b, "%s %s\n", l.From, l.To)
	}
	return b.String()
}

// FormatEvents writes events in the COS 418 events file format.
func FormatEvents(events []Event) string {
	var b strings.Builder
	for _, ev := range events {
		switch ev.Kind {
		case Send:
			fmt.Fprintf(&b, "send %s %s %d\n", ev.From, ev.To, ev.Tokens)
		case Snapshot:
			fmt.Fprintf(&b, "snapshot %s\n", ev.Process)
		case Tick:
			if ev.Ticks == 1 {
				b.WriteString("tick\n")
			} else {
				fmt.Fprintf(&b, "tick %d\n", ev.Ticks)
			}
		}
	}
	return b.String()
}
