package scenarios

import (
	"regexp"
	"strings"
	"unicode"
)

// fieldPrefixes rename the sections of a sim.Config field path (Go names)
// to the sections of a scenario file; the first match wins.
var fieldPrefixes = []struct{ goName, file string }{
	{"Recovery.Restart.", "restart."},
	{"Recovery.", "recovery."},
	{"Checkpoint.", "checkpoint."},
	{"StateBackend.", "state_backend."},
	{"Channels.", "channels."},
	{"Faults", "faults"},
	{"Restores", "restore"},
	{"Script.Steps", "script.steps"},
	{"Script.", "script."},
	{"Tokens.", "tokens."},
	{"Tokens", "tokens"},
}

// operatorField matches an operator's field path; a source's workload
// keys sit in the operator's mapping.
var operatorField = regexp.MustCompile(`^Graph\.Operators(\[\d+\])\.(?:Source\.)?`)

// filePath is the scenario-file path of a sim.Config field path:
// "Graph.Operators[1].Source.Rate" is "operators[1].rate",
// "Recovery.Restart.MaxDelay" is "restart.max_delay".
func filePath(field string) string {
	rest := field
	prefix := ""
	if m := operatorField.FindStringSubmatch(field); m != nil {
		prefix, rest = "operators"+m[1]+".", field[len(m[0]):]
	} else {
		for _, p := range fieldPrefixes {
			if r, ok := strings.CutPrefix(field, p.goName); ok {
				prefix, rest = p.file, r
				break
			}
		}
	}
	return prefix + snakeCase(rest)
}

// snakeCase writes Go names in the file's style: MinPause is min_pause,
// MTBF is mtbf, Steps[2].At is steps[2].at.
func snakeCase(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && unicode.IsLower(r[i-1]) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// boundErrorAt is the position of a value sim found beyond its bound: the
// value itself, else the nearest enclosing value the file gives (a
// subtask_cost entry's mapping, a savepoint's list), else the top.
func (s *Scenario) boundErrorAt(field string) position {
	path := filePath(field)
	for {
		if p, ok := s.at.values[path]; ok {
			return p
		}
		if i := strings.LastIndexAny(path, ".["); i > 0 {
			path = path[:i]
			continue
		}
		return s.at.root
	}
}
