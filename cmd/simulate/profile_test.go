package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCPUProfile: SIMULATE_CPUPROFILE writes a pprof profile of the
// command, and never over an existing file.
func TestCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv(cpuProfileEnv, path)
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(t.Context(), []string{"run", "minimal", "--until", "20s"}, &out, &errOut), errOut.String())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(b), 2)
	assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "a gzipped profile.proto")

	errOut.Reset()
	assert.Equal(t, exitBadUsage, run(t.Context(), []string{"run", "minimal", "--until", "1s"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "SIMULATE_CPUPROFILE="+path+": the file exists")
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, b, again)
}
