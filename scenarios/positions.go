package scenarios

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// position is a 1-based line and column in the file.
type position struct{ line, col int }

// at is the position of node n.
func at(n *yaml.Node) position { return position{n.Line, n.Column} }

// err is an *Error at p.
func (p position) err(file, format string, args ...any) *Error {
	return &Error{File: file, Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)}
}

// positions records where the decoder found the parts of a file, so that
// problems found later (by topology, by sim) point at the right line.
type positions struct {
	// root is the top-level mapping.
	root position
	// values are the positions of values by path: "until",
	// "checkpoint.interval", "operators[1].rate", "edges[0].to".
	values map[string]position
	// opAt and edgeAt are the positions of each operator's and edge's
	// mapping, by index in the graph.
	opAt, edgeAt []position
	// faultAt are the positions of each fault's mapping.
	faultAt []position
}
