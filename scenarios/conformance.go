package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConformanceCase is one scripted barrier-handler case of a conformance
// folder (testdata/conformance): NAME.yaml, a scenario with a script, and
// NAME.want, the lines of the scripted task's log that Flink's barrier
// handlers produce for it, written by hand (lines starting with # are
// comments: the Flink classes a case follows).
type ConformanceCase struct {
	// Name is the file name without .yaml.
	Name string
	// Scenario is the loaded NAME.yaml.
	Scenario *Scenario
	// Want are the expected log lines: every line of NAME.want that is
	// neither blank nor a # comment.
	Want []string
}

// LoadConformance reads every case of dir, in file name order.
func LoadConformance(dir string) ([]ConformanceCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var cases []ConformanceCase
	for _, f := range files {
		sc, err := Load(f)
		if err != nil {
			return nil, err
		}
		if sc.Config.Script == nil {
			return nil, fmt.Errorf("%s: a conformance case is a scripted scenario", f)
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".want")
		if err != nil {
			return nil, err
		}
		c := ConformanceCase{Name: strings.TrimSuffix(filepath.Base(f), ".yaml"), Scenario: sc}
		for _, l := range strings.Split(string(want), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				c.Want = append(c.Want, l)
			}
		}
		cases = append(cases, c)
	}
	return cases, nil
}
