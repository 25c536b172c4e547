package sim

import (
	"testing"
	"unsafe"

	"github.com/ckptsim/ckptsim/topology"
	"github.com/stretchr/testify/require"
)

// TestCheckersAlone runs the checkers without an engine: a table of what
// a run could have shown them (records taken, one completed checkpoint,
// the sink's outputs, the final state) and the invariants each must fail.
func TestCheckersAlone(t *testing.T) {
	const records, cut = 10, 5
	cfg := Config{Graph: &topology.Graph{
		Operators: []topology.Operator{src("src", 1, 1000, records), agg("count", 1, 0), sink("sink", 1)},
		Edges: []topology.Edge{
			{From: "src", To: "count", Partitioning: topology.Hash},
			{From: "count", To: "sink", Partitioning: topology.Forward},
		},
	}}
	eg, err := topology.Expand(cfg.Graph)
	require.NoError(t, err)
	logs := []*sourceLog{newSourceLog(cfg.Graph.Operators[0].Source, 1, 0, zipfTables{})}
	// counts is the count aggregate's state after the records lo..hi-1.
	counts := func(lo, hi int64) map[int64]int64 {
		m := map[int64]int64{}
		for off := lo; off < hi; off++ {
			key, _ := logs[0].record(off)
			m[key]++
		}
		return m
	}
	countAgg, sinkOp := eg.ByOperator[1][0], int32(2)
	cases := []struct {
		name     string
		taken    *item                   // a record the count subtask takes before its snapshot of checkpoint 1
		snapshot map[int64]int64         // the count subtask's state in checkpoint 1
		final    func(m map[int64]int64) // changes the final state
		skip     int64                   // an offset whose output the sink never wrote (-1: none)
		fails    []string
	}{
		{name: "as a failure-free run", snapshot: counts(0, cut), skip: -1},
		{name: "a record from after the cut in the snapshot", taken: &item{ck: 1}, snapshot: counts(0, cut), skip: -1, fails: []string{"consistent-snapshot"}},
		{name: "a snapshot without its first record", snapshot: counts(1, cut), skip: -1, fails: []string{"snapshot-state"}},
		{name: "a record counted twice in the end", snapshot: counts(0, cut), skip: -1,
			final: func(m map[int64]int64) { key, _ := logs[0].record(0); m[key]++ }, fails: []string{"exactly-once-state"}},
		{name: "an output lost", snapshot: counts(0, cut), skip: 3, fails: []string{"no-loss", "end-to-end"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCheckers(&cfg, logs, true)
			if tc.taken != nil {
				c.taken(0, int32(countAgg), 0, 0, tc.taken)
			}
			states := make([]map[int64]int64, len(eg.Subtasks))
			states[countAgg] = tc.snapshot
			cs := &CheckpointStats{ID: 1, Status: Completed, Offsets: []int64{cut}, states: states}
			c.completed(cs, eg)
			for off := range int64(records) {
				if off != tc.skip {
					key, value := logs[0].record(off)
					c.output(output{part: 0, off: off, key: key, value: value, op: sinkOp})
				}
			}
			final := counts(0, records)
			if tc.final != nil {
				tc.final(final)
			}
			run := runView{stats: []*CheckpointStats{cs}, completed: 1, eg: eg, finished: true,
				states: make([]map[int64]int64, len(eg.Subtasks)), inputEnd: []int64{records}}
			run.done.add(0, 1)
			run.states[countAgg] = final
			r := &Result{Checkpoints: []CheckpointStats{*cs}}
			c.report(&run, r)
			failed := map[string]bool{}
			var names []string
			for _, inv := range r.Invariants {
				names = append(names, inv.Name)
				if !inv.OK {
					failed[inv.Name] = true
				}
			}
			require.Equal(t, []string{"consistent-snapshot", "snapshot-state", "exactly-once-state", "no-loss", "end-to-end"}, names)
			want := map[string]bool{}
			for _, name := range tc.fails {
				want[name] = true
			}
			require.Equal(t, want, failed, "%v", r.Invariants)
			require.Equal(t, counts(0, records), c.ref.state[1][0].toMap(), "the reference has seen the whole input")
		})
	}
}

// TestCheckersAreFed: the engine tells the checkers what they observe. A
// checker left unfed passes vacuously, so this pins that the reference
// compared every completed checkpoint and that the end checker counted
// every output (TestAtLeastOnceNeverBlocks pins that the cut checker sees
// the records taken).
func TestCheckersAreFed(t *testing.T) {
	cfg := pipeline()
	cfg.Graph.Operators[0].Source.Records = 1500
	s := newSim(t, cfg)
	r := s.Run()
	require.Equal(t, JobFinished, r.Job)
	require.Positive(t, r.Summary.Completed)
	require.Equal(t, r.Summary.Completed, s.checks.ref.checked, "checkpoints the reference compared")
	counted := int64(0)
	for p := range s.logs {
		for off := range s.checks.end.delivered.end(p) {
			counted += s.checks.end.delivered.count(int32(p), off)
		}
	}
	require.Positive(t, counted)
	require.Equal(t, r.Summary.RecordsOut, counted, "outputs the end checker counted")
}

// TestOutputCountsInPages: a partition's output counts are pages made as
// the outputs reach them, whatever order the offsets come in, and are
// never copied.
func TestOutputCountsInPages(t *testing.T) {
	op := &topology.Operator{Name: "sink", Kind: topology.Sink}
	var d outputCounts
	d.add(output{off: 3}, op)
	first := unsafe.SliceData(d.counts[0].pages[0])
	for _, off := range []int64{0, 5 * countPage, 400, countPage - 1, 1, 400} {
		d.add(output{off: off}, op)
	}
	for off, want := range map[int64]int64{3: 1, 400: 2, countPage - 1: 1, countPage: 0, 5 * countPage: 1, 5*countPage + 1: 0, 2: 0} {
		require.Equal(t, want, d.count(0, off), "offset %d", off)
	}
	require.Equal(t, int64(5*countPage+1), d.end(0))
	require.Same(t, first, unsafe.SliceData(d.counts[0].pages[0]), "the first page was copied")
	made := 0
	for _, page := range d.counts[0].pages {
		if page != nil {
			made++
		}
	}
	require.Equal(t, 2, made, "pages made")
}
