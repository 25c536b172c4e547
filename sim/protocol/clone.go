package protocol

import (
	"maps"
	"slices"
)

// Cloner is a Protocol that copies itself: an executor that keeps copies
// of a run (ckptsim's Sim.Clone, which the terminal UI steps back with)
// needs it of every protocol it runs.
type Cloner interface {
	Protocol
	// Clone returns an independent copy: stepping one leaves the other
	// as it was.
	Clone() Cloner
}

// Clone implements Cloner.
func (p *ChandyLamport) Clone() Cloner {
	c := &ChandyLamport{ended: slices.Clone(p.ended), order: slices.Clone(p.order),
		running: make(map[int64]*clSnapshot, len(p.running)), done: maps.Clone(p.done)}
	for id, s := range p.running {
		x := *s
		x.received = slices.Clone(s.received)
		c.running[id] = &x
	}
	return c
}
