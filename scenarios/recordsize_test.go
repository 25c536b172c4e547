package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

// TestRecordSize: record_size is the serialized size of the records an
// operator emits (a source's record_bytes, another's output_bytes), and
// channels.record_size the size of the records of every source that sets
// none.
func TestRecordSize(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(`name: rs
operators:
  - {name: a, kind: source}
  - {name: b, kind: source, record_size: 2KiB}
  - {name: m, kind: map, record_size: 4KiB}
  - {name: k, kind: sink}
edges:
  - {from: a, to: m, partitioning: rebalance}
  - {from: b, to: m, partitioning: rebalance}
  - {from: m, to: k, partitioning: rebalance}
channels: {record_size: 1KiB}
`))
	require.NoError(t, err)
	ops := sc.Config.Graph.Operators
	assert.Equal(t, 1024, ops[0].Source.RecordBytes, "the job's default")
	assert.Equal(t, 2048, ops[1].Source.RecordBytes, "the source's own")
	assert.Equal(t, 4096, ops[2].OutputBytes)
	_, err = Parse("t.yaml", []byte("name: rs\noperators:\n  - {name: k, kind: sink, record_size: 1KiB}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "record_size")
}

// TestRecordSizeDistribution: record_size may be a distribution, on an
// operator or under channels for the sources; it round-trips through
// Marshal, and each distribution refuses what it does not take with the
// position of the problem.
func TestRecordSizeDistribution(t *testing.T) {
	file := func(rs string) []byte {
		return []byte("name: rs\noperators:\n  - {name: a, kind: source}\n  - {name: m, kind: map, record_size: " + rs +
			"}\n  - {name: k, kind: sink}\nedges:\n  - {from: a, to: m}\n  - {from: m, to: k}\nchannels: {record_size: {distribution: normal, mean: 1KiB, stddev: 100B}}\n")
	}
	sc, err := Parse("t.yaml", file("{distribution: exponential, mean: 2KiB}"))
	require.NoError(t, err)
	ops := sc.Config.Graph.Operators
	assert.Equal(t, &topology.RecordSizes{Shape: topology.NormalSize, Mean: 1024, Stddev: 100}, ops[0].RecordSizes, "the job's default")
	assert.Equal(t, 1024, ops[0].Source.RecordBytes, "the mean")
	assert.Equal(t, &topology.RecordSizes{Shape: topology.ExponentialSize, Min: 1, Mean: 2048}, ops[1].RecordSizes, "min defaults to 1")
	assert.Equal(t, 2048, ops[1].OutputBytes)
	out, err := Marshal(sc.Config, "rs", "")
	require.NoError(t, err)
	back, err := Parse("t.yaml", out)
	require.NoError(t, err, "%s", out)
	assert.Equal(t, sc.Config.Graph, back.Config.Graph)

	uniform, err := Parse("t.yaml", file("{distribution: uniform, min: 10B, max: 20B}"))
	require.NoError(t, err)
	assert.Equal(t, 15, uniform.Config.Graph.Operators[1].OutputBytes)

	for _, tc := range []struct{ rs, err string }{
		{"{distribution: pareto, mean: 1KiB}", `t.yaml:4:54: distribution: unknown value "pareto" (allowed: uniform, exponential, normal)`},
		{"{min: 1B, max: 2B}", `t.yaml:4:39: missing required field "distribution" in record_size (allowed: uniform, exponential, normal)`},
		{"{distribution: uniform, min: 5B, max: 9B, mean: 7B}", `t.yaml:4:81: record_size: a uniform distribution takes min and max, not mean`},
		{"{distribution: uniform, max: 9B}", `t.yaml:4:39: missing required field "min" in record_size`},
		{"{distribution: uniform, min: 9B, max: 5B}", `t.yaml:4:39: record_size: a uniform record size needs 1 <= min <= max bytes, got min 9 and max 5`},
		{"{distribution: exponential, mean: 1KiB, min: 1KiB}", `t.yaml:4:39: record_size: an exponential record size needs 1 <= min < mean bytes, got min 1024 and mean 1024`},
		{"{distribution: normal, mean: 1KiB}", `t.yaml:4:39: missing required field "stddev" in record_size`},
		{"{distribution: normal, mean: 1KiB, stddev: 1KiB, seed: 3}", `t.yaml:4:88: unknown field "seed" in record_size (allowed: distribution, mean, stddev)`},
		{"[1B]", `t.yaml:4:39: record_size: expected a byte size (` + sizeHint + `) or a distribution such as {distribution: uniform, min: 50B, max: 150B}, got a list`},
	} {
		_, err := Parse("t.yaml", file(tc.rs))
		assert.EqualError(t, err, tc.err, tc.rs)
	}
}
