package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// MaxFaults bounds the faults list.
const MaxFaults = 1000

// faultRow is a row of the fault table: a key, the fault kinds that accept
// it (nil: every kind), the kinds that require it, and how to decode it.
type faultRow struct {
	name  string
	kinds []sim.FaultKind
	needs []sim.FaultKind
	set   func(f *sim.Fault) setter
}

// crashPhases are the phases a crash can be placed in (sim.AtTime is
// written as at: instead).
var crashPhases = []sim.Phase{sim.Aligning, sim.SyncPhase, sim.AsyncPhase, sim.Restoring}

// faultTable lists every key of a fault.
var faultTable = []faultRow{
	{name: "kind"}, // decoded first: it picks the keys
	{name: "subtask",
		kinds: []sim.FaultKind{sim.Crash, sim.RandomCrashes, sim.Slow, sim.FailUpload, sim.SlowUpload},
		needs: []sim.FaultKind{sim.Crash, sim.Slow, sim.FailUpload},
		set:   func(f *sim.Fault) setter { return str(&f.Subtask) }},
	{name: "channel",
		kinds: []sim.FaultKind{sim.DelaySpike, sim.Partition},
		needs: []sim.FaultKind{sim.DelaySpike, sim.Partition},
		set:   func(f *sim.Fault) setter { return str(&f.Channel) }},
	{name: "at",
		kinds: []sim.FaultKind{sim.Crash, sim.RandomCrashes, sim.Slow, sim.DelaySpike, sim.Partition, sim.SlowUpload},
		set:   func(f *sim.Fault) setter { return duration(&f.At) }},
	{name: "until",
		kinds: []sim.FaultKind{sim.RandomCrashes, sim.Slow, sim.DelaySpike, sim.Partition, sim.SlowUpload},
		set:   func(f *sim.Fault) setter { return duration(&f.Until) }},
	{name: "phase",
		kinds: []sim.FaultKind{sim.Crash},
		set:   func(f *sim.Fault) setter { return oneOf(&f.Phase, crashPhases) }},
	{name: "checkpoint",
		kinds: []sim.FaultKind{sim.Crash, sim.FailUpload, sim.CorruptCheckpoint},
		needs: []sim.FaultKind{sim.FailUpload, sim.CorruptCheckpoint},
		set:   func(f *sim.Fault) setter { return integer(&f.Checkpoint) }},
	{name: "factor",
		kinds: []sim.FaultKind{sim.Slow, sim.SlowUpload},
		needs: []sim.FaultKind{sim.Slow, sim.SlowUpload},
		set:   func(f *sim.Fault) setter { return number(&f.Factor) }},
	{name: "delay",
		kinds: []sim.FaultKind{sim.DelaySpike},
		needs: []sim.FaultKind{sim.DelaySpike},
		set:   func(f *sim.Fault) setter { return duration(&f.Delay) }},
	{name: "mtbf",
		kinds: []sim.FaultKind{sim.RandomCrashes},
		needs: []sim.FaultKind{sim.RandomCrashes},
		set:   func(f *sim.Fault) setter { return duration(&f.MTBF) }},
	{name: "machine_lost",
		kinds: []sim.FaultKind{sim.Crash, sim.RandomCrashes},
		set:   func(f *sim.Fault) setter { return boolean(&f.MachineLost) }},
}

// faultFields is the field table for f, whose Kind is set: keys that mean
// nothing for the kind are rejected with the kinds that accept them.
func faultFields(f *sim.Fault) []field {
	fields := make([]field, 0, len(faultTable))
	for _, r := range faultTable {
		fl := field{name: r.name, required: r.name == "kind" || slices.Contains(r.needs, f.Kind)}
		switch {
		case r.kinds != nil && !slices.Contains(r.kinds, f.Kind):
			fl.reject = fmt.Sprintf("field %q is not allowed on a %s fault; only %s faults accept it", r.name, f.Kind, join(r.kinds))
		case r.set != nil:
			fl.set = r.set(f)
		}
		fields = append(fields, fl)
	}
	return fields
}

// faults decodes the faults list into cfg.Faults.
func (d *decoder) faults(cfg *sim.Config) setter {
	return func(n *yaml.Node) error {
		cfg.Faults = nil
		return d.list(n, "faults", MaxFaults, func(i int, item *yaml.Node) error {
			f, err := d.fault(i, item)
			if err != nil {
				return err
			}
			cfg.Faults = append(cfg.Faults, f)
			d.faultAt = append(d.faultAt, at(item))
			return nil
		})
	}
}

// fault decodes the i-th fault. Its kind is read first, since it decides
// which keys are allowed and required.
func (d *decoder) fault(i int, n *yaml.Node) (sim.Fault, error) {
	if n.Kind != yaml.MappingNode {
		return sim.Fault{}, bad(n, "expected a fault (a mapping with fields kind, subtask, at, ...), got %s", describe(n))
	}
	kn := get(n, "kind")
	if kn == nil {
		return sim.Fault{}, d.errAt(n, "missing required field \"kind\" in fault %d (allowed kinds: %s)", i+1, join(sim.FaultKinds))
	}
	var f sim.Fault
	if err := oneOf(&f.Kind, sim.FaultKinds)(kn); err != nil {
		return f, d.wrap("kind", err)
	}
	path := fmt.Sprintf("faults[%d]", i)
	if err := d.mapping(n, path, fmt.Sprintf("in fault %d (%s)", i+1, f.Kind), faultFields(&f)); err != nil {
		return f, err
	}
	if f.Kind != sim.Crash {
		return f, nil
	}
	// A crash happens at a time or in a phase; checkpoint places the phase.
	atP, hasAt := d.values[path+".at"]
	_, hasPhase := d.values[path+".phase"]
	ckP, hasCk := d.values[path+".checkpoint"]
	switch {
	case hasAt && hasPhase:
		return f, atP.err(d.file, "at: a crash happens either at a time (at) or in a phase of a checkpoint (phase), not both")
	case !hasAt && !hasPhase:
		return f, d.errAt(n, "fault %d (crash) needs a time (at) or a phase of a checkpoint (phase: %s)", i+1, join(crashPhases))
	case hasCk && !hasPhase:
		return f, ckP.err(d.file, "checkpoint: applies to a crash only with a phase (%s); a crash at a time has none", join(crashPhases))
	case f.Phase == sim.Restoring && !hasCk:
		return f, d.values[path+".phase"].err(d.file, "phase: a crash while restoring needs checkpoint: the number of the failover whose restore it interrupts (1 for the first)")
	case hasPhase && !hasCk:
		return f, d.values[path+".phase"].err(d.file, "phase: a crash in phase %s needs checkpoint: the id of the checkpoint (1 for the first)", f.Phase)
	}
	return f, nil
}

// subtaskName is a subtask written as operator[index].
var subtaskName = regexp.MustCompile(`^(.+)\[([0-9]+)\]$`)

// checkFaultTargets checks that the subtask and channel of every fault
// exist in the execution graph, and reports a problem at the value. A graph
// that is not valid is left to Config.Validate, which reports it.
//
// The names are those topology.Expand gives subtasks and channels, but the
// check works on the logical graph: expanding a large job (two all-to-all
// edges between 1024 subtasks are two million channels) takes seconds.
func (s *Scenario) checkFaultTargets() error {
	cfg := &s.Config
	if !slices.ContainsFunc(cfg.Faults, func(f sim.Fault) bool { return f.Subtask != "" || f.Channel != "" }) {
		return nil
	}
	if cfg.Graph == nil || cfg.Graph.Validate() != nil {
		return nil
	}
	t := newTargets(cfg.Graph)
	for i := range cfg.Faults {
		f := &cfg.Faults[i]
		if f.Subtask != "" {
			if _, _, msg := t.subtask(f.Subtask); msg != "" {
				return s.faultKeyAt(i, "subtask").err(s.File, "subtask: %s", msg)
			}
		}
		if f.Channel != "" {
			name, msg := t.channel(f.Channel)
			if msg != "" {
				return s.faultKeyAt(i, "channel").err(s.File, "channel: %s", msg)
			}
			f.Channel = name
		}
	}
	return nil
}

// targets finds subtasks and channels in a valid graph by the names of its
// execution graph: "op[i]" and "op[i]->next[j]", or a chain's subtask
// "a -> b[i]" (a chained operator's "b[i]" names the same subtask).
type targets struct {
	g       *topology.Graph
	ops     map[string]int
	chains  map[string][]int // chain name -> its operators, for chains of several
	chained []bool           // by edge
}

func newTargets(g *topology.Graph) *targets {
	t := &targets{g: g, ops: make(map[string]int, len(g.Operators)), chains: map[string][]int{}, chained: g.Chainable()}
	for i, op := range g.Operators {
		t.ops[op.Name] = i
	}
	for _, v := range g.Chains() {
		if len(v.Operators) > 1 {
			t.chains[v.Name] = v.Operators
		}
	}
	return t
}

// subtask returns the operator and index of a subtask name, or what is
// wrong with it.
func (t *targets) subtask(name string) (op, index int, msg string) {
	if op, ok := t.ops[name]; ok {
		return 0, 0, fmt.Sprintf("%q is an operator; name one of its subtasks: %s", name, t.opSubtasks(op))
	}
	m := subtaskName.FindStringSubmatch(name)
	if m == nil {
		return 0, 0, fmt.Sprintf("expected a subtask such as %s[0] (operator[index]), got %q", t.g.Operators[0].Name, name)
	}
	op, ok := t.ops[m[1]]
	if ops, chain := t.chains[m[1]]; chain {
		op, ok = ops[0], true
	}
	if !ok {
		return 0, 0, fmt.Sprintf("unknown subtask %q: no operator %q (subtasks: %s)", name, m[1], t.allSubtasks())
	}
	index, err := strconv.Atoi(m[2])
	p := t.g.Operators[op].Parallelism
	switch {
	case err == nil && index < p && m[2] == strconv.Itoa(index):
		return op, index, ""
	case err == nil && index < p:
		return 0, 0, fmt.Sprintf("unknown subtask %q: write the index without leading zeros (%s[%d])", name, m[1], index)
	}
	return 0, 0, fmt.Sprintf("unknown subtask %q: operator %s has parallelism %d (subtasks: %s)", name, m[1], p, t.opSubtasks(op))
}

// opSubtasks lists the subtasks of operator op compactly: sink[0], or
// count[0]..count[3].
func (t *targets) opSubtasks(op int) string {
	name, p := t.g.Operators[op].Name, t.g.Operators[op].Parallelism
	if p == 1 {
		return name + "[0]"
	}
	return fmt.Sprintf("%s[0]..%s[%d]", name, name, p-1)
}

// allSubtasks lists every operator's subtasks compactly.
func (t *targets) allSubtasks() string {
	parts := make([]string, len(t.g.Operators))
	for op := range t.g.Operators {
		parts[op] = t.opSubtasks(op)
	}
	return strings.Join(parts, ", ")
}

// cutArrow splits a channel name at the arrow after its sender's index
// ("a -> b[0]->c[1]": the sender may be a chain, whose name has arrows),
// trimming the spaces around it.
func cutArrow(name string) (from, to string, ok bool) {
	for i := range len(name) {
		if name[i] != ']' {
			continue
		}
		rest := strings.TrimLeft(name[i+1:], " ")
		if after, found := strings.CutPrefix(rest, "->"); found {
			from, to = strings.TrimSpace(name[:i+1]), strings.TrimSpace(after)
			return from, to, !strings.Contains(to, "]->") && to != ""
		}
	}
	return "", "", false
}

// channelExamples is how many channel names a message lists.
const channelExamples = 6

// channel returns the channel's name as the execution graph spells it
// (spaces around the arrow removed), or what is wrong with it.
func (t *targets) channel(name string) (string, string) {
	from, to, ok := cutArrow(name)
	if !ok {
		first := t.g.Edges[0]
		return "", fmt.Sprintf("expected a channel such as %s[0]->%s[0] (sender->receiver), got %q", first.From, first.To, name)
	}
	var ends [2][2]int
	for i, end := range []string{from, to} {
		op, index, msg := t.subtask(end)
		if msg != "" {
			return "", fmt.Sprintf("in %q: %s", name, msg)
		}
		ends[i] = [2]int{op, index}
	}
	sender, receiver := ends[0], ends[1]
	senders := []int{sender[0]}
	if m := subtaskName.FindStringSubmatch(from); m != nil && t.chains[m[1]] != nil {
		senders = t.chains[m[1]] // any operator of the chain writes its channels
	}
	for i, e := range t.g.Edges {
		if !slices.Contains(senders, t.ops[e.From]) || e.To != t.g.Operators[receiver[0]].Name {
			continue
		}
		if t.chained[i] && sender[1] == receiver[1] {
			return "", fmt.Sprintf("no channel %q: edge %s -> %s is chained, its operators run in one task without a channel (set chaining: false or start_new_chain: true on %s to give it one)",
				name, e.From, e.To, e.To)
		}
		if e.Partitioning != topology.Forward || sender[1] == receiver[1] {
			return from + "->" + to, ""
		}
	}
	list, _ := t.channels(sender[0], sender[1], channelExamples)
	if len(list) == 0 {
		all, _ := t.channels(-1, 0, channelExamples)
		return "", fmt.Sprintf("no channel %q: %s sends on no channel (channels include %s)", name, from, strings.Join(all, ", "))
	}
	return "", fmt.Sprintf("no channel %q: %s sends on %s", name, from, strings.Join(list, ", "))
}

// channels lists up to n channel names in the execution graph's order (by
// edge, sender, receiver): those of subtask index of operator op, or all
// when op < 0. When there are more, the last item says how many.
func (t *targets) channels(op, index, n int) ([]string, int) {
	var names []string
	total := 0
	add := func(from string, i int, to string, j int) {
		total++
		if len(names) < n {
			names = append(names, fmt.Sprintf("%s[%d]->%s[%d]", from, i, to, j))
		}
	}
	for _, e := range t.g.Edges {
		src, dst := t.g.Operators[t.ops[e.From]], t.g.Operators[t.ops[e.To]]
		if op >= 0 && e.From != t.g.Operators[op].Name {
			continue
		}
		for i := range src.Parallelism {
			if op >= 0 && i != index {
				continue
			}
			if e.Partitioning == topology.Forward {
				add(src.Name, i, dst.Name, i)
				continue
			}
			for j := range dst.Parallelism {
				if len(names) == n { // count the rest without listing them
					total += dst.Parallelism - j
					break
				}
				add(src.Name, i, dst.Name, j)
			}
		}
	}
	if total > len(names) {
		names = append(names, fmt.Sprintf("... (%d in all)", total))
	}
	return names, total
}

// faultKeyAt is the position of key's value in fault i, or of the fault
// when the file does not give the key.
func (s *Scenario) faultKeyAt(i int, key string) position {
	if p, ok := s.at.values[fmt.Sprintf("faults[%d].%s", i, key)]; ok {
		return p
	}
	if i >= 0 && i < len(s.at.faultAt) {
		return s.at.faultAt[i]
	}
	return s.orRoot("faults")
}

// faultMessage is the prefix of sim's fault errors: "fault 3 (crash): ...".
var faultMessage = regexp.MustCompile(`^fault ([0-9]+)\b`)

// faultErrorAt is the position of the key a sim error about a fault is
// about; ok is false for messages about something else.
func (s *Scenario) faultErrorAt(msg string) (p position, ok bool) {
	m := faultMessage.FindStringSubmatch(msg)
	if m == nil {
		return position{}, false
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i < 1 || i > len(s.Config.Faults) {
		return s.orRoot("faults"), true
	}
	i--
	f := &s.Config.Faults[i]
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest // not the kind in the prefix: "fault 1 (delay-spike): "
	}
	key := ""
	switch {
	case strings.Contains(msg, "times must not be negative"):
		key = "until"
		if f.At < 0 {
			key = "at"
		}
	case strings.Contains(msg, "needs a subtask and a checkpoint id"):
		key = "checkpoint"
		if f.Subtask == "" {
			key = "subtask"
		}
	case strings.Contains(msg, "checkpoint id"):
		key = "checkpoint"
		if _, given := s.at.values[fmt.Sprintf("faults[%d].checkpoint", i)]; !given {
			key = "phase"
		}
	case strings.Contains(msg, "unknown kind"):
		key = "kind"
	default:
		for _, k := range []string{"until", "subtask", "channel", "mtbf", "factor", "delay", "phase", "machine_lost"} {
			if strings.Contains(msg, k) {
				key = k
				break
			}
		}
	}
	return s.faultKeyAt(i, key), true
}
