package server

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
)

// TestGroupDetails: GET /api/v1/ns/{group ID} with the picture's query
// says what a folded group holds: its count, its total processes and the
// ten members with the most processes, most first; a group the picture
// does not fold (opened, or unknown) is a 404.
func TestGroupDetails(t *testing.T) {
	h, srv := liveServer(t, stream.Config{Layout: layout.Compute})
	s := &model.Snapshot{Taken: time.Unix(1, 0), Host: "test", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1}},
		Processes:  map[int]*model.Process{1: {PID: 1, Comm: "init"}},
	}
	pid := 1
	total := 0
	for i := range 60 {
		id := model.NSID(100 + i)
		ns := &model.Namespace{ID: id, Type: model.User, Parent: 1, Owner: 1, Inode: 4026532000 + uint64(i)}
		for range i % 7 { // 0–6 processes each
			pid++
			s.Processes[pid] = &model.Process{PID: pid, Comm: "sleep", Start: uint64(pid)}
			ns.Procs = append(ns.Procs, pid)
			total++
		}
		if len(ns.Procs) > 0 {
			ns.Leader = ns.Procs[0]
		}
		s.Namespaces[id] = ns
	}
	h.Publish(s)
	details := func(ref, query string) (int, stream.GroupDetails) {
		t.Helper()
		code, _, body := get(t, srv.URL+"/api/v1/ns/"+url.PathEscape(ref)+"?"+query)
		var d stream.GroupDetails
		if code == 200 {
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, d
	}
	gid := layout.DirsGroupID("ns:1")
	code, d := details(gid, "view=owner&group=none")
	if code != 200 || !d.Group || d.Folds != "dir" || d.Type != model.User || d.Count != 60 || d.Processes != total || len(d.Top) != 10 {
		t.Fatalf("%d %+v", code, d)
	}
	// Eight members have 6 processes (i%7 == 6), then 5: 105, 112.
	for i, m := range d.Top {
		want := 6
		if i >= 8 {
			want = 5
		}
		if m.Processes != want || m.Name != "sleep" || m.Type != model.User || m.Inode == 0 {
			t.Errorf("top %d: %+v, want a member with %d processes", i, m, want)
		}
		if i > 0 && d.Top[i-1].Processes == m.Processes && d.Top[i-1].NS >= m.NS {
			t.Errorf("top %d: %s after %s: ties not by NSID", i, m.Ref, d.Top[i-1].Ref)
		}
	}
	if d.Top[8].NS != 105 || d.Top[9].NS != 112 {
		t.Errorf("top 8, 9: %s, %s; want ns:105, ns:112", d.Top[8].Ref, d.Top[9].Ref)
	}
	if code, _ := details(gid, "view=owner&group=none&expand="+url.QueryEscape(gid)); code != 404 {
		t.Errorf("opened group: %d, want 404", code)
	}
	if code, _ := details("grp:ns:1:net", "view=owner"); code != 404 {
		t.Errorf("no such group: %d, want 404", code)
	}
	if code, _ := details(gid, "view=nope"); code != 400 {
		t.Errorf("bad view: %d, want 400", code)
	}
}
