package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// The token-passing files of Princeton's COS 418 "chandy-lamport"
// assignment (github.com/COS418F18/assignments_template, assignment2,
// test_common.go: readTopology, injectEvents):
//
//	topology: the first line N; N lines "id tokens"; then "src dst" lines,
//	          one per directed link
//	events:   "send src dst n", "snapshot id", "tick" or "tick k"
//
// Lines starting with # and blank lines are skipped in both (the
// assignment's events reader means to, but its test is reversed).

// LoadTokens reads a topology file and an events file.
func LoadTokens(topologyPath, eventsPath string) (*tokens.Topology, []tokens.Event, error) {
	data, err := readFile(topologyPath)
	if err != nil {
		return nil, nil, err
	}
	top, err := ParseTopology(topologyPath, data)
	if err != nil {
		return nil, nil, err
	}
	if data, err = readFile(eventsPath); err != nil {
		return nil, nil, err
	}
	events, err := ParseEvents(eventsPath, data, top)
	if err != nil {
		return nil, nil, err
	}
	return top, events, nil
}

// word is one whitespace-separated word of a line and its 1-based column.
type word struct {
	text string
	col  int
}

// tokenLines calls fn with the number and fields of every line of data
// that is neither blank nor a comment, and stops at its first error.
func tokenLines(name string, data []byte, fn func(line int, fs []word) error) error {
	if len(data) > MaxFileSize {
		return tooLarge(name, int64(len(data)))
	}
	for i, text := range strings.Split(string(data), "\n") {
		if !utf8.ValidString(text) {
			return &Error{File: name, Line: i + 1, Msg: "the line is not valid UTF-8"}
		}
		var fs []word
		col, start := 1, -1
		for j, r := range text + " " {
			switch {
			case unicode.IsSpace(r) && start >= 0:
				fs = append(fs, word{text[start:j], col - utf8.RuneCountInString(text[start:j])})
				start = -1
			case !unicode.IsSpace(r) && start < 0:
				start = j
			}
			col++
		}
		if len(fs) == 0 || strings.HasPrefix(fs[0].text, "#") {
			continue
		}
		if err := fn(i+1, fs); err != nil {
			return err
		}
	}
	return nil
}

// ParseTopology reads a COS 418 topology file; name stands for the file
// in errors, each an *Error at the line and column at fault.
func ParseTopology(name string, data []byte) (*tokens.Topology, error) {
	top := &tokens.Topology{}
	bad := func(line int, f word, format string, args ...any) error {
		return &Error{File: name, Line: line, Column: f.col, Msg: fmt.Sprintf(format, args...)}
	}
	n := -1
	known := map[string]bool{}
	linked := map[tokens.Link]bool{}
	err := tokenLines(name, data, func(line int, fs []word) error {
		if n < 0 {
			v, err := strconv.Atoi(fs[0].text)
			if len(fs) != 1 || err != nil || v < 1 || v > tokens.MaxProcesses {
				return bad(line, fs[0], "the first line is the number of processes, 1 to %d", tokens.MaxProcesses)
			}
			n = v
			return nil
		}
		if len(fs) != 2 {
			return bad(line, fs[0], "expected two words: \"id tokens\" for a process, \"src dst\" for a link")
		}
		for _, f := range fs {
			if err := checkID(f.text); err != "" {
				return bad(line, f, "%s", err)
			}
		}
		if len(top.Processes) < n {
			v, err := strconv.ParseInt(fs[1].text, 10, 64)
			switch {
			case known[fs[0].text]:
				return bad(line, fs[0], "process %s is listed twice", fs[0].text)
			case err != nil || v < 0 || v > tokens.MaxTokens:
				return bad(line, fs[1], "tokens must be a whole number from 0 to %d", tokens.MaxTokens)
			}
			known[fs[0].text] = true
			top.Processes = append(top.Processes, tokens.Process{ID: fs[0].text, Tokens: v})
			return nil
		}
		l := tokens.Link{From: fs[0].text, To: fs[1].text}
		switch {
		case !known[l.From]:
			return bad(line, fs[0], "unknown process %s (the processes are the %d lines after the first)", l.From, n)
		case !known[l.To]:
			return bad(line, fs[1], "unknown process %s (the processes are the %d lines after the first)", l.To, n)
		case l.From == l.To:
			return bad(line, fs[1], "a process has no link to itself")
		case linked[l]:
			return bad(line, fs[0], "link %s %s is listed twice", l.From, l.To)
		case len(top.Links) == tokens.MaxLinks:
			return bad(line, fs[0], "more than %d links", tokens.MaxLinks)
		}
		linked[l] = true
		top.Links = append(top.Links, l)
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case n < 0:
		return nil, &Error{File: name, Msg: "empty topology: the first line is the number of processes"}
	case len(top.Processes) < n:
		return nil, &Error{File: name, Msg: fmt.Sprintf("the first line says %d processes, the file lists %d", n, len(top.Processes))}
	}
	return top, nil
}

// checkID says what is wrong with a process id, or "".
func checkID(id string) string {
	for _, r := range id {
		if !unicode.IsGraphic(r) {
			return fmt.Sprintf("a process id has printable characters only, not %q", r)
		}
	}
	return ""
}

// ParseEvents reads a COS 418 events file for topology top; name stands
// for the file in errors, each an *Error at the line and column at fault.
func ParseEvents(name string, data []byte, top *tokens.Topology) ([]tokens.Event, error) {
	known := map[string]bool{}
	for _, p := range top.Processes {
		known[p.ID] = true
	}
	linked := map[tokens.Link]bool{}
	for _, l := range top.Links {
		linked[l] = true
	}
	var events []tokens.Event
	snapshots, ticks := 0, int64(0)
	err := tokenLines(name, data, func(line int, fs []word) error {
		bad := func(f word, format string, args ...any) error {
			return &Error{File: name, Line: line, Column: f.col, Msg: fmt.Sprintf(format, args...)}
		}
		process := func(f word) error {
			if !known[f.text] {
				return bad(f, "unknown process %s", f.text)
			}
			return nil
		}
		if len(events) == tokens.MaxEvents {
			return bad(fs[0], "more than %d events", tokens.MaxEvents)
		}
		ev := tokens.Event{Line: line}
		switch fs[0].text {
		case "send":
			if len(fs) != 4 {
				return bad(fs[0], "expected \"send src dst n\"")
			}
			for _, f := range fs[1:3] {
				if err := process(f); err != nil {
					return err
				}
			}
			ev.Kind, ev.From, ev.To = tokens.Send, fs[1].text, fs[2].text
			if !linked[tokens.Link{From: ev.From, To: ev.To}] {
				return bad(fs[1], "there is no link %s %s in the topology", ev.From, ev.To)
			}
			v, err := strconv.ParseInt(fs[3].text, 10, 64)
			if err != nil || v < 1 || v > tokens.MaxTokens {
				return bad(fs[3], "tokens must be a whole number from 1 to %d", tokens.MaxTokens)
			}
			ev.Tokens = v
		case "snapshot":
			if len(fs) != 2 {
				return bad(fs[0], "expected \"snapshot id\"")
			}
			if err := process(fs[1]); err != nil {
				return err
			}
			if snapshots++; snapshots*max(1, len(top.Links)) > tokens.MaxMarkers {
				return bad(fs[0], "%d snapshots on %d links send more than %d markers", snapshots, len(top.Links), tokens.MaxMarkers)
			}
			ev.Kind, ev.Process = tokens.Snapshot, fs[1].text
		case "tick":
			ev.Kind, ev.Ticks = tokens.Tick, 1
			switch len(fs) {
			case 1:
			case 2:
				v, err := strconv.ParseInt(fs[1].text, 10, 64)
				if err != nil || v < 1 || v > tokens.MaxTicks-ticks {
					return bad(fs[1], "ticks must be a whole number from 1, at most %d in all", tokens.MaxTicks)
				}
				ev.Ticks = v
			default:
				return bad(fs[0], "expected \"tick\" or \"tick k\"")
			}
			ticks += ev.Ticks
		default:
			return bad(fs[0], "unknown command %q (the commands: send src dst n, snapshot id, tick, tick k)", fs[0].text)
		}
		events = append(events, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return events, nil
}
