package sim

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// determinismCase is a named configuration of the determinism tests.
type determinismCase struct {
	name string
	cfg  func(seed uint64) Config
}

// determinismCases covers every mode, the alternating (unaligned with an
// aligned checkpoint timeout) variant, and channel jitter, on the pipeline
// with one slow subtask so that backpressure, alignment and overtaking
// happen and the traces exercise the interesting paths.
func determinismCases() []determinismCase {
	type variant struct {
		name    string
		mode    Mode
		timeout time.Duration
	}
	variants := []variant{
		{"aligned", Aligned, 0},
		{"unaligned", Unaligned, 0},
		{"at-least-once", AtLeastOnce, 0},
		{"unaligned-timeout", Unaligned, 2 * time.Millisecond},
	}
	var cases []determinismCase
	for _, v := range variants {
		for _, jitter := range []time.Duration{0, 700 * time.Microsecond} {
			v, jitter := v, jitter
			name := v.name
			if jitter > 0 {
				name += "/jitter"
			}
			cases = append(cases, determinismCase{name: name, cfg: func(seed uint64) Config {
				cfg := pipeline()
				cfg.Seed = seed
				cfg.Until = 1500 * time.Millisecond
				cfg.Checkpoint.Interval = 200 * time.Millisecond
				cfg.Checkpoint.Mode = v.mode
				cfg.Checkpoint.AlignedCheckpointTimeout = v.timeout
				cfg.Channels.Jitter = jitter
				// count[1] gets about 1000 records/s and needs 1.1 ms for
				// each: it backpressures its upstream.
				cfg.Graph.Operators[1].SubtaskCost = map[int]time.Duration{1: 1100 * time.Microsecond}
				return cfg
			}})
		}
	}
	return cases
}

// TestDeterminismSameSeed runs every case twice with the same seed: the
// traces must be byte-identical (equal TraceHasher sums and event counts)
// and the results equal.
func TestDeterminismSameSeed(t *testing.T) {
	for _, tc := range determinismCases() {
		t.Run(tc.name, func(t *testing.T) {
			h1, n1, r1 := runHashed(t, tc.cfg(42))
			h2, n2, r2 := runHashed(t, tc.cfg(42))
			require.Greater(t, n1, int64(1000), "the run should produce a substantial trace")
			require.NotEmpty(t, r1.Checkpoints, "the run should trigger checkpoints")
			assert.Equal(t, n1, n2, "trace lengths differ")
			assert.Equal(t, h1, h2, "trace hashes differ")
			assert.Equal(t, r1, r2, "results differ")
		})
	}
}

// TestDeterminismSeedMatters checks that the seed reaches the run: with
// jitter, different seeds give different traces.
func TestDeterminismSeedMatters(t *testing.T) {
	for _, tc := range determinismCases() {
		if !strings.HasSuffix(tc.name, "/jitter") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			seen := map[uint64]uint64{}
			for _, seed := range []uint64{1, 2, 3} {
				h, _, _ := runHashed(t, tc.cfg(seed))
				if prev, ok := seen[h]; ok {
					t.Fatalf("seeds %d and %d gave the same trace hash %x", prev, seed, h)
				}
				seen[h] = seed
			}
		})
	}
}

// TestDeterminismTraceHasherMatchesJSONL checks that the hasher hashes
// exactly the JSONL trace: the FNV-1a hash of JSONLWriter's output of the
// same run equals TraceHasher's sum, so equal sums mean identical traces.
func TestDeterminismTraceHasherMatchesJSONL(t *testing.T) {
	cfg := determinismCases()[2].cfg(5)
	cfg.Until = 300 * time.Millisecond
	s := newSim(t, cfg)
	var buf bytes.Buffer
	w, werr := s.JSONLWriter(&buf)
	h, sum := s.TraceHasher()
	s.Tracer = func(ev TraceEvent) { w(ev); h(ev) }
	s.Run()
	require.NoError(t, werr())
	require.Greater(t, buf.Len(), 1000)
	f := fnv.New64a()
	f.Write(buf.Bytes())
	require.Equal(t, f.Sum64(), sum())
}

const determinismChildEnv = "CKPTSIM_DETERMINISM_CHILD"

// determinismHashes computes one line "name hash" per determinism case.
func determinismHashes(t testing.TB) string {
	var b strings.Builder
	for _, tc := range determinismCases() {
		h, n, _ := runHashed(t, tc.cfg(99))
		fmt.Fprintf(&b, "%s %016x %d\n", tc.name, h, n)
	}
	return b.String()
}

// TestDeterminismAcrossProcesses re-executes the test binary with
// GOMAXPROCS=1 and GOMAXPROCS=2: every child must print the same hashes
// as this process computes. This catches dependence on map iteration
// order (randomized per process), scheduling or the environment.
func TestDeterminismAcrossProcesses(t *testing.T) {
	if os.Getenv(determinismChildEnv) == "1" {
		fmt.Print("BEGIN-HASHES\n" + determinismHashes(t) + "END-HASHES\n")
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	want := determinismHashes(t)
	for _, procs := range []string{"1", "2"} {
		t.Run("GOMAXPROCS="+procs, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismAcrossProcesses$", "-test.count=1", "-test.v=false")
			cmd.Env = append(os.Environ(), determinismChildEnv+"=1", "GOMAXPROCS="+procs)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "child failed:\n%s", out)
			s := string(out)
			i, j := strings.Index(s, "BEGIN-HASHES\n"), strings.Index(s, "END-HASHES\n")
			require.True(t, i >= 0 && j > i, "child printed no hashes:\n%s", out)
			got := s[i+len("BEGIN-HASHES\n") : j]
			require.Equal(t, want, got)
		})
	}
}
