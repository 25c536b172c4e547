package topology

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComputeDefaultMaxParallelism(t *testing.T) {
	cases := []struct{ p, want int }{
		{1, 128}, {2, 128}, {85, 128}, // 85 + 42 = 127 -> 128
		{86, 256}, {128, 256}, {170, 256}, // 170 + 85 = 255
		{171, 256}, {172, 512}, {200, 512}, {1024, 2048},
		{21845, 32768}, {21846, 32768}, // 32769 rounds up to 65536, capped
		{32768, 32768},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, ComputeDefaultMaxParallelism(tc.p), "parallelism %d", tc.p)
	}
}

// TestMurmurHash checks Flink's MathUtils.murmurHash against a value Java
// computes (murmurHash(1) == 68075478, so key 1 is in key group 86 of 128)
// and that its results are never negative.
func TestMurmurHash(t *testing.T) {
	assert.Equal(t, int32(68075478), murmurHash(1))
	assert.Equal(t, 86, AssignToKeyGroup(1, 128))
	for c := int32(-1000); c < 1000; c++ {
		assert.GreaterOrEqual(t, murmurHash(c), int32(0))
	}
}

// TestKeyHashCode is Java's Long.hashCode: (int) (value ^ (value >>> 32)).
func TestKeyHashCode(t *testing.T) {
	cases := []struct {
		key  int64
		want int32
	}{{0, 0}, {5, 5}, {-1, 0}, {1 << 32, 1}, {-2, 1}, {1<<31 + 0, -1 << 31}}
	for _, tc := range cases {
		assert.Equal(t, tc.want, KeyHashCode(tc.key), "key %d", tc.key)
	}
}

// TestKeyGroupRanges: the key groups computeOperatorIndexForKeyGroup gives
// subtask i are exactly Flink's computeKeyGroupRangeForOperatorIndex
// range [ceil(i*max/p), ((i+1)*max-1)/p], so every subtask owns at least
// one key group when p <= max.
func TestKeyGroupRanges(t *testing.T) {
	for _, tc := range []struct{ max, p int }{{128, 1}, {128, 3}, {128, 128}, {512, 200}, {256, 255}, {32768, 1000}} {
		count := make([]int, tc.p)
		for kg := range tc.max {
			i := ComputeOperatorIndexForKeyGroup(tc.max, tc.p, kg)
			require.True(t, i >= 0 && i < tc.p)
			start, end := (i*tc.max+tc.p-1)/tc.p, ((i+1)*tc.max-1)/tc.p
			require.True(t, kg >= start && kg <= end, "max %d, p %d: key group %d outside subtask %d's range [%d, %d]", tc.max, tc.p, kg, i, start, end)
			count[i]++
		}
		for i, n := range count {
			assert.Positive(t, n, "max %d, p %d: subtask %d owns no key group", tc.max, tc.p, i)
		}
	}
}

// TestEverySubtaskGetsKeys: with the default max parallelism every subtask
// of an operator gets keys, also above 128 subtasks (with 128 key groups,
// 72 of 200 subtasks would get none).
func TestEverySubtaskGetsKeys(t *testing.T) {
	for _, p := range []int{1, 3, 128, 200, 1024} {
		mp := ComputeDefaultMaxParallelism(p)
		seen := make([]bool, p)
		for k := range int64(20 * p) {
			o := KeyOwner(k, mp, p)
			require.True(t, o >= 0 && o < p)
			seen[o] = true
		}
		assert.NotContains(t, seen, false, "parallelism %d: a subtask owns none of %d keys", p, 20*p)
	}
	// 128 key groups cannot cover 200 subtasks.
	seen := map[int]bool{}
	for k := range int64(4000) {
		seen[KeyOwner(k, 128, 200)] = true
	}
	assert.Len(t, seen, 128)
}

func TestMaxParallelismOf(t *testing.T) {
	g := valid()
	count := g.Index("count")
	g.Operators[count].Parallelism = 200
	assert.Equal(t, 512, g.MaxParallelismOf(count), "default from the operator's own parallelism")
	assert.Equal(t, 128, g.MaxParallelismOf(g.Index("m")))
	g.MaxParallelism = 1000
	assert.Equal(t, 1000, g.MaxParallelismOf(count), "the job's pipeline.max-parallelism")
	g.Operators[count].MaxParallelism = 300
	assert.Equal(t, 300, g.MaxParallelismOf(count), "the operator's own")
	assert.Equal(t, 1000, g.MaxParallelismOf(g.Index("m")))
}

func TestMaxParallelismRefused(t *testing.T) {
	cases := []struct {
		name           string
		job, op, p, at int
		want           string
	}{
		{"below the parallelism", 0, 100, 200, 1,
			"Vertex count's parallelism (200) is higher than the max parallelism (100). Please lower the parallelism or increase the max parallelism."},
		{"job level below the parallelism", 150, 0, 200, 1,
			"Vertex count's parallelism (200) is higher than the max parallelism (150). Please lower the parallelism or increase the max parallelism."},
		{"operator above the bound", 0, 40000, 2, 1,
			`operator "count": max_parallelism: Maximum parallelism must be between 1 and 32768. Found: 40000`},
		{"negative", 0, -3, 2, 1, `operator "count": max_parallelism: Maximum parallelism must be between 1 and 32768. Found: -3`},
		{"job above the bound", 32769, 0, 2, -1, "max_parallelism: Maximum parallelism must be between 1 and 32768. Found: 32769"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := valid()
			count := g.Index("count")
			g.MaxParallelism = tc.job
			g.Operators[count].MaxParallelism, g.Operators[count].Parallelism = tc.op, tc.p
			err := g.Validate()
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			var te *Error
			require.ErrorAs(t, err, &te)
			if tc.at < 0 {
				assert.Equal(t, "max_parallelism", te.Key)
			} else {
				assert.Equal(t, count, te.Operator)
			}
		})
	}
	g := valid()
	g.MaxParallelism = 2
	g.Operators[g.Index("count")].MaxParallelism = 3
	require.NoError(t, g.Validate(), "the operator's own max parallelism wins over the job's")
}

// TestHashGateRoutesByReceiverKeyGroups: a hash gate carries the
// receiver's max parallelism, the number of key groups it routes by.
func TestHashGateRoutesByReceiverKeyGroups(t *testing.T) {
	g := valid()
	g.Operators[g.Index("count")].MaxParallelism = 300
	eg, err := Expand(g)
	require.NoError(t, err)
	for _, st := range eg.Subtasks {
		for _, gate := range st.Outputs {
			if gate.Partitioning == Hash {
				assert.Equal(t, 300, gate.KeyGroups)
			} else {
				assert.Zero(t, gate.KeyGroups)
			}
		}
	}
}
