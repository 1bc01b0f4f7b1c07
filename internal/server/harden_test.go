package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
)

// The tests of this file are the security review's findings (issue 15),
// each reproduced against the handler.

// TestTokenRedirectStaysLocal: GET //evil.example/?token=T must not send the
// browser to another site (review item 5).
func TestTokenRedirectStaysLocal(t *testing.T) {
	g := Guard{Hosts: []string{"127.0.0.1:8080"}, Token: "s3cret"}
	for _, target := range []string{
		"//evil.example/?token=s3cret",
		"///evil.example/?token=s3cret",
		"/\\evil.example/?token=s3cret",
		"//evil.example/../x?token=s3cret&view=pid",
		"/%2F%2Fevil.example/?token=s3cret",
	} {
		// As the server parses it off the wire.
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		guarded(g).ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s: code %d, want 303", target, rec.Code)
		}
		if target == "//evil.example/?token=s3cret" && loc != "/evil.example/" {
			t.Errorf("%s: Location %q, want the clean local path /evil.example/", target, loc)
		}
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") || strings.Contains(loc, "token") {
			t.Errorf("%s: Location %q leaves the site or keeps the token", target, loc)
		}
	}
}

// TestHostWithoutDefaultPort: browsers drop :80 from Host; a server on
// port 80 must take it (review item 7).
func TestHostWithoutDefaultPort(t *testing.T) {
	g := Guard{Hosts: []string{"127.0.0.1:80", "localhost:80", "[::1]:80"}}
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "127.0.0.1:80"} {
		req := httptest.NewRequest("GET", "http://x/healthz", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		guarded(g).ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("Host %q on port 80: %d %s", host, rec.Code, rec.Body)
		}
	}
	// Without a port, the host means port 80: a server on 8080 refuses it.
	other := Guard{Hosts: []string{"127.0.0.1:8080"}}
	req := httptest.NewRequest("GET", "http://127.0.0.1/healthz", nil)
	rec := httptest.NewRecorder()
	guarded(other).ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest {
		t.Errorf("Host 127.0.0.1 on port 8080: %d, want 421", rec.Code)
	}
}

// TestBearerSchemeCaseInsensitive: RFC 9110 auth schemes ignore case
// (review item 10).
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	g := Guard{Hosts: []string{"127.0.0.1:8080"}, Token: "s3cret"}
	for _, a := range []string{"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "Bearer  s3cret"} {
		req := httptest.NewRequest("GET", "http://127.0.0.1:8080/healthz", nil)
		req.Header.Set("Authorization", a)
		rec := httptest.NewRecorder()
		guarded(g).ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("Authorization %q: %d", a, rec.Code)
		}
	}
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/healthz", nil)
	req.Header.Set("Authorization", "Basic s3cret")
	rec := httptest.NewRecorder()
	guarded(g).ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("Basic scheme: %d, want 401", rec.Code)
	}
}

// TestUpgradeReadOnce: the guard checks the Origin of every request the
// websocket handler would upgrade, however the Upgrade header is spelled
// (a list, several headers) (review item 10).
func TestUpgradeReadOnce(t *testing.T) {
	for _, h := range [][]string{{"websocket"}, {"WebSocket"}, {"h2c, websocket"}, {"h2c", "websocket"}} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Connection", "keep-alive, Upgrade")
		for _, v := range h {
			r.Header.Add("Upgrade", v)
		}
		if !wantsWebsocket(r) {
			t.Errorf("Upgrade %q: not a websocket request", h)
		}
	}
	h := New(Config{Stream: liveHub(t, stream.Config{}), Guard: Guard{Hosts: []string{"127.0.0.1:8080"}}})
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/api/v1/stream", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Add("Upgrade", "h2c")
	req.Header.Add("Upgrade", "websocket")
	req.Header.Set("Origin", "http://evil.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("foreign origin with Upgrade in a second header: %d, want 403", rec.Code)
	}
}

// TestStaticServesOnlyAssets: no directory listing, no unit tests
// (review item 10).
func TestStaticServesOnlyAssets(t *testing.T) {
	h := guarded(Guard{Hosts: []string{"example.com"}})
	for _, p := range []string{"/static/", "/static/store.test.js", "/static/modules.test.js", "/static/./", "/static//"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code == 200 || strings.Contains(rec.Body.String(), "<a href") || strings.Contains(rec.Body.String(), "node:test") {
			t.Errorf("GET %s: %d, %q", p, rec.Code, truncateBody(rec.Body.String()))
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/static/store.js", nil))
	if rec.Code != 200 {
		t.Errorf("GET /static/store.js: %d", rec.Code)
	}
}

func truncateBody(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestNamespaceRefFromRoute: /api/v1/ns/x%2F1 names no namespace; it was
// read as "1" from the last path element (review item 9).
func TestNamespaceRefFromRoute(t *testing.T) {
	hub, srv := liveServer(t, stream.Config{Layout: layout.Compute})
	hub.Publish(&model.Snapshot{Root: 1, Namespaces: map[model.NSID]*model.Namespace{
		1: {ID: 1, Type: model.User, Inode: 4026531837},
	}})
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/api/v1/ns/1", 200},
		{"/api/v1/ns/ns:1", 200},
		{"/api/v1/ns/x%2F1", 400},
		{"/api/v1/ns/ns:2%2F1", 400},
		{"/api/v1/ns/%2F1", 400},
		// Browsers escape ":" (encodeURIComponent): the ref is unescaped.
		{"/api/v1/ns/ns%3A1", 200},
		{"/api/v1/ns/user%3A%5B4026531837%5D", 200},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s: %d, want %d: %s", tc.path, resp.StatusCode, tc.code, body)
		}
		if tc.code != 200 {
			var e struct{ Error string }
			if json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("GET %s: no JSON error: %s", tc.path, body)
			}
		}
	}
}

// maxWriteRecorder records the largest single write of an answer.
type maxWriteRecorder struct {
	*httptest.ResponseRecorder
	max int
}

func (m *maxWriteRecorder) Write(b []byte) (int, error) {
	m.max = max(m.max, len(b))
	return m.ResponseRecorder.Write(b)
}

// TestModelStreams: /api/v1/model is written element by element, never as
// one buffered document (review item 2: it answered 79.5 MB at once), and
// it is the same document json.Marshal makes.
func TestModelStreams(t *testing.T) {
	snap := &model.Snapshot{Host: "h", Kernel: "6.18", Root: 1, Partial: true, Reason: "r",
		Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User, Procs: []int{}}},
		Processes:  map[int]*model.Process{},
		Containers: map[string]*model.Container{"c": {ID: "c", Runtime: "docker"}},
		Gaps:       []model.Gap{{PID: 3, What: "x", Err: "y"}},
	}
	line := strings.Repeat("\x00a", model.MaxCmdline/2)
	for pid := 1; pid <= 300; pid++ {
		snap.Processes[pid] = &model.Process{PID: pid, Comm: "sh", Cmdline: line, CmdlineLen: 1 << 20}
		snap.Namespaces[1].Procs = append(snap.Namespaces[1].Procs, pid)
	}
	h := New(Config{Snapshot: func(context.Context) (*model.Snapshot, error) { return snap, nil }, Guard: Guard{Hosts: []string{"example.com"}}})
	rec := &maxWriteRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/model", nil))
	if rec.Code != 200 {
		t.Fatalf("code %d", rec.Code)
	}
	if rec.max > 64<<10 {
		t.Errorf("largest write %d bytes of a %d-byte answer: buffered, not streamed", rec.max, rec.Body.Len())
	}
	want, _ := json.Marshal(snap)
	var got, exp any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(want, &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Error("streamed model differs from json.Marshal's")
	}
	if strings.TrimSpace(rec.Body.String()) != string(want) {
		g := strings.TrimSpace(rec.Body.String())
		i := 0
		for i < len(g) && i < len(want) && g[i] == want[i] {
			i++
		}
		t.Errorf("streamed model is not byte for byte json.Marshal's: at %d: %.80q vs %.80q", i, g[i:], want[i:])
	}
}

// TestFullCmdlineEndpoint: the whole command line, which snapshots keep
// only the start of, on demand for a process of the latest scan.
func TestFullCmdlineEndpoint(t *testing.T) {
	hub := liveHub(t, stream.Config{Layout: layout.Compute})
	hub.Publish(&model.Snapshot{Root: 1, Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User}},
		Processes: map[int]*model.Process{7: {PID: 7, Start: 99, Cmdline: "a", CmdlineLen: 5000}}})
	full := func(pid int, start uint64) (string, error) {
		if pid != 7 || start != 99 {
			return "", errors.New("process 7 has ended")
		}
		return strings.Repeat("a", 5000), nil
	}
	h := New(Config{Stream: hub, FullCmdline: full, Guard: Guard{Hosts: []string{"example.com"}}})
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/proc/7/cmdline", 200, strings.Repeat("a", 5000)},
		{"/api/v1/proc/8/cmdline", 404, "no process 8"},
		{"/api/v1/proc/x/cmdline", 400, "invalid PID"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s: %d %.100s", tc.path, rec.Code, rec.Body)
		}
	}
}
