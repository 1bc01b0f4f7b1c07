package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
)

// TestZooSnapshotInEveryFormat plants containers, a nested user+pid chain
// and a bind-mounted netns on the real kernel, and checks that the SVG and
// the text tree of one scan hold every node of the laid-out view, and the
// planted namespaces among them.
func TestZooSnapshotInEveryFormat(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to plant namespaces")
	}
	cs := zoo.Containers(t, 3)
	chain := zoo.NestedChain(t, 3)
	bound, _ := zoo.BindMountNet(t)
	snap, err := collect.Scan(context.Background(), collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	planted := []model.NSID{bound.ID}
	for _, c := range cs {
		p := snap.Processes[c.Init.PID]
		if p == nil {
			t.Fatalf("container init %d missing from the snapshot", c.Init.PID)
		}
		for _, typ := range []model.NSType{model.User, model.Net, model.UTS, model.PID} {
			planted = append(planted, p.NS[typ])
		}
	}
	for _, u := range chain.Users {
		planted = append(planted, u.ID)
	}
	for _, view := range []string{"owner", "pid"} {
		o := snapshotOptions{view: view}
		r, q, err := laidOut(snap, o)
		if err != nil {
			t.Fatal(err)
		}
		var svg, text bytes.Buffer
		if err := formats["svg"](&svg, snap, r, q); err != nil {
			t.Fatal(err)
		}
		if err := formats["text"](&text, snap, r, q); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, m := range regexp.MustCompile(`<g class="n [^"]*" id="([^"]+)"`).FindAllStringSubmatch(svg.String(), -1) {
			ids[m[1]] = true
		}
		if len(ids) != len(r.Nodes) {
			t.Errorf("%s: SVG has %d nodes, layout %d", view, len(ids), len(r.Nodes))
		}
		shown := map[model.NSID]bool{}
		for _, n := range r.Nodes {
			if !ids[n.ID] {
				t.Errorf("%s: node %s missing from the SVG", view, n.ID)
			}
			shown[n.NS] = true
		}
		lines := 0 // not the comments: header, how to open folded groups
		for l := range strings.Lines(text.String()) {
			if !strings.HasPrefix(l, "#") {
				lines++
			}
		}
		if lines != len(r.Nodes) {
			t.Errorf("%s: text tree has %d node lines, layout %d", view, lines, len(r.Nodes))
		}
		for _, id := range planted {
			ns := snap.Namespaces[id]
			if ns == nil {
				t.Fatalf("planted namespace %d missing from the snapshot", id)
			}
			inView := view == "owner" || ns.Type == model.PID
			if inView && !shown[id] && !folded(r, ns) {
				t.Errorf("%s: planted %s namespace %d (inode %d) not drawn", view, ns.Type, id, ns.Inode)
			}
		}
	}
}

// folded reports whether ns could be inside a group node of r (a folded
// run of siblings), where it is counted but not drawn on its own.
func folded(r *layout.Result, ns *model.Namespace) bool {
	for _, n := range r.Nodes {
		if n.Kind == layout.Group && n.Type == ns.Type {
			return true
		}
	}
	return false
}
