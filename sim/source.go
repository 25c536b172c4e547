package sim

import (
	"math"
	"sort"

	"github.com/ckptsim/ckptsim/topology"
)

// sourceLog is one partition of a source's replayable log. The record at an
// offset is a pure function of (seed, partition, offset): rewinding the
// offset replays exactly the same records, as a Kafka partition does.
type sourceLog struct {
	spec *topology.SourceSpec
	// base is what the records' hash takes from the seed and the
	// partition, the same for every offset.
	base   uint64
	period float64   // ns between records
	zipf   []float64 // cumulative distribution for Zipf keys
}

// newSourceLog is partition part of the source spec describes; a Zipf
// source takes its table from tables.
func newSourceLog(spec *topology.SourceSpec, seed uint64, part int, tables zipfTables) *sourceLog {
	return &sourceLog{spec: spec, base: seed ^ mix(uint64(part)+0x9e3779b97f4a7c15), period: 1e9 / spec.Rate, zipf: tables.of(spec)}
}

// split is a partition a source subtask reads (a FLIP-27 source split, as
// KafkaPartitionSplit: the partition and the offset to read next). A
// source subtask's splits are its operator list state (SourceOperator's
// SourceReaderState), redistributed round robin by a rescaling restore.
type split struct {
	part   int32 // global partition index
	offset int64 // next offset to read
	log    *sourceLog
}

// splitStateBytes is the size of a split in a source's list state: its
// partition and offset.
const splitStateBytes = 8

// ended reports whether the split's bounded partition is read to its end.
func (sp *split) ended() bool { return sp.log.ended(sp.offset) }

// zipfTables holds one cumulative distribution per distinct (keys, skew),
// shared by every partition and source that draws from it: the tables of
// a job are built once, within MaxZipfKeys entries in all.
type zipfTables map[zipfShape][]float64

// zipfShape is what a Zipf table depends on.
type zipfShape struct {
	keys int
	s    float64
}

// of is the table of spec's distribution, nil for uniform keys.
func (z zipfTables) of(spec *topology.SourceSpec) []float64 {
	if spec.Distribution != topology.Zipf {
		return nil
	}
	shape := zipfShape{spec.Keys, spec.ZipfS}
	cdf, ok := z[shape]
	if !ok {
		cdf = zipfCDF(spec.Keys, spec.ZipfS)
		z[shape] = cdf
	}
	return cdf
}

// zipfCDF is the cumulative distribution of P(k) ∝ 1/(k+1)^s over n keys.
func zipfCDF(n int, s float64) []float64 {
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += 1 / math.Pow(float64(k+1), s)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	return cdf
}

// available is the virtual time at which offset appears in the partition,
// never when that is past int64 nanoseconds.
func (l *sourceLog) available(offset int64) int64 {
	return nanos(float64(offset) * l.period)
}

// ended reports whether a bounded partition has no record at offset.
func (l *sourceLog) ended(offset int64) bool {
	return l.spec.Records > 0 && offset >= l.spec.Records
}

// record returns the key and value at offset.
func (l *sourceLog) record(offset int64) (key, value int64) {
	h1 := mix(l.base ^ mix(uint64(offset)*0xbf58476d1ce4e5b9))
	h2 := mix(h1 ^ 0x94d049bb133111eb)
	if l.zipf != nil {
		u := float64(h1>>11) / (1 << 53)
		key = int64(sort.SearchFloat64s(l.zipf, u))
		key = min(key, int64(len(l.zipf)-1))
	} else {
		key = int64(h1 % uint64(l.spec.Keys))
	}
	return key, 1 + int64(h2%uint64(l.spec.MaxValue))
}

// mix is the SplitMix64 finalizer: a bijective 64-bit hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
