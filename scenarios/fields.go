package scenarios

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field is one key of a YAML mapping: the table entry that says how to
// decode its value. Each section of the format is a []field, so adding a
// section or a key is adding a table row; the walk in decoder.mapping
// reports unknown, duplicate, misplaced and missing keys for all of them.
type field struct {
	// name is the key, in snake_case.
	name string
	// required fields must be present.
	required bool
	// reject, when not empty, makes the key an error with this message:
	// a known key that does not belong here (a source's rate on a map).
	// Rejected keys are left out of the "allowed" lists.
	reject string
	// set decodes the value; nil for keys decoded before the walk.
	set setter
}

// allowed lists the names of the fields that may appear.
func allowed(fields []field) string {
	var names []string
	for _, f := range fields {
		if f.reject == "" {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}

// mapping decodes mapping n with the field table: keys in document order,
// each through its field's setter. path names the mapping for the position
// index ("" at top level, "checkpoint", "operators[2]"); where names it in
// messages ("at top level", "in checkpoint", `in operator "src"`).
func (d *decoder) mapping(n *yaml.Node, path, where string, fields []field) error {
	if n.Kind != yaml.MappingNode {
		return bad(n, "expected a mapping with fields %s, got %s", allowed(fields), describe(n))
	}
	seen := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.errAt(k, "expected a field name %s, got %s (allowed: %s)", where, describe(k), allowed(fields))
		}
		if first, dup := seen[k.Value]; dup {
			return d.errAt(k, "duplicate field %s %s (first given at line %d)", describe(k), where, first.Line)
		}
		seen[k.Value] = k
		f := lookup(fields, k.Value)
		switch {
		case f == nil:
			return d.errAt(k, "unknown field %s %s (allowed: %s)", describe(k), where, allowed(fields))
		case f.reject != "":
			return d.errAt(k, "%s", f.reject)
		}
		d.record(path, k.Value, v)
		if f.set == nil {
			continue
		}
		if err := f.set(v); err != nil {
			return d.wrap(k.Value, err)
		}
	}
	for _, f := range fields {
		if f.required && seen[f.name] == nil {
			return d.errAt(n, "missing required field %q %s", f.name, where)
		}
	}
	return nil
}

// lookup finds the field called name.
func lookup(fields []field, name string) *field {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	return nil
}

// get returns the value of key in mapping n (the first, if duplicated), or
// nil. It lets a decoder read a key that decides the table (an operator's
// kind) before the walk.
func get(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// list decodes sequence n item by item; what names the items in messages
// ("operators"), and limit is how many there may be. A problem with an
// item's value is prefixed with its number.
func (d *decoder) list(n *yaml.Node, what string, limit int, each func(i int, item *yaml.Node) error) error {
	if n.Kind != yaml.SequenceNode {
		return bad(n, "expected a list of %s, got %s", what, describe(n))
	}
	if len(n.Content) > limit {
		return bad(n.Content[limit], "too many %s (a scenario may have at most %d)", what, limit)
	}
	for i, item := range n.Content {
		if err := each(i, item); err != nil {
			var ve *valueError
			if errors.As(err, &ve) {
				return bad(ve.node, "item %d: %s", i+1, ve.msg)
			}
			return err
		}
	}
	return nil
}

// wrap turns a value's problem into an *Error at its node, prefixed with
// the field's name; an *Error from a nested mapping passes unchanged.
func (d *decoder) wrap(name string, err error) error {
	var ve *valueError
	if errors.As(err, &ve) {
		if name == "" {
			return d.errAt(ve.node, "%s", ve.msg)
		}
		return d.errAt(ve.node, "%s: %s", name, ve.msg)
	}
	return err
}

// errAt is an *Error at node n.
func (d *decoder) errAt(n *yaml.Node, format string, args ...any) *Error {
	return &Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
}

// record remembers where the value of path.key was written, for errors
// found after decoding (by topology or sim).
func (d *decoder) record(path, key string, v *yaml.Node) {
	if path != "" {
		key = path + "." + key
	}
	d.values[key] = at(v)
}
