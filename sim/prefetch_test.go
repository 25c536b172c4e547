package sim

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestPropertyPrefetchChangesNothing: the prefetch hints change nothing
// but time. Random jobs, some with faults, give byte-identical traces and
// the same number of events with the hints forced on and off (a bundled
// job's channels are too few for them to be on by themselves).
func TestPropertyPrefetchChangesNothing(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := genConfig(t, pm, rapid.Bool().Draw(t, "bounded"))
				if rapid.Bool().Draw(t, "faults?") {
					probe, err := New(cfg)
					if err != nil {
						t.Fatalf("invalid config: %v", err)
					}
					cfg.Recovery = recoveryWith(genRestart(t))
					cfg.Faults = genFaults(t, probe, 2*time.Second)
				}
				run := func(prefetch bool) (uint64, int64) {
					s, err := New(cfg)
					if err != nil {
						t.Fatalf("invalid config: %v", err)
					}
					s.prefetch = prefetch
					h, sum := s.TraceHasher()
					s.Tracer = h
					events := s.Run().Events
					return sum(), events
				}
				offHash, offEvents := run(false)
				onHash, onEvents := run(true)
				if onHash != offHash || onEvents != offEvents {
					t.Fatalf("with prefetch hints: trace %x, %d events; without: %x, %d events", onHash, onEvents, offHash, offEvents)
				}
			})
		})
	}
}

// TestPrefetchOnlyForBigJobs: the hints are given when the channels take
// more than prefetchMinBytes, as the big job's do, and not for a small
// job's, which are in the caches.
func TestPrefetchOnlyForBigJobs(t *testing.T) {
	for _, tc := range []struct {
		channels int
		want     bool
	}{
		{0, false},
		{12, false},
		{prefetchMinBytes / channelBytes, false},
		{prefetchMinBytes/channelBytes + 1, true},
		{187_500, true},
	} {
		assert.Equalf(t, tc.want, prefetches(tc.channels), "prefetches(%d)", tc.channels)
	}
	assert.False(t, newSim(t, pipeline()).prefetch, "the pipeline's few channels get prefetch hints")
}

// TestPrefetchLinesAnyCount: prefetchLines returns for any count, none
// included, and changes nothing it is given.
func TestPrefetchLinesAnyCount(t *testing.T) {
	buf := make([]byte, 8*64)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, n := range []int{-1, 0, 1, 8} {
		prefetchLines(unsafe.Pointer(&buf[0]), n)
	}
	for i := range buf {
		require.Equal(t, byte(i), buf[i])
	}
}
