package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGraphAt: --at annotates the execution graph with the run's state at
// that time: the alignment scenario's join_count aligns checkpoint 1 at
// 545ms, with its orders inputs blocked.
func TestGraphAt(t *testing.T) {
	code, out, errs := runArgs("graph", "alignment", "--execution", "--at", "545ms")
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, `label="alignment at 545ms · job RUNNING";`)
	assert.Contains(t, out, `"join_count[0]" [label="join_count[0]\nidle\ncheckpoint 1: aligning, 2/4 inputs\n546 processed, 337 keys, 21.1 KiB"];`)
	assert.Contains(t, out, `"orders[0]" -> "join_count[0]" [label="hash\n2 queued, blocked (aligning)"];`)

	code, _, errs = runArgs("graph", "alignment", "--at", "1s")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errs, "--at annotates the execution graph: add --execution")
}
