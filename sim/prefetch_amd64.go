package sim

import "unsafe"

// prefetchLines asks the CPU for the n cache lines from p (none for
// n <= 0) without waiting for them (PREFETCHT0, in prefetch_amd64.s).
//
//go:noescape
func prefetchLines(p unsafe.Pointer, n int)
