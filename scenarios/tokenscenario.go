package scenarios

import (
	"fmt"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim/tokens"
)

// TokenScenario is a Chandy-Lamport scenario file: a YAML document whose
// chandy_lamport section names a COS 418 topology file and events file
// (relative to the scenario file) and how to run them, for simulate cl.
type TokenScenario struct {
	// File is the scenario file's name.
	File string
	// Name and Description of the scenario.
	Name, Description string
	// Topology and Events are the paths of the two files, resolved
	// against the scenario file's folder.
	Topology, Events string
	// Delivery rule ("" for the default, ckptsim).
	Delivery tokens.Delivery
	// Seed of the ckptsim delivery (default 1).
	Seed uint64
}

// LoadTokenScenario reads a Chandy-Lamport scenario file; its problems
// are *Error at the line and column at fault.
func LoadTokenScenario(path string) (*TokenScenario, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseTokenScenario(path, data)
}

// ParseTokenScenario decodes a Chandy-Lamport scenario file's bytes; name
// stands for the file in errors and resolves the paths it names.
func ParseTokenScenario(name string, data []byte) (*TokenScenario, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(name, int64(len(data)))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty file: a Chandy-Lamport scenario has a chandy_lamport section"}
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return &Error{File: name, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	ts := &TokenScenario{File: name, Seed: 1}
	var section *yaml.Node
	err := tokenMapping(doc.Content[0], bad, "the top level", map[string]func(*yaml.Node) error{
		"name":           func(v *yaml.Node) error { return tokenString(v, bad, &ts.Name) },
		"description":    func(v *yaml.Node) error { return tokenString(v, bad, &ts.Description) },
		"chandy_lamport": func(v *yaml.Node) error { section = v; return nil },
	})
	if err != nil {
		return nil, err
	}
	if section == nil {
		return nil, bad(doc.Content[0], "missing the chandy_lamport section (topology, events, delivery, seed)")
	}
	dir := filepath.Dir(name)
	path := func(dst *string) func(*yaml.Node) error {
		return func(v *yaml.Node) error {
			if err := tokenString(v, bad, dst); err != nil {
				return err
			}
			if !filepath.IsAbs(*dst) {
				*dst = filepath.Join(dir, *dst)
			}
			return nil
		}
	}
	err = tokenMapping(section, bad, "chandy_lamport", map[string]func(*yaml.Node) error{
		"topology": path(&ts.Topology),
		"events":   path(&ts.Events),
		"delivery": func(v *yaml.Node) error {
			var s string
			if err := tokenString(v, bad, &s); err != nil {
				return err
			}
			if ts.Delivery = tokens.Delivery(s); ts.Delivery != tokens.DeliveryCkptsim && ts.Delivery != tokens.DeliveryCOS418 {
				return bad(v, "chandy_lamport.delivery %q: allowed are ckptsim and cos418", s)
			}
			return nil
		},
		"seed": func(v *yaml.Node) error {
			seed, err := strconv.ParseUint(v.Value, 10, 64)
			if v.Kind != yaml.ScalarNode || err != nil {
				return bad(v, "chandy_lamport.seed: a whole number from 0 to %d", uint64(1<<64-1))
			}
			ts.Seed = seed
			return nil
		},
	})
	switch {
	case err != nil:
		return nil, err
	case ts.Topology == "" || ts.Events == "":
		return nil, bad(section, "chandy_lamport needs both topology and events (file paths, relative to this file)")
	}
	return ts, nil
}

// tokenMapping calls the field's function for every key of mapping n,
// refusing unknown and repeated keys and aliases.
func tokenMapping(n *yaml.Node, bad func(*yaml.Node, string, ...any) error, where string, fields map[string]func(*yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return bad(n, "%s must be a mapping", where)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fn, ok := fields[k.Value]
		switch {
		case v.Kind == yaml.AliasNode || k.Kind == yaml.AliasNode:
			return bad(k, "aliases are not allowed")
		case !ok:
			return bad(k, "unknown field %q in %s", k.Value, where)
		case seen[k.Value]:
			return bad(k, "field %q given twice", k.Value)
		}
		seen[k.Value] = true
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

func tokenString(v *yaml.Node, bad func(*yaml.Node, string, ...any) error, dst *string) error {
	if v.Kind != yaml.ScalarNode {
		return bad(v, "expected a string")
	}
	*dst = v.Value
	return nil
}
