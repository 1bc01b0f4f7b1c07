package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestRoutes(t *testing.T) {
	snap := &model.Snapshot{Host: "h1", Namespaces: map[model.NSID]*model.Namespace{7: {ID: 7, Type: model.Net}}}
	ok := func(context.Context) (*model.Snapshot, error) { return snap, nil }
	fail := func(context.Context) (*model.Snapshot, error) { return nil, errors.New("boom") }
	tests := []struct {
		name     string
		src      SnapshotFunc
		path     string
		code     int
		ctype    string
		contains string
	}{
		{"page", ok, "/", 200, "text/html; charset=utf-8", "<title>nsweb — "},
		{"page declares favicon", ok, "/", 200, "text/html; charset=utf-8", `rel="icon" href="/static/favicon.svg"`},
		{"healthz", ok, "/healthz", 200, "application/json", `"status":"ok"`},
		{"script", ok, "/static/app.js", 200, "text/javascript; charset=utf-8", "@ts-check"},
		{"style", ok, "/static/style.css", 200, "text/css; charset=utf-8", ":root"},
		{"icon", ok, "/static/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"missing static", ok, "/static/nope.js", 404, "", ""},
		{"model", ok, "/api/v1/model", 200, "application/json", `"host":"h1"`},
		{"model error", fail, "/api/v1/model", 500, "application/json", `"error":"scan failed: boom"`},
		{"model unconfigured", nil, "/api/v1/model", 503, "application/json", `"error"`},
		{"unknown", ok, "/nope", 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Version: "test", Snapshot: tc.src, Guard: Guard{Hosts: []string{"example.com"}}})
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.code {
				t.Fatalf("GET %s: code %d, want %d; body %q", tc.path, rec.Code, tc.code, rec.Body.String())
			}
			if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body lacks %q:\n%s", tc.contains, rec.Body.String())
			}
		})
	}
}

func TestModelIsValidJSON(t *testing.T) {
	snap := &model.Snapshot{Host: "h", Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User}}}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = New(Config{
		Snapshot: func(context.Context) (*model.Snapshot, error) { return snap, nil },
		Guard:    Guard{Hosts: LoopbackHosts(srv.Listener.Addr())},
	})
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/model")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got model.Snapshot
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	if got.Namespaces[1] == nil || got.Namespaces[1].Type != model.User {
		t.Errorf("round trip lost the namespace: %+v", got)
	}
}

// TestAPIErrorsAreJSON: every answer under /api/ is JSON, as
// docs/protocol.md promises, also for paths and methods no route serves;
// other paths keep the plain 404 browsers expect.
func TestAPIErrorsAreJSON(t *testing.T) {
	srv := svgServer(t)
	tests := []struct {
		method, path string
		code         int
		want         string // in the JSON error; "" for a success
	}{
		{"GET", "/api/v1/ns/", 404, "no namespace named: want /api/v1/ns/{ref}, where ref is a namespace ID"},
		{"GET", "/api/v1/nope", 404, `no API endpoint "/api/v1/nope"; nsweb serves GET /api/v1/stream, /api/v1/snapshot, /api/v1/ns/{ref}, /api/v1/model`},
		{"GET", "/api/v2/snapshot", 404, `no API endpoint "/api/v2/snapshot"`},
		{"GET", "/api", 404, `no API endpoint "/api"`},
		{"GET", "/api/v1/ns/1/procs", 404, `no API endpoint "/api/v1/ns/1/procs"`},
		{"GET", "/api/v1/ns/4026531837", 200, ""}, // the inode on the user namespace's label
		{"HEAD", "/api/v1/model", 200, ""},
		{"POST", "/api/v1/model", 405, "nsweb is read-only"},
		{"GET", "/api/v1/stream", 426, "this endpoint is a WebSocket"}, // no upgrade asked
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %q %s, want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.code)
			}
			if tc.want == "" {
				return
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, tc.want) {
				t.Errorf("body %s, want an error containing %q", body, tc.want)
			}
		})
	}
	// Outside the API a browser gets the usual page.
	resp, err := http.Get(srv.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /nope: %d %q, want a plain 404", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The guard refuses other methods before routing; should a route ever
	// refuse one itself, the answer is JSON too.
	rec := httptest.NewRecorder()
	New(Config{}).methodNotAllowed(rec, httptest.NewRequest("PUT", "/api/v1/model", nil))
	if rec.Code != 405 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("405: %d %q Allow %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Allow"))
	}
}
