package termsafe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestString(t *testing.T) {
	cases := []struct{ in, text, line string }{
		{"count[1]", "count[1]", "count[1]"},
		{"a\x1b[2Jb", `a\u001b[2Jb`, `a\u001b[2Jb`},
		{"two\nlines\tand tab", "two\nlines\tand tab", `two\nlines\tand tab`},
		{"cr\rover", `cr\rover`, `cr\rover`},
		{"del\x7f c1\u009b[31m", `del\u007f c1\u009b[31m`, `del\u007f c1\u009b[31m`},
		{"rlo\u202eevil\u2066", `rlo\u202eevil\u2066`, `rlo\u202eevil\u2066`},
		{"bad\xffutf8", `bad\xffutf8`, `bad\xffutf8`},
		{"é, 日本, emoji 🙂, back\\slash", "é, 日本, emoji 🙂, back\\slash", "é, 日本, emoji 🙂, back\\slash"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.text, String(tc.in), "%q", tc.in)
		assert.Equal(t, tc.line, Line(tc.in), "%q", tc.in)
	}
}

// TestProperties: the output of String has no unsafe rune and is UTF-8;
// of valid UTF-8 the escapes are JSON's, so a JSON string stays the same
// string; a Writer fed the text in any pieces writes what String returns.
func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringOf(rapid.OneOf(rapid.RuneFrom(nil, &unicode0to0x30), rapid.Rune(),
			rapid.SampledFrom([]rune{0x1b, 0x9b, 0x202e, '\r', '\n', 0x7f}))).Draw(t, "s")
		raw := []byte(s)
		if rapid.Bool().Draw(t, "invalid byte") {
			raw = append(raw, 0xff)
		}
		got := String(string(raw))
		require.True(t, utf8.ValidString(got))
		for _, r := range got {
			require.False(t, Unsafe(r), "%q", got)
		}
		if utf8.ValidString(s) {
			enc, err := json.Marshal(s)
			require.NoError(t, err)
			var back string
			require.NoError(t, json.Unmarshal([]byte(String(string(enc))), &back))
			require.Equal(t, s, back)
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		for rest := raw; len(rest) > 0; {
			n := rapid.IntRange(1, len(rest)).Draw(t, "piece")
			k, err := w.Write(rest[:n])
			require.NoError(t, err)
			require.Equal(t, n, k)
			rest = rest[n:]
		}
		require.NoError(t, w.Flush())
		require.Equal(t, got, out.String())
	})
}

var unicode0to0x30 = unicode.RangeTable{R16: []unicode.Range16{{Lo: 0, Hi: 0x30, Stride: 1}}}

// TestWriteStyled: styles reach the terminal only when the writer allows
// them, and only those style adds: the text's own escapes stay escaped.
func TestWriteStyled(t *testing.T) {
	red := func(s string) string { return strings.ReplaceAll(s, "FAIL", "\x1b[31mFAIL\x1b[0m") }
	var b strings.Builder
	w := NewWriter(&b)
	require.NoError(t, w.WriteStyled([]byte("FAIL \x1b[2J\n"), red))
	assert.Equal(t, `FAIL \u001b[2J`+"\n", b.String())
	b.Reset()
	w.Styles = true
	require.NoError(t, w.WriteStyled([]byte("FAIL \x1b[2J\n"), red))
	assert.Equal(t, "\x1b[31mFAIL\x1b[0m \\u001b[2J\n", b.String())
}
