package sim

import (
	"slices"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// Read-only views of a token job (mode ChandyLamport), for a UI: what a
// process holds, what is on a channel and which snapshots record it, and
// how far every snapshot got.

// TokenSnapshotView is a snapshot of a token job as far as it got.
type TokenSnapshotView struct {
	// Snap is what it recorded so far: the states of the processes that
	// recorded theirs (0 for the others) and the messages recorded on
	// channels; Snap.Total is the per-snapshot token total.
	tokens.Snap
	// Initiator is the subtask that initiated it.
	Initiator int
	// Recorded tells, by subtask, which processes recorded their state.
	Recorded []bool
	// Acked counts the processes that completed their part, of
	// Processes.
	Acked, Processes int
}

// RecordedStates counts the processes that recorded their state.
func (v *TokenSnapshotView) RecordedStates() int {
	n := 0
	for _, r := range v.Recorded {
		if r {
			n++
		}
	}
	return n
}

// TokensHeld is the number of tokens process id holds now (0 outside a
// token job).
func (s *Sim) TokensHeld(id int) int64 {
	if s.tokens == nil {
		return 0
	}
	return s.tokens.held[id]
}

// TokenTotal is the number of tokens in the system (0 outside a token
// job).
func (s *Sim) TokenTotal() int64 {
	if s.tokens == nil {
		return 0
	}
	return s.tokens.total
}

// TokenSnapshots are the snapshots of a token job begun so far, in id
// order (from 1).
func (s *Sim) TokenSnapshots() []TokenSnapshotView {
	if s.tokens == nil {
		return nil
	}
	tj := s.tokens
	out := make([]TokenSnapshotView, tj.rec.Len())
	for i := range out {
		id := int64(i + 1)
		v := &out[i]
		v.Snap, v.Initiator, v.Processes = tj.rec.Snap(id), tj.started[i], len(tj.held)
		v.Recorded, v.Acked = tj.rec.Progress(id)
	}
	return out
}

// Recording are the snapshots whose receiver records channel id now, in
// the order they started recording it.
func (s *Sim) Recording(id int) []int64 {
	if s.tokens == nil {
		return nil
	}
	c := &s.chans[id]
	return slices.Clone(s.tokens.rec.Recording(int(c.to), int(c.input)))
}

// tokenChannelView is ChannelView for a token job: every message is on
// the wire, and nothing blocks, pauses or fills a channel.
func (s *Sim) tokenChannelView(id int) ChannelView {
	v := ChannelView{Credit: -1}
	q := &s.tokens.links[id]
	v.AtReceiver = q.len()
	for i := range q.len() {
		if m := q.at(i); !m.marker {
			v.ReceiverRecords++
		} else {
			v.Epoch = m.n
		}
	}
	return v
}

// appendTokenQueue is AppendQueued for a token job: token messages are
// records, markers barriers, all in flight, head first. A message is
// Persisted when it will be recorded on arrival: its receiver records the
// channel for a snapshot whose marker is not ahead of it (PersistedFrom
// and PersistedTo are the first and last such snapshot).
func (s *Sim) appendTokenQueue(buf []QueuedItem, id int) []QueuedItem {
	q := &s.tokens.links[id]
	recording := s.Recording(id)
	for i := range q.len() {
		m := q.at(i)
		if m.marker {
			recording = slices.DeleteFunc(recording, func(n int64) bool { return n == m.n })
			buf = append(buf, QueuedItem{Kind: QueuedBarrier, Checkpoint: m.n, InFlight: true})
			continue
		}
		it := QueuedItem{Kind: QueuedRecord, InFlight: true}
		if len(recording) > 0 {
			it.Persisted, it.PersistedFrom, it.PersistedTo = true, slices.Min(recording), slices.Max(recording)
		}
		buf = append(buf, it)
	}
	return buf
}
