package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// TestSVGNetworkView: the SVG of the network view, laid out for real, shows
// the network namespaces (and no other type but their owning user
// namespace) and carries the wiring between them.
func TestSVGNetworkView(t *testing.T) {
	s := &model.Snapshot{Host: "h", Namespaces: map[model.NSID]*model.Namespace{
		1: {ID: 1, Type: model.User, Inode: 4026531837},
		2: {ID: 2, Type: model.Net, Owner: 1, Inode: 4026531840},
		3: {ID: 3, Type: model.Net, Owner: 1, Inode: 4026532001},
		4: {ID: 4, Type: model.UTS, Owner: 1, Inode: 4026532002},
		5: {ID: 5, Type: model.Mnt, Owner: 1, Inode: 4026532003},
	}}
	r := layout.Compute(s, layout.Options{View: layout.Network})
	var buf bytes.Buffer
	links := []Link{{A: 2, B: 3, Kind: "veth", Label: "eth0 ↔ veth1"}}
	if err := SVG(&buf, s, r, SVGOptions{Links: links}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`id="ns:2"`, `id="ns:3"`, `class="wire"`, "<title>veth: eth0 ↔ veth1</title>"} {
		if !strings.Contains(out, want) {
			t.Errorf("network view SVG lacks %s:\n%s", want, out)
		}
	}
	for _, not := range []string{`id="ns:4"`, `id="ns:5"`} {
		if strings.Contains(out, not) {
			t.Errorf("network view SVG shows %s", not)
		}
	}
}
