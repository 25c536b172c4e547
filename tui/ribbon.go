package tui

import (
	"strconv"

	"github.com/gdamore/tcell/v2"

	"github.com/ckptsim/ckptsim/sim"
)

// A ribbon draws what is queued on a channel in a fixed number of cells,
// flowing left to right into the receiver: the sender's output queue on
// the left (up to a ┊), then what is on the wire or waiting at the
// receiver, whose next item is the rightmost cell. Records are ·
// (* when persisted as channel state), an aligned barrier is |n, an
// unaligned (priority) barrier »n, a cancel marker xn, end of partition ⊣.
// When the records do not fit, each cell stands for several of them; when
// even the events do not fit, the left end is cut with …

type rcell struct {
	r  rune
	st tcell.Style
}

// ribbonSeg is a run of records or one event.
type ribbonSeg struct {
	records   int
	persisted []bool // per record, for a run
	sender    bool
	text      []rcell // an event
}

// ribbonSegs turns queued items (receiver's head first, as
// sim.AppendQueued gives them) into segments in display order.
func ribbonSegs(items []sim.QueuedItem, th *theme) []ribbonSeg {
	var segs []ribbonSeg
	senderDone := false
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if !it.AtSender && !senderDone {
			senderDone = true
			if i < len(items)-1 { // there were sender items
				segs = append(segs, ribbonSeg{text: []rcell{{'┊', th.dim}}})
			}
		}
		if it.Kind == sim.QueuedRecord {
			if n := len(segs); n > 0 && segs[n-1].text == nil && segs[n-1].sender == it.AtSender {
				segs[n-1].records++
				segs[n-1].persisted = append(segs[n-1].persisted, it.Persisted)
				continue
			}
			segs = append(segs, ribbonSeg{records: 1, persisted: []bool{it.Persisted}, sender: it.AtSender})
			continue
		}
		var prefix rune
		st := th.barrier
		switch {
		case it.Kind == sim.QueuedBarrier && it.Priority:
			prefix, st = '»', th.prio
		case it.Kind == sim.QueuedBarrier:
			prefix = '|'
		case it.Kind == sim.QueuedCancel:
			prefix, st = 'x', th.cancel
		case it.Kind == sim.QueuedEndOfData:
			segs = append(segs, ribbonSeg{text: []rcell{{'⊢', th.eop}}})
			continue
		default:
			segs = append(segs, ribbonSeg{text: []rcell{{'⊣', th.eop}}})
			continue
		}
		seg := ribbonSeg{text: []rcell{{prefix, st}}}
		for _, r := range strconv.FormatInt(it.Checkpoint, 10) {
			seg.text = append(seg.text, rcell{r, st})
		}
		segs = append(segs, seg)
	}
	if !senderDone && len(items) > 0 { // everything waits at the sender
		segs = append(segs, ribbonSeg{text: []rcell{{'┊', th.dim}}})
	}
	return segs
}

// ribbon renders items in exactly w cells.
func ribbon(items []sim.QueuedItem, w int, th *theme) []rcell {
	if w <= 0 {
		return nil
	}
	segs := ribbonSegs(items, th)
	events, records, runs := 0, 0, 0
	for _, s := range segs {
		events += len(s.text)
		records += s.records
		if s.text == nil {
			runs++
		}
	}
	budget := w - events // cells for records
	var cells []rcell
	for _, s := range segs {
		if s.text != nil {
			cells = append(cells, s.text...)
			continue
		}
		n := s.records // cells for this run
		if events+records > w {
			n = max(1, s.records*max(budget, 0)/max(records, 1))
		}
		for j := range n {
			lo, hi := j*s.records/n, max((j+1)*s.records/n, j*s.records/n+1)
			c := rcell{'·', th.record}
			if s.sender {
				c.st = th.sender
			}
			for _, p := range s.persisted[lo:hi] {
				if p {
					c = rcell{'*', th.persisted}
				}
			}
			cells = append(cells, c)
		}
	}
	if len(cells) > w {
		cells = cells[len(cells)-w:]
		cells[0] = rcell{'…', th.dim}
	}
	out := make([]rcell, w-len(cells), w)
	for i := range out {
		out[i] = rcell{' ', th.base}
	}
	return append(out, cells...)
}

// ribbonString is the ribbon's text, for tests.
func ribbonString(cells []rcell) string {
	rs := make([]rune, len(cells))
	for i, c := range cells {
		rs[i] = c.r
	}
	return string(rs)
}
