package topology

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Validate checks the graph and returns the first problem as an *Error:
// names, kinds and parameters of operators, edges that name unknown
// operators or break a rule of their partitioning, and cycles. A valid graph
// can be expanded.
func (g *Graph) Validate() error {
	if len(g.Operators) == 0 {
		return opErr(-1, "the topology has no operators; at least one source and one sink are needed")
	}
	names := make(map[string]bool, len(g.Operators))
	for i := range g.Operators {
		if err := g.validateOperator(i); err != nil {
			return err
		}
		if names[g.Operators[i].Name] {
			return opErr(i, "operator name %q is used twice", g.Operators[i].Name)
		}
		names[g.Operators[i].Name] = true
	}
	ins := make([]int, len(g.Operators))
	outs := make([]int, len(g.Operators))
	index := g.indexes()
	seen := map[[2]int]bool{}
	for i, e := range g.Edges {
		from, to := lookup(index, e.From), lookup(index, e.To)
		switch {
		case from < 0:
			return edgeErr(i, "edge %s -> %s: unknown operator %q (operators: %s)", e.From, e.To, e.From, g.names())
		case to < 0:
			return edgeErr(i, "edge %s -> %s: unknown operator %q (operators: %s)", e.From, e.To, e.To, g.names())
		case from == to && g.Operators[from].Kind == Process:
			return edgeErr(i, "edge %s -> %s: a process has no channel to itself", e.From, e.To)
		case from == to:
			return edgeErr(i, "edge %s -> %s: an operator cannot feed itself (the job graph must be acyclic)", e.From, e.To)
		case (g.Operators[from].Kind == Process) != (g.Operators[to].Kind == Process):
			return edgeErr(i, "edge %s -> %s: a process (the token-passing workload) connects only to processes", e.From, e.To)
		case g.Operators[from].Kind == Process && e.Partitioning != Forward && e.Partitioning != Rebalance:
			return edgeErr(i, "edge %s -> %s: processes are connected forward (subtask i to subtask i) or rebalance (every subtask to every subtask), not %s", e.From, e.To, e.Partitioning)
		case !slices.Contains(Partitionings, e.Partitioning):
			return edgeErr(i, "edge %s -> %s: unknown partitioning %q (allowed: %s)", e.From, e.To, e.Partitioning, joinStrings(Partitionings))
		case g.Operators[to].Kind == Source:
			return edgeErr(i, "edge %s -> %s: a source has no inputs", e.From, e.To)
		case g.Operators[from].Kind == Sink:
			return edgeErr(i, "edge %s -> %s: a sink has no outputs", e.From, e.To)
		case e.Partitioning == Forward && g.Operators[from].Parallelism != g.Operators[to].Parallelism:
			return edgeErr(i, "edge %s -> %s: forward needs the same parallelism on both sides (%d vs %d); use rebalance or hash",
				e.From, e.To, g.Operators[from].Parallelism, g.Operators[to].Parallelism)
		case g.Operators[to].Kind == Aggregate && e.Partitioning != Hash:
			return edgeErr(i, "edge %s -> %s: an aggregate holds keyed state, so its inputs must be partitioned by hash (keyBy), not %s",
				e.From, e.To, e.Partitioning)
		}
		if seen[[2]int{from, to}] {
			return edgeErr(i, "edge %s -> %s is declared twice", e.From, e.To)
		}
		seen[[2]int{from, to}] = true
		outs[from]++
		ins[to]++
	}
	for i, op := range g.Operators {
		if op.Kind == Process {
			continue // a process may have no inputs (it only initiates) or no outputs
		}
		if op.Kind != Source && ins[i] == 0 {
			return opErr(i, "operator %q (%s) has no input edge; only sources may", op.Name, op.Kind)
		}
		if op.Kind != Sink && outs[i] == 0 {
			return opErr(i, "operator %q (%s) has no output edge; only sinks may", op.Name, op.Kind)
		}
	}
	if cycle := g.Cycle(); cycle != nil && g.Operators[index[g.Edges[cycle[0]].From]].Kind != Process {
		return g.CycleError(cycle, "")
	}
	if err := g.validateMaxParallelism(); err != nil {
		return err
	}
	return g.checkSize()
}

// Limits on the size of the execution graph, so that a run's memory stays
// bounded whatever a scenario asks for.
const (
	// MaxSubtasks is the most subtasks a job may expand to.
	MaxSubtasks = 10_000
	// MaxChannels is the most channels a job may expand to.
	MaxChannels = 200_000
	// MaxPartitions is the most partitions a source's log may have (a
	// Kafka topic's limit is far higher, but every partition is a split
	// the simulator tracks).
	MaxPartitions = 10_000
	// MaxNameLength is the most characters an operator name may have:
	// every subtask and channel name repeats it, so a name of a whole
	// file's length at parallelism 1024 would take a gigabyte. (Flink
	// shortens the operator names of its metrics to 80 characters,
	// TaskMetricGroup.METRICS_OPERATOR_NAME_MAX_LENGTH.)
	MaxNameLength = 256
	// MaxTokens bounds the tokens of a token-passing job, in all (as
	// sim/tokens.MaxTokens), so that no sum of them overflows.
	MaxTokens = int64(1) << 50
)

// checkSize refuses a graph whose execution graph would be too large.
func (g *Graph) checkSize() error {
	subtasks := 0
	for _, op := range g.Operators {
		subtasks += op.Parallelism
	}
	if subtasks > MaxSubtasks {
		return opErr(-1, "the job has %d subtasks in all (at most %d): lower some parallelism", subtasks, MaxSubtasks)
	}
	index := g.indexes()
	channels := 0
	for i, e := range g.Edges {
		if channels += g.edgeChannels(index, e); channels > MaxChannels {
			from, to := g.Operators[index[e.From]].Parallelism, g.Operators[index[e.To]].Parallelism
			return edgeErr(i, "edge %s -> %s brings the job to more than %d channels (%d x %d subtasks are connected all-to-all): lower the parallelism or use forward",
				e.From, e.To, MaxChannels, from, to)
		}
	}
	return nil
}

// Channels is the number of channels the job expands to; the edges must
// name known operators (Validate checks that first).
func (g *Graph) Channels() int {
	index := g.indexes()
	n := 0
	for _, e := range g.Edges {
		n += g.edgeChannels(index, e)
	}
	return n
}

// Subtasks is the number of subtasks the job expands to.
func (g *Graph) Subtasks() int {
	n := 0
	for i := range g.Operators {
		n += g.Operators[i].Parallelism
	}
	return n
}

// EdgeEnds is the index of each edge's sending and receiving operator, -1
// for a name no operator has: one name lookup per edge end, so that a
// walk over the edges stays linear.
func (g *Graph) EdgeEnds() (from, to []int) {
	index := g.indexes()
	from, to = make([]int, len(g.Edges)), make([]int, len(g.Edges))
	for i, e := range g.Edges {
		from[i], to[i] = lookup(index, e.From), lookup(index, e.To)
	}
	return from, to
}

// edgeChannels is the number of channels edge e expands to.
func (g *Graph) edgeChannels(index map[string]int, e Edge) int {
	from, to := g.Operators[index[e.From]].Parallelism, g.Operators[index[e.To]].Parallelism
	if e.Partitioning == Forward {
		return from
	}
	return from * to
}

func (g *Graph) validateOperator(i int) error {
	op := &g.Operators[i]
	switch {
	case op.Name == "":
		return opErr(i, "operator %d has no name", i+1)
	case utf8.RuneCountInString(op.Name) > MaxNameLength:
		return opErr(i, "operator name %q is too long (%d characters; at most %d)", string([]rune(op.Name)[:40])+"...", utf8.RuneCountInString(op.Name), MaxNameLength)
	case strings.ContainsAny(op.Name, "[]\" \t\n") || strings.Contains(op.Name, "->"):
		return opErr(i, "operator name %q may not contain spaces, brackets, quotes or arrows (->)", op.Name)
	case !slices.Contains(Kinds, op.Kind):
		return opErr(i, "operator %q: unknown kind %q (allowed: %s)", op.Name, op.Kind, joinStrings(Kinds))
	case op.Parallelism < 1 || op.Parallelism > 1024:
		return opErr(i, "operator %q: parallelism %d is out of range (allowed: 1..1024)", op.Name, op.Parallelism)
	case op.Cost < 0:
		return opErr(i, "operator %q: cost must not be negative", op.Name)
	case op.OutputBytes < 0:
		return opErr(i, "operator %q: output_bytes must not be negative", op.Name)
	case op.RecordSizes != nil && op.Kind == Sink:
		return opErr(i, "operator %q: a sink emits no records, so it has no record_size", op.Name)
	case op.Tokens != 0 && op.Kind != Process:
		return opErr(i, "operator %q: only a process holds tokens", op.Name)
	case op.Tokens < 0 || op.Tokens > MaxTokens/int64(op.Parallelism):
		return opErr(i, "operator %q: tokens %d is out of range (allowed: 0..%d per subtask at parallelism %d)", op.Name, op.Tokens, MaxTokens/int64(op.Parallelism), op.Parallelism)
	}
	if op.RecordSizes != nil {
		if err := op.RecordSizes.Check(); err != nil {
			return opErr(i, "operator %q: record_size: %v", op.Name, err)
		}
	}
	for idx, c := range op.SubtaskCost {
		if idx < 0 || idx >= op.Parallelism {
			return opErr(i, "operator %q: subtask_cost names subtask %d, but subtasks are 0..%d", op.Name, idx, op.Parallelism-1)
		}
		if c < 0 {
			return opErr(i, "operator %q: subtask_cost must not be negative", op.Name)
		}
	}
	switch op.Kind {
	case Source:
		return validateSource(i, op)
	case Filter:
		if op.KeepPercent < 0 || op.KeepPercent > 100 {
			return opErr(i, "operator %q: keep_percent %d is out of range (allowed: 0..100)", op.Name, op.KeepPercent)
		}
	case Aggregate:
		if op.Func != Count && op.Func != Sum {
			return opErr(i, "operator %q: unknown aggregate function %q (allowed: count, sum)", op.Name, op.Func)
		}
		if op.StateBytesPerKey < 0 {
			return opErr(i, "operator %q: state_bytes_per_key must not be negative", op.Name)
		}
	}
	if op.SinkMode != "" && (op.Kind != Sink || !slices.Contains(SinkModes, op.SinkMode)) {
		return opErr(i, "operator %q: sink mode %q applies to sinks only (allowed: at-least-once, exactly-once, idempotent)", op.Name, op.SinkMode)
	}
	if op.Source != nil && op.Kind != Source {
		return opErr(i, "operator %q: only a source has a workload", op.Name)
	}
	return nil
}

func validateSource(i int, op *Operator) error {
	s := op.Source
	switch {
	case s == nil:
		return opErr(i, "source %q has no workload", op.Name)
	case !(s.Rate > 0 && s.Rate <= 1e9): // also refuses NaN
		return opErr(i, "source %q: rate %g is out of range (allowed: > 0 and <= 1e9 records/s per partition)", op.Name, s.Rate)
	case s.Records < 0:
		return opErr(i, "source %q: records must not be negative (0 means unbounded)", op.Name)
	case s.Keys < 1 || s.Keys > 1<<20:
		return opErr(i, "source %q: keys %d is out of range (allowed: 1..1048576)", op.Name, s.Keys)
	case s.Distribution != Uniform && s.Distribution != Zipf:
		return opErr(i, "source %q: unknown key distribution %q (allowed: uniform, zipf)", op.Name, s.Distribution)
	case s.Distribution == Zipf && !(s.ZipfS > 0 && s.ZipfS <= 10):
		return opErr(i, "source %q: zipf_s %g is out of range (allowed: > 0 and <= 10)", op.Name, s.ZipfS)
	case s.MaxValue < 1:
		return opErr(i, "source %q: max_value must be at least 1", op.Name)
	case s.RecordBytes < 1:
		return opErr(i, "source %q: record_bytes must be at least 1", op.Name)
	case s.Partitions < 0 || s.Partitions > MaxPartitions:
		return opErr(i, "source %q: partitions %d is out of range (allowed: 1..%d, or 0 for one per subtask)", op.Name, s.Partitions, MaxPartitions)
	}
	return nil
}

// Order returns the operator indices in topological order (sources first,
// ties by declaration order), or an *Error naming an edge of a cycle. The
// edges must name known operators (Validate checks that first).
func (g *Graph) Order() ([]int, error) {
	order, done := g.kahn()
	if len(order) < len(done) {
		return nil, g.cycleEdge(done)
	}
	return order, nil
}

// kahn orders the operators topologically as far as it can (ties by
// declaration order); done marks those it ordered, which is all of them
// unless the graph has a cycle.
func (g *Graph) kahn() (order []int, done []bool) {
	n := len(g.Operators)
	index := g.indexes()
	indeg := make([]int, n)
	succ := make([][]int, n)
	for _, e := range g.Edges {
		from, to := lookup(index, e.From), lookup(index, e.To)
		if from < 0 || to < 0 {
			continue
		}
		indeg[to]++
		succ[from] = append(succ[from], to)
	}
	order = make([]int, 0, n)
	done = make([]bool, n)
	for len(order) < n {
		next := -1
		for i := range n {
			if !done[i] && indeg[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			return order, done
		}
		done[next] = true
		order = append(order, next)
		for _, to := range succ[next] {
			indeg[to]--
		}
	}
	return order, done
}

// deployOrder is the order in which the operators' subtasks are numbered:
// the topological order, or for a token-passing job with cycles the
// declaration order.
func (g *Graph) deployOrder() []int {
	if order, err := g.Order(); err == nil {
		return order
	}
	order := make([]int, len(g.Operators))
	for i := range order {
		order[i] = i
	}
	return order
}

// indexes maps operator names to their index (the first one, for a
// duplicated name).
func (g *Graph) indexes() map[string]int {
	m := make(map[string]int, len(g.Operators))
	for i := len(g.Operators) - 1; i >= 0; i-- {
		m[g.Operators[i].Name] = i
	}
	return m
}

func lookup(index map[string]int, name string) int {
	if i, ok := index[name]; ok {
		return i
	}
	return -1
}

// cycleEdge is the error of Order for a graph with a cycle among the
// operators not done.
func (g *Graph) cycleEdge(done []bool) *Error {
	if cycle := g.cycleAmong(done); cycle != nil {
		return g.CycleError(cycle, "")
	}
	return edgeErr(-1, "the job graph has a cycle")
}

// Cycle is the edges of a cycle of the graph, in order along it (the
// first edge leaves the operator the last one enters), or nil for an
// acyclic graph. The edges must name known operators (Validate checks
// that first).
func (g *Graph) Cycle() []int {
	if order, done := g.kahn(); len(order) < len(done) {
		return g.cycleAmong(done)
	}
	return nil
}

// CycleError refuses the cycle of edges (Cycle's answer) under
// checkpointing mode mode ("" when the graph is checked without one): it
// names the cycle, the edge that closes it and the modes that accept
// cycles.
func (g *Graph) CycleError(cycle []int, mode string) *Error {
	path := []string{g.Edges[cycle[0]].From}
	for _, ei := range cycle {
		path = append(path, g.Edges[ei].To)
	}
	last := g.Edges[cycle[len(cycle)-1]]
	under := ""
	if mode != "" {
		under = "mode " + mode + " needs an acyclic job graph; "
	}
	return edgeErr(cycle[len(cycle)-1], "edge %s -> %s closes the cycle %s: %scycles are accepted only by checkpointing mode %s, in a job of process operators",
		last.From, last.To, strings.Join(path, " -> "), under, strings.Join(CyclicModes, ", "))
}

// cycleAmong finds a cycle among the operators not done, nil if none: it
// peels off operators that feed no remaining operator (they only hang
// below a cycle), then walks from the sender of the first edge left along
// the first remaining edge of each operator until an operator repeats.
func (g *Graph) cycleAmong(done []bool) []int {
	index := g.indexes()
	core := make([]bool, len(done))
	for i := range core {
		core[i] = !done[i]
	}
	for changed := true; changed; {
		changed = false
		feeds := make([]bool, len(core))
		for _, e := range g.Edges {
			if from, to := lookup(index, e.From), lookup(index, e.To); from >= 0 && to >= 0 && core[to] {
				feeds[from] = true
			}
		}
		for i := range core {
			if core[i] && !feeds[i] {
				core[i], changed = false, true
			}
		}
	}
	next := make([]int, len(core)) // the first edge from each operator within the core
	for i := range next {
		next[i] = -1
	}
	start := -1
	for i, e := range g.Edges {
		if from, to := lookup(index, e.From), lookup(index, e.To); from >= 0 && to >= 0 && core[from] && core[to] && next[from] < 0 {
			next[from] = i
			if start < 0 {
				start = from
			}
		}
	}
	if start < 0 {
		return nil
	}
	at := make([]int, len(core)) // position of an operator on the walk, +1
	var walk []int
	for op := start; at[op] == 0; op = lookup(index, g.Edges[walk[len(walk)-1]].To) {
		at[op] = len(walk) + 1
		walk = append(walk, next[op])
	}
	last := lookup(index, g.Edges[walk[len(walk)-1]].To)
	return walk[at[last]-1:]
}

func (g *Graph) names() string {
	names := make([]string, len(g.Operators))
	for i, op := range g.Operators {
		names[i] = op.Name
	}
	return strings.Join(names, ", ")
}

func joinStrings[S ~string](xs []S) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}
