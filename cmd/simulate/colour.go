package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ckptsim/ckptsim/internal/termsafe"
	"github.com/ckptsim/ckptsim/sim"
)

// The colours of the text output (SGR sequences).
const (
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrReset  = "\x1b[0m"
)

// wantsColour reports whether text written to w should be coloured: w is
// a terminal, and neither NO_COLOR (no-color.org) nor TERM=dumb says
// otherwise.
func wantsColour(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// colourRule colours, in a line that re matches, its first group (or the
// whole match without one); a rule for every match (all) colours each
// of them, whole.
type colourRule struct {
	re  *regexp.Regexp
	sgr string
	all bool
}

// paint colours each line by the first rule that matches it, or else by
// every rule for every match that matches it.
func paint(rules []colourRule) func(string) string {
	return func(text string) string {
		lines := strings.SplitAfter(text, "\n")
		for i, line := range lines {
			lines[i] = paintLine(rules, line)
		}
		return strings.Join(lines, "")
	}
}

// paintLine colours one line.
func paintLine(rules []colourRule, line string) string {
	for _, r := range rules {
		if r.all {
			continue
		}
		if m := r.re.FindStringSubmatchIndex(line); m != nil {
			from, to := m[0], m[1]
			if len(m) > 2 && m[2] >= 0 {
				from, to = m[2], m[3]
			}
			return line[:from] + r.sgr + line[from:to] + sgrReset + line[to:]
		}
	}
	for _, r := range rules {
		if r.all {
			line = r.re.ReplaceAllString(line, r.sgr+"$0"+sgrReset)
		}
	}
	return line
}

// writeColoured writes what render writes to w, coloured by rules when w
// is a termsafe.Writer that allows styles.
func writeColoured(w io.Writer, rules []colourRule, render func(io.Writer) error) error {
	tw, ok := w.(*termsafe.Writer)
	if !ok || !tw.Styles {
		return render(w)
	}
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	return tw.WriteStyled(b.Bytes(), paint(rules))
}

// verdictRules colour the verdicts every report prints: failed
// invariants and expectations red, held ones green, a run that did not
// end yellow.
var verdictRules = []colourRule{
	{re: regexp.MustCompile(`^  (FAIL)\b`), sgr: sgrRed},
	{re: regexp.MustCompile(`^  (ok)\b`), sgr: sgrGreen},
	{re: regexp.MustCompile(`^(INTERRUPTED|STALLED|STOPPED EARLY)\b`), sgr: sgrYellow},
	{re: regexp.MustCompile(`^\S+: warning: `), sgr: sgrYellow},
}

// reportRules colour simulate run's report: besides the verdicts, a
// checkpoint's status (completed green, expired and aborted red) and
// the rows of completed checkpoints slower than the interval yellow.
func reportRules(r *sim.Result, interval int64) []colourRule {
	var slow []string
	for i := range r.Checkpoints {
		if c := &r.Checkpoints[i]; c.Status == sim.Completed && interval > 0 && c.EndToEnd() > interval {
			slow = append(slow, strconv.FormatInt(c.ID, 10))
		}
	}
	rules := verdictRules
	if len(slow) > 0 {
		rules = append(rules, colourRule{re: regexp.MustCompile(`^ *(?:` + strings.Join(slow, "|") + `) .*COMPLETED.*`), sgr: sgrYellow})
	}
	return append(rules,
		colourRule{re: regexp.MustCompile(`^ *\d+ .*?\b(COMPLETED)\b`), sgr: sgrGreen},
		colourRule{re: regexp.MustCompile(`^ *\d+ .*?\b((?:EXPIRED|ABORTED)(?: \([a-z ]+\))?)`), sgr: sgrRed})
}

// compareRules colour the compare table: values that differ yellow,
// correctness faults and failed invariants red.
var compareRules = []colourRule{
	{re: regexp.MustCompile(`^  \S.*?: (FAIL .*)`), sgr: sgrRed},
	{regexp.MustCompile(`\S+ !`), sgrRed, true},
	{regexp.MustCompile(`\S+ \*`), sgrYellow, true},
}
