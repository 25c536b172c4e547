package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// styled runs a command writing to a terminal that wants colour.
func styled(t *testing.T, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	w := termsafe.NewWriter(&out)
	w.Styles = true
	err := dispatch(context.Background(), args, w, termsafe.NewWriter(&errs))
	if err != nil {
		require.ErrorIs(t, err, errChecksFailed, errs.String())
	}
	return out.String()
}

// TestColour: on a terminal, a checkpoint's status, slow checkpoints, the
// verdicts and the compare table's marks are coloured; the text is the
// same once the colours are taken out.
func TestColour(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "slow-checkpoints", "--until", "2s"}, []string{
			sgrYellow + "   2    COMPLETED",                // 398ms, slower than the 300ms interval
			"   1    " + sgrGreen + "COMPLETED" + sgrReset, // 140ms
			"  " + sgrGreen + "ok" + sgrReset + "   consistent-snapshot"}},
		{[]string{"run", "backpressure", "--until", "3s"}, []string{sgrRed + "EXPIRED" + sgrReset}},
		{[]string{"compare", "at-least-once-duplicates", "--set", "operators.sink.sink_mode=at-least-once,exactly-once", "--metric", "duplicates,completed"},
			[]string{sgrRed + "374 !" + sgrReset, sgrYellow + "0 *" + sgrReset}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got := styled(t, tt.args...)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			_, plain, _ := runArgs(tt.args...)
			assert.NotContains(t, plain, "\x1b", "no colour when the output is not a terminal")
			for _, sgr := range []string{sgrRed, sgrGreen, sgrYellow, sgrReset} {
				got = strings.ReplaceAll(got, sgr, "")
			}
			assert.Equal(t, plain, got)
		})
	}
}

func TestWantsColour(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, wantsColour(w), "a pipe")
	assert.False(t, wantsColour(&bytes.Buffer{}))
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		t.Setenv("NO_COLOR", "1")
		assert.False(t, wantsColour(tty), "NO_COLOR")
	}
}
