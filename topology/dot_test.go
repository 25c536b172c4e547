package topology

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/internal/termsafe"
)

// hostileNames are operator names validation accepts that break DOT
// written naively: a trailing backslash ends a quoted string early, \n,
// \l, \r and \N are label escapes, and control characters reach whatever
// shows the file.
var hostileNames = []string{`back\`, `nl\n`, `l\l`, `r\r`, `obj\N`, "esc\x1bc", "bell\x07", "cr\r", "bidi\u202eevil", "c1\u009b31m", "del\x7f", `\\`, "é日本"}

// hostileGraph is a valid graph whose operators have hostileNames: a
// source, maps and a sink in a chain.
func hostileGraph(t *testing.T) *Graph {
	g := &Graph{}
	last := len(hostileNames) - 1
	for i, name := range hostileNames {
		op := Operator{Name: name, Kind: Map, Parallelism: 2, Multiply: 1}
		switch i {
		case 0:
			op = Operator{Name: name, Kind: Source, Parallelism: 2, Source: &SourceSpec{Rate: 100, Keys: 10, Distribution: Uniform, MaxValue: 10, RecordBytes: 10}}
		case last:
			op = Operator{Name: name, Kind: Sink, Parallelism: 2}
		}
		g.Operators = append(g.Operators, op)
		if i > 0 {
			g.Edges = append(g.Edges, Edge{From: hostileNames[i-1], To: name, Partitioning: Rebalance})
		}
	}
	require.NoError(t, g.Validate())
	return g
}

// TestDOTHostileNames: the DOT of both graphs parses (with the small DOT
// parser below); each operator or subtask is one node whose label shows
// its name as termsafe prints it, the edges join the right nodes, and no
// control character is left.
func TestDOTHostileNames(t *testing.T) {
	g := hostileGraph(t)
	job, err := parseDOT(g.DOT())
	require.NoError(t, err, g.DOT())
	require.Len(t, job.nodes, len(g.Operators), "distinct names are distinct nodes")
	ids := job.byLabel(func(label string) string { name, _, _ := strings.Cut(label, "\n"); return name })
	for _, op := range g.Operators {
		id, ok := ids[termsafe.Line(op.Name)]
		require.True(t, ok, "no node is labelled %q", termsafe.Line(op.Name))
		assert.Equal(t, termsafe.Line(op.Name)+"\n"+string(op.Kind)+"  p=2", job.labels[id])
	}
	require.Len(t, job.edges, len(g.Edges))
	for i, e := range g.Edges {
		assert.Equal(t, [2]string{ids[termsafe.Line(e.From)], ids[termsafe.Line(e.To)]}, job.edges[i], "edge %d", i)
	}

	eg, err := Expand(g)
	require.NoError(t, err)
	exec, err := parseDOT(eg.DOT())
	require.NoError(t, err, eg.DOT())
	require.Len(t, exec.nodes, len(eg.Subtasks))
	ids = exec.byLabel(func(label string) string { return label })
	require.Len(t, ids, len(eg.Subtasks))
	require.Len(t, exec.edges, len(eg.Channels))
	for i, c := range eg.Channels {
		from, to := termsafe.Line(eg.Subtasks[c.From].Name), termsafe.Line(eg.Subtasks[c.To].Name)
		assert.Equal(t, [2]string{ids[from], ids[to]}, exec.edges[i], "channel %s -> %s", from, to)
	}
	var clusters []string
	for _, op := range g.Operators {
		clusters = append(clusters, termsafe.Line(op.Name)+" ("+string(op.Kind)+")")
	}
	assert.ElementsMatch(t, clusters, exec.clusterLabels())
	for _, out := range []string{g.DOT(), eg.DOT()} {
		for _, r := range out {
			require.False(t, termsafe.Unsafe(r), "%q in the DOT output", r)
		}
	}
}

// TestDOTWithGraphviz: Graphviz's dot reads both graphs of hostile names
// without a warning, and its canonical output has every node. .ci/run
// installs Graphviz where it can.
func TestDOTWithGraphviz(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz); the DOT syntax is still checked by TestDOTHostileNames")
	}
	g := hostileGraph(t)
	eg, err := Expand(g)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, dot string
		nodes     int
	}{{"job", g.DOT(), len(g.Operators)}, {"execution", eg.DOT(), len(eg.Subtasks)}} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("dot", "-Tcanon")
			cmd.Stdin = strings.NewReader(tc.dot)
			var out, errs bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errs
			require.NoError(t, cmd.Run(), "dot: %s\ninput:\n%s", errs.String(), tc.dot)
			assert.Empty(t, errs.String(), "dot warned")
			canon, err := parseDOT(out.String())
			require.NoError(t, err, out.String())
			assert.Len(t, canon.nodes, tc.nodes)
			// dot -Tsvg lays it out too.
			svg := exec.Command("dot", "-Tsvg")
			svg.Stdin = strings.NewReader(tc.dot)
			msg, err := svg.CombinedOutput()
			require.NoError(t, err, "%s", msg)
		})
	}
}

// TestParseDOT: the checker refuses what Graphviz refuses, so that
// TestDOTHostileNames can fail.
func TestParseDOT(t *testing.T) {
	for _, bad := range []string{
		`digraph job { "back\" -> "x"; }`,               // the naive trailing backslash
		`digraph job { "a" [label="a\N"]; }`,            // a label escape
		"digraph job { \"a\x1b[2J\"; }",                 // a control character
		`digraph job { "a" -> ; }`,                      // a missing node
		`digraph job { "a" [label="x" }`,                // an unclosed list
		`digraph job { subgraph "c" { "a"; }`,           // an unclosed graph
		`digraph job { "a" [label="x"]; } trailing`,     // text after the graph
		`digraph job { "a" [label="x\"]; }`,             // a string that does not end
		`digraph job { "a" [label=<b>x</b>]; } extra }`, // an HTML label
	} {
		_, err := parseDOT(bad)
		assert.Error(t, err, bad)
	}
	g, err := parseDOT(`digraph job { rankdir=LR; node [shape=box]; "a\\" [label="a\\\nx"]; "a\\" -> b; }`)
	require.NoError(t, err)
	assert.Equal(t, "a\\\nx", g.labels[`a\\`])
	assert.Equal(t, [][2]string{{`a\\`, "b"}}, g.edges)
}

// byLabel maps a part of each node's label, which key takes, to the node.
func (g *dotGraph) byLabel(key func(label string) string) map[string]string {
	ids := map[string]string{}
	for id, label := range g.labels {
		ids[key(label)] = id
	}
	return ids
}

// clusterLabels are the labels of the subgraphs.
func (g *dotGraph) clusterLabels() []string {
	var out []string
	for _, l := range g.clusters {
		out = append(out, l)
	}
	return out
}

// dotGraph is what parseDOT found: node identifiers (as Graphviz reads
// them, \" unescaped) with their labels decoded (\\ is a backslash, \n a
// line break), edges, and the labels of subgraphs.
type dotGraph struct {
	nodes    map[string]bool
	labels   map[string]string
	clusters map[string]string
	edges    [][2]string
}

// parseDOT parses the DOT subset the graphs are written in (statements
// of attributes, node, edge and subgraph) and refuses control characters
// and label escapes other than \\ and \n. Identifiers written for DOT by
// dotID are mapped back to the names they quote.
func parseDOT(src string) (*dotGraph, error) {
	p := &dotParser{src: src, g: &dotGraph{nodes: map[string]bool{}, labels: map[string]string{}, clusters: map[string]string{}}}
	if err := p.graph(); err != nil {
		return nil, fmt.Errorf("offset %d: %w", p.pos, err)
	}
	return p.g, nil
}

type dotParser struct {
	src string
	pos int
	g   *dotGraph
}

// token returns the next token: a punctuation mark, "->", a word, or a
// quoted string (quoted reports which, and the string is unescaped).
func (p *dotParser) token() (tok string, quoted bool, err error) {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\n", rune(p.src[p.pos])) {
		p.pos++
	}
	if p.pos == len(p.src) {
		return "", false, nil
	}
	c := p.src[p.pos]
	switch {
	case strings.HasPrefix(p.src[p.pos:], "->"):
		p.pos += 2
		return "->", false, nil
	case strings.ContainsRune("{}[];,=", rune(c)):
		p.pos++
		return string(c), false, nil
	case c == '"':
		var b strings.Builder
		for p.pos++; p.pos < len(p.src); p.pos++ {
			c := p.src[p.pos]
			switch {
			case c == '"':
				p.pos++
				return b.String(), true, nil
			case c < 0x20 || c == 0x7f:
				return "", false, fmt.Errorf("control character %q in a string", c)
			case c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '"' || p.src[p.pos+1] == '\\'):
				if p.src[p.pos+1] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(p.src[p.pos+1])
				p.pos++
			default:
				b.WriteByte(c)
			}
		}
		return "", false, fmt.Errorf("a string does not end")
	}
	start := p.pos
	for p.pos < len(p.src) && idByte(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", false, fmt.Errorf("unexpected %q", c)
	}
	return p.src[start:p.pos], false, nil
}

// idByte reports whether c may be part of an unquoted identifier: DOT
// allows letters, digits, '_', '.' and every byte of a UTF-8 sequence.
func idByte(c byte) bool {
	return c == '_' || c == '.' || c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// expect reads the token want.
func (p *dotParser) expect(want string) error {
	tok, quoted, err := p.token()
	if err == nil && (tok != want || quoted) {
		err = fmt.Errorf("expected %q, got %q", want, tok)
	}
	return err
}

// id reads an identifier.
func (p *dotParser) id() (string, error) {
	tok, quoted, err := p.token()
	if err == nil && !quoted && (tok == "" || strings.ContainsAny(tok[:1], "{}[];,=-")) {
		err = fmt.Errorf("expected an identifier, got %q", tok)
	}
	return tok, err
}

func (p *dotParser) graph() error {
	if err := p.expect("digraph"); err != nil {
		return err
	}
	if _, err := p.id(); err != nil {
		return err
	}
	if err := p.stmts(""); err != nil {
		return err
	}
	if tok, _, err := p.token(); err != nil || tok != "" {
		return fmt.Errorf("text after the graph: %q %v", tok, err)
	}
	return nil
}

// stmts reads "{" statements "}"; cluster is the subgraph they are in.
func (p *dotParser) stmts(cluster string) error {
	if err := p.expect("{"); err != nil {
		return err
	}
	for {
		save := p.pos
		tok, quoted, err := p.token()
		switch {
		case err != nil:
			return err
		case tok == "" && !quoted:
			return fmt.Errorf("the graph does not end")
		case tok == "}" && !quoted:
			return nil
		case tok == ";" && !quoted:
			continue
		case tok == "subgraph" && !quoted:
			name, err := p.id()
			if err != nil {
				return err
			}
			if err := p.stmts(name); err != nil {
				return err
			}
			continue
		case (tok == "node" || tok == "edge" || tok == "graph") && !quoted:
			if _, err := p.attrs(); err != nil {
				return err
			}
			continue
		}
		p.pos = save
		if err := p.stmt(cluster); err != nil {
			return err
		}
	}
}

// stmt reads an attribute, a node or an edge statement.
func (p *dotParser) stmt(cluster string) error {
	first, err := p.id()
	if err != nil {
		return err
	}
	save := p.pos
	tok, quoted, err := p.token()
	if err != nil {
		return err
	}
	if tok == "=" && !quoted {
		value, err := p.id()
		if err != nil {
			return err
		}
		if first == "label" && cluster != "" {
			p.g.clusters[cluster], err = decodeLabel(value)
		}
		return err
	}
	p.pos = save
	nodes := []string{first}
	for {
		save := p.pos
		tok, quoted, err := p.token()
		if err != nil {
			return err
		}
		if tok != "->" || quoted {
			p.pos = save
			break
		}
		next, err := p.id()
		if err != nil {
			return err
		}
		nodes = append(nodes, next)
	}
	attrs, err := p.attrs()
	if err != nil {
		return err
	}
	for _, n := range nodes {
		p.g.nodes[n] = true
	}
	for i := 1; i < len(nodes); i++ {
		p.g.edges = append(p.g.edges, [2]string{nodes[i-1], nodes[i]})
	}
	if label, ok := attrs["label"]; ok && len(nodes) == 1 {
		p.g.labels[first], err = decodeLabel(label)
	}
	return err
}

// attrs reads an optional attribute list.
func (p *dotParser) attrs() (map[string]string, error) {
	save := p.pos
	tok, quoted, err := p.token()
	if err != nil || tok != "[" || quoted {
		p.pos = save
		return nil, err
	}
	attrs := map[string]string{}
	for {
		tok, quoted, err := p.token()
		switch {
		case err != nil:
			return nil, err
		case tok == "]" && !quoted:
			return attrs, nil
		case (tok == "," || tok == ";") && !quoted:
			continue
		case tok == "" && !quoted:
			return nil, fmt.Errorf("an attribute list does not end")
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		value, err := p.id()
		if err != nil {
			return nil, err
		}
		attrs[tok] = value
	}
}

// decodeLabel reads a label's escapes after the lexer's: \\ is a
// backslash, \n a line break; any other escape would show something else
// than the text (a line break of \l or \r, an object's name for \N).
func decodeLabel(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("label %q ends with a backslash", s)
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		default:
			return "", fmt.Errorf("label %q has the escape \\%c", s, s[i])
		}
	}
	return b.String(), nil
}

// TestAnnotatedDOT: notes under the subtasks' names and beside the
// channels' partitioning parse and show as written, hostile ones too.
func TestAnnotatedDOT(t *testing.T) {
	eg, err := Expand(hostileGraph(t))
	require.NoError(t, err)
	notes := make([]string, len(eg.Subtasks))
	for i := range notes {
		notes[i] = fmt.Sprintf("busy \"%d\" \\n\nline two", i)
	}
	chans := make([]string, len(eg.Channels))
	chans[0] = "3 queued\x1b[2J"
	out := eg.AnnotatedDOT(`at 2.5s "x"`, notes, chans)
	g, err := parseDOT(out)
	require.NoError(t, err, out)
	require.Len(t, g.nodes, len(eg.Subtasks))
	for _, s := range eg.Subtasks {
		first, second, _ := strings.Cut(notes[s.ID], "\n")
		assert.Contains(t, out, dotLabel(termsafe.Line(s.Name))+`\n`+dotLabel(first)+`\n`+dotLabel(second)+`"`)
	}
	assert.Contains(t, out, `label="at 2.5s \"x\"";`)
	assert.Contains(t, out, `\n3 queued\\u001b[2J"`)
}

// TestDOTChains: the job graph marks chained edges, the execution graph
// draws one cluster per task named after its chain, with the kinds of its
// operators, and a channel only for the edges that are not chained. Hostile
// names chained into one task still give a file the checker reads.
func TestDOTChains(t *testing.T) {
	g := chainGraph(map[string]int{"s2": 1}, []string{"src", "m", "s1", "s2"}, fwd("src", "m"), fwd("m", "s1"), Edge{From: "m", To: "s2", Partitioning: Rebalance})
	g.Operators[2].Kind, g.Operators[3].Kind = Sink, Sink
	job, err := parseDOT(g.DOT())
	require.NoError(t, err, g.DOT())
	assert.Len(t, job.edges, 3)
	assert.Contains(t, g.DOT(), `"src" -> "m" [label="forward, chained", style=bold];`)
	assert.Contains(t, g.DOT(), `"m" -> "s2" [label="rebalance"];`)

	eg, err := Expand(g)
	require.NoError(t, err)
	exec, err := parseDOT(eg.DOT())
	require.NoError(t, err, eg.DOT())
	assert.Len(t, exec.nodes, 3)
	assert.ElementsMatch(t, []string{"src -> m -> s1 (source, map, sink)", "s2 (sink)"}, exec.clusterLabels())
	ids := exec.byLabel(func(label string) string { return label })
	assert.Equal(t, [][2]string{{ids["src -> m -> s1[0]"], ids["s2[0]"]}, {ids["src -> m -> s1[1]"], ids["s2[0]"]}}, exec.edges)

	hostile := hostileGraph(t)
	for i := range hostile.Edges {
		hostile.Edges[i].Partitioning = Forward
	}
	heg, err := Expand(hostile)
	require.NoError(t, err)
	require.Len(t, heg.Vertices, 1)
	for _, out := range []string{hostile.DOT(), heg.DOT()} {
		_, err := parseDOT(out)
		require.NoError(t, err, out)
		for _, r := range out {
			require.False(t, termsafe.Unsafe(r), "%q in the DOT output", r)
		}
	}
}
