// Package topology describes a streaming job as Flink's JobGraph does: logical
// operators with a parallelism, connected by edges that say how records are
// partitioned between their subtasks. Expand turns the logical graph into the
// execution graph of subtasks and channels that the simulator runs.
//
// The package is pure data plus validation: it knows nothing about time,
// checkpoints or files.
package topology

import (
	"fmt"
	"time"
)

// Kind is what an operator does with records.
type Kind string

// The operator kinds.
const (
	// Source reads a replayable partitioned log (like Kafka partitions). Each
	// source subtask reads the partitions assigned to it (its splits) and
	// remembers an offset for each; see SourceSpec.Partitions.
	Source Kind = "source"
	// Map transforms every record (value := value*Multiply + Add). Stateless.
	Map Kind = "map"
	// Filter keeps a deterministic share of records (KeepPercent). Stateless.
	Filter Kind = "filter"
	// Aggregate is keyBy + a running count or sum per key: keyed state. Its
	// inputs must be hash-partitioned. It emits (key, new aggregate value).
	Aggregate Kind = "aggregate"
	// Sink consumes records and writes them to the outside world.
	Sink Kind = "sink"
	// Process is a process of Chandy and Lamport's token-passing example:
	// each of its subtasks holds Tokens tokens and passes some of them to
	// its neighbours. Processes connect only to processes, may form
	// cycles, and run only under the checkpointing mode chandy-lamport.
	Process Kind = "process"
)

// Kinds lists every operator kind, in the order documentation shows them.
var Kinds = []Kind{Source, Map, Filter, Aggregate, Sink, Process}

// CyclicModes are the checkpointing modes whose snapshot protocol handles
// a job graph with cycles, for the error that refuses a cycle elsewhere:
// Chandy-Lamport's, which runs the token-passing workload of Process
// operators. Flink's own modes need an acyclic job graph.
var CyclicModes = []string{"chandy-lamport"}

// Partitioning is how an edge routes records from a sender subtask to the
// subtasks of the receiving operator (Flink's StreamPartitioner).
type Partitioning string

// The partitionings.
const (
	// Forward sends subtask i's records to subtask i; both sides must have
	// the same parallelism.
	Forward Partitioning = "forward"
	// Rebalance sends records round-robin to all receivers.
	Rebalance Partitioning = "rebalance"
	// Hash sends each record to the receiver owning its key group (keyBy).
	Hash Partitioning = "hash"
	// Broadcast sends every record to every receiver.
	Broadcast Partitioning = "broadcast"
)

// Partitionings lists every partitioning.
var Partitionings = []Partitioning{Forward, Rebalance, Hash, Broadcast}

// Distribution is how a source draws record keys.
type Distribution string

// The key distributions.
const (
	// Uniform draws every key with the same probability.
	Uniform Distribution = "uniform"
	// Zipf draws key k with probability proportional to 1/(k+1)^s: a few hot
	// keys and a long tail, the usual shape of skewed data.
	Zipf Distribution = "zipf"
)

// AggregateFunc is the per-key function of an Aggregate operator.
type AggregateFunc string

// The aggregate functions.
const (
	// Count counts records per key.
	Count AggregateFunc = "count"
	// Sum adds record values per key.
	Sum AggregateFunc = "sum"
)

// SinkMode is how a sink writes to the outside world.
type SinkMode string

// The sink modes.
const (
	// AtLeastOnceSink writes each record at once; a replay writes it again.
	AtLeastOnceSink SinkMode = "at-least-once"
	// TwoPhaseCommitSink writes into one transaction per checkpoint,
	// pre-committed when the barrier passes and committed on
	// notifyCheckpointComplete (Flink's TwoPhaseCommitSinkFunction);
	// readers see committed data only (read-committed).
	TwoPhaseCommitSink SinkMode = "exactly-once"
	// UpsertSink writes by key: a replayed record overwrites its key, so
	// the final table is right although intermediate values may repeat.
	UpsertSink SinkMode = "idempotent"
)

// SinkModes lists the sink modes.
var SinkModes = []SinkMode{AtLeastOnceSink, TwoPhaseCommitSink, UpsertSink}

// SourceSpec is the workload of a source operator: the content and the pace
// of its partitioned log. The log is a pure function of the run's seed, the
// partition and the offset, so rewinding an offset replays the same records.
type SourceSpec struct {
	// Rate is records per second that appear in each partition.
	Rate float64
	// Records bounds each partition's length; 0 means unbounded.
	Records int64
	// Keys is the number of distinct keys.
	Keys int
	// Distribution of keys.
	Distribution Distribution
	// ZipfS is the skew exponent for Zipf (> 0; 1 is classic Zipf).
	ZipfS float64
	// MaxValue bounds record values, drawn uniformly in [1, MaxValue].
	MaxValue int64
	// RecordBytes is the serialized size of one record.
	RecordBytes int
	// Partitions is the number of partitions of the log (a Kafka topic's
	// partitions), fixed however the source is rescaled; 0 means one per
	// subtask of the operator's parallelism. See Operator.PartitionsOf.
	Partitions int
}

// Operator is one logical operator of the job.
type Operator struct {
	// Name identifies the operator; subtasks are named Name[i].
	Name string
	// Kind says what the operator does.
	Kind Kind
	// Parallelism is the number of subtasks (>= 1).
	Parallelism int
	// Cost is the processing time of one record in each subtask.
	Cost time.Duration
	// SubtaskCost overrides Cost for single subtasks, by subtask index: how a
	// scenario makes one subtask slow.
	SubtaskCost map[int]time.Duration
	// OutputBytes is the size of each emitted record; 0 keeps the input size.
	OutputBytes int
	// RecordSizes, when set, draws the size of each record the operator
	// emits (a source or any other but a sink) instead of the fixed
	// Source.RecordBytes or OutputBytes, which then hold its mean.
	RecordSizes *RecordSizes
	// Source is the workload of a Source operator (nil otherwise).
	Source *SourceSpec
	// Multiply and Add define a Map: value := value*Multiply + Add.
	Multiply, Add int64
	// KeepPercent is the share of records a Filter keeps (0..100), decided
	// by a hash of the record so that a replay filters identically.
	KeepPercent int
	// Func is an Aggregate's function.
	Func AggregateFunc
	// StateBytesPerKey is the keyed state size of one key of an Aggregate.
	StateBytesPerKey int
	// SinkMode is how a Sink writes ("" is at-least-once).
	SinkMode SinkMode
	// MaxParallelism is the operator's number of key groups
	// (setMaxParallelism); 0 leaves it to the job's MaxParallelism or to
	// Flink's default (see Graph.MaxParallelismOf).
	MaxParallelism int
	// DisableChaining is disableChaining(): the operator chains with
	// neither its input nor its outputs (ChainingStrategy.NEVER).
	DisableChaining bool
	// StartNewChain is startNewChain(): the operator heads a new chain
	// but its outputs may chain to it (ChainingStrategy.HEAD).
	StartNewChain bool
	// Tokens is the number of tokens each subtask of a Process holds at
	// the start.
	Tokens int64
}

// PartitionsOf is the number of partitions of a source's log: its
// Partitions, else its parallelism.
func (o *Operator) PartitionsOf() int {
	if o.Source.Partitions > 0 {
		return o.Source.Partitions
	}
	return o.Parallelism
}

// SplitOwner is the subtask index that reads partition p first, before
// any restore, of a source of the given parallelism: Flink's
// KafkaSourceEnumerator.getSplitOwner, (startIndex + partition) %
// numReaders, with the start index of a topic whose hash gives 0.
func SplitOwner(p, parallelism int) int { return p % parallelism }

// CostOf is the processing cost of one record in subtask index.
func (o *Operator) CostOf(index int) time.Duration {
	if c, ok := o.SubtaskCost[index]; ok {
		return c
	}
	return o.Cost
}

// Edge connects two operators by name.
type Edge struct {
	From, To     string
	Partitioning Partitioning
}

// Graph is the logical job graph: operators and the edges between them.
type Graph struct {
	Operators []Operator
	Edges     []Edge
	// MaxParallelism is the job's pipeline.max-parallelism, for every
	// operator that sets none; 0 means not set.
	MaxParallelism int
	// DisableChaining turns operator chaining off for the whole job
	// (pipeline.operator-chaining.enabled: false): every edge is a
	// network channel, every operator its own task.
	DisableChaining bool
}

// Index returns the position of the operator called name, or -1.
func (g *Graph) Index(name string) int {
	for i := range g.Operators {
		if g.Operators[i].Name == name {
			return i
		}
	}
	return -1
}

// Error is a validation error that names the offending part of the graph,
// so that a scenario parser can point at the line that declared it.
type Error struct {
	// Operator is the index of the operator at fault, or -1.
	Operator int
	// Edge is the index of the edge at fault, or -1.
	Edge int
	// Key is the job-level key at fault ("max_parallelism"), or "".
	Key string
	// Msg says what is wrong and what is allowed.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func opErr(op int, format string, args ...any) *Error {
	return &Error{Operator: op, Edge: -1, Msg: fmt.Sprintf(format, args...)}
}

func edgeErr(edge int, format string, args ...any) *Error {
	return &Error{Operator: -1, Edge: edge, Msg: fmt.Sprintf(format, args...)}
}
