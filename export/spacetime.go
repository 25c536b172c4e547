package export

import (
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// spaceTime is what the space-time diagram draws, folded from a run's
// trace: a vertical line per subtask, time running down.
type spaceTime struct {
	g   *topology.ExecutionGraph
	end int64
	// barriers and records are messages between subtasks (records only
	// a sample of them), periods the shaded spans on a subtask's line,
	// marks the failures and checkpoint ends.
	barriers, records []message
	periods           []period
	marks             []mark
}

// message is one arrow: a barrier or a record sent on a channel.
type message struct {
	channel    int
	checkpoint int64
	from, to   int
	sent, recv int64
	key, value int64
}

// periodKind is what a shaded period is.
type periodKind uint8

// The kinds of periods.
const (
	aligning periodKind = iota
	syncPhase
	asyncPhase
	failed
	restoring
)

var periodNames = [...]string{"aligning", "sync phase", "async phase", "failed", "restoring"}

// period is a shaded span of one subtask's line.
type period struct {
	kind       periodKind
	subtask    int
	checkpoint int64
	from, to   int64
}

// mark is an event drawn across the diagram or on one line.
type mark struct {
	kind       sim.TraceKind
	subtask    int // -1 for one across all lines
	checkpoint int64
	at         int64
	reason     sim.Reason
}

// maxRecordArrows is about how many record arrows the diagram samples.
const maxRecordArrows = 300

// buildSpaceTime folds the trace into the diagram's parts.
func buildSpaceTime(g *topology.ExecutionGraph, events []sim.TraceEvent, end int64) *spaceTime {
	st := &spaceTime{g: g, end: end}
	sent := 0
	for _, ev := range events {
		if ev.Kind == sim.RecordSent {
			sent++
		}
	}
	every := max(1, sent/maxRecordArrows)
	// inFlight are each channel's records sent and not yet received, as
	// indexes into st.records (-1: not sampled), in order; forwarded the
	// time each subtask forwarded each barrier.
	inFlight := make([][]int, len(g.Channels))
	forwarded := map[[2]int64]int64{}
	open := map[[3]int64]int{} // (kind, subtask, checkpoint) -> index in periods
	blocked := make([]int, len(g.Subtasks))
	count := 0
	// A subtask's snapshot phases are keyed by their checkpoint (those of
	// concurrent checkpoints overlap), its other periods by kind alone.
	keyOf := func(k periodKind, s int, n int64) [3]int64 {
		if k != syncPhase && k != asyncPhase {
			n = 0
		}
		return [3]int64{int64(k), int64(s), n}
	}
	start := func(k periodKind, s int, n, at int64) {
		open[keyOf(k, s, n)] = len(st.periods)
		st.periods = append(st.periods, period{kind: k, subtask: s, checkpoint: n, from: at, to: -1})
	}
	stop := func(k periodKind, s int, n, at int64) {
		key := keyOf(k, s, n)
		if i, ok := open[key]; ok {
			st.periods[i].to = at
			delete(open, key)
		}
	}
	for _, ev := range events {
		s, c, n, at := int(ev.Subtask), int(ev.Channel), ev.Checkpoint, ev.At
		switch ev.Kind {
		case sim.RecordSent:
			i := -1
			if count%every == 0 {
				i = len(st.records)
				ch := &g.Channels[c]
				st.records = append(st.records, message{channel: c, from: int(ch.From), to: int(ch.To), sent: at, recv: -1, key: ev.Key, value: ev.Value})
			}
			count++
			inFlight[c] = append(inFlight[c], i)
		case sim.RecordReceived:
			if len(inFlight[c]) > 0 {
				if i := inFlight[c][0]; i >= 0 {
					st.records[i].recv = at
				}
				inFlight[c] = inFlight[c][1:]
			}
		case sim.BarrierForwarded:
			forwarded[[2]int64{int64(s), n}] = at
		case sim.BarrierReceived:
			ch := &g.Channels[c]
			if t, ok := forwarded[[2]int64{int64(ch.From), n}]; ok {
				st.barriers = append(st.barriers, message{channel: c, checkpoint: n, from: int(ch.From), to: int(ch.To), sent: t, recv: at})
			}
		case sim.ChannelBlocked:
			if blocked[s] == 0 {
				start(aligning, s, 0, at)
			}
			blocked[s]++
		case sim.ChannelUnblocked:
			if blocked[s] > 0 {
				if blocked[s]--; blocked[s] == 0 {
					stop(aligning, s, 0, at)
				}
			}
		case sim.SnapshotSyncStart:
			start(syncPhase, s, n, at)
		case sim.SnapshotSyncEnd:
			stop(syncPhase, s, n, at)
			start(asyncPhase, s, n, at)
		case sim.SnapshotAsyncEnd:
			stop(asyncPhase, s, n, at)
		case sim.TaskCheckpointAborted:
			stop(syncPhase, s, n, at)
			stop(asyncPhase, s, n, at)
		case sim.SubtaskFailed:
			blocked[s] = 0
			for _, key := range sortedKeys(open) {
				if key[1] == int64(s) {
					stop(periodKind(key[0]), s, key[2], at)
				}
			}
			for ci := range g.Channels {
				if ch := &g.Channels[ci]; int(ch.From) == s || int(ch.To) == s {
					inFlight[ci] = nil
				}
			}
			st.marks = append(st.marks, mark{kind: ev.Kind, subtask: s, at: at})
			start(failed, s, 0, at)
		case sim.SubtaskRestoring:
			stop(failed, s, 0, at)
			start(restoring, s, n, at)
		case sim.SubtaskRestored:
			stop(restoring, s, n, at)
		case sim.CheckpointCompleted, sim.CheckpointExpired, sim.CheckpointAborted, sim.JobFailover:
			st.marks = append(st.marks, mark{kind: ev.Kind, subtask: -1, checkpoint: n, at: at, reason: ev.Reason})
		}
	}
	for i := range st.periods {
		if st.periods[i].to < 0 {
			st.periods[i].to = end
		}
	}
	kept := st.records[:0]
	for _, r := range st.records {
		if r.recv >= 0 {
			kept = append(kept, r)
		}
	}
	st.records = kept
	return st
}
