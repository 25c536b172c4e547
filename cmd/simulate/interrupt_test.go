package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/check"
	"github.com/ckptsim/ckptsim/scenarios"
)

// runMainEnv makes the test binary run the command instead of the tests:
// the interrupt tests start it as a subprocess and signal it.
const runMainEnv = "CKPTSIM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// lockedBuffer is a buffer a subprocess writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// subprocess is the command running in a child process.
type subprocess struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
}

// startMain starts simulate args in a subprocess.
func startMain(t *testing.T, args ...string) *subprocess {
	t.Helper()
	p := &subprocess{cmd: exec.Command(os.Args[0], args...), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// waitFor polls until cond holds, or fails the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
	}
}

// interrupt sends SIGINT, as Ctrl-C does, or sig, and returns the exit
// code.
func (p *subprocess) interrupt(t *testing.T, sig ...os.Signal) int {
	t.Helper()
	sig = append(sig, syscall.SIGINT)
	require.NoError(t, p.cmd.Process.Signal(sig[0]))
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// TestCheckInterrupted: Ctrl-C during a sweep prints the figures of the
// runs done so far, writes the counterexample found (unshrunk: the
// interrupt came first) and exits 130.
func TestCheckInterrupted(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"with a counterexample", []string{"--property", "at-least-once-is-exactly-once"},
			[]string{"REFUTED", "not shrunk: the command was interrupted", "wrote "}},
		{"all passed so far", []string{"--faults", "none", "--property", "liveness"},
			[]string{"OK so far: every property held"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"check", "--runs", "100000000", "--workers", "1", "--out", dir}, tc.args...)
			p := startMain(t, args...)
			waitFor(t, "the first progress line", func() bool { return strings.Contains(p.stderr.String(), "/100000000 runs") })
			code := p.interrupt(t)
			out := p.stdout.String()
			require.Equal(t, exitInterrupted, code, "stdout:\n%s\nstderr:\n%s", out, p.stderr.String())
			assert.Regexp(t, `INTERRUPTED after [1-9]\d* of 100000000 runs: the figures below are those of seeds 1\.\.[1-9]\d*`, out)
			assert.Contains(t, out, "PROPERTY")
			assert.Regexp(t, `\d+ runs, \d+ events simulated`, out)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			assert.Contains(t, p.stderr.String(), "simulate: interrupted; printing what was done so far")
			files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if !strings.Contains(out, "wrote ") {
				assert.Empty(t, files)
				return
			}
			require.Len(t, files, 1)
			assert.Contains(t, out, "wrote "+files[0])
			sc, err := scenarios.Load(files[0])
			require.NoError(t, err, "the counterexample is a whole scenario file")
			assert.Contains(t, sc.Description, "not shrunk")
			code, chk, _ := runArgs("check", "--property", "at-least-once-is-exactly-once", files[0])
			assert.Equal(t, exitChecks, code, "the unshrunk counterexample still fails:\n%s", chk)
		})
	}
}

// TestInterruptEndsOtherCommands: a command with nothing to report, such
// as check on files, ends at the first Ctrl-C, by the signal.
func TestInterruptEndsOtherCommands(t *testing.T) {
	args := []string{"check"}
	for range 500 {
		args = append(args, "minimal")
	}
	p := startMain(t, args...)
	waitFor(t, "the first file", func() bool { return strings.Contains(p.stdout.String(), "minimal.yaml: ") })
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	err := p.cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	ws, ok := ee.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	assert.Equal(t, syscall.SIGINT, ws.Signal(), "stdout:\n%s", p.stdout.String())
}

// TestShrinkUnlessInterrupted: an interrupt during a shrink gives the
// generated scenario at once.
func TestShrinkUnlessInterrupted(t *testing.T) {
	b := check.DefaultBounds()
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	time.AfterFunc(10*time.Millisecond, cancel)
	r := shrinkUnlessInterrupted(ctx, b, 7, func() shrinkResult { <-block; return shrinkResult{done: true} })
	assert.False(t, r.done)
	assert.Equal(t, uint64(7), r.seed)
	assert.Equal(t, check.Scenario(b, 7), r.cfg)

	r = shrinkUnlessInterrupted(context.Background(), b, 7, func() shrinkResult { return shrinkResult{seed: 8, done: true} })
	assert.Equal(t, shrinkResult{seed: 8, done: true}, r)
}

// TestRunTraceInterrupted: Ctrl-C (or SIGTERM) during run --trace leaves
// a trace of whole JSON lines and the report of the run so far, exit code
// 130, and no temporary file.
func TestRunTraceInterrupted(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { runTraceInterrupted(t, sig) })
	}
}

func runTraceInterrupted(t *testing.T, sig os.Signal) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.jsonl")
	p := startMain(t, "run", "minimal", "--until", "1000h", "--trace", path)
	waitFor(t, "the trace to grow", func() bool {
		partial, _ := filepath.Glob(filepath.Join(dir, ".t.jsonl.*.partial"))
		if len(partial) != 1 {
			return false
		}
		fi, err := os.Stat(partial[0])
		return err == nil && fi.Size() > 2<<20
	})
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "the trace appears only when it is whole")
	code := p.interrupt(t, sig)
	out := p.stdout.String()
	require.Equal(t, exitInterrupted, code, "stdout:\n%s\nstderr:\n%s", out, p.stderr.String())
	m := regexp.MustCompile(`INTERRUPTED at virtual time \S+ after (\d+) events`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Contains(t, out, "(interrupted) after "+m[1]+" events")
	assert.Contains(t, out, "Invariants:")

	lines := traceLines(t, path)
	require.Greater(t, len(lines), 10000)
	var last struct{ Seq int64 }
	require.NoError(t, json.Unmarshal(lines[len(lines)-1], &last))
	assert.EqualValues(t, len(lines)-1, last.Seq, "no line is missing")
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	assert.Empty(t, left, "no temporary file is left")
}

// TestCancelledContext: a command whose context is done stops as at
// Ctrl-C: run after the first stepsBetweenChecks events, with a report
// (here JSON) that says so; check before or after a few runs.
func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errs bytes.Buffer
	code := run(ctx, []string{"run", "minimal", "--format", "json"}, &out, &errs)
	require.Equal(t, exitInterrupted, code, errs.String())
	var res struct {
		Stop   string
		Events int64
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &res))
	assert.Equal(t, "interrupted", res.Stop)
	assert.EqualValues(t, stepsBetweenChecks, res.Events)

	out.Reset()
	code = run(ctx, []string{"run", "at-least-once-duplicates"}, &out, &errs)
	require.Equal(t, exitInterrupted, code, errs.String())
	assert.Contains(t, out.String(), "the figures below are those of the run so far, and the scenario's expectations are not judged.")
	assert.NotContains(t, out.String(), "Expectations:")

	out.Reset()
	code = run(ctx, []string{"check", "--runs", "1000", "--out", t.TempDir()}, &out, &errs)
	require.Equal(t, exitInterrupted, code, errs.String())
	assert.Regexp(t, `INTERRUPTED (before the first of 1000 runs finished|after \d+ of 1000 runs)`, out.String())
	assert.NotContains(t, out.String(), "OK: every property held")
}
