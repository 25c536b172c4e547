package sim

import (
	"fmt"
	"slices"
	"strings"
)

// TokenChecker checks the invariant of Chandy and Lamport's algorithm on
// a token job (mode ChandyLamport) from its trace alone: for every
// snapshot that completes, every process recorded its state exactly once,
// and the tokens in the recorded states plus the tokens recorded on the
// channels equal the tokens in the system. It keeps no pointer into the
// run: attach Observe as (or inside) the Tracer.
type TokenChecker struct {
	total   int64
	procs   int
	snaps   []tokenCut // by snapshot id - 1
	err     error
	checked int
}

// tokenCut is what the trace showed of one snapshot.
type tokenCut struct {
	states            int   // processes that recorded their state
	stateTokens       int64 // tokens in those states
	channelTokens     int64 // tokens recorded on channels
	messages          int
	recordedTwice     string // a process that recorded its state twice
	recorded          []bool // per subtask
	completed, traced bool
}

// NewTokenChecker checks a run of cfg, a token job: it reads the tokens
// in the system and the processes from cfg's graph.
func NewTokenChecker(cfg *Config) *TokenChecker {
	c := &TokenChecker{}
	for _, op := range cfg.Graph.Operators {
		c.total += op.Tokens * int64(op.Parallelism)
		c.procs += op.Parallelism
	}
	return c
}

// Observe takes the next trace event of the run.
func (c *TokenChecker) Observe(ev TraceEvent) {
	if ev.Checkpoint < 1 {
		return
	}
	for int64(len(c.snaps)) < ev.Checkpoint {
		c.snaps = append(c.snaps, tokenCut{recorded: make([]bool, c.procs)})
	}
	s := &c.snaps[ev.Checkpoint-1]
	switch ev.Kind {
	case CheckpointTriggered:
		s.traced = true
	case TokensRecorded:
		if ev.Subtask >= 0 && int(ev.Subtask) < c.procs {
			if s.recorded[ev.Subtask] && s.recordedTwice == "" {
				s.recordedTwice = fmt.Sprintf("subtask %d", ev.Subtask)
			}
			s.recorded[ev.Subtask] = true
		}
		s.states++
		s.stateTokens += ev.N
	case InFlightPersisted:
		s.channelTokens += ev.Value
		s.messages++
	case CheckpointCompleted:
		s.completed = true
		c.checked++
		if c.err == nil {
			c.err = c.verify(ev.Checkpoint, s)
		}
	}
}

func (c *TokenChecker) verify(id int64, s *tokenCut) error {
	var wrong []string
	switch {
	case s.recordedTwice != "":
		wrong = append(wrong, s.recordedTwice+" recorded its state twice")
	case s.states != c.procs:
		wrong = append(wrong, fmt.Sprintf("%d of %d processes recorded their state", s.states, c.procs))
	}
	if got := s.stateTokens + s.channelTokens; got != c.total {
		wrong = append(wrong, fmt.Sprintf("it records %d tokens (%d in process states, %d in %d messages on channels) but the system holds %d",
			got, s.stateTokens, s.channelTokens, s.messages, c.total))
	}
	if wrong == nil {
		return nil
	}
	return fmt.Errorf("snapshot %d is not a consistent cut: %s", id, strings.Join(wrong, "; "))
}

// Checked is the number of completed snapshots checked so far.
func (c *TokenChecker) Checked() int { return c.checked }

// Err is the first violation, or nil.
func (c *TokenChecker) Err() error { return c.err }

// Incomplete lists the snapshots initiated that did not complete.
func (c *TokenChecker) Incomplete() []int64 {
	var ids []int64
	for i := range c.snaps {
		if c.snaps[i].traced && !c.snaps[i].completed {
			ids = append(ids, int64(i+1))
		}
	}
	return ids
}

// clone returns an independent copy of the checker.
func (c *TokenChecker) clone() *TokenChecker {
	x := *c
	x.snaps = slices.Clone(c.snaps)
	for i := range x.snaps {
		x.snaps[i].recorded = slices.Clone(c.snaps[i].recorded)
	}
	return &x
}
