package stream

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// rootfulHost is a host with n rootful containers, each with a network
// namespace of its own in the initial user namespace 1.
func rootfulHost(gen, n int) *model.Snapshot {
	s := mkSnap(gen)
	s.Containers = map[string]*model.Container{}
	for i := range n {
		cid, id, pid := fmt.Sprintf("c%03d", i), model.NSID(100+i), 1000+i
		s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: "web-" + cid}
		s.Processes[pid] = &model.Process{PID: pid, Comm: "nginx", Start: uint64(i), Container: cid}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: uint64(id), Owner: 1, Procs: []int{pid}, Leader: pid, Containers: []string{cid}}
	}
	return s
}

// TestFoldedContainersServed: the server folds the containers of a busy
// user namespace in the default view and opens the group when a request
// names its ID in expand, over HTTP and over the stream; a container more
// is one update of the folded group.
func TestFoldedContainersServed(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	count := func(nodes iter.Seq[wire.Node]) (group, ctrs int) {
		for nd := range nodes {
			switch {
			case nd.ID == grp:
				group = nd.Count
			case nd.Kind == layout.Container:
				ctrs++
			}
		}
		return group, ctrs
	}
	cases := []struct {
		query       string
		group, ctrs int
	}{
		{"", n, 0},
		{"?group=container&expand=" + grp, 0, n},
		{"?expand=grp:ns:1:net&expand=" + grp, 0, n},
		{"?group=pod", n, 0},
		{"?group=none", 0, 0},
	}
	for _, c := range cases {
		resp, err := http.Get(srv.URL + "/api/v1/snapshot" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var s wire.Snapshot
		if err := json.Unmarshal(body, &s); resp.StatusCode != 200 || err != nil {
			t.Fatalf("%s: %d %s", c.query, resp.StatusCode, body)
		}
		if g, k := count(slices.Values(s.Nodes)); g != c.group || k != c.ctrs {
			t.Errorf("%s: group of %d, %d container nodes; want %d and %d", c.query, g, k, c.group, c.ctrs)
		}
	}

	folded, open := dial(t, srv, nil), dial(t, srv, nil)
	folded.hello(wire.Hello{})
	open.hello(wire.Hello{Expand: []string{grp}})
	folded.mustNext(wire.TypeSnapshot)
	open.mustNext(wire.TypeSnapshot)
	if g, k := count(maps.Values(open.st.Nodes)); g != 0 || k != n {
		t.Fatalf("expanded over the stream: group of %d, %d container nodes", g, k)
	}
	h.Publish(rootfulHost(2, n+1))
	folded.mustNext(wire.TypePatch)
	open.mustNext(wire.TypePatch)
	if g, k := count(maps.Values(folded.st.Nodes)); g != n+1 || k != 0 {
		t.Errorf("folded after a start: group of %d, %d container nodes; want %d and 0", g, k, n+1)
	}
	if g, k := count(maps.Values(open.st.Nodes)); g != 0 || k != n+1 {
		t.Errorf("expanded after a start: group of %d, %d container nodes; want 0 and %d", g, k, n+1)
	}
}

// TestRevealOpensFoldedGroup: a hello that names a node inside a folded
// group in reveal gets a snapshot with that group added to expand, so a
// link to a namespace among a thousand folded containers opens on it; a
// node no group hides, or that is not in the view, adds nothing.
func TestRevealOpensFoldedGroup(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	target := layout.NodeID(100 + n/2) // a container's net namespace
	cases := []struct {
		hello  wire.Hello
		expand []string
		shown  bool
	}{
		{wire.Hello{Reveal: target}, []string{grp}, true},
		{wire.Hello{Reveal: target, Expand: []string{"grp:ns:1:net"}}, []string{grp, "grp:ns:1:net"}, true},
		{wire.Hello{Reveal: target, Group: "none"}, []string{"grp:ns:1:net"}, true},
		{wire.Hello{Reveal: "ns:1"}, []string{}, false},                // shown already
		{wire.Hello{Reveal: target, Q: "type:uts"}, []string{}, false}, // filtered out
		{wire.Hello{Reveal: layout.NodeID(99999)}, []string{}, false},  // not on the host
	}
	for _, c := range cases {
		cl := dial(t, srv, nil)
		cl.hello(c.hello)
		cl.mustNext(wire.TypeSnapshot)
		if !slices.Equal(cl.expand, c.expand) {
			t.Errorf("%+v: snapshot expand %v, want %v", c.hello, cl.expand, c.expand)
		}
		want := current(t, h, Request{Group: c.hello.Group, Q: c.hello.Q, Expand: c.expand})
		if ok, why := cl.st.EqualNodes(want.Nodes); !ok {
			t.Errorf("%+v: not the picture of expand %v: %s", c.hello, c.expand, why)
		}
		if _, ok := cl.st.Nodes[target]; ok != c.shown {
			t.Errorf("%+v: %s shown %v, want %v", c.hello, target, ok, c.shown)
		}
	}
}

// TestRevealCost: a reveal costs a layout with folding off, so a
// connection gets one, and connections revealing in the same picture of
// the same snapshot share it; a new snapshot is laid out again.
func TestRevealCost(t *testing.T) {
	var unfolded atomic.Int32
	count := func(s *model.Snapshot, o layout.Options) *layout.Result {
		if o.FoldThreshold < 0 {
			unfolded.Add(1)
		}
		return layout.Compute(s, o)
	}
	h, srv := newTestHub(t, Config{Layout: count})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	target := layout.NodeID(100 + n/2)
	steps := []struct {
		name     string
		fresh    bool // a new connection
		publish  bool // a new snapshot first
		hello    wire.Hello
		expand   []string
		unfolded int32 // layouts with folding off so far
	}{
		{"first reveal", true, false, wire.Hello{Reveal: target}, []string{grp}, 1},
		{"the same connection again: ignored", false, false, wire.Hello{Reveal: target}, []string{}, 1},
		{"an invalid reveal is still refused", false, false, wire.Hello{Reveal: strings.Repeat("x", layout.MaxGroupIDLen+1)}, nil, 1},
		{"another connection, same picture: shared", true, false, wire.Hello{Reveal: target}, []string{grp}, 1},
		{"another picture", true, false, wire.Hello{Reveal: target, Q: "type:net"}, []string{grp}, 2},
		{"a new snapshot", true, true, wire.Hello{Reveal: target}, []string{grp}, 3},
	}
	var cl *wsClient
	for i, st := range steps {
		if st.publish {
			h.Publish(rootfulHost(2+i, n))
		}
		if st.fresh {
			cl = dial(t, srv, nil)
		}
		cl.hello(st.hello)
		if st.expand == nil {
			cl.mustNext(wire.TypeError)
			if cl.refused.Field != "reveal" {
				t.Errorf("%s: refusal %+v, want field reveal", st.name, cl.refused)
			}
		} else {
			cl.mustNext(wire.TypeSnapshot)
			if !slices.Equal(cl.expand, st.expand) {
				t.Errorf("%s: expand %v, want %v", st.name, cl.expand, st.expand)
			}
		}
		if got := unfolded.Load(); got != st.unfolded {
			t.Errorf("%s: %d unfolded layouts, want %d", st.name, got, st.unfolded)
		}
	}
}

// TestRevealBeforeFirstScan: a page opened by a link while nsweb starts
// sends its reveal before there is a scan to find the node in; it is
// answered once the first scan is in, with the hiding groups open.
func TestRevealBeforeFirstScan(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	c := dial(t, srv, nil)
	c.hello(wire.Hello{Reveal: layout.NodeID(100 + n/2)})
	time.Sleep(100 * time.Millisecond) // the hello is in before the scan
	h.Publish(rootfulHost(1, n))
	c.mustNext(wire.TypeSnapshot)
	if want := []string{layout.ContainersGroupID("ns:1")}; !slices.Equal(c.expand, want) {
		t.Errorf("expand %v, want %v", c.expand, want)
	}
}

// TestExpandIDsVerbatim: each expand parameter of /api/v1/snapshot (and
// /snapshot.svg) is one group ID as it is, commas and spaces included:
// a container's name from its cgroup (LXC, systemd-nspawn) may hold both,
// and it is part of the ID of a group folded inside that container. An
// empty parameter names no group.
func TestExpandIDsVerbatim(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 5
	s := mkSnap(1)
	cid := "box, a"
	s.Containers = map[string]*model.Container{cid: {ID: cid, Runtime: "lxc", Name: cid}}
	for i := range n {
		id, pid := model.NSID(100+i), 1000+i
		s.Processes[pid] = &model.Process{PID: pid, Comm: "init", Start: uint64(i), Container: cid}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: uint64(id), Owner: 1, Procs: []int{pid}, Leader: pid, Containers: []string{cid}}
	}
	h.Publish(s)
	grp := layout.GroupID("ctr:ns:1:"+cid, model.Net)
	if !slices.ContainsFunc(current(t, h, Request{}).Nodes, func(nd wire.Node) bool { return nd.ID == grp }) {
		t.Fatalf("no folded group %q to open", grp)
	}
	for _, query := range []url.Values{
		{"expand": {grp}},
		{"expand": {"grp:ns:1:pid", grp, ""}},
	} {
		resp, err := http.Get(srv.URL + "/api/v1/snapshot?" + query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got wire.Snapshot
		if err := json.Unmarshal(body, &got); resp.StatusCode != 200 || err != nil {
			t.Fatalf("%s: %d %s", query.Encode(), resp.StatusCode, body)
		}
		nets := 0
		for _, nd := range got.Nodes {
			if nd.Type == model.Net && nd.Kind == layout.File {
				nets++
			}
		}
		if nets != n || !slices.Contains(got.Expand, grp) {
			t.Errorf("%s: %d net namespaces shown, expand %q; want %d and %q", query.Encode(), nets, got.Expand, n, grp)
		}
	}
}
