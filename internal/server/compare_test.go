package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/compare"
	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
	"github.com/nsweb/nsweb/internal/stream"
)

// TestCompareAPI records two moments ten minutes ago (net 9 appears
// between them, the container of net 4 stops) and asks the server to
// compare them, and the first with the present.
func TestCompareAPI(t *testing.T) {
	st, err := history.Open(filepath.Join(t.TempDir(), history.FileName), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := time.Now().Add(-10 * time.Minute).Truncate(time.Second).UTC()
	a := modeltest.Small()
	a.Taken = base
	b := modeltest.Small()
	b.Taken = base.Add(time.Minute)
	b.Namespaces[9] = &model.Namespace{ID: 9, Type: model.Net, Inode: 4026532900,
		HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/compare-x", MntNS: 6}}}
	delete(b.Namespaces, 3)
	delete(b.Namespaces, 4)
	delete(b.Processes, 100)
	delete(b.Containers, "abcdef0123456789")
	b.Namespaces[1].Procs = []int{1}

	rec := history.NewRecorder(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	rec.Record(a)
	rec.Record(b)
	cancel()
	<-done // Run commits what is pending as it returns

	hub, err := stream.NewHub(stream.Config{Layout: layout.Compute})
	if err != nil {
		t.Fatal(err)
	}
	live := modeltest.Small() // the container runs again (as a new one would)
	hub.Publish(live)
	srv := New(Config{Version: "test", Guard: Guard{Hosts: []string{"example.com"}}, Stream: hub, History: st,
		HistoryStatus: func() HistoryStatus { return HistoryStatus{Enabled: true} }})
	off := New(Config{Version: "test", Guard: Guard{Hosts: []string{"example.com"}}, Stream: hub,
		HistoryStatus: func() HistoryStatus { return HistoryStatus{Error: "history.db is corrupt"} }})

	at := func(d time.Duration) string { return url.QueryEscape(base.Add(d).Format(time.RFC3339Nano)) }
	get := func(s *Server, path string) (int, string) {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://example.com"+path, nil))
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		s    *Server
		path string
		code int
		want string
	}{
		{srv, "/api/v1/compare", 400, "from is required"},
		{srv, "/api/v1/compare?from=yesterday", 400, "invalid from"},
		{srv, "/api/v1/compare?from=10m&to=soon", 400, "invalid to"},
		{srv, "/api/v1/compare?from=" + at(time.Minute) + "&to=" + at(0), 400, "is after to"},
		{srv, "/api/v1/compare?from=" + at(0) + "&to=2999-01-01T00:00:00Z", 400, "in the future"},
		{srv, "/api/v1/compare?from=2000-01-01T00:00:00Z", 400, "from: no history at 2000-01-01T00:00:00Z: it holds " + base.Format(time.RFC3339)},
		{srv, "/api/v1/compare?from=" + at(0) + "&limit=0", 400, "invalid limit"},
		{srv, "/api/v1/compare?from=" + at(0) + "&limit=5000", 400, "invalid limit"},
		{srv, "/api/v1/compare?from=" + at(0) + "&offset=-1", 400, "invalid offset"},
		{off, "/api/v1/compare?from=10m", 404, "history.db is corrupt"},
		{srv, "/api/v1/compare?from=" + at(0) + "&q=bogus:1", 400, "invalid q"},
		{srv, "/api/v1/compare?from=" + at(30*time.Second) + "&to=" + at(90*time.Second) + "&q=type:user", 200, `"appeared":[],"ended":[{"id":3,`},
		{srv, "/api/v1/nope", 404, "/api/v1/compare"},
	} {
		if code, body := get(tc.s, tc.path); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %s, want %d with %q", tc.path, code, body, tc.code, tc.want)
		}
	}

	var d compare.Diff
	code, body := get(srv, "/api/v1/compare?from="+at(30*time.Second)+"&to="+at(90*time.Second))
	if code != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("compare: %d %s", code, body)
	}
	if d.Live || d.Totals.Appeared != 1 || len(d.Appeared) != 1 || d.Appeared[0].ID != 9 || d.Appeared[0].Held != "bind mount /run/netns/compare-x" ||
		d.Totals.Ended != 2 || d.Totals.EndedByType[model.Net] != 1 || d.Totals.EndedByType[model.User] != 1 ||
		len(d.Containers.Stopped) != 1 || d.Containers.Stopped[0].Name != "WebFront" || len(d.Containers.Started) != 0 ||
		!d.From.Equal(base.Add(30*time.Second)) || d.Truncated {
		t.Errorf("compare A→B: %s", body)
	}
	// The second moment against the present: net 9 ended, the container
	// and its namespaces are back.
	code, body = get(srv, "/api/v1/compare?from="+at(90*time.Second)+"&to=now&limit=1")
	d = compare.Diff{}
	if code != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("compare B→now: %d %s", code, body)
	}
	if !d.Live || d.Totals.Ended != 1 || d.Ended[0].ID != 9 || d.Totals.Appeared != 2 || len(d.Appeared) != 1 || !d.Truncated || d.Next != 1 ||
		len(d.Containers.Started) != 1 || d.Containers.Started[0].Name != "WebFront" {
		t.Errorf("compare B→now, a page of 1: %s", body)
	}
}
