package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func guarded(g Guard) http.Handler {
	return New(Config{
		Version:  "test",
		Guard:    g,
		Snapshot: func(context.Context) (*model.Snapshot, error) { return &model.Snapshot{}, nil },
	})
}

func TestGuard(t *testing.T) {
	local := Guard{Hosts: []string{"127.0.0.1:8080", "localhost:8080"}}
	withToken := Guard{Hosts: []string{"127.0.0.1:8080"}, Token: "s3cret"}
	remote := Guard{AnyIPHost: true, Token: "s3cret"}
	tests := []struct {
		name     string
		g        Guard
		method   string
		target   string
		header   map[string]string
		code     int
		contains string
	}{
		{"loopback host ok", local, "GET", "http://127.0.0.1:8080/healthz", nil, 200, "ok"},
		{"localhost ok", local, "GET", "http://localhost:8080/healthz", nil, 200, "ok"},
		{"host case-insensitive", local, "GET", "http://LOCALHOST:8080/healthz", nil, 200, "ok"},
		{"rebinding host refused", local, "GET", "http://evil.example:8080/", nil, 421, `host \"evil.example:8080\" is not served here`},
		{"other port refused", local, "GET", "http://127.0.0.1:9999/", nil, 421, "not served here"},
		{"post refused", local, "POST", "http://127.0.0.1:8080/healthz", nil, 405, "read-only"},
		{"delete refused", local, "DELETE", "http://127.0.0.1:8080/api/v1/model", nil, 405, "read-only"},
		{"same-origin upgrade passes the guard", local, "GET", "http://127.0.0.1:8080/nope", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "http://127.0.0.1:8080"}, 404, ""},
		{"foreign origin upgrade refused", local, "GET", "http://127.0.0.1:8080/api/v1/stream", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "http://evil.example"}, 403, "does not match host"},
		{"null origin upgrade refused", local, "GET", "http://127.0.0.1:8080/api/v1/stream", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "null"}, 403, "does not match"},
		{"missing token", withToken, "GET", "http://127.0.0.1:8080/healthz", nil, 401, "token is required"},
		{"wrong bearer", withToken, "GET", "http://127.0.0.1:8080/healthz", map[string]string{"Authorization": "Bearer nope"}, 401, "token is required"},
		{"right bearer", withToken, "GET", "http://127.0.0.1:8080/healthz", map[string]string{"Authorization": "Bearer s3cret"}, 200, "ok"},
		{"right cookie", withToken, "GET", "http://127.0.0.1:8080/healthz", map[string]string{"Cookie": "nsweb_token=s3cret"}, 200, "ok"},
		{"wrong query token", withToken, "GET", "http://127.0.0.1:8080/?token=nope", nil, 401, "wrong token"},
		{"query token sets cookie", withToken, "GET", "http://127.0.0.1:8080/?view=pid&token=s3cret", nil, 303, ""},
		{"remote ip host with token", remote, "GET", "http://192.0.2.7:8080/healthz", map[string]string{"Authorization": "Bearer s3cret"}, 200, "ok"},
		{"remote name refused", remote, "GET", "http://rebind.example:8080/healthz", map[string]string{"Authorization": "Bearer s3cret"}, 421, "not served"},
		{"remote without token", remote, "GET", "http://192.0.2.7:8080/healthz", nil, 401, "token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			guarded(tc.g).ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("code %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body %q lacks %q", rec.Body, tc.contains)
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Error("no CSP header")
			}
		})
	}
}

func TestTokenRedirectStripsToken(t *testing.T) {
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/?view=pid&token=s3cret", nil)
	rec := httptest.NewRecorder()
	guarded(Guard{Hosts: []string{"127.0.0.1:8080"}, Token: "s3cret"}).ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); loc != "/?view=pid" {
		t.Errorf("Location %q, want /?view=pid", loc)
	}
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != tokenCookie || c[0].Value != "s3cret" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %+v", c)
	}
}

// TestHeadersOnEveryAnswer checks the security headers on pages, assets,
// API answers and errors alike.
func TestHeadersOnEveryAnswer(t *testing.T) {
	h := guarded(Guard{Hosts: []string{"example.com"}})
	for _, path := range []string{"/", "/static/app.js", "/healthz", "/api/v1/model", "/missing"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, rec.Header())
		}
	}
}

func TestQuoteIsInert(t *testing.T) {
	got := quote("a\x1b[31m\nb\xff" + strings.Repeat("x", 300))
	if strings.ContainsAny(got, "\x1b\n") || !strings.HasSuffix(got, `…"`) || strings.Contains(got, "\xff") {
		t.Errorf("quote = %q", got)
	}
}
