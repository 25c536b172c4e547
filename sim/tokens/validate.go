package tokens

import "fmt"

// The bounds of a run, so that every topology and events list Validate
// accepts runs in bounded time and memory.
const (
	// MaxProcesses is the most processes a topology may have.
	MaxProcesses = 1024
	// MaxLinks is the most links a topology may have.
	MaxLinks = 16384
	// MaxEvents is the most events lines.
	MaxEvents = 1 << 20
	// MaxMarkers bounds the marker messages of a run: snapshots × links.
	MaxMarkers = 1 << 20
	// MaxTokens bounds the tokens of a process, of a send, and in total.
	MaxTokens = int64(1) << 50
	// MaxTicks bounds the time a run's events may advance.
	MaxTicks = int64(1) << 50
)

// Validate checks a topology and its events: ids unique and known, links
// between two different processes and not repeated, sends on a link,
// counts within the bounds. A send of more tokens than the sender holds at
// that moment is found by Run.
func Validate(top *Topology, events []Event) error {
	if len(top.Processes) == 0 || len(top.Processes) > MaxProcesses {
		return fmt.Errorf("a topology has 1 to %d processes, not %d", MaxProcesses, len(top.Processes))
	}
	if len(top.Links) > MaxLinks {
		return fmt.Errorf("a topology has at most %d links, not %d", MaxLinks, len(top.Links))
	}
	if len(events) > MaxEvents {
		return fmt.Errorf("at most %d events, not %d", MaxEvents, len(events))
	}
	known := map[string]bool{}
	total := int64(0)
	for _, p := range top.Processes {
		switch {
		case known[p.ID]:
			return fmt.Errorf("process %s is listed twice", p.ID)
		case p.Tokens < 0 || p.Tokens > MaxTokens:
			return fmt.Errorf("process %s: tokens must be between 0 and %d, not %d", p.ID, MaxTokens, p.Tokens)
		}
		known[p.ID] = true
		total += p.Tokens
	}
	if total > MaxTokens {
		return fmt.Errorf("the processes hold %d tokens in all, more than %d", total, MaxTokens)
	}
	linked := map[Link]bool{}
	for _, l := range top.Links {
		switch {
		case !known[l.From] || !known[l.To]:
			return fmt.Errorf("link %s %s: unknown process %s", l.From, l.To, unknownOf(known, l.From, l.To))
		case l.From == l.To:
			return fmt.Errorf("link %s %s: a process has no link to itself", l.From, l.To)
		case linked[l]:
			return fmt.Errorf("link %s %s is listed twice", l.From, l.To)
		}
		linked[l] = true
	}
	snapshots, ticks := 0, int64(0)
	for _, ev := range events {
		var err error
		switch ev.Kind {
		case Send:
			switch {
			case !known[ev.From] || !known[ev.To]:
				err = fmt.Errorf("send %s %s: unknown process %s", ev.From, ev.To, unknownOf(known, ev.From, ev.To))
			case !linked[Link{ev.From, ev.To}]:
				err = fmt.Errorf("send %s %s: there is no link %s → %s", ev.From, ev.To, ev.From, ev.To)
			case ev.Tokens < 1 || ev.Tokens > MaxTokens:
				err = fmt.Errorf("send %s %s: tokens must be between 1 and %d, not %d", ev.From, ev.To, MaxTokens, ev.Tokens)
			}
		case Snapshot:
			snapshots++
			if !known[ev.Process] {
				err = fmt.Errorf("snapshot %s: unknown process %s", ev.Process, ev.Process)
			} else if snapshots*max(1, len(top.Links)) > MaxMarkers {
				err = fmt.Errorf("%d snapshots on %d links send more than %d markers", snapshots, len(top.Links), MaxMarkers)
			}
		case Tick:
			if ev.Ticks < 1 || ev.Ticks > MaxTicks-ticks {
				err = fmt.Errorf("tick %d: the ticks must be at least 1 and at most %d in all", ev.Ticks, MaxTicks)
			}
			ticks += ev.Ticks
		}
		if err != nil {
			return fmt.Errorf("events line %d: %w", ev.Line, err)
		}
	}
	return nil
}

func unknownOf(known map[string]bool, a, b string) string {
	if !known[a] {
		return a
	}
	return b
}
