// Package ownprotocol is the example of README's "Your own protocol":
// snapshot protocols written outside sim/ against protocol.Protocol
// alone, run by ckptsim's engine on a bundled scenario and swept by
// package check, which finds a system on which each breaks the consistent
// cut and shrinks it. In mode chandy-lamport, hasty (example_test.go)
// declares its part of a snapshot done one marker early; in Flink's
// checkpoint modes, Eager (eager.go, example_eager_test.go) snapshots at
// a checkpoint's first barrier instead of aligning its inputs.
package ownprotocol
