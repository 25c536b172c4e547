package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest scenario file Parse accepts, in bytes.
const MaxFileSize = 1 << 20

// document checks the raw bytes and parses them into the YAML tree of the
// file's single document, whose root node it returns.
func (d *decoder) document(data []byte) (root *yaml.Node, err error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(d.file, int64(len(data)))
	}
	if err := d.checkText(data); err != nil {
		return nil, err
	}
	defer func() {
		// The YAML library reports errors by panicking internally and
		// recovering; should one escape, it is still a clean error.
		if r := recover(); r != nil {
			root, err = nil, &Error{File: d.file, Msg: fmt.Sprintf("the YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, d.empty()
		}
		return nil, d.syntaxError(data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, d.syntaxError(data, err)
	default:
		return nil, d.errAt(&extra, "a scenario file holds one YAML document, but a second one starts here")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, d.empty()
	}
	root = doc.Content[0]
	if err := d.noAliases(root); err != nil {
		return nil, err
	}
	return root, nil
}

// tooLarge is the error of a file larger than MaxFileSize; size is its
// size, or negative when only a part of it was read (the rest may be
// endless, as from a pipe).
func tooLarge(file string, size int64) *Error {
	what := fmt.Sprintf("%d bytes", size)
	if size < 0 {
		what = fmt.Sprintf("more than %d bytes", MaxFileSize)
	}
	return &Error{File: file, Msg: fmt.Sprintf("the file is too large (%s); a scenario file may have at most %d bytes (1 MiB)", what, MaxFileSize)}
}

// empty is the error of a file without a document.
func (d *decoder) empty() *Error {
	return &Error{File: d.file, Msg: "the file is empty; a scenario needs at least the fields name and operators"}
}

// checkText rejects bytes the YAML library would refuse without saying
// where: invalid UTF-8 and control characters.
func (d *decoder) checkText(data []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return &Error{File: d.file, Line: line, Column: col,
				Msg: fmt.Sprintf("the file is not valid UTF-8 (byte 0x%02x); save it as UTF-8", data[i])}
		}
		if !yamlChar(r) {
			return &Error{File: d.file, Line: line, Column: col,
				Msg: fmt.Sprintf("character %U is not allowed in YAML; write it as an escape in a double-quoted string", r)}
		}
		i += size
		switch {
		case r == '\n', r == '\r' && (i == len(data) || data[i] != '\n'):
			line, col = line+1, 1
		default:
			col++
		}
	}
	return nil
}

// yamlChar reports whether YAML allows r in a file (YAML 1.2, 5.1).
func yamlChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD:
		return true
	}
	return r >= 0x10000 && r <= 0x10FFFF
}

// parserProblems are the messages the YAML library's parser (as opposed to
// its scanner) reports with a 0-based line number; the scanner's are
// 1-based.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxError turns an error of the YAML library into an *Error. The library
// gives only a line, and none for problems on the first line.
func (d *decoder) syntaxError(data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				line, msg = n, text
			}
		}
	}
	if parserProblems[msg] {
		line++
	}
	if e := d.longKey(data, max(line, 1)); e != nil {
		return e
	}
	if depth, ok := strings.CutPrefix(msg, "exceeded max depth of "); ok {
		return &Error{File: d.file, Line: max(line, 1), Msg: fmt.Sprintf("lists and mappings are nested more than %s levels deep; a scenario needs a few", depth)}
	}
	e := &Error{File: d.file, Line: max(line, 1), Msg: "invalid YAML: " + msg}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok && line == 0 {
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			e.Line = 1 + bytes.Count(data[:i], []byte("\n"))
			e.Column = 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
		}
		e.Msg = fmt.Sprintf("alias *%s refers to no anchor; aliases are not supported in scenario files anyway: write the value out", name)
	}
	return e
}

// MaxKeyLength is the most characters a key may have, its quotes
// included: YAML 1.2 (7.4.2) makes the ':' of a key written without the
// '?' indicator appear within 1024 characters of its start, and the YAML
// library gives up looking for it there.
const MaxKeyLength = 1024

// longKey reports a key longer than MaxKeyLength on the line where the
// YAML library found a syntax error or on the line before, which is what
// its "could not find expected ':'" (and, in lists and flow mappings,
// other messages) means there.
func (d *decoder) longKey(data []byte, line int) *Error {
	lines := bytes.Split(data, []byte("\n"))
	for l := max(line-1, 1); l <= min(line, len(lines)); l++ {
		if col, n := longKeyIn(string(lines[l-1])); n > 0 {
			return &Error{File: d.file, Line: l, Column: col, Msg: fmt.Sprintf(
				"the key is too long (%d characters; YAML allows at most %d in a key, its quotes included)",
				n, MaxKeyLength)}
		}
	}
	return nil
}

// longKeyIn returns the 1-based column and the length in characters of
// the first key in line longer than MaxKeyLength, or 0, 0. A key starts
// at the line's first non-blank character or after one of "- ", "{", "["
// or ",", and ends before a ':' followed by a blank, ',', '}' or the end
// of the line.
func longKeyIn(line string) (col, n int) {
	runes := []rune(strings.TrimRight(line, "\r"))
	start := -1
	for i, r := range runes {
		switch {
		case r == '{' || r == '[' || r == ',':
			start = -1
		case r == '-' && start < 0 && (i+1 == len(runes) || runes[i+1] == ' '):
			// A list item: its key starts after the '-'.
		case r == ':' && start >= 0 && (i+1 == len(runes) || strings.ContainsRune(" \t,}", runes[i+1])):
			if i-start > MaxKeyLength {
				return start + 1, i - start
			}
			start = -1
		case start < 0 && r != ' ' && r != '\t':
			start = i
		}
	}
	return 0, 0
}

// noAliases rejects YAML aliases anywhere in the tree: they make a small
// file expand into a large one, and a scenario has no need for them.
func (d *decoder) noAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return d.errAt(n, "aliases (*%s) are not supported in scenario files; write the value out", n.Value)
	}
	for _, c := range n.Content {
		if err := d.noAliases(c); err != nil {
			return err
		}
	}
	return nil
}
