package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// graph is a valid two-operator topology, five lines long, that cases
// about other sections build on.
const graph = `operators:
  - {name: src, kind: source}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: sink}
`

// badFiles are files Parse must refuse, with the exact error.
var badFiles = []struct {
	name, yaml, err string
}{
	// Whole-file problems.
	{"empty file", ``,
		`t.yaml: the file is empty; a scenario needs at least the fields name and operators`},
	{"only comments", "# nothing here\n\n# still nothing\n",
		`t.yaml: the file is empty; a scenario needs at least the fields name and operators`},
	{"top level is a scalar", "hello\n",
		`t.yaml:1:1: expected a mapping with fields name, description, seed, flink_version, until, max_events, operators, edges, max_parallelism, chaining, channels, taskmanagers, slots_per_taskmanager, checkpoint, state_backend, restart, recovery, faults, restore, script, tokens, expect, got "hello"`},
	{"top level is a list", "- name: a\n",
		`t.yaml:1:1: expected a mapping with fields name, description, seed, flink_version, until, max_events, operators, edges, max_parallelism, chaining, channels, taskmanagers, slots_per_taskmanager, checkpoint, state_backend, restart, recovery, faults, restore, script, tokens, expect, got a list`},
	{"two documents", "name: a\n" + graph + "---\nname: b\n",
		`t.yaml:7:1: a scenario file holds one YAML document, but a second one starts here`},
	{"not UTF-8", "name: a\ndescription: caf\xe9\n",
		`t.yaml:2:17: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8`},
	{"control character", "name: a\x07\n",
		`t.yaml:1:8: character U+0007 is not allowed in YAML; write it as an escape in a double-quoted string`},
	{"YAML parser error (line fixed up)", "name: a\noperators:\n  - {name: src, kind: source\nedges: []\n",
		`t.yaml:3: invalid YAML: did not find expected ',' or '}'`},
	{"YAML scanner error", "name: a\n  seed: 2\n",
		`t.yaml:2: invalid YAML: mapping values are not allowed in this context`},
	{"YAML error on the first line", "name: a: b\n",
		`t.yaml:1: invalid YAML: mapping values are not allowed in this context`},
	{"alias", "name: &n a\ndescription: *n\n" + graph,
		`t.yaml:2:14: aliases (*n) are not supported in scenario files; write the value out`},
	{"alias to nothing", "name: a\nseed: *s\n",
		`t.yaml:2:7: alias *s refers to no anchor; aliases are not supported in scenario files anyway: write the value out`},

	// Top level.
	{"unknown top-level field", "name: a\nintervall: 1s\n" + graph,
		`t.yaml:2:1: unknown field "intervall" at top level (allowed: name, description, seed, flink_version, until, max_events, operators, edges, max_parallelism, chaining, channels, taskmanagers, slots_per_taskmanager, checkpoint, state_backend, restart, recovery, faults, restore, script, tokens, expect)`},
	{"missing name", graph,
		`t.yaml:1:1: missing required field "name" at top level`},
	{"empty name", "name: ''\n" + graph,
		`t.yaml:1:7: name: must not be empty`},
	{"missing operators", "name: a\n",
		`t.yaml:1:1: missing required field "operators" at top level (or a script section)`},
	{"duplicate key", "name: a\n" + graph + "name: b\n",
		`t.yaml:7:1: duplicate field "name" at top level (first given at line 1)`},
	{"field name is a list", "name: a\n[x]: 1\n",
		`t.yaml:2:1: expected a field name at top level, got a list (allowed: name, description, seed, flink_version, until, max_events, operators, edges, max_parallelism, chaining, channels, taskmanagers, slots_per_taskmanager, checkpoint, state_backend, restart, recovery, faults, restore, script, tokens, expect)`},
	{"negative seed", "name: a\nseed: -1\n" + graph,
		`t.yaml:2:7: seed: expected a non-negative integer, got -1`},
	{"duration without unit", "name: a\nuntil: 10\n" + graph,
		`t.yaml:2:8: until: invalid duration "10": a unit is required (use Go durations such as 500ms, 2s, 1m)`},
	{"negative run length (from sim)", "name: a\nuntil: -1s\n" + graph,
		`t.yaml:2:8: run length must not be negative`},
	{"max_events overflow", "name: a\nmax_events: 99999999999999999999\n" + graph,
		`t.yaml:2:13: max_events: integer 99999999999999999999 is too large (at most 9223372036854775807)`},

	// Operators.
	{"operators is a mapping", "name: a\noperators: {src: source}\n",
		`t.yaml:2:12: operators: expected a list of operators, got a mapping`},
	{"no operators", "name: a\noperators: []\n",
		`t.yaml:2:12: the topology has no operators; at least one source and one sink are needed`},
	{"operator is a scalar", "name: a\noperators:\n  - src\n",
		`t.yaml:3:5: operators: item 1: expected an operator (a mapping with fields name, kind, parallelism, ...), got "src"`},
	{"unknown operator field", "name: a\noperators:\n  - name: src\n    kind: source\n    parallelizm: 2\n",
		`t.yaml:5:5: unknown field "parallelizm" in operator "src" (allowed: name, kind, parallelism, max_parallelism, cost, subtask_cost, record_size, output_bytes, chaining, start_new_chain, rate, records, partitions, keys, distribution, zipf_s, max_value, record_bytes)`},
	{"missing kind", "name: a\noperators:\n  - name: src\n",
		`t.yaml:3:5: missing required field "kind" in operator "src" (allowed kinds: source, map, filter, aggregate, sink, process)`},
	{"missing operator name", "name: a\noperators:\n  - kind: source\n",
		`t.yaml:3:5: missing required field "name" in operator 1`},
	{"unknown kind", "name: a\noperators:\n  - {name: m, kind: mapper}\n",
		`t.yaml:3:21: kind: unknown value "mapper" (allowed: source, map, filter, aggregate, sink, process)`},
	{"wrong type", "name: a\noperators:\n  - {name: src, kind: source, parallelism: two}\n",
		`t.yaml:3:44: parallelism: expected an integer, got "two"`},
	{"float for an integer", "name: a\noperators:\n  - {name: src, kind: source, keys: 2.5}\n",
		`t.yaml:3:37: keys: expected an integer, got 2.5`},
	{"list for a number", "name: a\noperators:\n  - {name: src, kind: source, rate: [1]}\n",
		`t.yaml:3:37: rate: expected a number, got a list`},
	{"infinite rate", "name: a\noperators:\n  - {name: src, kind: source, rate: 1e999}\n",
		`t.yaml:3:37: rate: number 1e999 is out of range`},
	{"bad cost duration", "name: a\noperators:\n  - {name: m, kind: map, cost: 5 ms}\n",
		`t.yaml:3:32: cost: invalid duration "5 ms" (use Go durations such as 500ms, 2s, 1m)`},
	{"negative parallelism (from topology)", "name: a\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink, parallelism: -1}\n",
		`t.yaml:4:5: operator "sink": parallelism -1 is out of range (allowed: 1..1024)`},
	{"field not allowed on kind", "name: a\noperators:\n  - {name: src, kind: source}\n  - name: double\n    kind: map\n    rate: 5\n",
		`t.yaml:6:5: field "rate" is not allowed on a map operator; only source operators accept it`},
	{"output_bytes on a sink", "name: a\noperators:\n  - {name: out, kind: sink, output_bytes: 10}\n",
		`t.yaml:3:29: field "output_bytes" is not allowed on a sink operator; only source, map, filter, aggregate operators accept it`},
	{"duplicate operator field", "name: a\noperators:\n  - name: src\n    kind: source\n    rate: 5\n    rate: 6\n",
		`t.yaml:6:5: duplicate field "rate" in operator "src" (first given at line 5)`},
	{"zipf_s without zipf", "name: a\noperators:\n  - {name: src, kind: source, zipf_s: 2}\n",
		`t.yaml:3:39: zipf_s: applies only to distribution: zipf (this source's distribution is uniform)`},
	{"unknown distribution", "name: a\noperators:\n  - {name: src, kind: source, distribution: normal}\n",
		`t.yaml:3:45: distribution: unknown value "normal" (allowed: uniform, zipf)`},
	{"unknown aggregate function", "name: a\noperators:\n  - {name: c, kind: aggregate, function: avg}\n",
		`t.yaml:3:42: function: unknown value "avg" (allowed: count, sum)`},
	{"bad byte size", "name: a\noperators:\n  - {name: src, kind: source, record_bytes: 1.5KB}\n",
		`t.yaml:3:45: record_bytes: invalid byte size "1.5KB" (use a whole number of bytes, optionally with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024))`},
	{"subtask_cost index", "name: a\noperators:\n  - {name: m, kind: map, subtask_cost: {first: 1ms}}\n",
		`t.yaml:3:41: subtask_cost: expected a subtask index (an integer), got "first"`},
	{"subtask_cost twice", "name: a\noperators:\n  - {name: m, kind: map, subtask_cost: {0: 1ms, 0: 2ms}}\n",
		`t.yaml:3:49: subtask_cost: subtask 0 is given twice`},
	{"subtask_cost out of range (from topology)", "name: a\noperators:\n  - {name: src, kind: source, subtask_cost: {3: 1ms}}\n",
		`t.yaml:3:5: operator "src": subtask_cost names subtask 3, but subtasks are 0..0`},
	{"partitions out of range (from topology)", "name: a\noperators:\n  - {name: src, kind: source, partitions: 10001}\n",
		`t.yaml:3:5: source "src": partitions 10001 is out of range (allowed: 1..10000, or 0 for one per subtask)`},
	{"operator name used twice", "name: a\noperators:\n  - {name: x, kind: source}\n  - {name: x, kind: sink}\n",
		`t.yaml:4:5: operator name "x" is used twice`},
	{"too many operators", "name: a\noperators:\n" + strings.Repeat("  - {name: x, kind: sink}\n", MaxOperators+1),
		`t.yaml:103:5: operators: too many operators (a scenario may have at most 100)`},
	{"too many edges", "name: a\n" + graph + strings.Repeat("  - {from: src, to: sink}\n", MaxEdges),
		`t.yaml:206:5: edges: too many edges (a scenario may have at most 200)`},
	{"operator without input", "name: a\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink}\n",
		`t.yaml:3:5: operator "src" (source) has no output edge; only sinks may`},

	// Edges.
	{"edges is a scalar", "name: a\noperators:\n  - {name: src, kind: source}\nedges: src -> sink\n",
		`t.yaml:4:8: edges: expected a list of edges, got "src -> sink"`},
	{"unknown edge field", "name: a\n" + graph + "  - {from: src, to: sink, partition: hash}\n",
		`t.yaml:7:27: unknown field "partition" in edge 2 (allowed: from, to, partitioning)`},
	{"missing edge end", "name: a\n" + graph + "  - {from: src}\n",
		`t.yaml:7:5: missing required field "to" in edge 2`},
	{"unknown partitioning", "name: a\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink}\nedges:\n  - {from: src, to: sink, partitioning: shuffle}\n",
		`t.yaml:6:41: partitioning: unknown value "shuffle" (allowed: forward, rebalance, hash, broadcast)`},
	{"unknown operator in edge", "name: a\noperators:\n  - {name: src, kind: source}\n  - {name: sink, kind: sink}\nedges:\n  - {from: src, to: sink}\n  - {from: src, to: snik}\n",
		`t.yaml:7:5: edge src -> snik: unknown operator "snik" (operators: src, sink)`},
	{"cycle", `name: a
operators:
  - {name: src, kind: source}
  - {name: a, kind: map}
  - {name: b, kind: map}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: a}
  - {from: a, to: b}
  - {from: b, to: a}
  - {from: b, to: sink}
`, `t.yaml:10:5: edge b -> a closes the cycle a -> b -> a: cycles are accepted only by checkpointing mode chandy-lamport, in a job of process operators`},
	{"forward with different parallelism", `name: a
operators:
  - {name: src, kind: source, parallelism: 2}
  - {name: sink, kind: sink, parallelism: 3}
edges:
  - from: src
    to: sink
`, `t.yaml:6:5: edge src -> sink: forward needs the same parallelism on both sides (2 vs 3); use rebalance or hash`},
	{"aggregate fed by rebalance", `name: a
operators:
  - {name: src, kind: source}
  - {name: count, kind: aggregate}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: count, partitioning: rebalance}
  - {from: count, to: sink}
`, `t.yaml:7:5: edge src -> count: an aggregate holds keyed state, so its inputs must be partitioned by hash (keyBy), not rebalance`},
	{"edge declared twice", "name: a\n" + graph + "  - {from: src, to: sink}\n",
		`t.yaml:7:5: edge src -> sink is declared twice`},

	// Checkpoint and channels.
	{"unknown checkpoint field", "name: a\n" + graph + "checkpoint:\n  intervall: 1s\n",
		`t.yaml:8:3: unknown field "intervall" in checkpoint (allowed: interval, mode, aligned_checkpoint_timeout, min_pause, max_concurrent, timeout, num_retained, history, sync_duration, async_base, storage_bandwidth)`},
	{"checkpoint is empty", "name: a\n" + graph + "checkpoint:\n",
		`t.yaml:7:12: checkpoint: expected a mapping with fields interval, mode, aligned_checkpoint_timeout, min_pause, max_concurrent, timeout, num_retained, history, sync_duration, async_base, storage_bandwidth, got nothing`},
	{"bad interval", "name: a\n" + graph + "checkpoint:\n  interval: 5 s\n",
		`t.yaml:8:13: interval: invalid duration "5 s" (use Go durations such as 500ms, 2s, 1m)`},
	{"negative interval (from sim)", "name: a\n" + graph + "checkpoint:\n  interval: -1s\n",
		`t.yaml:8:13: checkpoint interval must not be negative (0 disables checkpointing)`},
	{"unknown mode", "name: a\n" + graph + "checkpoint: {mode: exactly-once}\n",
		`t.yaml:7:20: mode: unknown value "exactly-once" (allowed: aligned, unaligned, at-least-once, chandy-lamport)`},
	{"aligned timeout in aligned mode (from sim)", "name: a\n" + graph + "checkpoint:\n  mode: aligned\n  aligned_checkpoint_timeout: 1s\n",
		`t.yaml:9:31: aligned checkpoint timeout applies to unaligned mode only (mode is aligned)`},
	{"zero max_concurrent (from sim)", "name: a\n" + graph + "checkpoint: {max_concurrent: 0}\n",
		`t.yaml:7:30: max concurrent checkpoints must be at least 1`},
	{"concurrent unaligned checkpoints (from sim)", "name: a\n" + graph + "checkpoint:\n  mode: unaligned\n  max_concurrent: 2\n",
		`t.yaml:9:19: max concurrent checkpoints 2 with unaligned checkpoints: Flink refuses the job ("maxConcurrentCheckpoints can't be > 1 if UnalignedCheckpoints enabled", CheckpointCoordinatorConfiguration); use 1, or mode aligned`},
	{"negative async_base (from sim)", "name: a\n" + graph + "checkpoint: {sync_duration: 1ms, async_base: -1ms}\n",
		`t.yaml:7:46: snapshot durations must not be negative`},
	{"bandwidth unit", "name: a\n" + graph + "checkpoint: {storage_bandwidth: 100Mbit}\n",
		`t.yaml:7:33: storage_bandwidth: unknown unit "Mbit" in byte size "100Mbit" (use a whole number of bytes, optionally with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024))`},
	{"bandwidth overflow", "name: a\n" + graph + "checkpoint: {storage_bandwidth: 9000000TiB}\n",
		`t.yaml:7:33: storage_bandwidth: byte size 9000000TiB is out of range (at most 9223372036854775807 bytes)`},
	{"unknown channels field", "name: a\n" + graph + "channels: {latency: 1ms, bandwidth: 1GB}\n",
		`t.yaml:7:26: unknown field "bandwidth" in channels (allowed: latency, jitter, segment_size, buffers_per_channel, floating_buffers_per_gate, max_buffers_per_channel, buffer_timeout, debloat, record_size)`},
	{"no buffers (from sim)", "name: a\n" + graph + "channels:\n  buffers_per_channel: 0\n  floating_buffers_per_gate: 0\n",
		`t.yaml:8:24: an input channel needs a buffer: buffers per channel or floating buffers per gate must be at least 1`},
	{"record-counted capacity", "name: a\n" + graph + "channels:\n  capacity: 10\n",
		`t.yaml:8:3: channels.capacity (the receiver's buffer in records) is gone: channels now carry network buffers in bytes, as Flink's do; use segment_size, buffers_per_channel, floating_buffers_per_gate and max_buffers_per_channel (see FORMAT.md, channels)`},
	{"negative jitter (from sim)", "name: a\n" + graph + "channels: {latency: 1ms, jitter: -1ms}\n",
		`t.yaml:7:34: channel latency and jitter must not be negative`},
}

// requireRejected asserts that Parse refuses yaml (as t.yaml) with an
// *Error whose text is want.
func requireRejected(t *testing.T, yaml, want string) {
	t.Helper()
	s, err := Parse("t.yaml", []byte(yaml))
	require.Error(t, err)
	assert.Nil(t, s)
	var e *Error
	require.True(t, errors.As(err, &e), "error %T is not *Error", err)
	assert.Equal(t, want, err.Error())
	assert.Equal(t, "t.yaml", e.File)
}

func TestParseRejects(t *testing.T) {
	for _, tc := range badFiles {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, tc.yaml, tc.err)
		})
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse("d.yaml", []byte(`name: defaults
operators:
  - {name: src, kind: source}
  - {name: m, kind: map}
  - {name: f, kind: filter}
  - {name: agg, kind: aggregate}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: m}
  - {from: m, to: f}
  - {from: f, to: agg, partitioning: hash}
  - {from: agg, to: sink}
`))
	require.NoError(t, err)
	assert.Equal(t, "defaults", s.Name)
	assert.Equal(t, "", s.Description)
	assert.Equal(t, "d.yaml", s.File)
	c := s.Config
	assert.Equal(t, "defaults", c.Name)
	assert.Equal(t, uint64(1), c.Seed)
	assert.Equal(t, 10*time.Second, c.Until)
	assert.Equal(t, int64(0), c.MaxEvents)
	assert.Equal(t, sim.DefaultCheckpointConfig(), c.Checkpoint)
	assert.Equal(t, sim.DefaultChannelConfig(), c.Channels)
	want := []topology.Operator{
		{Name: "src", Kind: topology.Source, Parallelism: 1, Source: &topology.SourceSpec{
			Rate: 1000, Keys: 100, Distribution: topology.Uniform, ZipfS: 1.1, MaxValue: 100, RecordBytes: 100}},
		{Name: "m", Kind: topology.Map, Parallelism: 1, Cost: 50 * time.Microsecond, Multiply: 1},
		{Name: "f", Kind: topology.Filter, Parallelism: 1, Cost: 50 * time.Microsecond, KeepPercent: 50},
		{Name: "agg", Kind: topology.Aggregate, Parallelism: 1, Cost: 50 * time.Microsecond, Func: topology.Count, StateBytesPerKey: 64},
		{Name: "sink", Kind: topology.Sink, Parallelism: 1},
	}
	assert.Equal(t, want, c.Graph.Operators)
	assert.Equal(t, []topology.Edge{
		{From: "src", To: "m", Partitioning: topology.Forward},
		{From: "m", To: "f", Partitioning: topology.Forward},
		{From: "f", To: "agg", Partitioning: topology.Hash},
		{From: "agg", To: "sink", Partitioning: topology.Forward},
	}, c.Graph.Edges)
}

func TestParseEveryField(t *testing.T) {
	s, err := Parse("all.yaml", []byte(`name: everything
description: |
  Line one.
  Line two.
seed: 18446744073709551615
until: 1m30s
max_events: 1_000_000
operators:
  - name: src
    kind: source
    parallelism: 3
    cost: 10us
    subtask_cost: {0: 1ms, 2: 1.5ms}
    output_bytes: 1KiB
    rate: 2.5e3
    records: 5000
    keys: 7
    distribution: zipf
    zipf_s: 0.8
    max_value: 9
    record_bytes: 2KB
  - {name: m, kind: map, parallelism: 3, multiply: -2, add: +3, cost: 0s}
  - {name: f, kind: filter, keep_percent: 10}
  - {name: agg, kind: aggregate, function: sum, state_bytes_per_key: 128}
  - {name: sink, kind: sink}
edges:
  - {from: src, to: m}
  - {from: m, to: f, partitioning: rebalance}
  - {from: f, to: agg, partitioning: hash}
  - {from: agg, to: sink, partitioning: broadcast}
channels: {latency: 2ms, jitter: 500us, buffers_per_channel: 4, max_buffers_per_channel: 1}
checkpoint:
  interval: 2s
  mode: unaligned
  aligned_checkpoint_timeout: 100ms
  min_pause: 500ms
  max_concurrent: 1
  timeout: 1m
  num_retained: 3
  history: 25
  sync_duration: 2ms
  async_base: 10ms
  storage_bandwidth: 50MiB/s
`))
	require.NoError(t, err)
	assert.Equal(t, "Line one.\nLine two.\n", s.Description)
	c := s.Config
	assert.Equal(t, uint64(18446744073709551615), c.Seed)
	assert.Equal(t, 90*time.Second, c.Until)
	assert.Equal(t, int64(1_000_000), c.MaxEvents)
	ops := c.Graph.Operators
	assert.Equal(t, topology.Operator{
		Name: "src", Kind: topology.Source, Parallelism: 3, Cost: 10 * time.Microsecond,
		SubtaskCost: map[int]time.Duration{0: time.Millisecond, 2: 1500 * time.Microsecond},
		OutputBytes: 1024,
		Source: &topology.SourceSpec{Rate: 2500, Records: 5000, Keys: 7, Distribution: topology.Zipf,
			ZipfS: 0.8, MaxValue: 9, RecordBytes: 2000},
	}, ops[0])
	assert.Equal(t, int64(-2), ops[1].Multiply)
	assert.Equal(t, int64(3), ops[1].Add)
	assert.Equal(t, time.Duration(0), ops[1].Cost)
	assert.Equal(t, 10, ops[2].KeepPercent)
	assert.Equal(t, topology.Sum, ops[3].Func)
	assert.Equal(t, 128, ops[3].StateBytesPerKey)
	assert.Equal(t, topology.Broadcast, c.Graph.Edges[3].Partitioning)
	want := sim.DefaultChannelConfig()
	want.Latency, want.Jitter, want.BuffersPerChannel, want.MaxBuffersPerChannel = 2*time.Millisecond, 500*time.Microsecond, 4, 1
	assert.Equal(t, want, c.Channels)
	assert.Equal(t, sim.CheckpointConfig{
		Interval: 2 * time.Second, Mode: sim.Unaligned, AlignedCheckpointTimeout: 100 * time.Millisecond,
		MinPause: 500 * time.Millisecond, MaxConcurrent: 1, Timeout: time.Minute, NumRetained: 3, History: 25,
		SyncDuration: 2 * time.Millisecond, AsyncBase: 10 * time.Millisecond, StorageBandwidth: 50 << 20,
	}, c.Checkpoint)
}

func TestByteSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"100", 100}, {"1_000", 1000}, {"12B", 12}, {"1KB", 1000}, {"1kb", 1000},
		{"1KiB", 1024}, {"3 MiB", 3 << 20}, {"2GB", 2e9}, {"1GiB", 1 << 30}, {"1TiB", 1 << 40}, {"5MB/s", 5e6},
	} {
		s, err := Parse("b.yaml", []byte("name: b\n"+graph+"checkpoint: {storage_bandwidth: "+tc.in+"}\n"))
		if assert.NoError(t, err, tc.in) {
			assert.Equal(t, tc.want, s.Config.Checkpoint.StorageBandwidth, tc.in)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	assert.Equal(t, "f.yaml:3:7: bad", (&Error{File: "f.yaml", Line: 3, Column: 7, Msg: "bad"}).Error())
	assert.Equal(t, "f.yaml:3: bad", (&Error{File: "f.yaml", Line: 3, Msg: "bad"}).Error())
	assert.Equal(t, "f.yaml: bad", (&Error{File: "f.yaml", Msg: "bad"}).Error())
	assert.Equal(t, "3:7: bad", (&Error{Line: 3, Column: 7, Msg: "bad"}).Error())
	assert.Equal(t, "bad", (&Error{Msg: "bad"}).Error())
}

func TestParseLargeFile(t *testing.T) {
	data := []byte("name: big\ndescription: " + strings.Repeat("x", MaxFileSize) + "\n")
	_, err := Parse("big.yaml", data)
	assert.EqualError(t, err, "big.yaml: the file is too large (1048600 bytes); a scenario file may have at most 1048576 bytes (1 MiB)")
}
