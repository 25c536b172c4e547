package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// parallelisms decodes a restore's parallelism: a mapping from operator
// name to its new parallelism, `{agg: 4}` (a rescaling restore, like
// `flink run -s <savepoint>` of the job with that parallelism).
func (d *decoder) parallelisms(path string, p *map[string]int) setter {
	return func(n *yaml.Node) error {
		if n.Kind != yaml.MappingNode {
			return bad(n, "expected a mapping from operator name to parallelism ({agg: 4}), got %s", describe(n))
		}
		*p = map[string]int{}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return bad(k, "expected an operator name, got %s", describe(k))
			}
			if line, dup := seen[k.Value]; dup {
				return bad(k, "duplicate operator %q in parallelism (first given at line %d)", k.Value, line)
			}
			seen[k.Value] = k.Line
			x, err := parseInt(v, math.MinInt32, math.MaxInt32)
			if err != nil {
				return err
			}
			d.record(path, k.Value, v)
			(*p)[k.Value] = int(x)
		}
		return nil
	}
}

// restoreMessage matches sim's messages about the i-th restore and the
// operator they name.
var restoreMessage = regexp.MustCompile(`^restore (\d+): (?:the )?parallelism of (?:unknown operator |source )?"([^"]*)"`)

// restoreErrorAt is the position of a message about a restore's
// parallelism: the operator's value, else the restore.
func (s *Scenario) restoreErrorAt(msg string) (position, bool) {
	if strings.HasPrefix(msg, "restore: ") {
		return s.orRoot("restore"), true
	}
	m := restoreMessage.FindStringSubmatch(msg)
	if m == nil {
		return position{}, false
	}
	i, _ := strconv.Atoi(m[1])
	path := fmt.Sprintf("restore[%d]", i-1)
	if p, ok := s.at.values[path+".parallelism."+m[2]]; ok {
		return p, true
	}
	return s.orRoot(path), true
}

// parallelismNode writes a restore's parallelisms in the job's operator
// order.
func parallelismNode(g []string, par map[string]int) *yaml.Node {
	m := &mapping{}
	for _, name := range g {
		if p, ok := par[name]; ok {
			m.int(name, int64(p))
		}
	}
	return m.flow()
}

// operatorNames lists the operators of cfg's graph in order.
func operatorNames(cfg *sim.Config) []string {
	var names []string
	for _, op := range cfg.Graph.Operators {
		names = append(names, op.Name)
	}
	return names
}

// moved counts what the rescaling restores moved, summed over the
// restores and operators: n of each operator is its key groups or splits.
func moved(n func(*sim.OperatorRescale) int) func(*sim.Result) int64 {
	return func(r *sim.Result) int64 {
		var sum int64
		for _, rs := range r.Resubmissions {
			for i := range rs.Rescaled {
				sum += int64(n(&rs.Rescaled[i]))
			}
		}
		return sum
	}
}
