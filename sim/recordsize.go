package sim

import "github.com/ckptsim/ckptsim/topology"

// recordSizer draws the sizes of the records one operator emits from its
// topology.RecordSizes: a pure function of the run's seed, the operator
// and the record's lineage (the source partition and offset it derives
// from), as the source log's records are, so a replay after a failover or
// a rescaling emits records of the sizes they had, and chainCost, which
// must not change anything, can compute the same record apply emits.
type recordSizer struct {
	sizes *topology.RecordSizes // nil: the operator's fixed size
	salt  uint64                // from the seed and the operator
}

// newRecordSizer is the sizer of operator op (index opIdx) in a run of seed.
func newRecordSizer(op *topology.Operator, opIdx int, seed uint64) recordSizer {
	return recordSizer{sizes: op.RecordSizes, salt: mix(seed ^ mix(uint64(opIdx)+0x2545f4914f6cdd1d))}
}

// size is the size of the record of lineage (part, off) the operator
// emits, fixed when the operator draws none.
func (z *recordSizer) size(fixed int, part int32, off int64) int32 {
	if z.sizes == nil {
		return int32(fixed)
	}
	h1 := mix(z.salt ^ mix(uint64(part)<<40^uint64(off)))
	return int32(z.sizes.Draw(h1, mix(h1^0x94d049bb133111eb), MaxRecordBytes))
}
