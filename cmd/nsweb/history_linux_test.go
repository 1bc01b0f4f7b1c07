package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// historyServer is the real nsweb binary serving with a state directory.
type historyServer struct {
	cmd *exec.Cmd
	url string
}

func buildNsweb(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nsweb")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build nsweb with")
	}
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startHistoryServer(t *testing.T, bin, stateDir string) *historyServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--state-dir", stateDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &historyServer{cmd: cmd}
	t.Cleanup(func() { s.kill(syscall.SIGKILL) })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("nsweb printed no URL: %v", err)
	}
	m := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("nsweb printed %q, no URL", line)
	}
	s.url = m[1]
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	// What exists at the first scan was there before: wait for it.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var health struct {
			History struct {
				Newest *time.Time
				Error  string
			}
		}
		if s.get(t, "/healthz", &health); health.History.Newest != nil || health.History.Error != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func (s *historyServer) kill(sig syscall.Signal) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	_ = s.cmd.Wait()
}

func (s *historyServer) get(t *testing.T, path string, into any) (int, string) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("GET %s: %v in %.200s", path, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

type historyEvent struct {
	T     time.Time `json:"t"`
	Kind  string    `json:"kind"`
	NS    uint64    `json:"ns"`
	Inode uint64    `json:"inode"`
}

// waitEvent polls the history for an event of kind whose text holds q.
func (s *historyServer) waitEvent(t *testing.T, q, kind string) historyEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var page struct{ Events []historyEvent }
		s.get(t, "/api/v1/history?q="+url.QueryEscape(q), &page)
		for _, e := range page.Events {
			if e.Kind == kind || kind == "" {
				return e
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, all := s.get(t, "/api/v1/history?order=desc&limit=20", nil)
	t.Fatalf("no %s event for %q in the history within 30 s; the last 20:\n%s", kind, q, all)
	return historyEvent{}
}

// TestHistoryOfANetns is the "done when" on the real binary: a
// network namespace that lived between T1 and T2 is in the picture of T1
// and not of T2, in the history, and all of it survives a restart and a
// kill -9; a corrupt store file is reported and nsweb serves live.
func TestHistoryOfANetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: ip netns add")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip command")
	}
	bin := buildNsweb(t)
	dir := t.TempDir()
	srv := startHistoryServer(t, bin, dir)
	name := fmt.Sprintf("history-x-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			_ = exec.Command("ip", "netns", "delete", name).Run()
		}
	})
	// The scan may see the namespace (a member of ip) before its bind
	// mount: the name is in the born event or in a held one after it.
	named := srv.waitEvent(t, "/run/netns/"+name, "")
	born := srv.waitEvent(t, fmt.Sprintf("(ns:%d)", named.NS), "born")
	time.Sleep(1500 * time.Millisecond) // committed
	t1 := time.Now().UTC()
	if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns delete: %v: %s", err, out)
	}
	deleted = true
	ended := srv.waitEvent(t, fmt.Sprintf("(ns:%d)", born.NS), "ended")
	if !ended.T.After(t1) || ended.Inode != born.Inode {
		t.Errorf("ended %+v, born %+v, deleted after %v", ended, born, t1)
	}
	time.Sleep(1500 * time.Millisecond) // committed: a kill -9 loses at most the last second
	t2 := time.Now().UTC()
	nodeID := fmt.Sprintf("ns:%d", born.NS)
	check := func(srv *historyServer, when string) {
		t.Helper()
		q := "&q=" + url.QueryEscape(fmt.Sprintf("ns:%d", born.NS))
		for _, tc := range []struct {
			at   time.Time
			want bool
		}{{t1, true}, {t2, false}} {
			at := url.QueryEscape(tc.at.Format(time.RFC3339Nano))
			var snap struct {
				At    string `json:"at"`
				Nodes []struct{ ID string }
			}
			if code, body := srv.get(t, "/api/v1/snapshot?at="+at+q, &snap); code != http.StatusOK {
				t.Fatalf("%s: snapshot at %v: %d %s", when, tc.at, code, body)
			}
			found := false
			for _, n := range snap.Nodes {
				found = found || n.ID == nodeID
			}
			if found != tc.want || snap.At == "" {
				t.Errorf("%s: the snapshot at %v has %s: %v, want %v (at %q)", when, tc.at, nodeID, found, tc.want, snap.At)
			}
			code, svg := srv.get(t, "/snapshot.svg?at="+at+q, nil)
			if code != http.StatusOK || strings.Contains(svg, `id="`+nodeID+`"`) != tc.want {
				t.Errorf("%s: the SVG at %v (status %d) has %s: %v, want %v", when, tc.at, code, nodeID, !tc.want, tc.want)
			}
		}
		var page struct{ Events []historyEvent }
		srv.get(t, "/api/v1/history?q="+url.QueryEscape(fmt.Sprintf("(ns:%d)", born.NS)), &page)
		var kinds []string
		for _, e := range page.Events {
			kinds = append(kinds, e.Kind)
		}
		if len(kinds) < 2 || kinds[0] != "born" || kinds[len(kinds)-1] != "ended" {
			t.Errorf("%s: history of %s: %v, want [born ended]", when, nodeID, kinds)
		}
		var details struct {
			Lifetime *struct {
				Born  time.Time  `json:"born"`
				Ended *time.Time `json:"ended"`
			} `json:"lifetime"`
		}
		_, body := srv.get(t, "/api/v1/ns/"+nodeID, nil)
		if err := json.Unmarshal([]byte(body), &details); err != nil || details.Lifetime == nil || details.Lifetime.Ended == nil ||
			!details.Lifetime.Born.Equal(born.T) || !details.Lifetime.Ended.Equal(ended.T) {
			t.Errorf("%s: details of the ended %s: %s", when, nodeID, body)
		}
	}
	check(srv, "live")
	// A graceful restart.
	srv.kill(syscall.SIGTERM)
	srv = startHistoryServer(t, bin, dir)
	check(srv, "after a restart")
	// kill -9: what was committed a second before is there.
	time.Sleep(1500 * time.Millisecond)
	srv.kill(syscall.SIGKILL)
	out, err := exec.Command(bin, "history", "--state-dir", dir, "--since", "10m", "-q", fmt.Sprintf("(ns:%d)", born.NS)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "born") || !strings.Contains(string(out), "ended") {
		t.Errorf("nsweb history after kill -9: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "snapshot", "--state-dir", dir, "--at", t1.Format(time.RFC3339Nano), "-q", fmt.Sprintf("ns:%d", born.NS)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprint(born.Inode)) {
		t.Errorf("nsweb snapshot --at T1 after kill -9: %v\n%s", err, out)
	}
	srv = startHistoryServer(t, bin, dir)
	check(srv, "after kill -9")
	srv.kill(syscall.SIGTERM)

	// A corrupt store: reported, and nsweb serves the present.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "history.db"), []byte("SQLite format 3\x00 but then garbage, garbage, garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = startHistoryServer(t, bin, bad)
	var health struct {
		History struct {
			Enabled bool
			Error   string
		}
	}
	srv.get(t, "/healthz", &health)
	if health.History.Enabled || !strings.Contains(health.History.Error, filepath.Join(bad, "history.db")) {
		t.Errorf("healthz with a corrupt store: %+v", health.History)
	}
	if code, body := srv.get(t, "/api/v1/snapshot", nil); code != http.StatusOK {
		t.Errorf("live snapshot with a corrupt store: %d %.200s", code, body)
	}
	if code, body := srv.get(t, "/api/v1/history", nil); code != http.StatusNotFound || !strings.Contains(body, "history.db") {
		t.Errorf("history with a corrupt store: %d %s", code, body)
	}
	srv.kill(syscall.SIGTERM)
}
