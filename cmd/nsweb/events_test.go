package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeReportsEvents: where the live events come from is stated in the
// log, the page and /healthz; with --no-bpf (or without root) the fallback
// and why, with a banner; as root without it, "bpf" and no banner.
func TestServeReportsEvents(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	for _, tc := range []struct {
		name     string
		args     []string
		bpf      bool
		onlyRoot bool
	}{
		{"no-bpf", []string{"--no-bpf"}, false, false},
		{"bpf", nil, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.onlyRoot && os.Geteuid() != 0 {
				t.Skip("BPF needs root")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			url, done, errb := startServe(t, ctx, append([]string{"--listen", "127.0.0.1:0"}, tc.args...)...)
			resp, err := http.Get(url + "healthz")
			if err != nil {
				t.Fatal(err)
			}
			var h struct {
				Status            string           `json:"status"`
				Events            string           `json:"events"`
				SafetyOnlyChanges *int64           `json:"safetyOnlyChanges"`
				Scans             map[string]int64 `json:"scans"`
			}
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if h.Status != "ok" || h.SafetyOnlyChanges == nil || h.Scans == nil {
				t.Errorf("healthz %+v", h)
			}
			resp, err = http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			banner := strings.Contains(string(page), `id="events-banner"`)
			if tc.bpf {
				if h.Events != "bpf" || banner {
					t.Errorf("as root: events %q, banner %v; want bpf and no banner", h.Events, banner)
				}
			} else {
				if !strings.Contains(h.Events, "(bpf off)") || !banner || !strings.Contains(string(page), "(bpf off)") {
					t.Errorf("--no-bpf: events %q, banner %v; want the fallback named in both", h.Events, banner)
				}
			}
			// The log says it too.
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errb.String(), "events="); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no events= in the log:\n%s", errb.String())
				}
			}
			if !tc.bpf && !strings.Contains(errb.String(), "kernel events unavailable") {
				t.Errorf("log does not warn about the fallback:\n%s", errb.String())
			}
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit %d; stderr %q", code, errb.String())
			}
		})
	}
}
