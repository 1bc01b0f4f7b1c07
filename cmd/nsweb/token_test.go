package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShortEnvTokenRefused: NSWEB_TOKEN=a guarded a remote listener with
// one character; the environment is held to the token file's 16-character
// minimum (review item 6).
func TestShortEnvTokenRefused(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "a")
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:0", "--allow-remote"},
		{"--listen", "127.0.0.1:0", "--token"},
	} {
		var out, errb bytes.Buffer
		// Without the check nsweb would serve until this ends.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		code := run(ctx, append([]string{"serve"}, args...), &out, &errb)
		cancel()
		if code != 2 || !strings.Contains(errb.String(), "$NSWEB_TOKEN is too short: use at least 16 characters") {
			t.Errorf("%v with NSWEB_TOKEN=a: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

// TestTokenFlagOnLoopback: --token asks for a token on loopback too; with
// none given nsweb makes one and prints it in the URL.
func TestTokenFlagOnLoopback(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, _ := startServe(t, ctx, "--listen", "127.0.0.1:0", "--token")
	base, tok, ok := strings.Cut(url, "?token=")
	if !ok || len(tok) < 32 {
		t.Fatalf("printed URL %q has no generated token", url)
	}
	resp, err := http.Get(base + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("loopback without the token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"healthz", nil)
	req.Header.Set("Authorization", "bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("loopback with the token: %d, want 200", resp.StatusCode)
	}
	cancel()
	<-done
}
