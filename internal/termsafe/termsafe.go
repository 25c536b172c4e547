// Package termsafe keeps text from a scenario file (operator names,
// descriptions, messages that quote them) from driving the terminal it is
// printed on: an operator named with escape sequences must print as its
// escapes, not clear the screen.
//
// Unsafe runes are written as escapes that JSON also reads: \u001b,
// \u009b, \u202e, and \r, \n, \t for those three. Bytes that are not UTF-8
// are written as \xff.
package termsafe

import (
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal raw: a control
// character other than newline and tab (C0, DEL and C1, which start
// terminal escape sequences or move the cursor) or a bidirectional
// override or isolate (U+202A..U+202E, U+2066..U+2069), which reorder the
// text that follows.
func Unsafe(r rune) bool {
	switch {
	case r == '\n', r == '\t':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	}
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// String returns s with its unsafe runes and its bytes that are not UTF-8
// escaped; newlines and tabs stay.
func String(s string) string { return string(appendText(nil, s, false)) }

// Line is String for text that must stay on one line, such as a name:
// newlines and tabs are escaped too.
func Line(s string) string { return string(appendText(nil, s, true)) }

// appendText appends s to b, escaped.
func appendText(b []byte, s string, line bool) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case Unsafe(r), line && (r == '\n' || r == '\t'):
			b = appendEscape(b, r)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// appendEscape appends the escape of r.
func appendEscape(b []byte, r rune) []byte {
	switch r {
	case '\n':
		return append(b, `\n`...)
	case '\t':
		return append(b, `\t`...)
	case '\r':
		return append(b, `\r`...)
	}
	return fmt.Appendf(b, `\u%04x`, r)
}

// Writer escapes what it writes as String does. A UTF-8 sequence split
// between two writes is kept until the next; Flush escapes what is left
// of an incomplete one. It is safe for concurrent use (a command's
// progress and its interrupt notice share stderr).
type Writer struct {
	// Styles lets WriteStyled add terminal styles: set it for a terminal
	// that wants colour.
	Styles bool

	mu      sync.Mutex
	w       io.Writer
	pending []byte
	buf     []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p escaped, and reports all of p written unless w failed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 && safeASCII(p) {
		return w.w.Write(p)
	}
	data := append(w.pending, p...)
	w.pending = nil
	// Keep an incomplete sequence at the end for the next write.
	if cut := incompleteTail(data); cut < len(data) {
		w.pending = append([]byte(nil), data[cut:]...)
		data = data[:cut]
	}
	w.buf = appendText(w.buf[:0], string(data), false)
	if _, err := w.w.Write(w.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteStyled writes p escaped as Write does and then, if w.Styles is set,
// passed through style, which may add terminal styles (SGR sequences such
// as "\x1b[31m") to the escaped text: the only control sequences that
// reach the terminal are those style adds, never the text's own.
func (w *Writer) WriteStyled(p []byte, style func(escaped string) string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	data := append(w.pending, p...)
	w.pending = nil
	text := string(appendText(nil, string(data), false))
	if w.Styles {
		text = style(text)
	}
	_, err := io.WriteString(w.w, text)
	return err
}

// Flush writes what is left of an incomplete UTF-8 sequence, escaped.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return nil
	}
	w.buf = appendText(w.buf[:0], string(w.pending), false)
	w.pending = nil
	_, err := w.w.Write(w.buf)
	return err
}

// safeASCII reports whether p is printable ASCII, newlines and tabs.
func safeASCII(p []byte) bool {
	for _, c := range p {
		if c >= 0x7f || c < 0x20 && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

// incompleteTail returns where an incomplete UTF-8 sequence at the end of
// p starts, or len(p) if it ends with a whole rune.
func incompleteTail(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
