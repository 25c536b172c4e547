package sim

import "math"

// Buffer debloating (FLIP-183, Flink 1.14): every Period each input gate
// of a task measures its throughput, the bytes its task consumed from it
// over the time the task was not idle (ThroughputCalculator), and resizes
// its buffers so that the buffers in use hold Target of data:
// BufferDebloater.recalculateBufferSize takes throughput × target /
// buffers in use, smooths it with an exponential moving average of Samples
// (BufferSizeEMA, whose step is at most doubling), keeps it within
// [MinSegmentSize, SegmentSize] and announces it to the gate's senders
// only when it moved by ThresholdPercentage or reached a bound. The senders
// fill their buffers only up to the announced size, so a slow gate holds
// less in-flight data: shorter alignments and smaller unaligned checkpoints.

// scheduleDebloat plans task t's next debloating sample.
func (s *Sim) scheduleDebloat(t *task) {
	if d := s.cfg.Channels.Debloat; d.Enabled && len(t.gates) > 0 {
		s.schedule(t, later(s.now, int64(d.Period)), evDebloat, 0)
	}
}

// idle marks task t as waiting for input from now on, or busy again; the
// debloater's throughput leaves idle time out.
func (t *task) idle(now int64, idle bool) {
	switch {
	case idle && t.idleSince < 0:
		t.idleSince = now
	case !idle && t.idleSince >= 0:
		t.idleTime += now - t.idleSince
		t.idleSince = -1
	}
}

// debloat is task t's periodic sample: each gate gets its new buffer size.
func (s *Sim) debloat(t *task) {
	d := s.cfg.Channels.Debloat
	if t.idleSince >= 0 {
		t.idleTime += s.now - t.idleSince
		t.idleSince = s.now
	}
	busy := int64(d.Period) - t.idleTime
	t.idleTime = 0
	for gi := range t.gates {
		g := &t.gates[gi]
		// A period the task spent idle measures nothing: the last
		// throughput stands (ThroughputCalculator.calculateThroughput).
		if busy > 0 {
			g.throughput = float64(g.bytes) * 1e9 / float64(busy)
		}
		throughput := g.throughput // bytes per second
		g.bytes = 0
		if size, ok := s.bufferSize(g, throughput); ok {
			g.size = size
			for _, id := range g.chans {
				c := &s.chans[id]
				s.deliver(c, s.delay(c), evBufferSize, int64(size))
			}
		}
	}
	s.scheduleDebloat(t)
}

// bufferSize is BufferDebloater.recalculateBufferSize for gate g: the new
// size and whether to announce it.
func (s *Sim) bufferSize(g *inGate, throughput float64) (int32, bool) {
	d := s.cfg.Channels.Debloat
	lo, hi := float64(d.MinSegmentSize), float64(s.cfg.Channels.SegmentSize)
	g.ema = bufferSizeEMA(g.ema, throughput*d.Target.Seconds(), max(1, g.inUse), d.Samples, lo, hi)
	size := int32(math.Round(g.ema))
	switch {
	case size == g.size:
		return size, false
	case float64(size) <= lo || float64(size) >= hi:
		return size, true
	}
	delta := int32(float64(g.size) * float64(d.ThresholdPercentage) / 100)
	return size, abs32(size-g.size) >= delta
}

// bufferSizeEMA is BufferSizeEMA.calculateBufferSize: the moving average
// last of samples samples moves toward the bytes per buffer in use
// (totalBytes / buffers), by at most doubling, and stays within [lo, hi].
// Flink announces it rounded.
func bufferSizeEMA(last, totalBytes float64, buffers, samples int, lo, hi float64) float64 {
	alpha := 2 / (float64(samples) + 1)
	want := math.Min(totalBytes/float64(buffers), 2*last)
	last += alpha * (want - last)
	return math.Max(lo, math.Min(last, hi))
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// resized is a new buffer size reaching the sender of c
// (PipelinedSubpartition.bufferSize): it applies to the next buffer the
// sender requests, which add returns it for (see openBuffer); the one
// being filled keeps its capacity.
func (s *Sim) resized(c *channel, size int32) { c.bufSize = size }
