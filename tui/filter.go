package tui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ckptsim/ckptsim/sim"
)

// logFilter selects trace events for the event log. It keeps the indexes
// of the matching events of the recorded trace, extended as needed.
type logFilter struct {
	text    string
	terms   []filterTerm
	matches []int64
	scanned int64 // trace events examined
}

type filterTerm struct {
	field  string // "ck", "kind", "sub", "ch" or "" (any)
	value  string // lower case
	ck     int64
	negate bool
}

// parseFilter reads a filter; the empty text matches everything.
func parseFilter(text string) (*logFilter, error) {
	f := &logFilter{text: strings.TrimSpace(text)}
	for _, w := range strings.Fields(f.text) {
		t := filterTerm{}
		if strings.HasPrefix(w, "-") && len(w) > 1 {
			t.negate, w = true, w[1:]
		}
		if k, v, ok := strings.Cut(w, ":"); ok {
			switch k {
			case "ck", "kind", "sub", "ch":
				t.field, w = k, v
			}
		}
		t.value = strings.ToLower(w)
		if t.field == "ck" {
			n, err := strconv.ParseInt(w, 10, 64)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("ck:%s: a checkpoint id is a number from 1", w)
			}
			t.ck = n
		}
		if t.value == "" {
			return nil, fmt.Errorf("empty filter word in %q", text)
		}
		f.terms = append(f.terms, t)
	}
	return f, nil
}

// all reports whether the filter matches every event.
func (f *logFilter) all() bool { return f == nil || len(f.terms) == 0 }

// match reports whether ev passes the filter.
func (f *logFilter) match(m *Model, ev sim.TraceEvent) bool {
	for _, t := range f.terms {
		if t.matches(m, ev) == t.negate {
			return false
		}
	}
	return true
}

func (t filterTerm) matches(m *Model, ev sim.TraceEvent) bool {
	switch t.field {
	case "ck":
		return ev.Checkpoint == t.ck
	case "kind":
		return strings.Contains(ev.Kind.String(), t.value)
	case "sub":
		return strings.Contains(strings.ToLower(m.eventSubtask(ev)), t.value)
	case "ch":
		return strings.Contains(strings.ToLower(m.eventChannel(ev)), t.value)
	}
	return strings.Contains(ev.Kind.String(), t.value) ||
		strings.Contains(strings.ToLower(m.eventSubtask(ev)), t.value) ||
		strings.Contains(strings.ToLower(m.eventChannel(ev)), t.value) ||
		(ev.Checkpoint != 0 && "ck="+strconv.FormatInt(ev.Checkpoint, 10) == t.value)
}

// extend examines the recorded trace up to upTo events.
func (f *logFilter) extend(m *Model, upTo int64) {
	for ; f.scanned < upTo; f.scanned++ {
		if f.match(m, m.trace.at(f.scanned)) {
			f.matches = append(f.matches, f.scanned)
		}
	}
}

// before returns the trace indexes of up to n matching events before
// trace index end, oldest first, skipping the last skip of them; total is
// how many match before end.
func (f *logFilter) before(m *Model, end int64, n, skip int) (idx []int64, total int) {
	if f.all() {
		total = int(end)
		hi := max(0, end-int64(skip))
		for i := max(0, hi-int64(n)); i < hi; i++ {
			idx = append(idx, i)
		}
		return idx, total
	}
	f.extend(m, end)
	total = sort.Search(len(f.matches), func(i int) bool { return f.matches[i] >= end })
	hi := max(0, total-skip)
	return f.matches[max(0, hi-n):hi], total
}
