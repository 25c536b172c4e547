package topology

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitmix is SplitMix64: a stream of well-mixed hashes for the draws.
func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// TestRecordSizesDraw: 200,000 draws of each distribution average its
// mean within 1% and stay within its bounds; the normal one also has its
// standard deviation.
func TestRecordSizesDraw(t *testing.T) {
	const n, limit = 200_000, 1 << 30
	for _, tc := range []struct {
		name         string
		r            RecordSizes
		mean, stddev float64
	}{
		{"uniform", RecordSizes{Shape: UniformSize, Min: 50, Max: 150}, 100, math.Sqrt((101*101 - 1) / 12.0)},
		{"uniform of one size", RecordSizes{Shape: UniformSize, Min: 7, Max: 7}, 7, 0},
		{"exponential", RecordSizes{Shape: ExponentialSize, Min: 1, Mean: 1000}, 1000, 999},
		{"exponential with a minimum", RecordSizes{Shape: ExponentialSize, Min: 500, Mean: 600}, 600, 100},
		{"normal", RecordSizes{Shape: NormalSize, Mean: 2048, Stddev: 256}, 2048, 256},
		{"normal without spread", RecordSizes{Shape: NormalSize, Mean: 300}, 300, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.r.Check())
			lo, hi := tc.r.Bounds(limit)
			var sum, sq float64
			x := uint64(1)
			for range n {
				v := tc.r.Draw(splitmix(&x), splitmix(&x), limit)
				require.True(t, v >= lo && v <= hi, "draw %d outside %d..%d", v, lo, hi)
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			mean := sum / n
			assert.InDelta(t, tc.mean, mean, tc.mean/100, "mean")
			assert.InDelta(t, tc.stddev, math.Sqrt(sq/n-mean*mean), tc.stddev/50+0.5, "standard deviation")
			assert.Equal(t, int(tc.mean), tc.r.MeanSize())
		})
	}
}

// TestRecordSizesDrawCut: a draw never leaves 1..limit.
func TestRecordSizesDrawCut(t *testing.T) {
	wide := RecordSizes{Shape: NormalSize, Mean: 10, Stddev: 1000}
	long := RecordSizes{Shape: ExponentialSize, Min: 1, Mean: 1 << 20}
	x := uint64(3)
	for range 10_000 {
		assert.GreaterOrEqual(t, wide.Draw(splitmix(&x), splitmix(&x), 100), 1)
		assert.LessOrEqual(t, wide.Draw(splitmix(&x), splitmix(&x), 100), 100)
		assert.LessOrEqual(t, long.Draw(splitmix(&x), splitmix(&x), 4096), 4096)
	}
}

// TestRecordSizesCheck: each distribution takes its own parameters.
func TestRecordSizesCheck(t *testing.T) {
	for _, tc := range []struct {
		r   RecordSizes
		err string
	}{
		{RecordSizes{Shape: UniformSize, Min: 0, Max: 5}, "a uniform record size needs 1 <= min <= max bytes, got min 0 and max 5"},
		{RecordSizes{Shape: UniformSize, Min: 6, Max: 5}, "a uniform record size needs 1 <= min <= max bytes, got min 6 and max 5"},
		{RecordSizes{Shape: UniformSize, Min: 1, Max: 5, Mean: 3}, "a uniform record size takes min and max only"},
		{RecordSizes{Shape: ExponentialSize, Min: 1, Mean: 1}, "an exponential record size needs 1 <= min < mean bytes, got min 1 and mean 1"},
		{RecordSizes{Shape: ExponentialSize, Min: 1, Mean: 9, Max: 3}, "an exponential record size takes mean and min only"},
		{RecordSizes{Shape: NormalSize, Mean: 0, Stddev: 1}, "a normal record size needs a mean of at least 1 byte and a stddev >= 0, got mean 0 and stddev 1"},
		{RecordSizes{Shape: NormalSize, Mean: 5, Min: 1}, "a normal record size takes mean and stddev only"},
		{RecordSizes{Shape: "pareto"}, `unknown record size distribution "pareto" (allowed: uniform, exponential, normal)`},
	} {
		assert.EqualError(t, tc.r.Check(), tc.err)
	}
}
