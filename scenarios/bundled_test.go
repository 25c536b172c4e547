package scenarios

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/topology"
)

func TestBundledNames(t *testing.T) {
	// Alphabetical by file name: "x-y.yaml" sorts before "x.yaml".
	assert.Equal(t, []string{"minimal", "alignment", "at-least-once-duplicates", "backpressure", "debloating", "exponential-restarts",
		"finished-tasks-1.14", "finished-tasks", "interval-sweep", "interval-vs-duration-longer", "interval-vs-duration", "large-state-recovery-local", "large-state-recovery-rocksdb", "large-state-recovery",
		"rescale-from-savepoint", "rescale-sources", "rocksdb-full", "rocksdb-incremental", "savepoints-and-stop", "slow-checkpoints-min-pause", "slow-checkpoints", "slow-subtask", "token-ring", "tolerable-failures",
		"unreadable-checkpoint-one-retained", "unreadable-checkpoint"}, Bundled())
	assert.Equal(t, DefaultName, Bundled()[0])
}

// sentenceEnd is the end of a sentence in a description.
var sentenceEnd = regexp.MustCompile(`[.!?](\s|$)`)

func TestBundledScenariosAreValid(t *testing.T) {
	for _, name := range Bundled() {
		t.Run(name, func(t *testing.T) {
			s, err := Load(name)
			require.NoError(t, err)
			assert.Equal(t, name, s.Name, "the name field matches the file name")
			assert.Equal(t, "bundled/"+name+".yaml", s.File)
			require.NoError(t, s.Config.Validate())
			_, err = topology.Expand(s.Config.Graph)
			require.NoError(t, err)

			n := len(sentenceEnd.FindAllString(s.Description, -1))
			assert.True(t, n >= 2 && n <= 5, "description has %d sentences, want 2..5", n)

			// Runs stay modest. Debloating needs a minute: its moving
			// average converges over samples × period, and the full
			// buffers of the first seconds must drain first.
			limit := 10 * time.Second
			if name == "debloating" {
				limit = time.Minute
			}
			assert.LessOrEqual(t, s.Config.Until, limit)
			for _, op := range s.Config.Graph.Operators {
				if op.Source != nil {
					assert.LessOrEqual(t, op.Source.Rate, 2000.0, op.Name)
				}
			}
		})
	}
}

func TestBundledShapes(t *testing.T) {
	expand := func(name string) *topology.ExecutionGraph {
		s, err := Load(name)
		require.NoError(t, err)
		eg, err := topology.Expand(s.Config.Graph)
		require.NoError(t, err)
		return eg
	}

	// minimal: source p=1 -> keyed count p=2 (hash) -> sink.
	eg := expand("minimal")
	g := eg.Graph
	require.Len(t, g.Operators, 3)
	assert.Equal(t, topology.Source, g.Operators[0].Kind)
	assert.Equal(t, 1, g.Operators[0].Parallelism)
	assert.Equal(t, topology.Aggregate, g.Operators[1].Kind)
	assert.Equal(t, 2, g.Operators[1].Parallelism)
	assert.Equal(t, topology.Hash, g.Edges[0].Partitioning)
	assert.Equal(t, topology.Sink, g.Operators[2].Kind)

	// alignment: every join_count subtask reads four channels from two
	// sources of different rates.
	eg = expand("alignment")
	g = eg.Graph
	join := g.Index("join_count")
	require.GreaterOrEqual(t, join, 0)
	for _, id := range eg.ByOperator[join] {
		assert.Len(t, eg.Subtasks[id].Inputs, 4, eg.Subtasks[id].Name)
	}
	clicks, orders := g.Operators[g.Index("clicks")], g.Operators[g.Index("orders")]
	assert.Greater(t, clicks.Source.Rate, 5*orders.Source.Rate)
	parse := g.Operators[g.Index("parse")]
	assert.Greater(t, parse.Cost, 10*g.Operators[join].Cost, "parse is the bottleneck, not join_count")

	// slow-subtask: one aggregate subtask is much slower than its siblings.
	s, err := Load("slow-subtask")
	require.NoError(t, err)
	agg := s.Config.Graph.Operators[s.Config.Graph.Index("agg")]
	require.Len(t, agg.SubtaskCost, 1)
	for _, c := range agg.SubtaskCost {
		assert.GreaterOrEqual(t, c, 10*agg.Cost)
	}
}

func TestLoad(t *testing.T) {
	s, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, DefaultName, s.Name)

	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: mine\n"+graph), 0o644))
	s, err = Load(path)
	require.NoError(t, err)
	assert.Equal(t, "mine", s.Name)
	assert.Equal(t, path, s.File)

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: bad\nseed: x\n"), 0o644))
	_, err = Load(bad)
	assert.EqualError(t, err, bad+`:2:7: seed: expected a non-negative integer, got "x"`)

	_, err = Load("nosuch")
	assert.EqualError(t, err, `unknown scenario "nosuch" (bundled: `+strings.Join(Bundled(), ", ")+`; or give the path of a .yaml file)`)
	var e *Error
	assert.True(t, errors.As(err, &e))

	_, err = Load(filepath.Join(dir, "nosuch.yaml"))
	assert.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)

	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, make([]byte, 2*MaxFileSize), 0o644))
	_, err = Load(big)
	assert.EqualError(t, err, big+": the file is too large (2097152 bytes); a scenario file may have at most 1048576 bytes (1 MiB)",
		"the real size, not the bytes read")

	// Input of unknown size: only as much as the limit is read.
	_, err = Read("<standard input>", io.LimitReader(zeros{}, 1<<40))
	assert.EqualError(t, err, "<standard input>: the file is too large (more than 1048576 bytes); a scenario file may have at most 1048576 bytes (1 MiB)")
	sc, err := Read("<standard input>", strings.NewReader("name: in\noperators: []\n"))
	assert.Nil(t, sc)
	assert.ErrorContains(t, err, "<standard input>:")
	src, err := BundledSource("minimal")
	require.NoError(t, err)
	sc, err = Read("<standard input>", bytes.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, "<standard input>", sc.File)
	assert.Equal(t, "minimal", sc.Name)
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestDescribeAndSource(t *testing.T) {
	d, err := Describe("alignment")
	require.NoError(t, err)
	assert.Contains(t, d, "join_count")

	_, err = Describe("nosuch")
	assert.Error(t, err)

	src, err := BundledSource("minimal")
	require.NoError(t, err)
	s, err := Parse("copy.yaml", src)
	require.NoError(t, err)
	assert.Equal(t, "minimal", s.Name)

	_, err = BundledSource("../scenarios/bundled/minimal")
	assert.Error(t, err)
}
