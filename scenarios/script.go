package scenarios

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// DefaultScriptStep is the spacing of script steps written without a time.
const DefaultScriptStep = time.Millisecond

// MaxScriptSteps bounds a script's length.
const MaxScriptSteps = 10_000

// scriptFields is the table of the script section: an exact input sequence
// for one task instead of a generated workload (sim.Script).
func (d *decoder) scriptFields(sc *sim.Script, step *time.Duration) []field {
	return []field{
		{name: "channels", required: true, set: integer(&sc.Channels)},
		{name: "step", set: duration(step)},
		{name: "input", required: true, set: d.scriptInput(sc, step)},
		{name: "output_queued", set: d.outputQueued(sc)},
		{name: "cost", set: duration(&sc.Cost)},
		{name: "emit", set: boolean(&sc.Emit)},
	}
}

// script decodes the script section. Steps are timed after the whole
// section is read, so that `step` may come after `input`.
func (d *decoder) script(cfg *sim.Config) setter {
	return func(n *yaml.Node) error {
		sc := &sim.Script{}
		step := DefaultScriptStep
		cfg.Script = sc
		if err := d.mapping(n, "script", "in script", d.scriptFields(sc, &step)); err != nil {
			return err
		}
		// Untimed steps follow the previous one by `step`.
		var last time.Duration
		for i := range sc.Steps {
			if sc.Steps[i].At < 0 {
				sc.Steps[i].At = last + step
			}
			last = sc.Steps[i].At
		}
		return nil
	}
}

// scriptInput decodes the input list: each item is a step as sim.ParseStep
// reads it ("c0:r1", "c1:B(2)", "c0:X(1)", "c1:EOP"), optionally preceded
// by the time at which it becomes available ("5ms c0:B(1)").
func (d *decoder) scriptInput(sc *sim.Script, step *time.Duration) setter {
	return func(n *yaml.Node) error {
		return d.list(n, "script steps", MaxScriptSteps, func(i int, item *yaml.Node) error {
			s, err := scalar(item, "a step such as c0:r1 or \"5ms c1:B(2)\"")
			if err != nil {
				return err
			}
			at := time.Duration(-1)
			fields := strings.Fields(s)
			switch len(fields) {
			case 1:
			case 2:
				t, err := time.ParseDuration(fields[0])
				if err != nil || t < 0 {
					return bad(item, "invalid time %q (use Go durations such as 5ms)", fields[0])
				}
				at = t
			default:
				return bad(item, "expected a step such as c0:r1, optionally after a time (\"5ms c0:r1\"), got %q", s)
			}
			st, err := sim.ParseStep(fields[len(fields)-1])
			if err != nil {
				return bad(item, "%v", err)
			}
			st.At = at
			sc.Steps = append(sc.Steps, st)
			return nil
		})
	}
}

// outputQueued decodes the records already waiting in the task's output
// channel: o1, o2, ...
func (d *decoder) outputQueued(sc *sim.Script) setter {
	return func(n *yaml.Node) error {
		return d.list(n, "queued output records", MaxScriptSteps, func(i int, item *yaml.Node) error {
			s, err := scalar(item, "an output record such as o1")
			if err != nil {
				return err
			}
			num, err := strconv.ParseInt(strings.TrimPrefix(s, "o"), 10, 64)
			if !strings.HasPrefix(s, "o") || err != nil || num < 1 {
				return bad(item, "expected an output record oN with N >= 1, got %q", s)
			}
			sc.OutputQueued = append(sc.OutputQueued, num)
			return nil
		})
	}
}

// boolean decodes true or false.
func boolean(p *bool) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "true or false")
		if err != nil {
			return err
		}
		switch s {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return bad(n, "expected true or false, got %q", s)
		}
		return nil
	}
}

// scriptDefaults applies what a scripted scenario means unless the file
// says otherwise: no periodic checkpoints (barriers come from the script),
// instant snapshots and channels, as in the barrier-handler cases.
func (s *Scenario) scriptDefaults(set func(path string) bool) error {
	cfg := &s.Config
	if cfg.Script == nil {
		return nil
	}
	if len(cfg.Graph.Operators) > 0 || len(cfg.Graph.Edges) > 0 {
		p := s.orRoot("operators")
		return p.err(s.File, "a scripted scenario has no operators or edges: the script drives one task (remove them or the script)")
	}
	cfg.Graph = cfg.Script.Graph()
	defaults := []struct {
		path string
		set  func()
	}{
		{"checkpoint.interval", func() { cfg.Checkpoint.Interval = 0 }},
		{"checkpoint.sync_duration", func() { cfg.Checkpoint.SyncDuration = 0 }},
		{"checkpoint.async_base", func() { cfg.Checkpoint.AsyncBase = 0 }},
		{"channels.latency", func() { cfg.Channels.Latency = 0 }},
	}
	for _, d := range defaults {
		if !set(d.path) {
			d.set()
		}
	}
	return nil
}
