package sim

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// TestAppendJSONString: any name is a valid JSON string that decodes to
// the name (a byte that is not UTF-8 to U+FFFD, as encoding/json has it)
// and holds nothing a terminal would act on.
func TestAppendJSONString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := string(rapid.SliceOf(rapid.Byte()).Draw(t, "name"))
		got := AppendJSONString(nil, name)
		var back string
		require.NoError(t, json.Unmarshal(got, &back), "%s", got)
		want, _ := json.Marshal(name)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		require.Equal(t, wantBack, back)
		require.True(t, utf8.Valid(got))
		for _, r := range string(got) {
			require.False(t, termsafe.Unsafe(r), "%q", got)
		}
	})
	require.Equal(t, `"count[1]"`, string(AppendJSONString(nil, "count[1]")))
	require.Equal(t, `"a\u001b[2J\"\\\n\u202e"`, string(AppendJSONString(nil, "a\x1b[2J\"\\\n\u202e")))
}

// TestJobStatusByName: job_status_changed names the status, beside its
// number.
func TestJobStatusByName(t *testing.T) {
	s := newSim(t, lightJob())
	got := string(s.AppendJSON(nil, TraceEvent{Seq: 7, At: 5, Kind: JobStatusChanged, Subtask: -1, Channel: -1, N: int64(JobRestarting)}))
	require.Equal(t, `{"seq":7,"t":5,"kind":"job_status_changed","n":1,"status":"RESTARTING"}`, got)
	got = string(s.AppendJSON(nil, TraceEvent{Kind: JobStatusChanged, Subtask: -1, Channel: -1, N: int64(JobRunning)}))
	require.Equal(t, `{"seq":0,"t":0,"kind":"job_status_changed","status":"RUNNING"}`, got)
}
