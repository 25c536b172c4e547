package protocol

import "slices"

// CheckpointBarrierTracker is Flink's at-least-once barrier handling
// (org.apache.flink.streaming.runtime.io.checkpointing.
// CheckpointBarrierTracker): no channel is ever blocked; a checkpoint
// triggers once its barrier arrived on every open channel, and triggering
// it silently drops every older pending one. Several checkpoints may be
// counted at once.
type CheckpointBarrierTracker struct {
	out     actions
	pending []trackedCheckpoint // ascending ids
	latest  int64               // latestPendingCheckpointID
	ended   []bool
	open    int
}

// trackedCheckpoint is Flink's CheckpointBarrierCount.
type trackedCheckpoint struct {
	id        int64
	triggered int64
	seen      []bool
	count     int
	target    int
	aborted   bool
	bytes     int64 // of the records taken since its first barrier
}

// maxTracked is CheckpointBarrierTracker.MAX_CHECKPOINTS_TO_TRACK.
const maxTracked = 50

// NewCheckpointBarrierTracker is the at-least-once handler of a task with
// spec's inputs.
func NewCheckpointBarrierTracker(spec Spec) *CheckpointBarrierTracker {
	return &CheckpointBarrierTracker{ended: make([]bool, spec.Inputs), open: spec.Inputs, latest: spec.Floor}
}

// Clone implements Cloner.
func (t *CheckpointBarrierTracker) Clone() Cloner {
	c := *t
	c.out = actions{}
	c.ended = slices.Clone(t.ended)
	c.pending = slices.Clone(t.pending)
	for i := range c.pending {
		c.pending[i].seen = slices.Clone(c.pending[i].seen)
	}
	return &c
}

// Latest is the newest checkpoint the tracker heard of
// (latestPendingCheckpointID).
func (t *CheckpointBarrierTracker) Latest() int64 { return t.latest }

// Tracked are the checkpoints whose barriers the tracker counts, oldest
// first (a new slice).
func (t *CheckpointBarrierTracker) Tracked() []int64 {
	var ids []int64
	for _, tc := range t.pending {
		if !tc.aborted {
			ids = append(ids, tc.id)
		}
	}
	return ids
}

// Step implements Protocol.
func (t *CheckpointBarrierTracker) Step(in Input) Ready {
	t.out.reset()
	switch in.Kind {
	case Record:
		// addProcessedBytes, for every checkpoint being counted.
		for i := range t.pending {
			t.pending[i].bytes += in.Bytes
		}
	case Barrier:
		t.processBarrier(in)
	case Cancel:
		t.processCancellationBarrier(in.Checkpoint)
	case EndOfPartition:
		t.processEndOfPartition(in.Channel)
	case Trigger:
		if in.Checkpoint > t.latest {
			t.latest = in.Checkpoint
			t.trigger(in.Checkpoint, in.Triggered)
		}
	}
	return t.out.ready()
}

func (t *CheckpointBarrierTracker) processBarrier(in Input) {
	n := in.Checkpoint
	pos := -1
	for i := range t.pending {
		if t.pending[i].id == n {
			pos = i
			break
		}
	}
	if pos < 0 {
		if n <= t.latest {
			return // an older checkpoint cannot succeed any more
		}
		t.latest = n
		if len(t.pending) == maxTracked {
			t.pending = t.pending[1:]
		}
		t.pending = append(t.pending, trackedCheckpoint{id: n, triggered: in.Triggered, seen: make([]bool, len(t.ended)), target: t.open})
		pos = len(t.pending) - 1
		t.out.add(Action{Kind: AlignmentStart, Checkpoint: n})
	}
	tc := &t.pending[pos]
	if !tc.seen[in.Channel] {
		tc.seen[in.Channel] = true
		tc.count++
	}
	if tc.count >= tc.target {
		t.complete(pos)
	}
}

// complete triggers pending checkpoint pos (unless aborted) and forgets it
// and every older one. The tracker blocks nothing, but its alignment still
// spans the first to the last barrier (markAlignmentEnd).
func (t *CheckpointBarrierTracker) complete(pos int) {
	tc := t.pending[pos]
	t.pending = append(t.pending[:0], t.pending[pos+1:]...)
	if !tc.aborted {
		t.out.add(Action{Kind: AlignmentEnd, Checkpoint: tc.id, Bytes: tc.bytes})
		t.trigger(tc.id, tc.triggered)
	}
}

func (t *CheckpointBarrierTracker) trigger(n, triggered int64) {
	t.out.add(Action{Kind: Forward, Checkpoint: n, Triggered: triggered})
	t.out.add(Action{Kind: Snapshot, Checkpoint: n})
	t.out.add(Action{Kind: Acknowledge, Checkpoint: n})
}

// processCancellationBarrier aborts n and every older pending checkpoint.
func (t *CheckpointBarrierTracker) processCancellationBarrier(n int64) {
	for len(t.pending) > 0 && t.pending[0].id < n {
		if !t.pending[0].aborted {
			t.decline(t.pending[0].id)
		}
		t.pending = t.pending[1:]
	}
	if len(t.pending) > 0 && t.pending[0].id == n {
		if !t.pending[0].aborted {
			t.pending[0].aborted = true
			t.decline(n)
		}
		return
	}
	if n > t.latest {
		t.latest = n
		t.pending = append([]trackedCheckpoint{{id: n, seen: make([]bool, len(t.ended)), target: t.open, aborted: true}}, t.pending...)
		t.decline(n)
	}
}

func (t *CheckpointBarrierTracker) decline(n int64) {
	t.out.add(Action{Kind: Decline, Checkpoint: n, Reason: Cancelled})
}

// processEndOfPartition counts an ended channel as aligned for every
// pending checkpoint, and triggers the newest one that becomes complete.
func (t *CheckpointBarrierTracker) processEndOfPartition(ch int) {
	if t.ended[ch] {
		return
	}
	t.ended[ch] = true
	t.open--
	for i := len(t.pending) - 1; i >= 0; i-- {
		tc := &t.pending[i]
		if !tc.seen[ch] {
			tc.seen[ch] = true
			tc.count++
		}
		if tc.count >= tc.target {
			t.complete(i)
			return
		}
	}
}
