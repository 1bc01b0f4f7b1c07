package server

import (
	"compress/gzip"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
)

// hostileSnapshot is a host whose only process has a name made to break
// out of HTML, JSON and SVG.
func hostileSnapshot() *model.Snapshot {
	const evil = `<img src=x onerror=alert(1)>]]>"'`
	uid := uint32(0)
	return &model.Snapshot{
		Host: "h<1>", Kernel: "6.18", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Inode: 4026531837, OwnerUID: &uid, Procs: []int{42}, Leader: 42},
			2: {ID: 2, Type: model.Net, Inode: 4026531840, Owner: 1, Procs: []int{42}, Leader: 42, Containers: []string{"c1"}},
		},
		Containers: map[string]*model.Container{"c1": {ID: "c1", Runtime: "docker", Name: "web-1", Image: "nginx"}},
		Processes:  map[int]*model.Process{42: {PID: 42, Comm: evil, Cmdline: evil + " --x", NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 2}}},
	}
}

func svgServer(t *testing.T) *httptest.Server {
	t.Helper()
	hub, srv := liveServer(t, stream.Config{Layout: layout.Compute, ParseFilter: stream.ParseFilter})
	hub.Publish(hostileSnapshot())
	return srv
}

func TestSnapshotSVG(t *testing.T) {
	srv := svgServer(t)
	tests := []struct {
		name, query string
		gzip        bool
		code        int
		contains    string
	}{
		{"owner", "", false, 200, "<svg"},
		{"gzipped", "?view=owner&q=type:net", true, 200, "filter: type:net"},
		{"pid view", "?view=pid", false, 200, "<svg"},
		{"bad view", "?view=nope", false, 400, `"error"`},
		{"bad filter", "?q=nokey:1", false, 400, `unknown key`},
		{"no match", "?q=pid:999999", false, 200, `<text class="empty" x="16" y="108">No namespace matches pid:999999</text>`},
		{"grouped by container by default", "", false, 200, `<g class="n t-x container" id="ctr:ns:1:c1"><title>container web-1`},
		{"grouped by pod", "?group=pod", false, 200, `<title>container web-1`},
		{"ungrouped", "?group=none", false, 200, `id="ns:2"`},
		{"bad group", "?group=boxes", false, 400, `unknown group`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/snapshot.svg"+tc.query, nil)
			tr := &http.Transport{DisableCompression: true}
			if tc.gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body io.Reader = resp.Body
			if tc.gzip {
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("not gzipped: %v", resp.Header)
				}
				zr, err := gzip.NewReader(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			b, _ := io.ReadAll(body)
			if resp.StatusCode != tc.code {
				t.Fatalf("code %d, want %d: %s", resp.StatusCode, tc.code, b)
			}
			if !strings.Contains(string(b), tc.contains) {
				t.Errorf("body lacks %q: %.300s", tc.contains, b)
			}
			if tc.code != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type %q", ct)
			}
			dec := xml.NewDecoder(strings.NewReader(string(b)))
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not XML: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok {
					if se.Name.Local == "script" || se.Name.Local == "img" {
						t.Errorf("hostile element <%s> came through", se.Name.Local)
					}
					for _, a := range se.Attr {
						if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
							t.Errorf("event attribute %s came through", a.Name.Local)
						}
					}
				}
			}
		})
	}
}

// TestHostileNameInJSON checks that a hostile process name reaches JSON
// clients as an escaped string, never as markup.
func TestHostileNameInJSON(t *testing.T) {
	srv := svgServer(t)
	for _, path := range []string{"/api/v1/model", "/api/v1/snapshot", "/api/v1/ns/2"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// The snapshot has it in a label, cut to the label's length.
		if strings.Contains(string(b), "<img") || !strings.Contains(string(b), `\u003cimg src=x onerror=`) {
			t.Errorf("%s: hostile name not escaped: %.400s", path, b)
		}
	}
}
