package sim

import "unsafe"

// Prefetching. A big job's channels do not fit in the caches (187,500 of
// them take 84 MiB, the machine's L3 32 MiB), so most visits to a channel
// wait for memory, about 100 ns, and a visit whose addresses come out of
// such a wait waits twice. The engine often knows which channel it will
// visit before it does: the channel a record being processed will be
// sent on, the one its task will read next, the one a source's next
// record goes to, the receivers of the network messages due next. For
// those it asks the CPU for the channel's lines early (prefetchLines),
// and goes on with other work while they come. The hints change nothing
// but time: traces are byte-identical with and without them.
//
// A small job's channels are in the caches, where a hint costs its
// instructions and saves nothing, so they are given only when the
// channels take more than prefetchMinBytes.
const prefetchMinBytes = 4 << 20

// channelBytes is the size of a channel, channelLines its number of
// cache lines (TestChannelLayout keeps it a whole number).
const (
	channelBytes = int(unsafe.Sizeof(channel{}))
	channelLines = channelBytes / 64
)

// netLookahead is how many network messages ahead of the one firing
// prefetchNet fetches the receiver of: enough that it arrives in time,
// few enough that it is still in the caches when it is used.
const netLookahead = 4

// prefetches reports whether a run with n channels gives prefetch hints.
func prefetches(n int) bool {
	return n*channelBytes > prefetchMinBytes
}

// prefetchChannel asks for the lines of channel id.
func (s *Sim) prefetchChannel(id int32) {
	prefetchLines(unsafe.Pointer(&s.chans[id]), channelLines)
}

// prefetchOutputs asks for the channels a record with key will be sent
// on by the first operator of t's chain (not a broadcast's, which sends
// it on every channel of its gate).
func (s *Sim) prefetchOutputs(t *task, key int64) {
	for _, g := range t.chain[0].gates {
		if gt := &t.outputs[g]; !gt.broadcast() {
			s.prefetchChannel(gt.pick(key))
		}
	}
}

// prefetchBusy asks, as t starts processing a record that takes time,
// for what it will visit when it is done: the channels the record goes
// to, and the input it will most likely read next.
func (s *Sim) prefetchBusy(t *task) {
	s.prefetchOutputs(t, t.cur.key)
	if e, ok := t.readable.top(inReady); ok {
		s.prefetchChannel(e.ch)
	}
}

// prefetchNet asks for the channel of the network message netLookahead
// messages after the next one, in the network's FIFO and, with jitter,
// in the heap's sorted run (radixHeap), where buffers and credits out of
// order for the FIFO go.
func (s *Sim) prefetchNet() {
	if f := &s.q.fifos[fifoNet]; f.len() > netLookahead {
		if id := f.at(netLookahead).a; int(id) < len(s.chans) {
			s.prefetchChannel(id)
		}
	}
	if r := &s.q.rh; s.q.radix && r.first+netLookahead < len(r.buckets[0]) {
		if e := &r.buckets[0][r.first+netLookahead]; (e.kind() == evBuffer || e.kind() == evCredit) && int(e.a) < len(s.chans) {
			s.prefetchChannel(e.a)
		}
	}
}
