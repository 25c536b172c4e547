//go:build !amd64

package sim

import "unsafe"

// prefetchLines does nothing where there is no prefetch instruction
// written for the architecture: the hints are only about speed.
func prefetchLines(unsafe.Pointer, int) {}
