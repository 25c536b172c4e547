package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scripted builds a scripted run: steps one millisecond apart.
func scripted(t *testing.T, mode Mode, channels int, steps string, queued ...int64) Config {
	t.Helper()
	sc := &Script{Channels: channels, OutputQueued: queued}
	for i, f := range strings.Fields(strings.ReplaceAll(steps, ",", " ")) {
		st, err := ParseStep(f)
		require.NoError(t, err)
		st.At = time.Duration(i+1) * time.Millisecond
		sc.Steps = append(sc.Steps, st)
	}
	ck := DefaultCheckpointConfig()
	ck.Interval, ck.Mode, ck.SyncDuration, ck.AsyncBase = 0, mode, 0, 0
	ch := DefaultChannelConfig()
	ch.Latency = 0
	return Config{Name: "script", Seed: 1, Script: sc, Checkpoint: ck, Channels: ch}
}

func TestScriptLogs(t *testing.T) {
	cases := []struct {
		name     string
		mode     Mode
		channels int
		steps    string
		queued   []int64
		want     []string
	}{
		{"aligned single channel", Aligned, 1, "c0:r1, c0:B(1), c0:r2, c0:B(2), c0:r3", nil,
			[]string{"processed r1", "blocked c0", "checkpoint 1 triggered", "unblocked c0", "checkpoint 1 completed",
				"processed r2", "blocked c0", "checkpoint 2 triggered", "unblocked c0", "checkpoint 2 completed", "processed r3"}},
		{"unaligned first barrier", Unaligned, 2, "c0:r1, c0:B(1), c0:r2, c1:r3, c1:B(1), c1:r4", []int64{1, 2},
			[]string{"processed r1", "persisted output: o1", "persisted output: o2", "checkpoint 1 triggered", "processed r2",
				"persisted c1: r3", "processed r3", "checkpoint 1 completed", "processed r4"}},
		{"aligned three channels", Aligned, 3, "c0:r1, c1:r2, c0:B(1), c2:r3, c0:r4, c1:B(1), c2:r5, c1:r6, c2:B(1), c0:r7", nil,
			[]string{"processed r1", "processed r2", "blocked c0", "processed r3", "blocked c1", "processed r5",
				"blocked c2", "checkpoint 1 triggered", "unblocked c0", "unblocked c1", "unblocked c2",
				"processed r4", "processed r6", "checkpoint 1 completed", "processed r7"}},
		{"newer barrier subsumes", Aligned, 2, "c0:B(1), c0:r1, c1:r2, c1:B(2), c0:B(2), c0:r3", nil,
			[]string{"blocked c0", "processed r2", "unblocked c0", "checkpoint 1 aborted: subsumed", "checkpoint 1 subsumed at the coordinator",
				"blocked c1", "processed r1", "blocked c0", "checkpoint 2 triggered", "unblocked c0", "unblocked c1", "checkpoint 2 completed", "processed r3"}},
		{"cancel marker", Aligned, 2, "c0:r1, c0:B(1), c0:r2, c1:r3, c1:X(1), c0:r4, c1:r5", nil,
			[]string{"processed r1", "blocked c0", "processed r3", "unblocked c0", "checkpoint 1 aborted: cancelled", "checkpoint 1 cancelled at the coordinator",
				"processed r2", "processed r4", "processed r5"}},
		{"at-least-once never blocks", AtLeastOnce, 2, "c0:r1, c0:B(1), c0:r2, c1:r3, c1:B(1), c0:r4", nil,
			[]string{"processed r1", "processed r2", "processed r3", "checkpoint 1 triggered", "checkpoint 1 completed", "processed r4"}},
		{"end of partition during alignment", Aligned, 2, "c0:r1, c0:B(1), c0:r2, c1:r3, c1:EOP", nil,
			[]string{"processed r1", "blocked c0", "processed r3", "checkpoint 1 triggered", "unblocked c0", "processed r2", "checkpoint 1 completed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(scripted(t, tc.mode, tc.channels, tc.steps, tc.queued...))
			require.NoError(t, err)
			s.Run()
			require.Equal(t, tc.want, s.ScriptLog())
		})
	}
}
