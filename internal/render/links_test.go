package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

func TestSVGLinks(t *testing.T) {
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{
		1: {ID: 1, Type: model.Net}, 2: {ID: 2, Type: model.Net},
	}}
	r := &layout.Result{View: "owner", Width: 300, Height: 100, Nodes: []layout.Node{
		{ID: "ns:1", Kind: layout.File, Type: model.Net, NS: 1, Label: "a", X: 0, Y: 0, W: 100, H: 40},
		{ID: "ns:2", Kind: layout.File, Type: model.Net, NS: 2, Label: "b", X: 200, Y: 0, W: 100, H: 40},
	}}
	var plain, wired bytes.Buffer
	if err := SVG(&plain, s, r, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	links := []Link{
		{A: 1, B: 2, Kind: "veth", Label: "va ↔ <vb>"},
		{A: 1, B: 9, Kind: "macvlan", Label: "not in view"},
	}
	if err := SVG(&wired, s, r, SVGOptions{Links: links}); err != nil {
		t.Fatal(err)
	}
	out := wired.String()
	if n := strings.Count(out, `class="wire"`); n != 1 {
		t.Fatalf("%d wires drawn, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, `d="M50 40 Q150 102 250 40"`) || !strings.Contains(out, "<title>veth: va ↔ &lt;vb&gt;</title>") {
		t.Errorf("wire path or tooltip:\n%s", out)
	}
	if strings.Contains(plain.String(), "wire") {
		t.Error("a picture without links has wires")
	}
}
