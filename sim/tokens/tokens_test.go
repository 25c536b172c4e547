package tokens_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim/tokens"
)

// The hand-derived cases of testdata/tokens: NAME.events runs on NAME.top,
// or if there is none on the topology named by NAME up to its first "-";
// NAME.snap holds its snapshots as simulate cl prints them. Their
// comments derive each cut; all but the cos418- cases send tokens only
// where FIFO order fixes the cut, so the expected snapshots hold under
// both delivery rules.
func TestHandDerived(t *testing.T) {
	files, err := filepath.Glob("../../testdata/tokens/*.events")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 6)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".events")
		deliveries := tokens.Deliveries
		if strings.HasPrefix(name, "cos418-") {
			deliveries = []tokens.Delivery{tokens.DeliveryCOS418}
		}
		top := strings.TrimSuffix(f, ".events") + ".top"
		if _, err := os.Stat(top); err != nil {
			top = filepath.Join(filepath.Dir(f), strings.SplitN(name, "-", 2)[0]+".top")
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".events") + ".snap")
		require.NoError(t, err)
		for _, d := range deliveries {
			seeds := []uint64{1, 2, 3} // ckptsim's delivery draws from them; cos418's has its own
			if d == tokens.DeliveryCOS418 {
				seeds = seeds[:1]
			}
			for _, seed := range seeds {
				t.Run(fmt.Sprintf("%s/%s/seed%d", name, d, seed), func(t *testing.T) {
					tp, events, err := scenarios.LoadTokens(top, f)
					require.NoError(t, err)
					res, err := tokens.Run(tp, events, tokens.Options{Delivery: d, Seed: seed})
					require.NoError(t, err)
					require.NoError(t, tokens.Conserved(res))
					var got strings.Builder
					for i := range res.Snapshots {
						got.WriteString(res.Snapshots[i].String())
					}
					assert.Equal(t, string(want), got.String())
				})
			}
		}
	}
}
