package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkParse is what must hold for any input: no panic, and either a valid
// scenario or an *Error whose position is in the file. Line 0 is allowed
// only for the whole-file problems: no document, too large.
func checkParse(t *testing.T, data []byte) {
	s, err := Parse("f.yaml", data)
	if err == nil {
		require.NotNil(t, s)
		require.NoError(t, s.Config.Validate())
		return
	}
	require.Nil(t, s)
	var e *Error
	require.True(t, errors.As(err, &e), "error %T is not *Error: %v", err, err)
	require.Equal(t, "f.yaml", e.File)
	require.NotEmpty(t, e.Msg)
	require.GreaterOrEqual(t, e.Column, 0)
	if e.Line == 0 {
		require.Zero(t, e.Column, "%v", err)
		whole := strings.HasPrefix(e.Msg, "the file is empty") || len(data) > MaxFileSize
		require.True(t, whole, "line 0 for a problem that is not of the whole file: %v", err)
		return
	}
	require.GreaterOrEqual(t, e.Line, 1)
	require.LessOrEqual(t, e.Line, 2+lineBreaks(data), "%v", err)
}

// lineBreaks counts what YAML may count as a line break.
func lineBreaks(data []byte) int {
	n := 0
	for _, r := range string(data) {
		switch r {
		case '\n', '\r', 0x85, 0x2028, 0x2029:
			n++
		}
	}
	return n
}

// addScenarioSeeds seeds a fuzz corpus with every bundled scenario and
// every conformance case.
func addScenarioSeeds(f *testing.F) {
	for _, name := range Bundled() {
		data, err := BundledSource(name)
		require.NoError(f, err)
		f.Add(data)
	}
	conformance, err := filepath.Glob("../testdata/conformance/*.yaml")
	require.NoError(f, err)
	require.NotEmpty(f, conformance)
	for _, path := range conformance {
		data, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(data)
	}
}

func FuzzParse(f *testing.F) {
	addScenarioSeeds(f)
	for _, tc := range badFiles {
		f.Add([]byte(tc.yaml))
	}
	for _, tc := range hostile {
		f.Add([]byte(tc.yaml))
	}
	for _, tc := range badFailureFiles {
		f.Add([]byte(tc.yaml))
	}
	for _, tc := range badBackendFiles {
		f.Add([]byte(tc.yaml))
	}
	f.Add([]byte(everyFailureField))
	f.Fuzz(checkParse)
}

// hostile inputs aim at the YAML library and the decoder's limits.
var hostile = []struct {
	name, yaml, contains string
}{
	{"alias bomb", `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`, "2:8: aliases (*a) are not supported"},
	{"merge key", "base: &b {kind: map}\nname: a\noperators:\n  - {<<: *b, name: m}\n", "4:10: aliases (*b) are not supported"},
	{"deep flow nesting", "name: " + strings.Repeat("[", 20000), "nested more than 10000 levels deep"},
	{"deep block nesting", strings.Repeat("- ", 20000) + "x\n", "nested more than 10000 levels deep"},
	{"deep nesting in a known field", "name: a\noperators: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", "operators: item 1: expected an operator"},
	{"huge parallelism", "name: a\noperators:\n  - {name: s, kind: source, parallelism: 1" + strings.Repeat("0", 400) + "}\n", "is too large"},
	{"huge rate", "name: a\noperators:\n  - {name: s, kind: source, rate: 1" + strings.Repeat("0", 400) + "}\n", "is out of range"},
	{"huge duration", "name: a\nuntil: 99999999999h\n", "invalid duration"},
	{"null bytes", "name: a\x00\n", "character U+0000 is not allowed"},
	{"UTF-16", "\xff\xfen\x00a\x00", "not valid UTF-8"},
	{"tags", "name: !!binary aGVsbG8=\noperators: !!map {}\n", "operators: expected a list of operators, got a mapping"},
	{"complex key", "? [a, b]\n: c\n", "expected a field name at top level, got a list"},
	{"document markers only", "---\n...\n", "expected a mapping with fields"},
	{"null document", "~\n", "got ~"},
}

func TestParseHostile(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, []byte(tc.yaml))
			_, err := Parse("f.yaml", []byte(tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.contains)
		})
	}
}
