package tui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

func TestRibbon(t *testing.T) {
	th := newTheme(true)
	rec := sim.QueuedItem{Kind: sim.QueuedRecord}
	per := sim.QueuedItem{Kind: sim.QueuedRecord, Persisted: true}
	bar := func(n int64, prio bool) sim.QueuedItem {
		return sim.QueuedItem{Kind: sim.QueuedBarrier, Checkpoint: n, Priority: prio}
	}
	atSender := func(it sim.QueuedItem) sim.QueuedItem { it.AtSender = true; return it }
	// Receiver's head first: two records, barrier 3, two records.
	items := []sim.QueuedItem{rec, rec, bar(3, false), rec, rec}
	require.Equal(t, "    ··|3··", ribbonString(ribbon(items, 10, &th)))
	// An unaligned barrier that overtook persisted records sits at the head.
	items = []sim.QueuedItem{bar(4, true), per, per, rec}
	require.Equal(t, "·**»4", ribbonString(ribbon(items, 5, &th)))
	// The sender's output queue is left of ┊.
	items = []sim.QueuedItem{rec, atSender(rec), atSender(bar(2, false))}
	require.Equal(t, " |2·┊·", ribbonString(ribbon(items, 6, &th)))
	require.Equal(t, " ··┊", ribbonString(ribbon([]sim.QueuedItem{atSender(rec), atSender(rec)}, 4, &th)))
	// Too many records: compressed, the events stay.
	items = nil
	for range 100 {
		items = append(items, rec)
	}
	items = append(items, bar(12, false))
	for range 100 {
		items = append(items, rec)
	}
	got := ribbonString(ribbon(items, 12, &th))
	require.Len(t, []rune(got), 12)
	require.Contains(t, got, "|12")
	// Too many events: the left (newest) end is cut.
	items = []sim.QueuedItem{bar(1, false), bar(2, false), bar(3, false), bar(4, false)}
	require.Equal(t, "…3|2|1", ribbonString(ribbon(items, 6, &th)))
	require.Equal(t, "   ", ribbonString(ribbon(nil, 3, &th)))
	cancel := sim.QueuedItem{Kind: sim.QueuedCancel, Checkpoint: 5}
	eop := sim.QueuedItem{Kind: sim.QueuedEndOfPartition}
	require.Equal(t, "⊣x5", ribbonString(ribbon([]sim.QueuedItem{cancel, eop}, 3, &th)))
}
