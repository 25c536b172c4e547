package tokens_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim/tokens"
)

// The tests of the COS 418 assignment (snapshot_test.go of
// github.com/COS418F18/assignments_template, assignment2/src/chandy-lamport):
// topology, events, and the expected snapshot files.
var cos418Cases = []struct {
	top, events string
	snaps       []string
}{
	{"2nodes.top", "2nodes-simple.events", []string{"2nodes-simple.snap"}},
	{"2nodes.top", "2nodes-message.events", []string{"2nodes-message.snap"}},
	{"3nodes.top", "3nodes-simple.events", []string{"3nodes-simple.snap"}},
	{"3nodes.top", "3nodes-bidirectional-messages.events", []string{"3nodes-bidirectional-messages.snap"}},
	{"8nodes.top", "8nodes-sequential-snapshots.events", numbered("8nodes-sequential-snapshots", 2)},
	{"8nodes.top", "8nodes-concurrent-snapshots.events", numbered("8nodes-concurrent-snapshots", 5)},
	{"10nodes.top", "10nodes.events", numbered("10nodes", 10)},
}

func numbered(prefix string, n int) []string {
	var names []string
	for i := range n {
		names = append(names, prefix+string(rune('0'+i))+".snap")
	}
	return names
}

// TestCOS418Published runs the assignment's own test cases with delivery
// cos418 and compares the snapshots with its published expectations. The
// assignment's files carry no licence, so they are not part of this
// repository: set COS418_TESTDATA to a copy of its test_data folder. With
// -v it logs how many of the published snapshots matched (21 of 21).
func TestCOS418Published(t *testing.T) {
	dir := os.Getenv("COS418_TESTDATA")
	if dir == "" {
		t.Skip("COS418_TESTDATA is not set to the assignment's test_data folder")
	}
	matched, total := 0, 0
	for _, c := range cos418Cases {
		total += len(c.snaps)
		t.Run(c.events, func(t *testing.T) {
			top, events, err := scenarios.LoadTokens(filepath.Join(dir, c.top), filepath.Join(dir, c.events))
			require.NoError(t, err)
			res, err := tokens.Run(top, events, tokens.Options{Delivery: tokens.DeliveryCOS418})
			require.NoError(t, err)
			require.NoError(t, tokens.Conserved(res))
			require.Len(t, res.Snapshots, len(c.snaps))
			for i, name := range c.snaps {
				want, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				if assert.Equal(t, canonicalSnap(string(want)), res.Snapshots[i].String(), name) {
					matched++
				}
			}
		})
	}
	t.Logf("%d cases, %d of %d published snapshots match", len(cos418Cases), matched, total)
}

// canonicalSnap writes a .snap file as Snap.String does: its process lines
// in string order, its message lines grouped by destination in string
// order, each group in file order (the order the assignment compares).
func canonicalSnap(text string) string {
	var id string
	var procs, msgs []string
	for _, l := range strings.Split(text, "\n") {
		switch f := strings.Fields(l); {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case len(f) == 1:
			id = f[0]
		case len(f) == 2:
			procs = append(procs, strings.Join(f, " "))
		default:
			msgs = append(msgs, strings.Join(f, " "))
		}
	}
	slices.Sort(procs)
	slices.SortStableFunc(msgs, func(a, b string) int {
		return strings.Compare(strings.Fields(a)[1], strings.Fields(b)[1])
	})
	return strings.Join(append(append([]string{id}, procs...), msgs...), "\n") + "\n"
}
