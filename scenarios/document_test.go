package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLongKey: a key longer than YAML allows is named as such, at its
// line and column, wherever it is written; the YAML library only says
// "could not find expected ':'" or worse.
func TestLongKey(t *testing.T) {
	long := strings.Repeat("k", 900_000)
	cases := []struct {
		name, file, err string
	}{
		{"top level", "name: x\n" + long + ": 1\n",
			"t.yaml:2:1: the key is too long (900000 characters; YAML allows at most 1024 in a key, its quotes included)"},
		{"after another line", "name: x\nseed: 1\n" + long[:1100] + ": 1\nuntil: 1s\n", "t.yaml:3:1: the key is too long (1100 characters"},
		{"quoted", "name: x\n\"" + long[:1100] + "\": 1\n", "t.yaml:2:1: the key is too long (1102 characters"},
		{"in a list", "name: x\noperators:\n  - " + long[:1100] + ": source\n", "t.yaml:3:5: the key is too long (1100 characters"},
		{"in a flow mapping", "name: x\nchannels: {latency: 1ms, " + long[:1100] + ": 1}\n", "t.yaml:2:26: the key is too long (1100 characters"},
		{"one over", "name: x\n" + long[:MaxKeyLength+1] + ": 1\n", "t.yaml:2:1: the key is too long (1025 characters"},
		{"at the limit: an unknown field, shortened", "name: x\n" + long[:MaxKeyLength] + ": 1\n",
			`t.yaml:2:1: unknown field "` + long[:40] + `..." at top level`},
		{"a long value is fine", "name: x\ndescription: " + long[:5000] + "\nseed: x\n", "t.yaml:3:7: seed: expected"},
		{"no colon at all", "name: x\n" + long[:2000] + "\n", "t.yaml:2: invalid YAML: could not find expected ':'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.file))
			assert.ErrorContains(t, err, tc.err)
			assert.Less(t, len(err.Error()), 400, "the message does not repeat the key")
		})
	}
}
