package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/sim"
)

// barrierHop is what the trace says about one barrier's way into a
// subtask: the channels it came on, when, and when the sender emitted it.
type barrierHop struct {
	first, last     int32 // channels of the first and last barrier taken
	firstAt, lastAt int64
	// sentAt is when the sender of each of those channels forwarded the
	// barrier (-1 unknown).
	firstSent, lastSent int64
}

// hops scans the trace of checkpoint n (up to the cursor) for the barriers
// subtask sub took.
func (m *Model) hops(n int64, sub int32) barrierHop {
	h := barrierHop{first: -1, last: -1, firstSent: -1, lastSent: -1}
	if n < 1 || n > int64(len(m.marks)) {
		return h
	}
	end := m.TraceLen()
	forwarded := map[int32]int64{}
	// Only the barriers of the deployment at the cursor: a restored
	// checkpoint of a rescaled job was taken by other subtasks.
	for i := max(m.marks[n-1].triggerSeq, m.dep(m.Graph()).seq); i < end; i++ {
		ev := m.trace.at(i)
		if ev.Checkpoint != n {
			continue
		}
		switch ev.Kind {
		case sim.BarrierForwarded:
			forwarded[ev.Subtask] = ev.At
		case sim.BarrierReceived:
			if ev.Subtask != sub {
				continue
			}
			if h.first < 0 {
				h.first, h.firstAt = ev.Channel, ev.At
			}
			h.last, h.lastAt = ev.Channel, ev.At
		}
	}
	sent := func(ch int32) int64 {
		if ch < 0 {
			return -1
		}
		if at, ok := forwarded[int32(m.Graph().Channels[ch].From)]; ok {
			return at
		}
		return -1
	}
	h.firstSent, h.lastSent = sent(h.first), sent(h.last)
	return h
}

// Explain says in one line what made checkpoint n slow (or what it waits
// for, or why it failed), as of the cursor.
func (m *Model) Explain(n int64) string {
	s := m.cur
	cs, ok := s.CheckpointView(n, true)
	if !ok {
		return ""
	}
	if s.GraphOf(cs.Execution) != m.Graph() {
		// The origin of a rescaled execution: its rows are the restored
		// state as the new subtasks got it, not figures of theirs.
		return fmt.Sprintf("taken by execution %d, restored rescaled: the rows are the state each subtask of this execution got", cs.Execution+1)
	}
	switch cs.Status {
	case sim.InProgress:
		return m.explainWaiting(&cs)
	case sim.Aborted, sim.Expired:
		why := cs.Reason.String()
		switch {
		case cs.Status == sim.Expired:
			why = "expired: not complete within the checkpoint timeout"
		case cs.Reason == sim.ReasonSuspended:
			why = "suspended: " + suspendedBy(s, n, cs.EndAt) + " stopped the checkpoint scheduler, which aborts every pending checkpoint"
		}
		return fmt.Sprintf("%s after %s (%d/%d acknowledged): %s", strings.ToLower(cs.Status.String()), fmtDur(cs.EndAt-cs.TriggerAt), cs.Acked, cs.Total, why)
	}
	// The subtask that acknowledged last decided the duration.
	slow := -1
	for i := range cs.Subtasks {
		r := &cs.Subtasks[i]
		if r.Acked && !r.Finished && (slow < 0 || r.AckAt > cs.Subtasks[slow].AckAt) {
			slow = i
		}
	}
	if slow < 0 {
		return fmt.Sprintf("completed in %s", fmtDur(cs.EndToEnd()))
	}
	r := &cs.Subtasks[slow]
	parts := []struct {
		d    int64
		text string
	}{
		{r.StartDelay + r.Alignment, strings.Join(m.delayCause(&cs, int32(slow), 0), " ← ")},
		{r.Sync, fmt.Sprintf("sync snapshot %s", fmtDur(r.Sync))},
		{r.Async, m.whyAsync(r)},
	}
	best := 0
	for i, p := range parts {
		if p.d > parts[best].d {
			best = i
		}
	}
	return fmt.Sprintf("slowest %s, acked +%s ← %s", m.SubtaskName(int32(slow)), fmtDur(r.AckAt-cs.TriggerAt), parts[best].text)
}

// delayCause explains, as a chain of causes, why subtask sub took
// checkpoint cs late: it aligned long, or its barrier came late because it
// queued behind records or because its sender was late (followed up to a
// few hops).
func (m *Model) delayCause(cs *sim.CheckpointStats, sub int32, depth int) []string {
	r := &cs.Subtasks[sub]
	if m.cur.SubtaskView(int(sub)).Source {
		return []string{fmt.Sprintf("source %s took the trigger %s late, busy with a record", m.SubtaskName(sub), fmtDur(r.StartDelay))}
	}
	h := m.hops(cs.ID, sub)
	if r.Alignment > r.StartDelay {
		text := fmt.Sprintf("%s aligned %s", m.SubtaskName(sub), fmtDur(r.Alignment))
		if h.last < 0 {
			return []string{text}
		}
		return append([]string{text + " for " + m.ChannelName(h.last)}, m.hopCause(cs, h.last, h.lastAt, h.lastSent, depth)...)
	}
	text := fmt.Sprintf("barrier reached %s at +%s", m.SubtaskName(sub), fmtDur(r.StartDelay))
	if h.first < 0 {
		return []string{text}
	}
	// The hop's cause (a queue, or a late sender) says it all.
	if cause := m.hopCause(cs, h.first, h.firstAt, h.firstSent, depth); len(cause) > 0 {
		return cause
	}
	return []string{text + " on " + m.ChannelName(h.first)}
}

// hopCause explains why a barrier came late on channel ch: it queued
// behind records there, or its sender forwarded it late.
func (m *Model) hopCause(cs *sim.CheckpointStats, ch int32, at, sent int64, depth int) []string {
	if sent < 0 {
		return nil
	}
	wait, late := at-sent, sent-cs.TriggerAt
	if wait >= late || depth >= 3 {
		if wait < int64(m.cfg.Channels.Latency)*2 {
			return nil
		}
		to := int(m.Graph().Channels[ch].To)
		if cs.Subtasks[to].Unaligned {
			// An unaligned barrier overtakes the queued records: what held
			// it is the record its receiver was busy with.
			return []string{fmt.Sprintf("barrier waited %s on %s while %s was busy with a record (%s each)",
				fmtDur(wait), m.ChannelName(ch), m.SubtaskName(int32(to)), fmtDur(int64(m.recordCost(to))))}
		}
		return []string{fmt.Sprintf("barrier queued %s behind records on %s", fmtDur(wait), m.ChannelName(ch))}
	}
	return m.delayCause(cs, int32(m.Graph().Channels[ch].From), depth+1)
}

// recordCost is how long subtask sub takes per record.
func (m *Model) recordCost(sub int) time.Duration {
	st := m.Graph().Subtasks[sub]
	return m.cfg.Graph.Operators[st.Operator].CostOf(st.Index)
}

func (m *Model) whyAsync(r *sim.SubtaskStats) string {
	text := fmt.Sprintf("async upload %s of %s state", fmtDur(r.Async), fmtBytes(r.StateBytes))
	if r.PersistedBytes > 0 {
		text += fmt.Sprintf(" + %s in-flight data", fmtBytes(r.PersistedBytes))
	}
	return text + fmt.Sprintf(" at %s/s", fmtBytes(m.cfg.Checkpoint.StorageBandwidth))
}

// explainWaiting names what an in-progress checkpoint waits for.
func (m *Model) explainWaiting(cs *sim.CheckpointStats) string {
	var waiting []string
	count := 0
	var buf []sim.QueuedItem
	for i := range cs.Subtasks {
		r := &cs.Subtasks[i]
		if r.Acked {
			continue
		}
		count++
		if len(waiting) == 2 {
			continue
		}
		v := m.cur.SubtaskView(i)
		name := m.SubtaskName(int32(i))
		var what string
		switch {
		case snapPhase(v, cs.ID) >= 0:
			what = sim.SnapshotPhase(snapPhase(v, cs.ID)).String()
		case r.FirstBarrierAt < 0:
			what = "no barrier yet"
			if ch, ahead := m.barrierQueued(i, cs.ID, &buf); ch >= 0 && ahead == 0 && v.Activity == sim.ActivityProcessing {
				// First in the queue (an unaligned barrier overtook the
				// records): the subtask has not finished its record yet.
				what = fmt.Sprintf("busy with a record (%s each), barrier next on %s", fmtDur(int64(m.recordCost(i))), m.ChannelName(ch))
			} else if ch >= 0 {
				what = fmt.Sprintf("barrier queued behind %d records on %s", ahead, m.ChannelName(ch))
			}
		case v.Pending && v.Checkpoint == cs.ID:
			what = fmt.Sprintf("aligning %d/%d", v.AlignedInputs, v.TargetInputs)
			if ch, ahead := m.barrierQueued(i, cs.ID, &buf); ch >= 0 {
				what += fmt.Sprintf(", barrier behind %d records on %s", ahead, m.ChannelName(ch))
			}
		default:
			what = "busy"
		}
		waiting = append(waiting, name+" ("+what+")")
	}
	more := ""
	if count > len(waiting) {
		more = fmt.Sprintf(" and %d more", count-len(waiting))
	}
	return fmt.Sprintf("in progress %s, waiting for %d/%d: %s%s", fmtDur(m.Clock()-cs.TriggerAt), count, cs.Total, strings.Join(waiting, ", "), more)
}

// snapPhase is the phase of checkpoint n's pending snapshot at a subtask,
// or -1.
func snapPhase(v sim.SubtaskView, n int64) int {
	for _, p := range v.Snapshots {
		if p.Checkpoint == n {
			return int(p.Phase)
		}
	}
	return -1
}

// barrierQueued finds barrier n queued on an input of subtask sub not yet
// taken: the channel with the most records ahead of it, and that count.
func (m *Model) barrierQueued(sub int, n int64, buf *[]sim.QueuedItem) (ch int32, ahead int) {
	ch = -1
	for _, id := range m.Graph().Subtasks[sub].Inputs {
		*buf = m.cur.AppendQueued((*buf)[:0], int(id))
		recs := 0
		for _, it := range *buf {
			if it.Kind == sim.QueuedBarrier && it.Checkpoint == n {
				if ch < 0 || recs > ahead {
					ch, ahead = int32(id), recs
				}
				break
			}
			if it.Kind == sim.QueuedRecord {
				recs++
			}
		}
	}
	return ch, ahead
}

// suspendedBy names what stopped the checkpoint scheduler when it
// aborted checkpoint n at time at: a failover, which moves the job to
// RESTARTING (for a region's failover too), a stop-with-savepoint before
// its synchronous savepoint (triggered then, with a newer id), or the
// job's end.
func suspendedBy(s *sim.Sim, n, at int64) string {
	for i := 0; ; i++ {
		f, ok := s.Failover(i)
		if !ok {
			break
		}
		if f.At == at {
			return "the failover at " + fmtDur(at) + " (job RESTARTING)"
		}
	}
	for k := n + 1; ; k++ {
		cs, ok := s.CheckpointView(k, false)
		if !ok || cs.TriggerAt > at {
			return "the job's end"
		}
		if cs.Synchronous && cs.TriggerAt == at {
			return "a stop-with-savepoint"
		}
	}
}
