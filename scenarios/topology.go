package scenarios

import (
	"fmt"
	"math"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/topology"
)

// Limits on the size of a job: scenarios teach with small graphs, and
// validating a graph takes time that grows quickly with its size.
const (
	// MaxOperators is the most operators a scenario may have.
	MaxOperators = 100
	// MaxEdges is the most edges a scenario may have.
	MaxEdges = 200
)

// Operator defaults that topology leaves to the scenario format.
const (
	// DefaultCost is the per-record cost of operators other than sources
	// and sinks.
	DefaultCost = 50 * time.Microsecond
	// DefaultRate is a source partition's records per second.
	DefaultRate = 1000
	// DefaultKeys is the number of distinct keys of a source.
	DefaultKeys = 100
	// DefaultZipfS is the skew exponent of a zipf source.
	DefaultZipfS = 1.1
	// DefaultMaxValue bounds the values a source draws.
	DefaultMaxValue = 100
	// DefaultRecordBytes is the serialized size of a source's records.
	DefaultRecordBytes = 100
	// DefaultKeepPercent is the share of records a filter keeps.
	DefaultKeepPercent = 50
	// DefaultStateBytesPerKey is an aggregate's state size per key.
	DefaultStateBytesPerKey = 64
)

// defaultOperator is an operator of kind with every default filled in.
func defaultOperator(kind topology.Kind) topology.Operator {
	op := topology.Operator{Kind: kind, Parallelism: 1}
	switch kind {
	case topology.Source:
		op.Source = &topology.SourceSpec{
			Rate:         DefaultRate,
			Keys:         DefaultKeys,
			Distribution: topology.Uniform,
			ZipfS:        DefaultZipfS,
			MaxValue:     DefaultMaxValue,
			RecordBytes:  DefaultRecordBytes,
		}
	case topology.Map:
		op.Cost = DefaultCost
		op.Multiply = 1
	case topology.Filter:
		op.Cost = DefaultCost
		op.KeepPercent = DefaultKeepPercent
	case topology.Aggregate:
		op.Cost = DefaultCost
		op.Func = topology.Count
		op.StateBytesPerKey = DefaultStateBytesPerKey
	}
	return op
}

// opField is a row of the operator table: a field, the kinds that accept
// it (nil: every kind) and how to decode it into an operator of such a kind.
type opField struct {
	name     string
	required bool
	kinds    []topology.Kind
	set      func(o *topology.Operator) setter
}

var (
	sourceOnly    = []topology.Kind{topology.Source}
	notSink       = []topology.Kind{topology.Source, topology.Map, topology.Filter, topology.Aggregate}
	distributions = []topology.Distribution{topology.Uniform, topology.Zipf}
	aggregateFns  = []topology.AggregateFunc{topology.Count, topology.Sum}
)

// operatorTable lists every operator field, common ones first.
var operatorTable = []opField{
	{name: "name", required: true, set: func(o *topology.Operator) setter { return str(&o.Name) }},
	{name: "kind", required: true}, // decoded first: it picks the fields
	{name: "parallelism", set: func(o *topology.Operator) setter { return integer(&o.Parallelism) }},
	{name: "max_parallelism", set: func(o *topology.Operator) setter { return maxParallelism(&o.MaxParallelism) }},
	{name: "cost", set: func(o *topology.Operator) setter { return duration(&o.Cost) }},
	{name: "subtask_cost", set: func(o *topology.Operator) setter { return subtaskCosts(&o.SubtaskCost) }},
	{name: "record_size", kinds: notSink}, // a size or a distribution: decoder.operator decodes it
	{name: "output_bytes", kinds: notSink, set: func(o *topology.Operator) setter { return byteSize(&o.OutputBytes) }},
	{name: "chaining", set: func(o *topology.Operator) setter { return negated(&o.DisableChaining) }},
	{name: "start_new_chain", set: func(o *topology.Operator) setter { return boolean(&o.StartNewChain) }},
	{name: "rate", kinds: sourceOnly, set: func(o *topology.Operator) setter { return number(&o.Source.Rate) }},
	{name: "records", kinds: sourceOnly, set: func(o *topology.Operator) setter { return integer(&o.Source.Records) }},
	{name: "partitions", kinds: sourceOnly, set: func(o *topology.Operator) setter { return integer(&o.Source.Partitions) }},
	{name: "keys", kinds: sourceOnly, set: func(o *topology.Operator) setter { return integer(&o.Source.Keys) }},
	{name: "distribution", kinds: sourceOnly, set: func(o *topology.Operator) setter {
		return oneOf(&o.Source.Distribution, distributions)
	}},
	{name: "zipf_s", kinds: sourceOnly, set: func(o *topology.Operator) setter { return number(&o.Source.ZipfS) }},
	{name: "max_value", kinds: sourceOnly, set: func(o *topology.Operator) setter { return integer(&o.Source.MaxValue) }},
	{name: "record_bytes", kinds: sourceOnly, set: func(o *topology.Operator) setter { return byteSize(&o.Source.RecordBytes) }},
	{name: "multiply", kinds: []topology.Kind{topology.Map}, set: func(o *topology.Operator) setter { return integer(&o.Multiply) }},
	{name: "add", kinds: []topology.Kind{topology.Map}, set: func(o *topology.Operator) setter { return integer(&o.Add) }},
	{name: "keep_percent", kinds: []topology.Kind{topology.Filter}, set: func(o *topology.Operator) setter {
		return integer(&o.KeepPercent)
	}},
	{name: "function", kinds: []topology.Kind{topology.Aggregate}, set: func(o *topology.Operator) setter {
		return oneOf(&o.Func, aggregateFns)
	}},
	{name: "state_bytes_per_key", kinds: []topology.Kind{topology.Aggregate}, set: func(o *topology.Operator) setter {
		return byteSize(&o.StateBytesPerKey)
	}},
	{name: "sink_mode", kinds: []topology.Kind{topology.Sink}, set: func(o *topology.Operator) setter {
		return oneOf(&o.SinkMode, topology.SinkModes)
	}},
	{name: "tokens", kinds: []topology.Kind{topology.Process}, set: func(o *topology.Operator) setter { return integer(&o.Tokens) }},
}

// negated decodes true or false into the opposite: chaining: false is
// DisableChaining.
func negated(p *bool) setter {
	return func(n *yaml.Node) error {
		var v bool
		if err := boolean(&v)(n); err != nil {
			return err
		}
		*p = !v
		return nil
	}
}

// maxParallelism decodes a max parallelism: a number of key groups within
// Flink's bounds (an explicit 0 is refused, as Flink refuses it; leaving
// the key out leaves it unset).
func maxParallelism(p *int) setter {
	return func(n *yaml.Node) error {
		v, err := parseInt(n, math.MinInt32, math.MaxInt32)
		if err != nil {
			return err
		}
		if err := topology.CheckMaxParallelism(int(v)); err != nil {
			return bad(n, "%v", err)
		}
		*p = int(v)
		return nil
	}
}

// operatorFields is the field table for op, whose Kind is set: fields of
// other kinds are rejected with the kinds that accept them.
func operatorFields(op *topology.Operator) []field {
	fields := make([]field, 0, len(operatorTable))
	for _, r := range operatorTable {
		f := field{name: r.name, required: r.required}
		switch {
		case r.kinds != nil && !slices.Contains(r.kinds, op.Kind):
			f.reject = fmt.Sprintf("field %q is not allowed on a %s operator; only %s operators accept it", r.name, op.Kind, join(r.kinds))
		case r.set != nil:
			f.set = r.set(op)
		}
		fields = append(fields, f)
	}
	return fields
}

// operators decodes the operators list into g.
func (d *decoder) operators(g *topology.Graph) setter {
	return func(n *yaml.Node) error {
		return d.list(n, "operators", MaxOperators, func(i int, item *yaml.Node) error {
			op, err := d.operator(i, item)
			if err != nil {
				return err
			}
			g.Operators = append(g.Operators, op)
			d.opAt = append(d.opAt, at(item))
			return nil
		})
	}
}

// operator decodes the i-th operator. Its kind is read first, since it
// decides the defaults and which fields are allowed.
func (d *decoder) operator(i int, n *yaml.Node) (topology.Operator, error) {
	if n.Kind != yaml.MappingNode {
		return topology.Operator{}, bad(n, "expected an operator (a mapping with fields name, kind, parallelism, ...), got %s", describe(n))
	}
	where := fmt.Sprintf("in operator %d", i+1)
	if v := get(n, "name"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
		where = fmt.Sprintf("in operator %q", v.Value)
	}
	kn := get(n, "kind")
	if kn == nil {
		return topology.Operator{}, d.errAt(n, "missing required field \"kind\" %s (allowed kinds: %s)", where, join(topology.Kinds))
	}
	var kind topology.Kind
	if err := oneOf(&kind, topology.Kinds)(kn); err != nil {
		return topology.Operator{}, d.wrap("kind", err)
	}
	op := defaultOperator(kind)
	path := fmt.Sprintf("operators[%d]", i)
	fields := operatorFields(&op)
	if f := lookup(fields, "record_size"); f.reject == "" {
		fixed := &op.OutputBytes
		if op.Source != nil {
			fixed = &op.Source.RecordBytes
		}
		f.set = d.recordSize(path+".record_size", fixed, &op.RecordSizes)
	}
	if err := d.mapping(n, path, where, fields); err != nil {
		return op, err
	}
	if p, ok := d.values[path+".zipf_s"]; ok && op.Source.Distribution != topology.Zipf {
		return op, p.err(d.file, "zipf_s: applies only to distribution: zipf (this source's distribution is %s)", op.Source.Distribution)
	}
	return op, nil
}

// subtaskCosts decodes a mapping from subtask index to cost: {1: 2ms}.
func subtaskCosts(p *map[int]time.Duration) setter {
	return func(n *yaml.Node) error {
		if n.Kind != yaml.MappingNode {
			return bad(n, "expected a mapping from subtask index to cost, such as {1: 2ms}, got %s", describe(n))
		}
		m := make(map[int]time.Duration, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var idx int
			if err := integer(&idx)(k); err != nil {
				return bad(k, "expected a subtask index (an integer), got %s", describe(k))
			}
			if _, dup := m[idx]; dup {
				return bad(k, "subtask %d is given twice", idx)
			}
			var c time.Duration
			if err := duration(&c)(v); err != nil {
				return err
			}
			m[idx] = c
		}
		*p = m
		return nil
	}
}

// edgeFields is the table of one edge.
func edgeFields(e *topology.Edge) []field {
	return []field{
		{name: "from", required: true, set: str(&e.From)},
		{name: "to", required: true, set: str(&e.To)},
		{name: "partitioning", set: oneOf(&e.Partitioning, topology.Partitionings)},
	}
}

// edges decodes the edges list into g; partitioning defaults to forward.
func (d *decoder) edges(g *topology.Graph) setter {
	return func(n *yaml.Node) error {
		return d.list(n, "edges", MaxEdges, func(i int, item *yaml.Node) error {
			e := topology.Edge{Partitioning: topology.Forward}
			where := fmt.Sprintf("in edge %d", i+1)
			if err := d.mapping(item, fmt.Sprintf("edges[%d]", i), where, edgeFields(&e)); err != nil {
				return err
			}
			g.Edges = append(g.Edges, e)
			d.edgeAt = append(d.edgeAt, at(item))
			return nil
		})
	}
}
