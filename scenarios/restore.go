package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// restores decodes the restore section: one manual restore (a mapping) or
// a list of them, each {at, from}.
func (d *decoder) restores(cfg *sim.Config) setter {
	return func(n *yaml.Node) error {
		cfg.Restores = nil
		one := func(i int, item *yaml.Node) error {
			r, err := d.restore(i, item)
			if err != nil {
				return err
			}
			cfg.Restores = append(cfg.Restores, r)
			return nil
		}
		if n.Kind == yaml.MappingNode {
			return one(0, n)
		}
		return d.list(n, "restores", sim.MaxRestores, one)
	}
}

// restore decodes the i-th manual restore.
func (d *decoder) restore(i int, n *yaml.Node) (sim.ManualRestore, error) {
	var r sim.ManualRestore
	if n.Kind != yaml.MappingNode {
		return r, bad(n, "expected a restore (a mapping with fields at and from), got %s", describe(n))
	}
	path := fmt.Sprintf("restore[%d]", i)
	fields := []field{
		{name: "at", required: true, set: duration(&r.At)},
		{name: "from", required: true, set: restoreSource(&r)},
		{name: "parallelism", set: d.parallelisms(path+".parallelism", &r.Parallelism)},
	}
	return r, d.mapping(n, path, "in restore", fields)
}

// restoreSource decodes what a restore starts from: "checkpoint N",
// "latest-retained" or "savepoint".
func restoreSource(r *sim.ManualRestore) setter {
	return func(n *yaml.Node) error {
		const allowed = "checkpoint N (a retained checkpoint or a savepoint, by id), latest-retained, savepoint"
		s, err := scalar(n, allowed)
		if err != nil {
			return err
		}
		fields := strings.Fields(s)
		switch {
		case len(fields) == 1 && (fields[0] == string(sim.FromLatestRetained) || fields[0] == string(sim.FromSavepoint)):
			r.From = sim.RestoreFrom(fields[0])
			return nil
		case len(fields) == 2 && fields[0] == string(sim.FromCheckpoint):
			id, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || id < 1 {
				return bad(n, "checkpoint id %q must be a whole number, 1 or more", fields[1])
			}
			r.From, r.Checkpoint = sim.FromCheckpoint, id
			return nil
		}
		return bad(n, "unknown restore source %s (allowed: %s)", describe(n), allowed)
	}
}
