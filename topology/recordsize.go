package topology

import (
	"fmt"
	"math"
)

// SizeShape names a distribution of record sizes.
type SizeShape string

// The record size distributions.
const (
	// UniformSize draws sizes uniformly from Min..Max, both included.
	UniformSize SizeShape = "uniform"
	// ExponentialSize draws Min plus an exponentially distributed excess,
	// so that the sizes average Mean: many small records and a long tail
	// of large ones.
	ExponentialSize SizeShape = "exponential"
	// NormalSize draws sizes from a normal distribution of Mean and
	// Stddev, rounded and cut at 1 byte.
	NormalSize SizeShape = "normal"
)

// SizeShapes lists the record size distributions.
var SizeShapes = []SizeShape{UniformSize, ExponentialSize, NormalSize}

// RecordSizes is a distribution of the serialized sizes of the records an
// operator emits, in bytes. Each record draws its size from a hash of the
// run's seed, the operator and the record's lineage, so a replayed record
// has the size it had the first time, as a record read again from Kafka
// does.
type RecordSizes struct {
	// Shape is the distribution.
	Shape SizeShape
	// Min and Max bound a uniform size; Min is also the smallest
	// exponential size (at least 1).
	Min, Max int
	// Mean is the average of an exponential or normal size, Stddev the
	// standard deviation of a normal one.
	Mean, Stddev int
}

// Check reports what is wrong with the distribution's parameters, with
// the keys that name them (min, max, mean, stddev), or nil.
func (r *RecordSizes) Check() error {
	switch r.Shape {
	case UniformSize:
		if r.Mean != 0 || r.Stddev != 0 {
			return fmt.Errorf("a uniform record size takes min and max only")
		}
		if r.Min < 1 || r.Max < r.Min {
			return fmt.Errorf("a uniform record size needs 1 <= min <= max bytes, got min %d and max %d", r.Min, r.Max)
		}
	case ExponentialSize:
		if r.Max != 0 || r.Stddev != 0 {
			return fmt.Errorf("an exponential record size takes mean and min only")
		}
		if r.Min < 1 || r.Mean <= r.Min {
			return fmt.Errorf("an exponential record size needs 1 <= min < mean bytes, got min %d and mean %d", r.Min, r.Mean)
		}
	case NormalSize:
		if r.Min != 0 || r.Max != 0 {
			return fmt.Errorf("a normal record size takes mean and stddev only")
		}
		if r.Mean < 1 || r.Stddev < 0 {
			return fmt.Errorf("a normal record size needs a mean of at least 1 byte and a stddev >= 0, got mean %d and stddev %d", r.Mean, r.Stddev)
		}
	default:
		return fmt.Errorf("unknown record size distribution %q (allowed: %s)", r.Shape, joinStrings(SizeShapes))
	}
	return nil
}

// Bounds are the smallest and largest sizes the distribution draws, the
// largest at most limit (the exponential and normal ones have no bound of
// their own).
func (r *RecordSizes) Bounds(limit int) (lo, hi int) {
	switch r.Shape {
	case UniformSize:
		return r.Min, min(r.Max, limit)
	case ExponentialSize:
		return r.Min, limit
	}
	return 1, limit
}

// Draw is the size of the record whose two independent hashes are h1 and
// h2, between 1 and limit: h1 picks the size (uniform) or the quantile
// (inverse transform for the exponential), h1 and h2 make a standard
// normal (Box-Muller) for the normal.
func (r *RecordSizes) Draw(h1, h2 uint64, limit int) int {
	u := func(x uint64) float64 { return (float64(x>>11) + 0.5) / (1 << 53) } // in (0, 1)
	var v float64
	switch r.Shape {
	case UniformSize:
		return min(r.Min+int(h1%uint64(r.Max-r.Min+1)), limit)
	case ExponentialSize:
		v = float64(r.Min) - math.Log(u(h1))*float64(r.Mean-r.Min)
	case NormalSize:
		z := math.Sqrt(-2*math.Log(u(h1))) * math.Cos(2*math.Pi*u(h2))
		v = float64(r.Mean) + z*float64(r.Stddev)
	}
	return int(min(max(math.Round(v), 1), float64(limit)))
}

// MeanSize is the size the record sizes average before any cut at 1
// byte or at a limit: what the fixed size of the operator is set to.
func (r *RecordSizes) MeanSize() int {
	if r.Shape == UniformSize {
		return (r.Min + r.Max) / 2
	}
	return r.Mean
}
