// Package ownprotocol is the example of README's "Your own snapshot
// protocol": a snapshot protocol written outside sim/ against
// protocol.Protocol alone, run by ckptsim's engine on a bundled scenario
// and swept by package check, which finds a system on which it breaks the
// consistent cut and shrinks it. The package holds nothing but its
// example (example_test.go).
package ownprotocol
