package server

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/stream/streamtest"
	"github.com/nsweb/nsweb/internal/wire"
)

// getSnapshot answers GET /api/v1/snapshot with query, decoded; it fails
// the test unless the answer is a 200 snapshot.
func getSnapshot(t *testing.T, srvURL, query string) *wire.Snapshot {
	t.Helper()
	code, _, body := get(t, srvURL+"/api/v1/snapshot"+query)
	var s wire.Snapshot
	if err := json.Unmarshal(body, &s); code != 200 || err != nil {
		t.Fatalf("%s: %d %s", query, code, body)
	}
	return &s
}

func TestSnapshotEndpoint(t *testing.T) {
	h, srv := liveServer(t, stream.Config{})
	h.Publish(streamtest.Snap(1, 3, 4))
	s := getSnapshot(t, srv.URL, "?view=owner&q=type:net")
	if s.Type != wire.TypeSnapshot || len(s.Nodes) != 1 || s.Q != "type:net" {
		t.Fatalf("snapshot: %+v", s)
	}
	// The HTTP snapshot's seq continues on the stream.
	c := dial(t, srv, nil)
	c.St.Reset(s)
	c.Hello(wire.Hello{Since: s.Seq, Q: "type:net"})
	h.Publish(streamtest.Snap(2, 3, 4, 5))
	c.MustNext(wire.TypePatch)
	streamtest.AssertState(t, c, current(t, h, stream.Request{Q: "type:net"}))

	for _, bad := range []string{"?view=tree", "?q=nope", "?expand=" + strings.Repeat("g", 513)} {
		code, _, body := get(t, srv.URL+"/api/v1/snapshot"+bad)
		if code != 400 || !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s: %d %s, want 400 JSON", bad, code, body)
		}
	}
	code, _, body := get(t, srv.URL+"/api/v1/ns/3")
	var d wire.NamespaceDetails
	if err := json.Unmarshal(body, &d); code != 200 || err != nil || d.Namespace.ID != 3 || len(d.Processes) != 1 {
		t.Errorf("ns/3: %d %s", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/ns/ns:1"); code != 200 {
		t.Errorf("ns/ns:1: %d", code)
	}
	for path, want := range map[string]int{"/api/v1/ns/x": 400, "/api/v1/ns/0": 400, "/api/v1/ns/999": 404} {
		if code, _, body := get(t, srv.URL+path); code != want || !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
}

// TestSnapshotGroupQuery: the snapshot query takes the group the stream's
// hello does (TestGroupSwitch in internal/stream), and refuses a bad one
// with a message naming the choices.
func TestSnapshotGroupQuery(t *testing.T) {
	h, srv := liveServer(t, stream.Config{Layout: layout.Compute})
	s := streamtest.Snap(1, 3, 4, 5)
	s.Containers = map[string]*model.Container{"c1": {ID: "c1", Runtime: "docker", Name: "web-1"}}
	s.Namespaces[3].Containers = []string{"c1"}
	s.Namespaces[4].Containers = []string{"c1"}
	h.Publish(s)
	for q, want := range map[string]int{"?group=none": 200, "?group=pod&view=pid": 200, "?group=Container": 400, "?group=x": 400} {
		code, _, body := get(t, srv.URL+"/api/v1/snapshot"+q)
		if code != want || (want == 400 && !strings.Contains(string(body), "unknown group")) {
			t.Errorf("%s: %d %s, want %d", q, code, body, want)
		}
	}
}

// TestFoldedContainersServed: the server folds the containers of a busy
// user namespace in the default view and opens the group when a request
// names its ID in expand (over the stream: TestFoldedContainersServed in
// internal/stream).
func TestFoldedContainersServed(t *testing.T) {
	h, srv := liveServer(t, stream.Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(streamtest.RootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
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
		s := getSnapshot(t, srv.URL, c.query)
		group, ctrs := 0, 0
		for _, nd := range s.Nodes {
			switch {
			case nd.ID == grp:
				group = nd.Count
			case nd.Kind == layout.Container:
				ctrs++
			}
		}
		if group != c.group || ctrs != c.ctrs {
			t.Errorf("%s: group of %d, %d container nodes; want %d and %d", c.query, group, ctrs, c.group, c.ctrs)
		}
	}
}

// TestExpandIDsVerbatim: each expand parameter of /api/v1/snapshot (and
// /snapshot.svg) is one group ID as it is, commas and spaces included:
// a container's name from its cgroup (LXC, systemd-nspawn) may hold both,
// and it is part of the ID of a group folded inside that container. An
// empty parameter names no group.
func TestExpandIDsVerbatim(t *testing.T) {
	h, srv := liveServer(t, stream.Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 5
	s := streamtest.Snap(1)
	cid := "box, a"
	s.Containers = map[string]*model.Container{cid: {ID: cid, Runtime: "lxc", Name: cid}}
	for i := range n {
		id, pid := model.NSID(100+i), 1000+i
		s.Processes[pid] = &model.Process{PID: pid, Comm: "init", Start: uint64(i), Container: cid}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: uint64(id), Owner: 1, Procs: []int{pid}, Leader: pid, Containers: []string{cid}}
	}
	h.Publish(s)
	grp := layout.GroupID("ctr:ns:1:"+cid, model.Net)
	if !slices.ContainsFunc(current(t, h, stream.Request{}).Nodes, func(nd wire.Node) bool { return nd.ID == grp }) {
		t.Fatalf("no folded group %q to open", grp)
	}
	for _, query := range []url.Values{
		{"expand": {grp}},
		{"expand": {"grp:ns:1:pid", grp, ""}},
	} {
		got := getSnapshot(t, srv.URL, "?"+query.Encode())
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
