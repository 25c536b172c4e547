package scenarios

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// setter decodes one YAML value into its destination. Problems with the
// value itself are *valueError; nested mappings may return *Error.
type setter func(n *yaml.Node) error

// scalar returns the text of a non-null scalar, or a valueError saying that
// want was expected.
func scalar(n *yaml.Node, want string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", bad(n, "expected %s, got %s", want, describe(n))
	}
	return n.Value, nil
}

// str decodes a non-empty string. Any scalar is accepted as text, so that
// `name: 42` names something "42".
func str(p *string) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "a string")
		if err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			return bad(n, "must not be empty")
		}
		*p = s
		return nil
	}
}

// flinkVersion decodes a Flink release, "1.14" or "2.1".
func flinkVersion(p *sim.FlinkVersion) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "a Flink version such as "+sim.CurrentFlinkVersion.String())
		if err != nil {
			return err
		}
		v, err := sim.ParseFlinkVersion(s)
		if err != nil {
			return bad(n, "%v", err)
		}
		*p = v
		return nil
	}
}

// text decodes free text; an empty value is the empty string.
func text(p *string) setter {
	return func(n *yaml.Node) error {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			*p = ""
			return nil
		}
		s, err := scalar(n, "text")
		if err != nil {
			return err
		}
		*p = s
		return nil
	}
}

// intSyntax is a decimal integer, with optional sign and _ separators
// (1_000_000).
var intSyntax = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// parseInt parses the decimal integer n holds, within [lo, hi].
func parseInt(n *yaml.Node, lo, hi int64) (int64, error) {
	s, err := scalar(n, "an integer")
	if err != nil {
		return 0, err
	}
	if !intSyntax.MatchString(s) {
		return 0, bad(n, "expected an integer, got %s", describe(n))
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	switch {
	case (err != nil && s[0] == '-') || (err == nil && v < lo):
		return 0, bad(n, "integer %s is too small (at least %d)", s, lo)
	case err != nil || v > hi:
		return 0, bad(n, "integer %s is too large (at most %d)", s, hi)
	}
	return v, nil
}

// integer decodes a decimal integer that fits T. Ranges that carry meaning
// (parallelism >= 1, ...) are left to topology and sim, which own them.
func integer[T int | int64](p *T) setter {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if strconv.IntSize == 32 {
		var zero T
		if _, isInt := any(zero).(int); isInt {
			lo, hi = math.MinInt32, math.MaxInt32
		}
	}
	return func(n *yaml.Node) error {
		v, err := parseInt(n, lo, hi)
		if err != nil {
			return err
		}
		*p = T(v)
		return nil
	}
}

// unsigned decodes a non-negative decimal integer up to 2^64-1.
func unsigned(p *uint64) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "a non-negative integer")
		if err != nil {
			return err
		}
		if !intSyntax.MatchString(s) || s[0] == '-' {
			return bad(n, "expected a non-negative integer, got %s", describe(n))
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ReplaceAll(s, "_", ""), "+"), 10, 64)
		if err != nil {
			return bad(n, "integer %s is too large (at most %d)", s, uint64(math.MaxUint64))
		}
		*p = v
		return nil
	}
}

// numberSyntax is a decimal number: 1000, 2.5, .5, 1e3. It keeps out what
// strconv.ParseFloat would also take: inf, nan and hexadecimal floats.
var numberSyntax = regexp.MustCompile(`^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?$`)

// number decodes a finite decimal number.
func number(p *float64) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "a number")
		if err != nil {
			return err
		}
		if !numberSyntax.MatchString(s) {
			return bad(n, "expected a number, got %s", describe(n))
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil || math.IsInf(v, 0) {
			return bad(n, "number %s is out of range", s)
		}
		*p = v
		return nil
	}
}

// durationHint is how every duration error says what is allowed.
const durationHint = "use Go durations such as 500ms, 2s, 1m"

// duration decodes a Go duration (time.ParseDuration): 250us, 1.5s, 1m30s.
func duration(p *time.Duration) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "a duration ("+durationHint+")")
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			if numberSyntax.MatchString(s) {
				return bad(n, "invalid duration %q: a unit is required (%s)", s, durationHint)
			}
			return bad(n, "invalid duration %q (%s)", s, durationHint)
		}
		*p = d
		return nil
	}
}

// sizeSyntax is an integer with an optional unit: 512, 64KiB, 100 MB.
var sizeSyntax = regexp.MustCompile(`^([0-9][0-9_]*)\s*([A-Za-z]*)$`)

// sizeUnits are the byte-size suffixes, upper-cased: SI units are powers of
// 1000, IEC units powers of 1024.
var sizeUnits = map[string]int64{
	"": 1, "B": 1,
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
}

// sizeHint is how every byte-size error says what is allowed.
const sizeHint = "use a whole number of bytes, optionally with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)"

// parseSize parses a byte size such as 100MiB; perSecond also accepts a
// trailing "/s" (100MiB/s).
func parseSize(n *yaml.Node, perSecond bool, hi int64) (int64, error) {
	s, err := scalar(n, "a byte size ("+sizeHint+")")
	if err != nil {
		return 0, err
	}
	t := s
	if perSecond {
		t = strings.TrimSuffix(t, "/s")
	}
	m := sizeSyntax.FindStringSubmatch(t)
	if m == nil {
		return 0, bad(n, "invalid byte size %q (%s)", s, sizeHint)
	}
	unit, ok := sizeUnits[strings.ToUpper(m[2])]
	if !ok {
		return 0, bad(n, "unknown unit %q in byte size %q (%s)", m[2], s, sizeHint)
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(m[1], "_", ""), 10, 64)
	if err != nil || v > hi/unit {
		return 0, bad(n, "byte size %s is out of range (at most %d bytes)", s, hi)
	}
	return v * unit, nil
}

// byteSize decodes a byte size into an int.
func byteSize(p *int) setter {
	return func(n *yaml.Node) error {
		v, err := parseSize(n, false, int64(math.MaxInt))
		if err != nil {
			return err
		}
		*p = int(v)
		return nil
	}
}

// bandwidth decodes bytes per second: a byte size with an optional "/s".
func bandwidth(p *int64) setter { return size64(p, true) }

// size64 decodes a byte size (perSecond: or a bandwidth) into an int64.
func size64(p *int64, perSecond bool) setter {
	return func(n *yaml.Node) error {
		v, err := parseSize(n, perSecond, math.MaxInt64)
		if err != nil {
			return err
		}
		*p = v
		return nil
	}
}

// oneOf decodes one of the allowed words.
func oneOf[T ~string](p *T, allowed []T) setter {
	return func(n *yaml.Node) error {
		s, err := scalar(n, "one of "+join(allowed))
		if err != nil {
			return err
		}
		for _, a := range allowed {
			if string(a) == s {
				*p = a
				return nil
			}
		}
		return bad(n, "unknown value %s (allowed: %s)", describe(n), join(allowed))
	}
}

// join lists words separated by commas.
func join[T ~string](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}
