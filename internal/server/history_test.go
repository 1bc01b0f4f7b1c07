package server

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/stream"
)

func TestHistoryParameters(t *testing.T) {
	st, err := history.Open(filepath.Join(t.TempDir(), history.FileName), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hub := liveHub(t, stream.Config{Layout: layout.Compute})
	off := New(Config{Version: "test", Guard: Guard{Hosts: []string{"example.com"}}, Stream: hub,
		HistoryStatus: func() HistoryStatus { return HistoryStatus{Error: "history.db is corrupt"} }})
	on := New(Config{Version: "test", Guard: Guard{Hosts: []string{"example.com"}}, Stream: hub, History: st,
		HistoryStatus: func() HistoryStatus { return HistoryStatus{Enabled: true} }})
	for _, tc := range []struct {
		s    *Server
		path string
		code int
		want string
	}{
		{on, "/api/v1/history", 200, `"events":[]`},
		{on, "/api/v1/history?since=yesterday", 400, "invalid since"},
		{on, "/api/v1/history?limit=0", 400, "invalid limit"},
		{on, "/api/v1/history?limit=5000", 400, "invalid limit"},
		{on, "/api/v1/history?order=up", 400, "invalid order"},
		{on, "/api/v1/history?cursor=nope", 400, "invalid cursor"},
		{on, "/api/v1/history?since=10m&order=desc&q=net", 200, `"events":[]`},
		{on, "/api/v1/history/timeline?buckets=0", 400, "invalid buckets"},
		{on, "/api/v1/history/timeline?since=1m&until=2m", 400, "until must be after since"},
		{on, "/api/v1/history/timeline?since=1h&buckets=10", 200, `"buckets":[`},
		{on, "/api/v1/snapshot?at=tomorrow", 400, "invalid at"},
		{on, "/api/v1/snapshot?at=2000-01-01T00:00:00Z", 400, "no history recorded yet"},
		{on, "/api/v1/snapshot?at=2999-01-01T00:00:00Z", 400, "in the future"},
		{on, "/snapshot.svg?at=2000-01-01T00:00:00Z", 400, "no history"},
		{on, "/api/v1/history/status", 200, `"enabled":true`},
		{off, "/api/v1/history", 404, "history.db is corrupt"},
		{off, "/api/v1/snapshot?at=10m", 400, "records no history"},
		{off, "/healthz", 200, `"error":"history.db is corrupt"`},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://example.com"+tc.path, nil)
		tc.s.ServeHTTP(rec, req)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s: %d %s, want %d with %q", tc.path, rec.Code, rec.Body.String(), tc.code, tc.want)
		}
	}
}
