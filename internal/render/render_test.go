package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func renderSVG(t testing.TB, s *model.Snapshot, r *layout.Result, o SVGOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := SVG(&b, s, r, o); err != nil {
		t.Fatalf("SVG: %v", err)
	}
	return b.Bytes()
}

func renderText(t testing.TB, s *model.Snapshot, r *layout.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Text(&b, s, r); err != nil {
		t.Fatalf("Text: %v", err)
	}
	return b.Bytes()
}

// svgFacts is what checkSVG learnt from a document.
type svgFacts struct {
	nodeIDs  map[string]int // id attribute of every <g class="n ..."> and how often
	nodes    int
	text     string // all character data, decoded
	legend   []string
	styles   int
	paths    int // <path class="e">
	rootAttr map[string]string
}

// checkSVG parses doc as XML token by token and fails on anything that
// could run code or fetch something: script or foreign elements, event
// attributes, href attributes, url() and @import, CDATA and processing
// instructions, invalid UTF-8, control and bidi characters.
func checkSVG(t *testing.T, doc []byte) svgFacts {
	t.Helper()
	if !utf8.Valid(doc) {
		t.Error("output is not valid UTF-8")
	}
	for _, bad := range []string{"]]>", "<![CDATA[", "\x00", "\x1b", "\u202e", "\u2066", "\u200e", "\u2028", "\u0085", "<script", "<img", "<?xml-stylesheet"} {
		if bytes.Contains(doc, []byte(bad)) {
			t.Errorf("output holds %q raw", bad)
		}
	}
	f := svgFacts{nodeIDs: map[string]int{}, rootAttr: map[string]string{}}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	var text strings.Builder
	inLegend := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			switch strings.ToLower(name) {
			case "script", "foreignobject", "iframe", "image", "use", "a", "img", "embed", "object", "animate", "set":
				t.Errorf("element <%s> present", name)
			}
			if len(stack) == 0 {
				if name != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root is %v, want svg in the SVG namespace", tok.Name)
				}
				for _, a := range tok.Attr {
					f.rootAttr[a.Name.Local] = a.Value
				}
			}
			class := ""
			for _, a := range tok.Attr {
				an := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(an, "on") {
					t.Errorf("event attribute %s=%q on <%s>", a.Name.Local, a.Value, name)
				}
				if an == "href" || an == "src" || an == "style" {
					t.Errorf("attribute %s=%q on <%s>", a.Name.Local, a.Value, name)
				}
				// An id is a name, never dereferenced; every other value must not refer anywhere.
				if v := strings.ToLower(a.Value); an != "id" && (strings.Contains(v, "url(") || strings.Contains(v, "javascript:")) {
					t.Errorf("attribute %s=%q refers to something", a.Name.Local, a.Value)
				}
				if an == "id" && strings.ContainsAny(a.Value, "()<>\"' ") {
					t.Errorf("id %q holds syntax characters", a.Value)
				}
				if an == "class" {
					class = a.Value
				}
			}
			if name == "style" {
				f.styles++
			}
			if name == "path" && class == "e" {
				f.paths++
			}
			if name == "g" && strings.HasPrefix(class, "n ") {
				f.nodes++
				for _, a := range tok.Attr {
					if a.Name.Local == "id" {
						f.nodeIDs[a.Value]++
					}
				}
			}
			if name == "g" && class == "lg" {
				inLegend = len(stack) + 1
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if len(stack) < inLegend {
				inLegend = 0
			}
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				css := strings.ToLower(string(tok))
				if strings.Contains(css, "@import") || strings.Contains(css, "url(") {
					t.Errorf("style refers outside: %q", css)
				}
			}
			if inLegend > 0 && len(stack) > 0 && stack[len(stack)-1] == "text" {
				f.legend = append(f.legend, string(tok))
			}
			text.Write(tok)
		case xml.ProcInst:
			t.Errorf("processing instruction %q", tok.Target)
		case xml.Directive:
			t.Errorf("directive %q", tok)
		}
	}
	f.text = text.String()
	if f.styles != 1 {
		t.Errorf("%d <style> elements, want 1", f.styles)
	}
	return f
}

func TestSVGWellFormedAndComplete(t *testing.T) {
	s, r := smallSnapshot()
	doc := renderSVG(t, s, r, SVGOptions{Filter: "type:net,user"})
	f := checkSVG(t, doc)
	for _, a := range []string{"viewBox", "width", "height"} {
		if f.rootAttr[a] == "" {
			t.Errorf("root lacks %s", a)
		}
	}
	if f.rootAttr["role"] != "img" {
		t.Errorf("role = %q, want img", f.rootAttr["role"])
	}
	if vb := f.rootAttr["viewBox"]; vb != "0 0 "+f.rootAttr["width"]+" "+f.rootAttr["height"] {
		t.Errorf("viewBox %q does not match width %s height %s", vb, f.rootAttr["width"], f.rootAttr["height"])
	}
	if f.nodes != len(r.Nodes) {
		t.Errorf("%d node groups, want %d", f.nodes, len(r.Nodes))
	}
	for _, n := range r.Nodes {
		if f.nodeIDs[n.ID] != 1 {
			t.Errorf("node %s appears %d times", n.ID, f.nodeIDs[n.ID])
		}
	}
	if f.paths != 1 {
		t.Errorf("%d edge paths, want 1", f.paths)
	}
	legend := strings.Join(f.legend, "|")
	for _, typ := range model.Types {
		if !strings.Contains(legend, "|"+string(typ)+"|") {
			t.Errorf("legend %q lacks type %s", legend, typ)
		}
	}
	for _, want := range []string{"directory", "folded group", "box", "6.18.0", "2026-11-28T12:40:00Z", "7 namespaces", "2 processes", "1 container", "view owner", "filter: type:net,user",
		"no process: held by bind mount /run/netns/x in mnt ns 4026531841", "leader 100 nginx -g daemon off;", "containers: WebFront", "60 uts namespaces, folded", "created by uid 1000"} {
		if !strings.Contains(f.text, want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
	if got := strings.Count(string(doc), "<rect"); got < len(r.Nodes) {
		t.Errorf("%d rects for %d nodes", got, len(r.Nodes))
	}
}

func TestSVGHostileInputInert(t *testing.T) {
	s, r := hostileSnapshot()
	doc := renderSVG(t, s, r, SVGOptions{Filter: hostile[3] + hostile[1]})
	f := checkSVG(t, doc)
	if f.nodes != len(r.Nodes) || len(f.nodeIDs) != len(r.Nodes) {
		t.Errorf("%d node groups with %d distinct ids, want %d", f.nodes, len(f.nodeIDs), len(r.Nodes))
	}
	// The markup shows up as text: it is kept for people to read, just inert.
	for _, want := range []string{"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", `quote ' and " and &amp;`, "bad\uFFFD\uFFFDutf8\uFFFD", "bidi evil iso", "]]>"} {
		if !strings.Contains(f.text, want) {
			t.Errorf("decoded text lacks %q", want)
		}
	}
	if strings.Contains(f.text, "\u202e") || strings.Contains(f.text, "\x1b") {
		t.Error("control characters survived into decoded text")
	}
}

func TestTextHostileInputInert(t *testing.T) {
	s, r := hostileSnapshot()
	out := renderText(t, s, r)
	if !utf8.Valid(out) {
		t.Error("text is not valid UTF-8")
	}
	for i, c := range out {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("control byte %#x at %d: %q", c, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
	for _, r := range string(out) {
		if isBidi(r) || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 {
			t.Fatalf("rune %U in text output", r)
		}
	}
	for _, want := range []string{`nul\x00esc\x1b[31mred\x07bell\x7f\u0085c1\u2028ls`, `bidi \u202eevil\u202c \u2066iso\u2069 \u200e\u200f`, `bad\xff\xfeutf8\xc3`, "<script>alert(1)</script>"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("text lacks %q", want)
		}
	}
	if got, want := bytes.Count(out, []byte("\n")), len(r.Nodes)+2; got != want {
		t.Errorf("%d lines, want %d (header, partial note, one per node)", got, want)
	}
}

func TestDeterministic(t *testing.T) {
	for name, mk := range map[string]func() (*model.Snapshot, *layout.Result){"small": smallSnapshot, "hostile": hostileSnapshot} {
		s1, r1 := mk()
		s2, r2 := mk() // fresh maps: a different iteration order
		if a, b := renderSVG(t, s1, r1, SVGOptions{}), renderSVG(t, s2, r2, SVGOptions{}); !bytes.Equal(a, b) {
			t.Errorf("%s: SVG differs between two renders of the same input", name)
		}
		if a, b := renderText(t, s1, r1), renderText(t, s2, r2); !bytes.Equal(a, b) {
			t.Errorf("%s: text differs between two renders of the same input", name)
		}
	}
}

func TestGolden(t *testing.T) {
	s, r := smallSnapshot()
	gs, gr := groupedSnapshot()
	for _, g := range []struct {
		file string
		out  []byte
	}{
		{"small.svg.golden", renderSVG(t, s, r, SVGOptions{Filter: "-type:ipc"})},
		{"small.txt.golden", renderText(t, s, r)},
		{"grouped.svg.golden", renderSVG(t, gs, gr, SVGOptions{})},
		{"grouped.txt.golden", renderText(t, gs, gr)},
	} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.out, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(g.out, want) {
			t.Errorf("%s differs from the output; check it and run go test -update\ngot:\n%s", g.file, g.out)
		}
	}
}

// TestContainerNodes: container and pod nodes show their names, runtime,
// image, ID, pod and labels in both formats, in their own shapes, with
// host strings escaped.
func TestContainerNodes(t *testing.T) {
	s, r := groupedSnapshot()
	svg, txt := string(renderSVG(t, s, r, SVGOptions{})), string(renderText(t, s, r))
	for _, c := range []struct {
		out, want string
	}{
		{svg, `<g class="n t-x container" id="ctr:ns:1:c0ffee0000000000aaaa"><title>container web-1` + "\n" +
			`docker, image nginx:1.27` + "\n" + `id c0ffee0000000000aaaa` + "\n" + `labels: com.docker.compose.project=shop, tier=front</title>` +
			`<rect x="`},
		{svg, `rx="12"/><text x="`},
		{svg, `<g class="n t-x pod" id="pod:ns:1:default%2Fapi"><title>pod default/api` + "\n" + `2 containers</title>`},
		{svg, `>0123456789ab</text>`},
		{svg, `&lt;b&gt;x&lt;/b&gt;`},
		{svg, `class="t-x container"><rect`},
		{txt, "container web-1 [docker, image nginx:1.27; id c0ffee0000000000aaaa; labels: com.docker.compose.project=shop, tier=front]"},
		{txt, "pod default/api [2 containers]"},
		{txt, "container api [crio, image api:2; id api1; pod default/api]"},
		{txt, `container <b>x</b>\x1b[31m\u202e [docker, image a&b; id evil]`},
	} {
		if !strings.Contains(c.out, c.want) {
			t.Errorf("output lacks %q", c.want)
		}
	}
	if strings.Contains(svg, "<b>") || strings.Contains(txt, "\x1b") && strings.ContainsRune(txt, 0x1b) {
		t.Error("a container name reached the output unescaped")
	}
}

// TestFoldedContainers: a group of folded container or pod nodes, laid out
// by layout.Compute, says how many it holds in both formats and is drawn
// dashed in the shape of what it folds.
func TestFoldedContainers(t *testing.T) {
	cases := []struct {
		name  string
		group layout.Grouping
		svg   []string
		txt   []string
	}{
		{"by container", layout.GroupContainer,
			[]string{
				`<g class="n t-x group container" id="grp:ns:1:ctr"><title>5 containers, folded` + "\n" + `+5 containers</title><rect x="`,
				`>+5 containers</text>`,
			},
			[]string{"[5 containers folded] +5 containers"}},
		{"by pod", layout.GroupPod,
			[]string{
				// The pod's two containers fold inside its node; the
				// other three in the Dir.
				`<g class="n t-x group container" id="grp:pod:ns:1:default%2Fapi:ctr"><title>2 containers, folded` + "\n" + `+2 containers</title>`,
				`<g class="n t-x group container" id="grp:ns:1:ctr"><title>3 containers, folded`,
				`<g class="n t-x pod" id="pod:ns:1:default%2Fapi">`,
			},
			[]string{"[2 containers folded] +2 containers", "[3 containers folded] +3 containers", "pod default/api [2 containers]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := groupedSnapshot()
			r := layout.Compute(s, layout.Options{Group: c.group, FoldThreshold: 1})
			doc := renderSVG(t, s, r, SVGOptions{})
			f := checkSVG(t, doc)
			if f.nodes != len(r.Nodes) {
				t.Errorf("%d node groups, want %d", f.nodes, len(r.Nodes))
			}
			svg, txt := string(doc), string(renderText(t, s, r))
			for _, want := range c.svg {
				if !strings.Contains(svg, want) {
					t.Errorf("SVG lacks %q", want)
				}
			}
			for _, want := range c.txt {
				if !strings.Contains(txt, want) {
					t.Errorf("text lacks %q\n%s", want, txt)
				}
			}
			if strings.Contains(svg, `class="n t-x container"`) {
				t.Error("a container node is drawn: all should be folded")
			}
		})
	}
}

// TestEdgeGeometry: connectors turn half a layer gap before the child; a
// top-down child in a wrapped row (d, further than one gap below) hangs
// off the trunk at its parent's left, clear of the row above.
func TestEdgeGeometry(t *testing.T) {
	nodes := []layout.Node{
		{ID: "a", Kind: layout.Dir, Type: model.PID, X: 0, Y: 0, W: 100, H: 40},
		{ID: "b", Kind: layout.File, Type: model.PID, Parent: "a", X: 200, Y: 88, W: 100, H: 40},
		{ID: "c", Kind: layout.File, Type: model.PID, Parent: "a", X: 0.04, Y: 88.26, W: 100, H: 40},
		{ID: "d", Kind: layout.File, Type: model.PID, Parent: "a", X: 24, Y: 176, W: 100, H: 40},
	}
	edges := []layout.Edge{{From: "a", To: "b"}, {From: "a", To: "c"}, {From: "a", To: "d"}}
	s := &model.Snapshot{}
	for _, tt := range []struct {
		o    layout.Orientation
		want string
	}{
		{layout.TopDown, `d="M50 40V64H250V88 M50 40V88.3 M12 40V152H74V176"`},
		{layout.LeftRight, `d="M100 20H176V108H200 M100 20H-24V108.3H0 M100 20H0V196H24"`},
	} {
		r := &layout.Result{Orientation: tt.o, Nodes: nodes, Edges: edges, Width: 300, Height: 220}
		doc := renderSVG(t, s, r, SVGOptions{})
		if !strings.Contains(string(doc), tt.want) {
			t.Errorf("%s: edges not %s in\n%s", tt.o, tt.want, doc)
		}
	}
}

func TestBadLayout(t *testing.T) {
	s, _ := smallSnapshot()
	node := func(id string, x float64) layout.Node {
		return layout.Node{ID: id, Kind: layout.File, Type: model.Net, X: x, W: 10, H: 10}
	}
	tests := []struct {
		name string
		r    *layout.Result
		want string
	}{
		{"nil", nil, "nil snapshot or layout"},
		{"nan", &layout.Result{Nodes: []layout.Node{node("a", math.NaN())}}, `node "a" has an invalid box`},
		{"inf size", &layout.Result{Width: math.Inf(1)}, "not finite"},
		{"dup", &layout.Result{Nodes: []layout.Node{node("a", 0), node("a", 1)}}, `duplicate node id "a"`},
		{"edge", &layout.Result{Nodes: []layout.Node{node("a", 0)}, Edges: []layout.Edge{{From: "a", To: "zz"}}}, `unknown node "zz"`},
	}
	for _, tt := range tests {
		err := SVG(io.Discard, s, tt.r, SVGOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := Text(io.Discard, nil, &layout.Result{}); err == nil {
		t.Error("Text with nil snapshot: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	s, r := smallSnapshot()
	if err := SVG(failWriter{}, s, r, SVGOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("SVG write error = %v", err)
	}
	if err := Text(failWriter{}, s, r); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Text write error = %v", err)
	}
}

func TestTextTreeKeepsEveryNode(t *testing.T) {
	s, _ := smallSnapshot()
	r := &layout.Result{Nodes: []layout.Node{
		{ID: "ns:1", Kind: layout.Dir, Type: model.User, NS: 1},
		{ID: "ns:2", Kind: layout.File, Type: model.Net, NS: 2, Parent: "missing"},
		{ID: "x", Kind: layout.File, Type: model.Net, NS: 4, Parent: "y"},
		{ID: "y", Kind: layout.File, Type: model.Net, NS: 5, Parent: "x"},
		{ID: "ns:99", Kind: layout.File, Type: model.IPC, NS: 99, Parent: "ns:1"},
	}}
	out := string(renderText(t, s, r))
	want := "# box, kernel 6.18.0, taken 2026-11-28T12:40:00Z, view : 7 namespaces, 2 processes, 1 container; 5 nodes shown\n" +
		"user 4026531837 host id:1 procs:2 pid:1 /sbin/init splash [owner of user ns 4026532500]\n" +
		"└─ipc ? id:99 [not in the snapshot]\n" +
		"net 4026531840 id:2 procs:1 pid:1 /sbin/init splash\n" +
		"net 4026532600 id:4 procs:1 pid:100 nginx -g daemon off; container:WebFront [detached: parent cycle]\n" +
		"└─net 4026532700 id:5 procs:0 [no process: held by bind mount /run/netns/x in mnt ns 4026531841]\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 0, "plain"},
		{"abcdef", 4, "abc…"},
		{"abcd", 4, "abcd"},
		{"a\tb\nc", 0, "a b c"},
		{"a\x00b\x1bc", 0, "a\uFFFDb\uFFFDc"},
		{"\xff", 0, "\uFFFD"},
		{"x\u202ey\u2069", 0, "xy"},
		{"ünïcödé", 4, "ünï…"},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{`a\b`, `a\\b`},
		{"\x1b[2J", `\x1b[2J`},
		{"\xff", `\xff`},
		{"\u202e", `\u202e`},
		{"ü", "ü"},
	} {
		if got := terminal(tt.in, 0); got != tt.want {
			t.Errorf("terminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSVG renders a node whose host strings come from the fuzzer and checks
// that the document stays well-formed and inert.
func FuzzSVG(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, h)
	}
	f.Fuzz(func(t *testing.T, name, path string) {
		s := &model.Snapshot{Host: name, Kernel: path,
			Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.Net, Procs: []int{1}, Leader: 1,
				HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: path}}, Containers: []string{name}}},
			Processes:  map[int]*model.Process{1: {PID: 1, Comm: name, Cmdline: path}},
			Containers: map[string]*model.Container{name: {ID: name, Name: path}},
		}
		r := &layout.Result{Nodes: []layout.Node{{ID: name, Kind: layout.Dir, Type: model.Net, NS: 1, Label: path, W: 50, H: 40}}}
		checkSVG(t, renderSVG(t, s, r, SVGOptions{Filter: name}))
		out := renderText(t, s, r)
		for _, c := range out {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				t.Fatalf("control byte %#x in text %q", c, out)
			}
		}
	})
}

// TestSVGNoMatch: a filter that matches nothing gives a picture that says
// so, not a blank one.
func TestSVGNoMatch(t *testing.T) {
	s, _ := smallSnapshot()
	tests := []struct {
		filter, want string
	}{
		{"cmd:nothing-runs-this", "No namespace matches cmd:nothing-runs-this"},
		{"", "No namespace to show"},
		{hostile[0], "No namespace matches <script>alert(1)</script>"},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			r := &layout.Result{View: layout.Owner, Orientation: layout.TopDown}
			doc := renderSVG(t, s, r, SVGOptions{Filter: tc.filter})
			f := checkSVG(t, doc)
			if !strings.Contains(f.text, tc.want) {
				t.Errorf("SVG text lacks %q:\n%s", tc.want, doc)
			}
			if !strings.Contains(string(doc), `<text class="empty"`) {
				t.Errorf("no empty-picture message element:\n%s", doc)
			}
		})
	}
	// A picture with nodes has no such message.
	s, r := smallSnapshot()
	if doc := renderSVG(t, s, r, SVGOptions{Filter: "type:net"}); strings.Contains(string(doc), "No namespace") {
		t.Error("a picture with nodes says it has none")
	}
}
