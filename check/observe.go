package check

import (
	"math/bits"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// observer folds a run's trace, event by event, into what the properties
// need, without keeping the trace: a hash of every event, per-channel
// record counts, and an independent re-derivation of the cut checker for
// the modes whose barriers never overtake records (aligned and
// at-least-once).
type observer struct {
	hash   uint64
	events int64

	// Records sent on each channel, processed from each channel, and
	// processed by each subtask (a source's reads included).
	sent, taken []int64
	processed   []int64
	finished    int

	// Cut re-derivation: the epoch of each channel is the id of the last
	// barrier taken from it (channels are FIFO when barriers do not
	// overtake), lastSnap the last checkpoint each subtask snapshotted. A
	// record taken with epoch e by a subtask whose last snapshot is m is in
	// the snapshots m+1..e although it is from after their cut (extra), or
	// missing from the snapshots e+1..m. Counts are kept as difference
	// arrays over checkpoint ids.
	cut            bool
	source         []bool
	epoch          []int64
	lastSnap       []int64
	extra, missing []int64
	completed      []int64

	// The transactions of the two-phase commit sinks.
	commits *commits

	// rescaled: a rescaling restore deployed other subtasks and channels
	// (of graph, the run's, when it happened); the records and
	// transactions are not followed past it, and the properties that
	// fold them do not apply.
	rescaled bool
	s        *sim.Sim
	graph    *topology.ExecutionGraph
}

func newObserver(s *sim.Sim) *observer {
	eg := s.Graph()
	o := &observer{
		hash:      0xcbf29ce484222325,
		sent:      make([]int64, len(eg.Channels)),
		taken:     make([]int64, len(eg.Channels)),
		processed: make([]int64, len(eg.Subtasks)),
		epoch:     make([]int64, len(eg.Channels)),
		lastSnap:  make([]int64, len(eg.Subtasks)),
		source:    make([]bool, len(eg.Subtasks)),
		commits:   newCommits(eg),
		s:         s,
		graph:     eg,
	}
	for i := range eg.Subtasks {
		o.source[i] = eg.Op(i).Source != nil
	}
	mode := s.Config().Checkpoint.Mode
	o.cut = mode == sim.Aligned || mode == sim.AtLeastOnce
	return o
}

// fold adds word x to hash h with a round of XXH64 (rotate the sum of h
// and x·prime2, multiply by prime1). Each step is a bijection of h for a
// given x and of x for a given h, so two traces that differ in one field
// always hash differently; and only one multiply is on the chain from one
// field to the next, a few cycles, where a full finalizer per field took
// a tenth of a sweep's time.
func fold(h, x uint64) uint64 {
	return bits.RotateLeft64(h+x*0xc2b2ae3d27d4eb4f, 31) * 0x9e3779b185ebca87
}

// observe is the tracer.
func (o *observer) observe(ev sim.TraceEvent) {
	o.events++
	h := o.hash
	for _, x := range [...]uint64{uint64(ev.At), uint64(ev.Kind) | uint64(ev.Reason)<<8 | uint64(uint32(ev.Subtask))<<32,
		uint64(uint32(ev.Channel)), uint64(ev.Checkpoint), uint64(ev.Key), uint64(ev.Value), uint64(ev.N)} {
		h = fold(h, x)
	}
	o.hash = h
	if ev.Kind == sim.JobResubmitted {
		rs := o.s.Resubmissions()
		o.commits.resubmitted(int(ev.N), rs[len(rs)-1].FromExecution, ev.Checkpoint)
		o.rescaled = o.rescaled || o.s.Graph() != o.graph
	}
	switch {
	case ev.Kind == sim.CheckpointCompleted:
		o.completed = append(o.completed, ev.Checkpoint)
	case ev.Kind == sim.SubtaskFinished:
		o.finished++
	}
	if o.rescaled {
		return
	}
	switch ev.Kind {
	case sim.RecordSent:
		o.sent[ev.Channel]++
	case sim.RecordProcessed:
		o.processed[ev.Subtask]++
		if ev.Channel >= 0 {
			o.taken[ev.Channel]++
			if o.cut {
				o.checkCut(ev.Subtask, o.epoch[ev.Channel])
			}
		}
	case sim.BarrierReceived:
		o.epoch[ev.Channel] = max(o.epoch[ev.Channel], ev.Checkpoint)
	case sim.SnapshotSyncStart:
		o.lastSnap[ev.Subtask] = max(o.lastSnap[ev.Subtask], ev.Checkpoint)
	}
	o.commits.observe(ev)
}

// checkCut classifies a record a subtask processed. A subtask is busy from
// taking a record until it is processed, so nothing else happens at the
// subtask in between and the trace order is the take order.
func (o *observer) checkCut(task int32, e int64) {
	m := o.lastSnap[task]
	switch {
	case e > m:
		addRange(&o.extra, m+1, e)
	case e < m:
		addRange(&o.missing, e+1, m)
	}
}

// addRange adds one to every count in lo..hi of a difference array.
func addRange(d *[]int64, lo, hi int64) {
	for int64(len(*d)) <= hi+1 {
		*d = append(*d, 0)
	}
	(*d)[lo]++
	(*d)[hi+1]--
}

// cutCounts sums, over the completed checkpoints, the records from after
// their cut that are in their snapshots and the records from before it
// that are in neither state nor channel state.
func (o *observer) cutCounts() (extra, missing int64) {
	ex, mi := prefix(o.extra), prefix(o.missing)
	at := func(p []int64, n int64) int64 {
		if n < int64(len(p)) {
			return p[n]
		}
		return 0
	}
	for _, n := range o.completed {
		extra += at(ex, n)
		missing += at(mi, n)
	}
	return extra, missing
}

// prefix turns a difference array into the counts it describes.
func prefix(d []int64) []int64 {
	p := make([]int64, len(d))
	var sum int64
	for i, v := range d {
		sum += v
		p[i] = sum
	}
	return p
}
