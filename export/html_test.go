package export

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/internal/human"
	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// htmlOf is the page of scenario src's run.
func htmlOf(t *testing.T, src string) []byte {
	t.Helper()
	sc, err := scenarios.Parse("tiny.yaml", []byte(src))
	require.NoError(t, err)
	s, evs, r := traced(t, sc.Config)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, sc.Name, s.Graph(), evs, r, r.VirtualEnd))
	return b.Bytes()
}

// TestHTMLPage: the page of the tiny job holds what the diagram promises,
// loads nothing from elsewhere, escapes the names, and equals
// testdata/golden/spacetime-tiny.html (rewrite it with -update).
func TestHTMLPage(t *testing.T) {
	page := string(htmlOf(t, tinyJob))
	for _, want := range []string{`class="life"`, `class="barrier"`, `class="rec"`, `<rect class="aligning"`, `<rect class="sync"`,
		`<rect class="async"`, `<rect class="failed"`, `<rect class="restoring"`, `<text class="x"`, `<line class="done"`, `<line class="failover"`,
		"<h2>Checkpoints</h2>", "<td>COMPLETED</td>", "Content-Security-Policy"} {
		assert.True(t, strings.Contains(page, want), "the page lacks %s", want)
	}
	for _, external := range []string{"http:", "https:", "<link", " src=", "@import", "url(http"} {
		assert.False(t, strings.Contains(page, external), "the page must open offline, but holds %s", external)
	}
	path := filepath.Join("..", "testdata", "golden", "spacetime-tiny.html")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(page), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, string(want) == page, "the page differs from %s (rewrite it with -update after checking the change)", path)

	hostile := string(htmlOf(t, strings.ReplaceAll(tinyJob, "count", "c<script>x</script>&")))
	assert.False(t, strings.Contains(hostile, "<script>x"), "a name is not escaped")
	assert.True(t, strings.Contains(hostile, "c&lt;script&gt;x&lt;/script&gt;&amp;"), "a name is not escaped")
}

// TestHTMLPrefix: a page of the first trace events of a run ends its
// diagram at the last one kept, says how far it covers the run, and keeps
// the checkpoint table of the whole run.
func TestHTMLPrefix(t *testing.T) {
	sc, err := scenarios.Parse("tiny.yaml", []byte(tinyJob))
	require.NoError(t, err)
	s, evs, r := traced(t, sc.Config)
	whole := func() string {
		var b bytes.Buffer
		require.NoError(t, WriteHTML(&b, sc.Name, s.Graph(), evs, r, r.VirtualEnd))
		return b.String()
	}()
	assert.NotContains(t, whole, "The diagram covers the run to")
	kept := evs[:len(evs)/3]
	until := kept[len(kept)-1].At
	require.Less(t, until, r.VirtualEnd)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, sc.Name, s.Graph(), kept, r, until))
	page := b.String()
	assert.Contains(t, page, fmt.Sprintf("The diagram covers the run to %s, its first %d trace events", human.Duration(until), len(kept)))
	assert.Equal(t, strings.Count(whole, "<tr class="), strings.Count(page, "<tr class="), "the table covers the whole run")
	for _, p := range buildSpaceTime(s.Graph(), kept, until).periods {
		assert.LessOrEqual(t, p.to, until, "a period open at the cut ends there")
	}
}

// TestSpaceTimeArrows: every barrier that reached a subtask from a
// forwarding sender is an arrow; every sampled record arrow runs forward
// in time, between the channel's ends.
func TestSpaceTimeArrows(t *testing.T) {
	sc, err := scenarios.Load("alignment")
	require.NoError(t, err)
	s, evs, r := traced(t, sc.Config)
	st := buildSpaceTime(s.Graph(), evs, r.VirtualEnd)
	received := 0
	for _, ev := range evs {
		if ev.Kind == sim.BarrierReceived {
			received++
		}
	}
	assert.Equal(t, received, len(st.barriers))
	assert.NotEmpty(t, st.records)
	assert.LessOrEqual(t, len(st.records), 2*maxRecordArrows)
	for _, m := range append(st.barriers, st.records...) {
		assert.LessOrEqual(t, m.sent, m.recv)
		ch := s.Graph().Channels[m.channel]
		assert.Equal(t, [2]int{int(ch.From), int(ch.To)}, [2]int{m.from, m.to})
	}
	for _, p := range st.periods {
		assert.LessOrEqual(t, p.from, p.to, "%s of %d", periodNames[p.kind], p.subtask)
	}
}

// chromium is the headless browser's binary, or the test skips.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("Chromium is not installed (apt-get install chromium): the page is not opened in a browser")
	return ""
}

// TestHTMLInChromium opens the page of the tiny job in headless Chromium,
// offline: its script lays out every element placed in time (it counts
// them in the body's data-laid-out). With -update it writes the README's
// screenshot, docs/spacetime.png, of the bundled at-least-once-duplicates
// scenario in unaligned mode.
func TestHTMLInChromium(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "run.html")
	page := htmlOf(t, tinyJob)
	require.NoError(t, os.WriteFile(file, page, 0o644))
	out, err := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", "file://"+file).Output()
	require.NoError(t, err)
	m := regexp.MustCompile(`data-laid-out="(\d+)"`).FindSubmatch(out)
	require.NotNil(t, m, "the page's script did not run to its end")
	n, _ := strconv.Atoi(string(m[1]))
	assert.Equal(t, bytes.Count(page, []byte(" data-a=")), n)

	if !*update {
		return
	}
	sc, err := scenarios.Load("at-least-once-duplicates")
	require.NoError(t, err)
	cfg := sc.Config
	cfg.Checkpoint.Mode = sim.Unaligned
	s, evs, r := traced(t, cfg)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, sc.Name+" (unaligned)", s.Graph(), evs, r, r.VirtualEnd))
	require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))
	png, err := filepath.Abs(filepath.Join("..", "docs", "spacetime.png"))
	require.NoError(t, err)
	out, err = exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=900,1000", "--screenshot="+png, "file://"+file).CombinedOutput()
	require.NoError(t, err, "%s", out)
}
