package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
