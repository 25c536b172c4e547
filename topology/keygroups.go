package topology

import (
	"fmt"
	"math"
	"math/bits"
)

// Bounds of the max parallelism, as Flink's KeyGroupRangeAssignment has
// them.
const (
	// DefaultLowerBoundMaxParallelism is the least default max parallelism
	// (DEFAULT_LOWER_BOUND_MAX_PARALLELISM, 1 << 7).
	DefaultLowerBoundMaxParallelism = 1 << 7
	// UpperBoundMaxParallelism is the largest max parallelism
	// (UPPER_BOUND_MAX_PARALLELISM, 1 << 15).
	UpperBoundMaxParallelism = 1 << 15
)

// ComputeDefaultMaxParallelism is the max parallelism Flink gives an
// operator whose max parallelism is not set
// (KeyGroupRangeAssignment.computeDefaultMaxParallelism): 1.5 times its
// parallelism rounded up to a power of two, at least 128 and at most
// 32768.
func ComputeDefaultMaxParallelism(parallelism int) int {
	return min(max(roundUpToPowerOfTwo(parallelism+parallelism/2), DefaultLowerBoundMaxParallelism), UpperBoundMaxParallelism)
}

// roundUpToPowerOfTwo is Flink's MathUtils.roundUpToPowerOfTwo for x >= 1.
func roundUpToPowerOfTwo(x int) int {
	return 1 << bits.Len(uint(x-1))
}

// MaxParallelismOf is the max parallelism of operator op: its own
// max_parallelism, else the job's (pipeline.max-parallelism), else the
// default computed from its own parallelism, as Flink's scheduler picks it
// for each job vertex (ExecutionJobVertex, SchedulerBase).
func (g *Graph) MaxParallelismOf(op int) int {
	switch {
	case g.Operators[op].MaxParallelism > 0:
		return g.Operators[op].MaxParallelism
	case g.MaxParallelism > 0:
		return g.MaxParallelism
	}
	return ComputeDefaultMaxParallelism(g.Operators[op].Parallelism)
}

// CheckMaxParallelism refuses a max parallelism out of Flink's bounds,
// with the message of OperatorValidationUtils.validateMaxParallelism.
func CheckMaxParallelism(n int) error {
	if n < 1 || n > UpperBoundMaxParallelism {
		return fmt.Errorf("Maximum parallelism must be between 1 and %d. Found: %d", UpperBoundMaxParallelism, n)
	}
	return nil
}

// validateMaxParallelism refuses a max parallelism out of Flink's bounds
// (0 stands for not set) and an operator whose parallelism exceeds its max
// parallelism (ExecutionJobVertex), with Flink's messages.
func (g *Graph) validateMaxParallelism() error {
	if n := g.MaxParallelism; n != 0 {
		if err := CheckMaxParallelism(n); err != nil {
			return &Error{Operator: -1, Edge: -1, Key: "max_parallelism", Msg: "max_parallelism: " + err.Error()}
		}
	}
	for i := range g.Operators {
		op := &g.Operators[i]
		if op.MaxParallelism != 0 {
			if err := CheckMaxParallelism(op.MaxParallelism); err != nil {
				return opErr(i, "operator %q: max_parallelism: %v", op.Name, err)
			}
		}
		if mp := g.MaxParallelismOf(i); op.Parallelism > mp {
			return opErr(i, "Vertex %s's parallelism (%d) is higher than the max parallelism (%d). Please lower the parallelism or increase the max parallelism.",
				op.Name, op.Parallelism, mp)
		}
	}
	return nil
}

// KeyHashCode is a key's hashCode(): ckptsim's keys are Java longs, and
// Long.hashCode is (int) (value ^ (value >>> 32)), a pure function of the
// key, so the routing is deterministic and the same in every run.
func KeyHashCode(key int64) int32 {
	u := uint64(key)
	return int32(uint32(u ^ u>>32))
}

// murmurHash is Flink's MathUtils.murmurHash(int): one round of Murmur3's
// 32-bit mixing with its finalizer (bitMix), made non-negative.
func murmurHash(code int32) int32 {
	c := uint32(code)
	c *= 0xcc9e2d51
	c = bits.RotateLeft32(c, 15)
	c *= 0x1b873593
	c = bits.RotateLeft32(c, 13)
	c = c*5 + 0xe6546b64
	c ^= 4
	c ^= c >> 16
	c *= 0x85ebca6b
	c ^= c >> 13
	c *= 0xc2b2ae35
	c ^= c >> 16
	switch r := int32(c); {
	case r >= 0:
		return r
	case r != math.MinInt32:
		return -r
	}
	return 0
}

// AssignToKeyGroup is the key group of key among maxParallelism
// (KeyGroupRangeAssignment.assignToKeyGroup: the murmur hash of the key's
// hashCode modulo the max parallelism).
func AssignToKeyGroup(key int64, maxParallelism int) int {
	return int(murmurHash(KeyHashCode(key))) % maxParallelism
}

// ComputeOperatorIndexForKeyGroup is the subtask, among parallelism, that
// owns key group keyGroup of maxParallelism
// (KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup): contiguous
// ranges of key groups, as even as the division allows.
func ComputeOperatorIndexForKeyGroup(maxParallelism, parallelism, keyGroup int) int {
	return keyGroup * parallelism / maxParallelism
}

// KeyOwner is the subtask, among parallelism, of an operator with
// maxParallelism key groups that owns key
// (KeyGroupRangeAssignment.assignKeyToParallelOperator).
func KeyOwner(key int64, maxParallelism, parallelism int) int {
	return ComputeOperatorIndexForKeyGroup(maxParallelism, parallelism, AssignToKeyGroup(key, maxParallelism))
}
