package compare

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
)

// ModeAxis is the path of the axis that varies the checkpointing mode as
// a run's mode override does (WithMode), unlike a setting of
// checkpoint.mode, which the file's rules judge.
const ModeAxis = "mode"

// Axis is one scenario key a comparison or sweep varies, with the values
// it takes, in order.
type Axis struct {
	// Path is the key's dotted path in the scenario file (see
	// scenarios.Setting).
	Path string
	// Values are YAML texts, as the file would give them.
	Values []string
}

// Name is the axis's short name: the last key of its path.
func (a Axis) Name() string {
	name := a.Path[strings.LastIndexAny(a.Path, ".]")+1:]
	if name == "" {
		return a.Path
	}
	return name
}

// MaxValues is the most values one axis may take.
const MaxValues = 1000

// ParseSet parses the argument of --set: PATH=V1,V2,... (commas inside
// brackets, braces or quotes belong to the value) or PATH=LO..HI/N, N
// evenly spaced values from LO to HI, both durations (500ms..10s/8) or
// both numbers (1..8/8; whole numbers stay whole). The values themselves
// are checked by the scenario's parser, when a run sets them.
func ParseSet(arg string) (Axis, error) {
	path, list, ok := strings.Cut(arg, "=")
	if !ok || path == "" {
		return Axis{}, fmt.Errorf("--set %s: write KEY=VALUE[,VALUE...] or KEY=LO..HI/N, with the key's dotted path in the scenario file (checkpoint.interval=1s,2s)", arg)
	}
	a := Axis{Path: path}
	if lo, rest, ok := strings.Cut(list, ".."); ok && !strings.ContainsAny(list, ",[{\"'") {
		values, err := expandRange(lo, rest)
		if err != nil {
			return Axis{}, fmt.Errorf("--set %s: %v", arg, err)
		}
		a.Values = values
		return a, nil
	}
	a.Values = splitValues(list)
	if len(a.Values) > MaxValues {
		return Axis{}, fmt.Errorf("--set %s: %d values; an axis may have at most %d", arg, len(a.Values), MaxValues)
	}
	return a, nil
}

// splitValues splits a list at the commas outside brackets, braces and
// quotes.
func splitValues(list string) []string {
	var values []string
	depth, quote, start := 0, rune(0), 0
	for i, r := range list {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '[' || r == '{':
			depth++
		case r == ']' || r == '}':
			depth--
		case r == ',' && depth == 0:
			values = append(values, strings.TrimSpace(list[start:i]))
			start = i + 1
		}
	}
	return append(values, strings.TrimSpace(list[start:]))
}

// expandRange is LO..HI/N as values.
func expandRange(lo, rest string) ([]string, error) {
	hi, count, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("a range needs its number of values: LO..HI/N, such as 500ms..10s/8")
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 2 || n > MaxValues {
		return nil, fmt.Errorf("the number of values %q of the range must be a whole number from 2 to %d", count, MaxValues)
	}
	if a, b, ok := durations(lo, hi); ok {
		return spread(float64(a), float64(b), n, func(v float64) string {
			return roundDuration(time.Duration(v)).String()
		}), nil
	}
	a, aerr := strconv.ParseFloat(lo, 64)
	b, berr := strconv.ParseFloat(hi, 64)
	if aerr != nil || berr != nil {
		return nil, fmt.Errorf("the range %s..%s is neither of durations (500ms..10s) nor of numbers (1..8)", lo, hi)
	}
	whole := !strings.ContainsAny(lo+hi, ".eE")
	return spread(a, b, n, func(v float64) string {
		if whole {
			return strconv.FormatInt(int64(v+0.5), 10)
		}
		return strconv.FormatFloat(v, 'g', 4, 64)
	}), nil
}

// durations parses both ends as durations.
func durations(lo, hi string) (a, b time.Duration, ok bool) {
	a, aerr := time.ParseDuration(lo)
	b, berr := time.ParseDuration(hi)
	return a, b, aerr == nil && berr == nil
}

// spread is n evenly spaced values from a to b, formatted.
func spread(a, b float64, n int, format func(float64) string) []string {
	values := make([]string, n)
	for i := range values {
		values[i] = format(a + (b-a)*float64(i)/float64(n-1))
	}
	return values
}

// roundDuration keeps about three significant digits.
func roundDuration(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit {
			return d.Round(unit)
		}
	}
	return d.Round(time.Second)
}

// Variant is one run of a comparison or sweep: the scenario with one
// value of each axis.
type Variant struct {
	// Label names it in headers: the values, "name=value" for each axis
	// but the mode, which names itself.
	Label string
	// Values are the variant's value of each axis, in the axes' order.
	Values []string
	// Settings are the values as settings, the mode's excepted.
	Settings []scenarios.Setting
	// Mode is the mode axis's value, "" without one.
	Mode sim.Mode
}

// MaxVariants is the most runs a grid may have.
const MaxVariants = 10000

// Grid is the variants of every combination of the axes' values, the
// first axis varying slowest.
func Grid(axes []Axis) ([]Variant, error) {
	n := 1
	for _, a := range axes {
		n *= len(a.Values)
		if n > MaxVariants {
			return nil, fmt.Errorf("the grid has more than %d runs; give fewer values", MaxVariants)
		}
	}
	variants := []Variant{{}}
	for _, a := range axes {
		var next []Variant
		for _, v := range variants {
			for _, value := range a.Values {
				w := Variant{Values: append(v.Values[:len(v.Values):len(v.Values)], value), Settings: v.Settings, Mode: v.Mode}
				label := a.Name() + "=" + value
				if a.Path == ModeAxis {
					w.Mode, label = sim.Mode(value), value
				} else {
					w.Settings = append(v.Settings[:len(v.Settings):len(v.Settings)], scenarios.Setting{Path: a.Path, Value: value})
				}
				w.Label = strings.TrimSpace(v.Label + " " + label)
				next = append(next, w)
			}
		}
		variants = next
	}
	return variants, nil
}

// Config is the scenario with the variant's values: the settings parsed
// and validated as the file's own (errors name the setting), then the
// mode, as simulate run --mode sets it (WithMode).
func (v *Variant) Config(sc *scenarios.Scenario) (sim.Config, error) {
	cfg := sc.Config
	if len(v.Settings) > 0 {
		s, err := sc.With(v.Settings...)
		if err != nil {
			return cfg, err
		}
		cfg = s.Config
	}
	if v.Mode == "" {
		return cfg, nil
	}
	return WithMode(cfg, v.Mode)
}

// WithMode is cfg in checkpointing mode m, one of sim.Modes. A mode
// other than unaligned drops the aligned checkpoint timeout, which only
// unaligned mode has.
func WithMode(cfg sim.Config, m sim.Mode) (sim.Config, error) {
	cfg.Checkpoint.Mode = m
	if m != sim.Unaligned {
		cfg.Checkpoint.AlignedCheckpointTimeout = 0
	}
	return cfg, cfg.Validate()
}
