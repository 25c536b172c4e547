// Package tokens is the textbook workload of Chandy and Lamport's
// snapshot algorithm: processes that hold an integer number of tokens and
// pass some of them to a neighbour over directed FIFO links (cycles
// allowed), while snapshots are taken with a protocol.Protocol at every
// process, by default protocol.ChandyLamport.
//
// A run reads a Topology and a list of Events in the format of Princeton's
// COS 418 "chandy-lamport" assignment (package scenarios parses the files)
// and delivers the messages with one of two rules:
//
//   - DeliveryCkptsim, ckptsim's own deterministic network: every link is
//     a FIFO channel with a latency of 1 to MaxDelay ticks drawn from one
//     seeded PCG source, and every message due at a tick is delivered at
//     it, in the order of (due time, send).
//   - DeliveryCOS418, that assignment's simulator exactly (its
//     simulator.go, server.go and test_common.go): a receive time of now +
//     1 + Intn(5) per send from Go's legacy math/rand source seeded with
//     8053172852482175524, markers sent in ascending string order of
//     destination, and per tick at most one delivery per sender: the
//     servers in ascending string order of id, each delivering the head of
//     the first of its links (ascending string order of destination) that
//     is due.
//
// The run records every snapshot as the assignment prints it (Snapshot.
// String) and Conserved checks the invariant of the algorithm: the tokens
// of the recorded process states plus those recorded on the links equal
// the total.
//
// Like sim, the package is a pure library: no files, clock, goroutines or
// map order.
package tokens
