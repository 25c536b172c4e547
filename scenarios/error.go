package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a scenario file, at the position that caused it.
//
// Line and Column are 1-based. Column is 0 when only the line is known: the
// YAML library reports syntax errors by line only. Line is 0 only for
// problems of the whole file: a file that holds no YAML document (empty or
// only comments), a file larger than MaxFileSize, and an internal failure of
// the YAML library, should one ever happen. Load also returns an *Error with
// Line 0 for an unknown scenario name.
type Error struct {
	// File is the file name given to Parse.
	File string
	// Line is the 1-based line, or 0 for a problem of the whole file.
	Line int
	// Column is the 1-based column (in characters), or 0 when unknown.
	Column int
	// Msg says what is wrong and what is allowed.
	Msg string
}

// Error formats the error as "file:line:col: msg", the form compilers use
// and editors understand; parts that are unknown (an empty File, a zero Line
// or Column) are left out.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		if e.Column > 0 {
			b.WriteString(strconv.Itoa(e.Column))
			b.WriteByte(':')
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	return b.String()
}

// valueError is a problem with one YAML value, before it knows the field it
// belongs to: the mapping that owns the field prefixes the field's name and
// turns it into an *Error at the node.
type valueError struct {
	node *yaml.Node
	msg  string
}

func (e *valueError) Error() string { return e.msg }

// bad reports a problem with the value n.
func bad(n *yaml.Node, format string, args ...any) error {
	return &valueError{node: n, msg: fmt.Sprintf(format, args...)}
}

// describe names what a node holds, for "expected X, got Y" messages:
// strings quoted, other scalars as written, collections by kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	if n.Tag == "!!null" && n.Value == "" {
		return "nothing"
	}
	v := n.Value
	if utf8.RuneCountInString(v) > 40 {
		v = string([]rune(v)[:40]) + "..."
	}
	if n.Tag == "!!str" || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 || strings.ContainsAny(v, "\n\t") {
		return strconv.Quote(v)
	}
	return v
}
