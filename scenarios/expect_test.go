package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/sim"
)

// expecting parses a scenario whose expect section is section.
func expecting(t *testing.T, section string) *Scenario {
	t.Helper()
	s, err := Parse("e.yaml", []byte("name: e\n"+jobGraph+"expect:\n"+section))
	require.NoError(t, err, section)
	return s
}

func TestCheckComparisons(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, tc := range []struct {
		key, want string
		got       int64
		ok        bool
	}{
		{"duplicates", `">0"`, 1, true},
		{"duplicates", `">0"`, 0, false},
		{"duplicates", `"> 0"`, 7, true},
		{"restarts", `">=5"`, 5, true},
		{"restarts", `">=5"`, 4, false},
		{"lost", `"<=2"`, 2, true},
		{"lost", `"<=2"`, 3, false},
		{"lost", `"<1"`, 0, true},
		{"lost", `"<1"`, 1, false},
		{"completed_checkpoints", `"==3"`, 3, true},
		{"completed_checkpoints", `"==3"`, 4, false},
		{"expired_checkpoints", `"!=0"`, 1, true},
		{"expired_checkpoints", `"!=0"`, 0, false},
		{"aborted_checkpoints", "3", 3, true},
		{"aborted_checkpoints", "3", 2, false},
		{"records_between_checkpoints", `">-1"`, 0, true},
		{"records_between_checkpoints", `"+10"`, 10, true},
		{"max_restore_time", `"<2s"`, 1999 * ms, true},
		{"max_restore_time", `"<2s"`, 2000 * ms, false},
		{"mean_restore_time", `">=100ms"`, 100 * ms, true},
		{"mean_restore_time", `">=100ms"`, 99 * ms, false},
		{"max_end_to_end", `"<=1.5s"`, 1500 * ms, true},
		{"max_end_to_end", `"<=1.5s"`, 1501 * ms, false},
		{"mean_end_to_end", `">0s"`, 1, true},
		{"mean_end_to_end", `">0s"`, 0, false},
		{"max_commit_latency", "250ms", 250 * ms, true},
		{"max_commit_latency", "250ms", 251 * ms, false},
		{"max_commit_latency", `"!=0s"`, 0, false},
		{"max_commit_latency", `"==0"`, 0, true},
	} {
		s := expecting(t, "  "+tc.key+": "+tc.want+"\n")
		r := &sim.Result{Invariants: []sim.Invariant{{Name: "no-loss", OK: true}}}
		row := s.Expect[0].row
		for _, set := range []struct {
			name string
			p    *int64
		}{
			{"duplicates", &r.Summary.Duplicates}, {"lost", &r.Summary.Lost},
			{"records_between_checkpoints", &r.Summary.RecordsBetweenCheckpoints},
			{"max_restore_time", &r.Summary.MaxRestoreTime}, {"mean_restore_time", &r.Summary.MeanRestoreTime},
			{"max_end_to_end", &r.Summary.MaxEndToEnd}, {"mean_end_to_end", &r.Summary.MeanEndToEnd},
			{"max_commit_latency", &r.Summary.MaxCommitLatency},
		} {
			if set.name == row.name {
				*set.p = tc.got
			}
		}
		switch row.name {
		case "restarts":
			r.Summary.Restarts = int(tc.got)
		case "completed_checkpoints":
			r.Summary.Completed = int(tc.got)
		case "expired_checkpoints":
			r.Summary.Expired = int(tc.got)
		case "aborted_checkpoints":
			r.Summary.Aborted = int(tc.got)
		}
		res := s.Check(r)
		require.Len(t, res, 1)
		assert.Equal(t, tc.ok, res[0].OK, "%s: %s with %d: %+v", tc.key, tc.want, tc.got, res[0])
		assert.Equal(t, row.value(r), tc.got, "%s reads its own field", tc.key)
	}
}

// TestCheckReadsEveryField: each key compares its own part of the result,
// and Got shows it (durations as Go durations).
func TestCheckReadsEveryField(t *testing.T) {
	s := expecting(t, `  duplicates: 1
  lost: 2
  restarts: 3
  completed_checkpoints: 4
  expired_checkpoints: 5
  aborted_checkpoints: 6
  records_between_checkpoints: 7
  max_restore_time: 8ms
  mean_restore_time: 9ms
  max_end_to_end: 10ms
  mean_end_to_end: 11ms
  max_commit_latency: 12ms
  job: FINISHED
`)
	ms := int64(time.Millisecond)
	r := &sim.Result{Job: sim.JobFinished, Invariants: []sim.Invariant{{Name: "no-loss", OK: true}}, Summary: sim.Summary{Duplicates: 1, Lost: 2, Restarts: 3, Completed: 4, Expired: 5,
		Aborted: 6, RecordsBetweenCheckpoints: 7, MaxRestoreTime: 8 * ms, MeanRestoreTime: 9 * ms, MaxEndToEnd: 10 * ms,
		MeanEndToEnd: 11 * ms, MaxCommitLatency: 12 * ms}}
	res := s.Check(r)
	require.Len(t, res, 13)
	wantGot := []string{"1", "2", "3", "4", "5", "6", "7", "8ms", "9ms", "10ms", "11ms", "12ms", "FINISHED"}
	for i, er := range res {
		assert.True(t, er.OK, "%+v", er)
		assert.Equal(t, wantGot[i], er.Got, er.Name)
		assert.Equal(t, er.Want, er.Got, er.Name)
		assert.Equal(t, 10+i, er.Line, er.Name)
	}
	// Any other value fails each of them.
	r.Job = sim.JobRunning
	r.Summary = sim.Summary{}
	for _, er := range s.Check(r) {
		assert.False(t, er.OK, "%+v", er)
	}
}

func TestCheckJob(t *testing.T) {
	for _, tc := range []struct {
		want string
		job  sim.JobStatus
		ok   bool
	}{
		{"RUNNING", sim.JobRunning, true},
		{"RUNNING", sim.JobRestarting, false},
		{"FAILED", sim.JobFailed, true},
		{"CANCELED", sim.JobCanceled, true},
		{`"==RESTARTING"`, sim.JobRestarting, true},
		{`"!=FAILED"`, sim.JobRunning, true},
		{`"!=FAILED"`, sim.JobFailed, false},
		{`"!= FINISHED"`, sim.JobFinished, false},
	} {
		s := expecting(t, "  job: "+tc.want+"\n")
		res := s.Check(&sim.Result{Job: tc.job})
		assert.Equal(t, tc.ok, res[0].OK, "%s with %s", tc.want, tc.job)
		assert.Equal(t, tc.job.String(), res[0].Got)
	}
}

func TestCheckInvariants(t *testing.T) {
	inv := func(name string, ok bool, detail string) sim.Invariant {
		return sim.Invariant{Name: name, OK: ok, Detail: detail}
	}
	for _, tc := range []struct {
		name       string
		expect     string
		invariants []sim.Invariant
		got        string
		ok         bool
	}{
		{"holds", "exactly_once_state: true", []sim.Invariant{inv("exactly-once-state", true, "fine")}, "true", true},
		{"does not hold", "exactly_once_state: true", []sim.Invariant{inv("exactly-once-state", false, "3 keys differ")}, "false", false},
		{"expected to break", "no_loss: false", []sim.Invariant{inv("no-loss", false, "lost 4")}, "false", true},
		{"expected to break but holds", "end_to_end: false", []sim.Invariant{inv("end-to-end", true, "")}, "true", false},
		{"absent", "no_loss: true", []sim.Invariant{inv("exactly-once-state", true, "")}, "not checked: absent", false},
		{"absent, expected to break", "end_to_end: false", nil, "not checked: absent", false},
		{"not checked", "exactly_once_state: true",
			[]sim.Invariant{inv("exactly-once-state", true, "not checked: the run did not drain")}, "not checked: the run did not drain", false},
		{"not checked, expected to break", "exactly_once_state: false",
			[]sim.Invariant{inv("exactly-once-state", false, "Not checked (no reference run)")}, "not checked: (no reference run)", false},
		{"consistent snapshots, exactly-once", "consistent_snapshots: true",
			[]sim.Invariant{inv("snapshot-state", false, ""), inv("consistent-snapshot", true, "")}, "true", true},
		{"consistent snapshots, at-least-once", "consistent_snapshots: true",
			[]sim.Invariant{inv("at-least-once-snapshot", false, "missing")}, "false", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := expecting(t, "  "+tc.expect+"\n")
			res := s.Check(&sim.Result{Invariants: tc.invariants})
			require.Len(t, res, 1)
			assert.Equal(t, tc.got, res[0].Got)
			assert.Equal(t, tc.ok, res[0].OK)
			assert.Equal(t, 10, res[0].Line)
		})
	}
}

// TestCheckRun evaluates expectations against a real run.
func TestCheckRun(t *testing.T) {
	s := expecting(t, `  consistent_snapshots: true
  completed_checkpoints: ">=5"
  restarts: 0
  job: RUNNING
  max_end_to_end: "<1s"
  expired_checkpoints: ">0"
`)
	x, err := sim.New(s.Config)
	require.NoError(t, err)
	res := s.Check(x.Run())
	require.Len(t, res, 6)
	for _, er := range res[:5] {
		assert.True(t, er.OK, "%+v", er)
	}
	assert.Equal(t, ExpectationResult{Name: "expired_checkpoints", Want: ">0", Got: "0", OK: false, Line: 15}, res[5])
}

// TestCheckNotDrained: duplicates and lost are not counted for a run that
// did not drain (no no-loss invariant), so 0 is no answer.
func TestCheckNotDrained(t *testing.T) {
	s := expecting(t, "  duplicates: 0\n  lost: \"<1\"\n  restarts: 0\n")
	for _, er := range s.Check(&sim.Result{})[:2] {
		assert.False(t, er.OK)
		assert.Equal(t, "not checked: counted only when the run drains (no no-loss invariant)", er.Got)
	}
	assert.True(t, s.Check(&sim.Result{})[2].OK, "restarts are counted in any run")
}

func TestCheckWithoutExpectations(t *testing.T) {
	s, err := Parse("n.yaml", []byte("name: n\n"+jobGraph))
	require.NoError(t, err)
	assert.Empty(t, s.Check(&sim.Result{}))
}

// TestCheckRunDrained: a crash in a drained run, with both sink modes: the
// two-phase commit sink writes every record once, the at-least-once sink
// duplicates the replayed ones.
func TestCheckRunDrained(t *testing.T) {
	const job = `name: d
until: 0s
operators:
  - {name: src, kind: source, records: 3000}
  - {name: count, kind: aggregate, parallelism: 2}
  - {name: sink, kind: sink, sink_mode: %s}
edges:
  - {from: src, to: count, partitioning: hash}
  - {from: count, to: sink, partitioning: rebalance}
restart: {strategy: fixed-delay, attempts: 3, delay: 200ms}
faults:
  - {kind: crash, subtask: "count[1]", at: 1500ms}
expect:
  exactly_once_state: true
  no_loss: true
  end_to_end: true
  consistent_snapshots: true
  restarts: 1
  lost: 0
  job: FINISHED
  duplicates: "%s"
`
	for _, tc := range []struct{ mode, duplicates string }{{"exactly-once", "0"}, {"at-least-once", ">0"}} {
		s, err := Parse("d.yaml", []byte(fmt.Sprintf(job, tc.mode, tc.duplicates)))
		require.NoError(t, err)
		x, err := sim.New(s.Config)
		require.NoError(t, err)
		for _, er := range s.Check(x.Run()) {
			assert.True(t, er.OK, "%s: %+v", tc.mode, er)
		}
	}
}
