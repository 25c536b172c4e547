package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGraphAt: --at annotates the execution graph with the run's state at
// that time: the alignment scenario's join_count -> sink aligns
// checkpoint 1 at 400ms, with its orders inputs blocked (their senders'
// records wait in the buffers being filled, no backlog: the output flusher
// finishes none); the parse subtasks are busy.
func TestGraphAt(t *testing.T) {
	code, out, errs := runArgs("graph", "alignment", "--execution", "--at", "400ms")
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, `label="alignment at 400ms · job RUNNING";`)
	assert.Contains(t, out, `"join_count -> sink[0]" [label="join_count -> sink[0]\nidle\ncheckpoint 1: aligning, 2/4 inputs\n219 processed, 180 keys, 11.2 KiB"];`)
	assert.Contains(t, out, `"orders[0]" -> "join_count -> sink[0]" [label="hash\n2 queued, blocked (aligning)"];`)
	assert.Contains(t, out, `"parse[0]" [label="parse[0]\nbusy\n271 processed"];`)

	code, _, errs = runArgs("graph", "alignment", "--at", "1s")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errs, "--at annotates the execution graph: add --execution")
}
