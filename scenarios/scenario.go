package scenarios

import (
	"errors"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// Scenario is a decoded and validated scenario file.
type Scenario struct {
	// Name is the scenario's name (the name field).
	Name string
	// Description is the teaching text (the description field), possibly
	// several lines.
	Description string
	// File is the file name the scenario was parsed from, as given to Parse.
	File string
	// Config is the run the scenario describes, with defaults filled in;
	// Config.Name is Name.
	Config sim.Config
	// Expect are the outcomes the file expects of a run (the expect
	// section), in the file's order; Check evaluates them.
	Expect []Expectation
	// Warnings are keys the file gave that the chosen Flink version no
	// longer has or has deprecated, each "file:line:col: what and why".
	// They do not stop a run.
	Warnings []string

	// at is where each part of the file was written, for errors found
	// after decoding.
	at positions
	// src is the file's text, which With parses again.
	src []byte
}

// Defaults of the top-level fields.
const (
	// DefaultSeed is the seed of a scenario without a seed field.
	DefaultSeed = 1
	// DefaultUntil is the virtual run length of a scenario without an
	// until field.
	DefaultUntil = 10 * time.Second
)

// Parse decodes and validates one scenario file. filename is only used in
// error messages and Scenario.File. Every error is an *Error with the
// position of the problem; Parse never panics.
//
// Parse rejects what would make a file ambiguous or costly: unknown and
// duplicate keys, more than one YAML document, YAML aliases (*name), and
// files larger than MaxFileSize.
func Parse(filename string, data []byte) (*Scenario, error) {
	return parse(filename, data, nil)
}

// parse is Parse with the settings applied to the document (see With).
func parse(filename string, data []byte, settings []Setting) (*Scenario, error) {
	d := &decoder{file: filename, positions: positions{values: make(map[string]position)}, settings: settings}
	s, err := d.parse(data)
	if e := (*Error)(nil); errors.As(err, &e) {
		return nil, d.located(e)
	}
	return s, err
}

// parse decodes and validates the file.
func (d *decoder) parse(data []byte) (*Scenario, error) {
	filename := d.file
	root, err := d.document(data)
	if err != nil {
		return nil, err
	}
	if err := d.apply(root, d.settings); err != nil {
		return nil, err
	}
	s := &Scenario{
		File: filename,
		src:  data,
		Config: sim.Config{
			Seed:       DefaultSeed,
			Until:      DefaultUntil,
			Channels:   sim.DefaultChannelConfig(),
			Checkpoint: sim.DefaultCheckpointConfig(),
		},
	}
	if err := d.scenario(root, s); err != nil {
		return nil, err
	}
	s.Config.Name = s.Name
	// Without either section Recovery stays the zero value, which sim
	// reads as its defaults.
	if d.has("restart") || d.has("recovery") {
		s.Config.Recovery = d.recovery
	}
	s.at = d.positions
	d.applyRecordSize(s)
	s.Warnings = d.warnings(&s.Config)
	if s.Config.Script == nil && !d.has("operators") {
		return nil, d.root.err(filename, "missing required field \"operators\" at top level (or a script section)")
	}
	if err := s.scriptDefaults(d.has); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// has reports whether the file gave the value at path ("checkpoint.interval").
func (d *decoder) has(path string) bool {
	_, ok := d.values[path]
	return ok
}

// applyRecordSize gives every source that sets no size of its own the
// job's channels.record_size: the serialized size of the records the job
// reads (operators keep the size of what they take unless they set
// record_size).
func (d *decoder) applyRecordSize(s *Scenario) {
	if d.jobRecordBytes == 0 || s.Config.Graph == nil {
		return
	}
	for i := range s.Config.Graph.Operators {
		op := &s.Config.Graph.Operators[i]
		path := fmt.Sprintf("operators[%d].", i)
		if op.Source != nil && !d.has(path+"record_size") && !d.has(path+"record_bytes") {
			op.Source.RecordBytes, op.RecordSizes = d.jobRecordBytes, d.jobRecordSizes
		}
	}
}

// decoder holds the state of one Parse.
type decoder struct {
	file string
	positions
	// settings are applied to the document before it is decoded.
	settings []Setting
	// recovery collects the restart and recovery sections, from
	// sim.DefaultRecoveryConfig; it becomes Config.Recovery if the file
	// has either.
	recovery sim.RecoveryConfig
	// jobRecordBytes and jobRecordSizes are channels.record_size: a
	// fixed size (0 when not given) or, with a distribution, its mean.
	jobRecordBytes int
	jobRecordSizes *topology.RecordSizes
}

// scenario decodes the top-level mapping into s.
func (d *decoder) scenario(root *yaml.Node, s *Scenario) error {
	d.root = at(root)
	return d.wrap("", d.mapping(root, "", "at top level", d.topFields(s)))
}

// topFields is the table of the top level: the format's sections. A new
// section is a new row here, with its own table.
func (d *decoder) topFields(s *Scenario) []field {
	cfg := &s.Config
	g := &topology.Graph{}
	cfg.Graph = g
	d.recovery = sim.DefaultRecoveryConfig()
	return []field{
		{name: "name", required: true, set: str(&s.Name)},
		{name: "description", set: text(&s.Description)},
		{name: "seed", set: unsigned(&cfg.Seed)},
		{name: "flink_version", set: flinkVersion(&cfg.FlinkVersion)},
		{name: "until", set: duration(&cfg.Until)},
		{name: "max_events", set: integer(&cfg.MaxEvents)},
		{name: "operators", set: d.operators(g)},
		{name: "edges", set: d.edges(g)},
		{name: "max_parallelism", set: maxParallelism(&g.MaxParallelism)},
		{name: "chaining", set: negated(&g.DisableChaining)},
		{name: "channels", set: d.section("channels", d.channelFields(&cfg.Channels))},
		{name: "taskmanagers", set: integer(&cfg.Placement.TaskManagers)},
		{name: "slots_per_taskmanager", set: integer(&cfg.Placement.SlotsPerTaskManager)},
		{name: "checkpoint", set: d.section("checkpoint", checkpointFields(&cfg.Checkpoint))},
		{name: "state_backend", set: d.section("state_backend", d.backendFields(&cfg.StateBackend))},
		{name: "restart", set: d.restart(&d.recovery.Restart)},
		{name: "recovery", set: d.recoverySection(&d.recovery)},
		{name: "faults", set: d.faults(cfg)},
		{name: "restore", set: d.restores(cfg)},
		{name: "script", set: d.script(cfg)},
		{name: "tokens", set: d.section("tokens", d.tokenFields(&cfg.Tokens))},
		{name: "expect", set: d.section("expect", expectFields(s))},
	}
}

// section decodes a nested mapping with its own field table.
func (d *decoder) section(name string, fields []field) setter {
	return func(n *yaml.Node) error {
		return d.mapping(n, name, "in "+name, fields)
	}
}
