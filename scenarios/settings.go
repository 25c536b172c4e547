package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Setting is a value for one key of a scenario file given outside the
// file, as simulate compare --set checkpoint.interval=2s does. Path is the
// key's dotted path as the file nests it: "checkpoint.interval", "until",
// "operators[1].cost" or, by the operator's name, "operators.sessions.cost".
// Value is YAML text, as it would be written after the key in the file.
type Setting struct {
	Path, Value string
}

// String is the setting as the command line gives it.
func (st Setting) String() string { return "--set " + st.Path + "=" + st.Value }

// settingLine is the line of the nodes of setting 0, settingLine+1 those
// of setting 1, and so on: no file has that many lines (MaxFileSize
// bytes hold at most MaxFileSize+1), so an error at such a line is about
// a setting, and names it instead of the file.
const settingLine = MaxFileSize + 2

// With parses the scenario's file again with the settings applied, in
// order, to its YAML document, as if the file said so: the values are
// decoded and validated by the same code, and a problem with a setting is
// an *Error whose File is the setting ("--set checkpoint.interval=0s"),
// with the message the file would get. A setting replaces the key's value
// or, if the file does not give the key, adds it (and the sections it
// needs).
func (s *Scenario) With(settings ...Setting) (*Scenario, error) {
	return parse(s.File, s.src, settings)
}

// apply edits the document root with the settings.
func (d *decoder) apply(root *yaml.Node, settings []Setting) error {
	for i, st := range settings {
		line := settingLine + i
		var v yaml.Node
		if err := yaml.Unmarshal([]byte(st.Value), &v); err != nil {
			return &Error{File: d.file, Line: line, Msg: "invalid YAML value: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		value := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
		if len(v.Content) > 0 {
			value = v.Content[0]
		}
		mark(value, line)
		if err := d.noAliases(value); err != nil {
			return err
		}
		if err := setPath(root, st.Path, value, line); err != nil {
			return &Error{File: d.file, Line: line, Msg: err.Error()}
		}
	}
	return nil
}

// located turns an error at a setting's line into an error of the
// setting. An error elsewhere, found once settings were applied (an
// operator's parallelism is checked at the operator), says with which.
func (d *decoder) located(e *Error) *Error {
	if len(d.settings) == 0 {
		return e
	}
	i := e.Line - settingLine
	if i < 0 || i >= len(d.settings) {
		with := make([]string, len(d.settings))
		for i, st := range d.settings {
			with[i] = st.String()
		}
		return &Error{File: e.File, Line: e.Line, Column: e.Column, Msg: e.Msg + " (with " + strings.Join(with, " ") + ")"}
	}
	return &Error{File: d.settings[i].String(), Msg: e.Msg}
}

// mark gives n and the nodes under it the position line, column 1.
func mark(n *yaml.Node, line int) {
	n.Line, n.Column = line, 1
	for _, c := range n.Content {
		mark(c, line)
	}
}

// setPath puts value at the dotted path under the mapping root, adding
// the mappings on the way that the file lacks (at line, like the value).
func setPath(root *yaml.Node, path string, value *yaml.Node, line int) error {
	steps, err := splitPath(path)
	if err != nil {
		return err
	}
	n := root
	for i, step := range steps {
		last := i == len(steps)-1
		switch n.Kind {
		case yaml.MappingNode:
			key, v := entry(n, step)
			if v == nil {
				key = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: step}
				v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: 1}
				n.Content = append(n.Content, key, v)
			}
			if last {
				// Errors at the key, too, are about the setting.
				key.Line, key.Column = line, 1
				*v = *value
				return nil
			}
			n = v
		case yaml.SequenceNode:
			item, err := listItem(n, strings.Join(steps[:i], "."), step)
			if err != nil {
				return err
			}
			if last {
				*item = *value
				return nil
			}
			n = item
		default:
			return fmt.Errorf("%s is %s, which has no field %q", strings.Join(steps[:i], "."), describe(n), step)
		}
	}
	return nil
}

// entry is the key and value nodes of key in mapping n (the first, if
// duplicated), or nils.
func entry(n *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k, n.Content[i+1]
		}
	}
	return nil, nil
}

// splitPath splits "operators[1].cost" into "operators", "1", "cost".
func splitPath(path string) ([]string, error) {
	var steps []string
	for part := range strings.SplitSeq(path, ".") {
		name, rest, indexed := strings.Cut(part, "[")
		steps = append(steps, name)
		for indexed {
			var index string
			index, rest, indexed = strings.Cut(rest, "]")
			steps = append(steps, index)
			rest, indexed = strings.CutPrefix(rest, "[")
		}
		if rest != "" || slices.Contains(steps, "") {
			return nil, fmt.Errorf("invalid key path %q: write the keys as the file nests them, separated by dots (checkpoint.interval, operators[1].cost or operators.NAME.cost)", path)
		}
	}
	return steps, nil
}

// listItem is the item of list n that step names: by its 0-based index
// or by the value of its name field.
func listItem(n *yaml.Node, path, step string) (*yaml.Node, error) {
	if i, err := strconv.Atoi(step); err == nil {
		if i < 0 || i >= len(n.Content) {
			return nil, fmt.Errorf("%s[%d]: the file's %s has %d item(s), numbered from 0", path, i, path, len(n.Content))
		}
		return n.Content[i], nil
	}
	var names []string
	for _, item := range n.Content {
		if name := get(item, "name"); name != nil && name.Kind == yaml.ScalarNode {
			if name.Value == step {
				return item, nil
			}
			names = append(names, name.Value)
		}
	}
	return nil, fmt.Errorf("%s has no item named %q (named: %s; or give an index: %s[0])", path, step, strings.Join(names, ", "), path)
}
