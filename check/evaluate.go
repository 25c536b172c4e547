package check

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/ckptsim/ckptsim/sim"
)

// Status is a property's verdict on one run.
type Status uint8

// The verdicts.
const (
	// Pass: the property holds on the run.
	Pass Status = iota
	// Fail: the run violates the property.
	Fail
	// Skip: the run is outside the property's class of scenarios.
	Skip
	// Flink: the run violates the property as Flink itself would (a
	// known Flink behaviour, ErrFlinkBehaviour): not an engine bug, and
	// counted as a skip that is reported apart.
	Flink
)

var statusNames = [...]string{"pass", "FAIL", "skip", "flink"}

// String names the verdict.
func (s Status) String() string { return statusNames[s] }

// Verdict is one property's judgement of one run.
type Verdict struct {
	Property string
	Status   Status
	// Detail says why the property failed or does not apply; Behaviour
	// names the Flink behaviour of status Flink (ForcedAlignmentDeadlock,
	// say; "" if the property named none).
	Detail    string
	Behaviour string
}

// Evaluate runs cfg once and judges it by every property, in order. The
// error is non-nil when the engine refuses cfg or panics: then there are
// no verdicts.
func Evaluate(cfg sim.Config, props ...Property) (run *Run, verdicts []Verdict, err error) {
	defer func() {
		if p := recover(); p != nil {
			run, verdicts, err = nil, nil, fmt.Errorf("the engine panicked: %v\n%s", p, debug.Stack())
		}
	}()
	run, err = Simulate(cfg)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range props {
		verdicts = append(verdicts, judge(run, p))
	}
	return run, verdicts, nil
}

// judge checks p on run and classifies its error as a verdict.
func judge(run *Run, p Property) Verdict {
	v := Verdict{Property: p.Name}
	switch e := p.Check(run); {
	case e == nil:
	case errors.Is(e, ErrFlinkBehaviour):
		v.Status, v.Detail, v.Behaviour = Flink, e.Error(), BehaviourOf(e)
	case errors.Is(e, ErrNotApplicable):
		v.Status, v.Detail = Skip, e.Error()
	default:
		v.Status, v.Detail = Fail, e.Error()
	}
	return v
}

// TB is the part of *testing.T and *rapid.T that Require uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Require runs cfg and fails t unless every property holds or does not
// apply. The failure message names the violated properties and holds the
// scenario as a scenario file, ready to save and replay with
// `simulate run FILE`.
func Require(t TB, cfg sim.Config, props ...Property) *Run {
	t.Helper()
	run, verdicts, err := Evaluate(cfg, props...)
	if err != nil {
		t.Fatalf("%v\n%s", err, yamlOrError(cfg))
	}
	var msg string
	for _, v := range verdicts {
		if v.Status == Fail {
			msg += fmt.Sprintf("property %s violated: %s\n", v.Property, v.Detail)
		}
	}
	if msg != "" {
		t.Fatalf("%sscenario:\n%s", msg, yamlOrError(cfg))
	}
	return run
}
