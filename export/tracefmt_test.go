package export

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// traceEvent is one event of a Chrome trace-event JSON file, as the
// format checker reads it.
type traceEvent struct {
	Ph   string         `json:"ph"`
	Name *string        `json:"name"`
	Cat  string         `json:"cat"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	Ts   *float64       `json:"ts"`
	Dur  *float64       `json:"dur"`
	ID   *int64         `json:"id"`
	S    string         `json:"s"`
	Bp   string         `json:"bp"`
	Args map[string]any `json:"args"`
}

// checkTraceFormat checks data against the rules of the trace-event
// format that Perfetto's JSON importer relies on, and returns the
// problems (at most a few of each) and the events by phase:
//
//   - the file is an object with a traceEvents array of objects, each with
//     a known ph, a name, a pid and a tid, and a ts (µs, >= 0) unless it
//     is metadata;
//   - per track (pid, tid), ts never goes back in file order (per counter,
//     per pid and name);
//   - B and E nest on their track: every E closes the innermost open B of
//     the same name, and none is open at the end; X has a dur >= 0, and the
//     X spans of a track nest: each lies within or outside every other;
//   - b and e pair by (cat, id): one b, then one e with the same name, not
//     earlier;
//   - s and f pair by (cat, id): one s, then one f, not earlier;
//   - i has a scope t, p or g; C has numeric args;
//   - every process and track that holds an event is named by M
//     process_name and thread_name metadata.
func checkTraceFormat(data []byte) (problems []string, byPhase map[string]int) {
	byPhase = map[string]int{}
	report := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	var file struct {
		TraceEvents []traceEvent `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return []string{"not JSON of a trace: " + err.Error()}, byPhase
	}
	if file.TraceEvents == nil {
		return []string{"no traceEvents array"}, byPhase
	}
	type track struct{ pid, tid int }
	type pair struct {
		cat string
		id  int64
	}
	type half struct {
		name   string
		ts     float64
		closed bool
	}
	last := map[track]float64{}
	counters := map[string]float64{}
	stacks := map[track][]string{}
	asyncs, flows := map[pair]*half{}, map[pair]*half{}
	processNames, threadNames := map[int]bool{}, map[track]bool{}
	used := map[track]bool{}
	type span struct{ ts, dur float64 }
	complete := map[track][]span{}
	for i, ev := range file.TraceEvents {
		byPhase[ev.Ph]++
		if ev.Name == nil || ev.Pid == nil || ev.Tid == nil {
			report("event %d (%s) lacks a name, pid or tid", i, ev.Ph)
			continue
		}
		tr := track{*ev.Pid, *ev.Tid}
		if ev.Ph == "M" {
			_, ok := ev.Args["name"].(string)
			switch *ev.Name {
			case "process_name":
				processNames[tr.pid] = ok
			case "thread_name":
				threadNames[tr] = ok
			}
			continue
		}
		if ev.Ts == nil || *ev.Ts < 0 {
			report("event %d %q has no ts >= 0", i, *ev.Name)
			continue
		}
		ts := *ev.Ts
		if ev.Ph == "C" {
			key := fmt.Sprint(tr.pid, *ev.Name)
			if ts < counters[key] {
				report("counter %q of pid %d goes back in time at event %d", *ev.Name, tr.pid, i)
			}
			counters[key] = ts
			for k, v := range ev.Args {
				if _, ok := v.(float64); !ok {
					report("counter %q has a value %q that is not a number", *ev.Name, k)
				}
			}
			if !processNames[tr.pid] {
				report("counter %q of an unnamed process %d", *ev.Name, tr.pid)
			}
			continue
		}
		used[tr] = true
		if ts < last[tr] {
			report("ts goes back on track %v at event %d %q: %v after %v", tr, i, *ev.Name, ts, last[tr])
		}
		last[tr] = ts
		switch ev.Ph {
		case "B":
			stacks[tr] = append(stacks[tr], *ev.Name)
		case "E":
			s := stacks[tr]
			if len(s) == 0 || s[len(s)-1] != *ev.Name {
				report("E %q at event %d on track %v does not close the innermost open span (open: %v)", *ev.Name, i, tr, s)
				continue
			}
			stacks[tr] = s[:len(s)-1]
		case "X":
			if ev.Dur == nil || *ev.Dur < 0 {
				report("X %q at event %d has no dur >= 0", *ev.Name, i)
				continue
			}
			complete[tr] = append(complete[tr], span{ts, *ev.Dur})
		case "b", "e", "s", "f":
			if ev.ID == nil {
				report("%s %q at event %d has no id", ev.Ph, *ev.Name, i)
				continue
			}
			m, open := asyncs, "b"
			if ev.Ph == "s" || ev.Ph == "f" {
				m, open = flows, "s"
			}
			key := pair{ev.Cat, *ev.ID}
			h := m[key]
			switch {
			case ev.Ph == open && h != nil:
				report("%s id %v used twice (event %d)", ev.Ph, key, i)
			case ev.Ph == open:
				m[key] = &half{name: *ev.Name, ts: ts}
			case h == nil || h.closed:
				report("%s %q id %v at event %d has no open %s", ev.Ph, *ev.Name, key, i, open)
			case h.name != *ev.Name || ts < h.ts:
				report("%s %q id %v at event %d does not match its %s %q at %v", ev.Ph, *ev.Name, key, i, open, h.name, h.ts)
			default:
				h.closed = true
			}
		case "i":
			if !slices.Contains([]string{"t", "p", "g"}, ev.S) {
				report("instant %q at event %d has scope %q", *ev.Name, i, ev.S)
			}
		default:
			report("event %d has an unknown phase %q", i, ev.Ph)
		}
	}
	for tr, spans := range complete {
		// Outer spans first: by start, the longer first at the same start.
		slices.SortStableFunc(spans, func(a, b span) int {
			if a.ts != b.ts {
				return cmp.Compare(a.ts, b.ts)
			}
			return cmp.Compare(b.dur, a.dur)
		})
		var ends []float64 // of the spans enclosing the current one
		for _, sp := range spans {
			for len(ends) > 0 && ends[len(ends)-1] <= sp.ts+1e-9 { // a span that starts where the outer one ends, but for rounding
				ends = ends[:len(ends)-1]
			}
			if len(ends) > 0 && sp.ts+sp.dur > ends[len(ends)-1]+1e-9 {
				report("X spans overlap on track %v: one at %v ends after the span around it, at %v", tr, sp.ts, ends[len(ends)-1])
			}
			ends = append(ends, sp.ts+sp.dur)
		}
	}
	for tr, s := range stacks {
		if len(s) > 0 {
			report("spans left open on track %v: %v", tr, s)
		}
	}
	for key, h := range asyncs {
		if !h.closed {
			report("async span %q id %v never ends", h.name, key)
		}
	}
	for key, h := range flows {
		if !h.closed {
			report("flow %q id %v never arrives", h.name, key)
		}
	}
	for tr := range used {
		if !processNames[tr.pid] || !threadNames[tr] {
			report("track %v holds events but has no process_name and thread_name", tr)
		}
	}
	return problems, byPhase
}
