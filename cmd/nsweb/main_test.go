package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

func TestCLI(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
		// notStderr must not be in stderr: advice that does not apply.
		notStderr string
	}{
		{"version flag", []string{"--version"}, 0, "nsweb " + version, "", ""},
		{"version command", []string{"version"}, 0, "nsweb " + version, "", ""},
		{"help", []string{"--help"}, 0, "Usage:", "", ""},
		{"serve help", []string{"serve", "--help"}, 0, "-listen", "", ""},
		{"bad flag", []string{"serve", "--bogus"}, 2, "", "flag provided but not defined: -bogus", ""},
		{"stray argument", []string{"serve", "extra"}, 2, "", `unexpected argument "extra"`, ""},
		{"public address refused", []string{"--listen", "0.0.0.0:8080"}, 2, "", "not a loopback address; nsweb shows every process of this host and listens on loopback only (add --allow-remote and a token to expose it)", ""},
		{"address without port", []string{"serve", "--listen", "127.0.0.1"}, 2, "", `invalid --listen address "127.0.0.1": missing port in address; want HOST:PORT such as 127.0.0.1:8080`, "--allow-remote"},
		{"unknown command", []string{"bogus"}, 2, "", `nsweb: unknown command "bogus" (commands: serve, snapshot, inspect, history, version, help; run "nsweb --help")`, "unexpected argument"},
		{"unknown command before flags", []string{"snapshots", "--format", "json"}, 2, "", `unknown command "snapshots"`, ""},
		{"remote needs a token", []string{"--listen", "0.0.0.0:0", "--allow-remote", "--token-file", ""}, 2, "", "--allow-remote needs a token", ""},
		{"missing token file", []string{"--listen", "127.0.0.1:0", "--token-file", "/nonexistent/token"}, 2, "", "read token: open /nonexistent/token", ""},
		{"malformed address", []string{"--listen", "nonsense"}, 2, "", "invalid --listen address", "--allow-remote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
			if tc.notStderr != "" && strings.Contains(errb.String(), tc.notStderr) {
				t.Errorf("stderr %q holds %q, which does not apply", errb.String(), tc.notStderr)
			}
		})
	}
}

// TestServeWarnsAboutNamedEngineSocket: an --engine-socket that does not
// exist is a warning at start naming it, and nsweb serves anyway.
func TestServeWarnsAboutNamedEngineSocket(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	sock := filepath.Join(t.TempDir(), "nonexistent.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, errb := startServe(t, ctx, "--listen", "127.0.0.1:0", "--engine-socket", sock)
	want := `level=WARN msg="container engine socket does not exist; its containers show by ID until it appears" component=engine socket=` + sock
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errb.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning %q in stderr:\n%s", want, errb.String())
		}
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d; stderr %q", code, errb.String())
	}
}

func TestServePortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", ln.Addr().String()}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	msg := strings.TrimSpace(errb.String())
	if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "cannot listen on "+ln.Addr().String()) || !strings.Contains(msg, "address already in use") {
		t.Errorf("want one clear line, got %q", msg)
	}
}

// syncBuffer lets the test read what the server goroutine prints.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs "nsweb serve" with args in the background and returns the
// URL it printed and a channel with its exit code.
func startServe(t *testing.T, ctx context.Context, args ...string) (string, <-chan int, *syncBuffer) {
	t.Helper()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), &out, &errb) }()
	re := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/\S*)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], done, &errb
		}
	}
	t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
	return "", nil, nil
}

func TestServeWithToken(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "0123456789abcdef-token")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, _ := startServe(t, ctx, "--listen", "127.0.0.1:0")
	if !strings.HasSuffix(url, "/?token=0123456789abcdef-token") {
		t.Fatalf("printed URL %q lacks the token", url)
	}
	base := strings.TrimSuffix(url, "?token=0123456789abcdef-token")
	resp, err := http.Get(base + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	jar := &cookieJar{}
	c := &http.Client{Jar: jar}
	resp, err = c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "" {
		t.Errorf("token URL: %d at %s, want 200 at the bare page", resp.StatusCode, resp.Request.URL)
	}
	cancel()
	<-done
}

// cookieJar is the smallest jar that lets a client keep nsweb's cookie.
type cookieJar struct {
	mu sync.Mutex
	c  []*http.Cookie
}

func (j *cookieJar) SetCookies(_ *neturl.URL, c []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.c = append(j.c, c...)
}

func (j *cookieJar) Cookies(*neturl.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.c
}

func TestServeAndShutdown(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, errb := startServe(t, ctx, "--listen", "127.0.0.1:0")
	for _, path := range []string{"", "healthz"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /%s: %d", path, resp.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after shutdown; stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestSnapshotCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		check  func(t *testing.T, stdout string)
	}{
		{"json to stdout", []string{"snapshot", "--format", "json"}, 0, "", func(t *testing.T, out string) {
			var s model.Snapshot
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if len(s.Namespaces) == 0 || len(s.Processes) == 0 || s.Kernel == "" {
				t.Errorf("empty snapshot: %d namespaces, %d processes, kernel %q", len(s.Namespaces), len(s.Processes), s.Kernel)
			}
			self := s.Processes[os.Getpid()]
			if self == nil || len(self.NS) == 0 {
				t.Errorf("the test's own process is missing or has no namespaces: %+v", self)
			}
		}},
		{"json to file", []string{"snapshot", "--format", "json", "-o", filepath.Join(dir, "s.json")}, 0, "", func(t *testing.T, out string) {
			if out != "" {
				t.Errorf("stdout not empty with -o")
			}
			b, err := os.ReadFile(filepath.Join(dir, "s.json"))
			if err != nil || !json.Valid(b) {
				t.Errorf("file: %v, valid JSON %v", err, json.Valid(b))
			}
		}},
		{"text tree", []string{"snapshot"}, 0, "", func(t *testing.T, out string) {
			first, _, _ := strings.Cut(out, "\n")
			if !strings.HasPrefix(first, "# ") || !strings.Contains(out, "\nuser ") ||
				!strings.Contains(out, "─net ") && !strings.Contains(out, " net namespaces folded]") { // a host with many netns folds them
				t.Errorf("not an owner tree:\n%s", out)
			}
		}},
		{"pid view filtered", []string{"snapshot", "--view", "pid", "-q", "type:pid"}, 0, "", func(t *testing.T, out string) {
			if !strings.Contains(out, "\npid ") || strings.Contains(out, "net ") {
				t.Errorf("pid view shows other types:\n%s", out)
			}
		}},
		{"svg", []string{"snapshot", "--format", "svg"}, 0, "", func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "<svg xmlns=\"http://www.w3.org/2000/svg\"") || !strings.Contains(out, "</svg>") {
				t.Errorf("not an SVG document: %.200s", out)
			}
		}},
		{"every group open", []string{"snapshot", "--expand", "all"}, 0, "", func(t *testing.T, out string) {
			if strings.Contains(out, "folded]") || strings.Contains(out, "--expand") || !strings.Contains(out, "\nuser ") {
				t.Errorf("a group is folded with --expand all:\n%s", out)
			}
		}},
		{"bad filter", []string{"snapshot", "-q", "nokey:1"}, 2, `unknown key "nokey"`, nil},
		{"bad view", []string{"snapshot", "--view", "tree"}, 2, `unknown --view "tree"`, nil},
		{"bad group", []string{"snapshot", "--group", "box"}, 2, `unknown --group "box" (want none, container or pod)`, nil},
		{"unknown format", []string{"snapshot", "--format", "pdf"}, 2, `unknown --format "pdf"`, nil},
		{"unwritable output", []string{"snapshot", "--format", "json", "-o", "/nonexistent/dir/x"}, 1, "no such file or directory", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
			if tc.check != nil {
				tc.check(t, out.String())
			}
		})
	}
}
