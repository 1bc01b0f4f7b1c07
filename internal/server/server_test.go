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
