package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestNamespaceByRef: /api/v1/ns/{ref} finds a namespace by the ID the API
// uses and by the inode people see in labels, lsns and /proc/PID/ns; a
// number that is the ID of one namespace and the inode of another is
// answered 409 with the IDs to ask for, never a guess.
func TestNamespaceByRef(t *testing.T) {
	h, srv := liveServer(t, stream.Config{})
	h.Publish(&model.Snapshot{
		Taken: time.Unix(1, 0), Host: "test", Kernel: "6.18", Root: 4098,
		Namespaces: map[model.NSID]*model.Namespace{
			4098: {ID: 4098, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1},
			3:    {ID: 3, Type: model.Net, Inode: 4026531993, Owner: 4098, Procs: []int{1}, Leader: 1},
			// An ID that is also another namespace's inode.
			4026532100: {ID: 4026532100, Type: model.Mnt, Inode: 4026532200, Owner: 4098},
			7:          {ID: 7, Type: model.UTS, Inode: 4026532100, Owner: 4098},
		},
		Processes: map[int]*model.Process{1: {PID: 1, Comm: "init"}},
	})
	tests := []struct {
		ref  string
		code int
		id   model.NSID // the namespace answered, for 200
		want string     // in the error, otherwise
	}{
		{"4098", 200, 4098, ""},
		{"ns:4098", 200, 4098, ""},
		{"4026531837", 200, 4098, ""},
		{"user:4026531837", 200, 4098, ""},
		{"net:4026531993", 200, 3, ""},
		{"net:[4026531993]", 200, 3, ""},
		{"ns:4026532100", 200, 4026532100, ""},
		{"uts:4026532100", 200, 7, ""},
		{"4026532200", 200, 4026532100, ""},
		{"4026532100", 409, 0, "4026532100 names 2 namespaces: the mnt namespace with ID 4026532100, the uts namespace with inode 4026532100 (ID 7); ask for one by its ID: ns:4026532100 or ns:7"},
		{"net:4026531837", 404, 0, "no net namespace with inode 4026531837 (it may have ended)"},
		{"ns:4026531837", 404, 0, "no namespace with ID 4026531837"},
		{"999", 404, 0, "no namespace with ID or inode 999 (it may have ended)"},
		{"x", 400, 0, `invalid namespace "x": name it by ` + stream.RefForms},
		{"0", 400, 0, `invalid namespace "0"`},
		{"net:", 400, 0, `invalid namespace "net:"`},
		{"net:[12", 400, 0, `invalid namespace "net:[12"`},
		{"box:12", 400, 0, `unknown type "box" (want one of user, pid, net, mnt, uts, ipc, cgroup, time)`},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			code, header, body := get(t, srv.URL+"/api/v1/ns/"+url.PathEscape(tc.ref))
			if code != tc.code || header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s %s, want %d JSON", code, header.Get("Content-Type"), body, tc.code)
			}
			if tc.code == 200 {
				var d wire.NamespaceDetails
				if err := json.Unmarshal(body, &d); err != nil || d.Namespace == nil || d.Namespace.ID != tc.id {
					t.Errorf("answered %s, want namespace %d", body, tc.id)
				}
				return
			}
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, tc.want) {
				t.Errorf("error %s, want it to contain %q", body, tc.want)
			}
		})
	}
}
