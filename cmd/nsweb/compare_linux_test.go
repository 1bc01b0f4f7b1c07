package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// compareDiff is what the test reads of GET /api/v1/compare and nsweb
// history --compare --format json.
type compareDiff struct {
	Live     bool `json:"live"`
	Appeared []struct {
		ID   uint64 `json:"id"`
		Type string `json:"type"`
	} `json:"appeared"`
	Ended []struct {
		ID   uint64 `json:"id"`
		Type string `json:"type"`
	} `json:"ended"`
	Totals    struct{ Appeared, Ended int }
	Truncated bool `json:"truncated"`
	Next      int  `json:"next"`
}

func (d *compareDiff) ids() (appeared, ended []uint64) {
	for _, n := range d.Appeared {
		appeared = append(appeared, n.ID)
	}
	for _, n := range d.Ended {
		ended = append(ended, n.ID)
	}
	return appeared, ended
}

// TestCompareMoments is compare on the real kernel: a netns made before
// T and deleted after it ended; a netns and an unshare'd UTS namespace
// made after T appeared. The API (to a past moment and to the present)
// and nsweb history --compare say so; the other namespaces of a busy host
// may come and go too, so the test checks only its own.
func TestCompareMoments(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: ip netns add")
	}
	for _, c := range []string{"ip", "unshare"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("no %s command", c)
		}
	}
	bin := buildNsweb(t)
	dir := t.TempDir()
	srv := startHistoryServer(t, bin, dir)
	before, after := fmt.Sprintf("compare-before-%d", os.Getpid()), fmt.Sprintf("compare-after-%d", os.Getpid())
	added := map[string]bool{}
	t.Cleanup(func() {
		for name := range added {
			_ = exec.Command("ip", "netns", "delete", name).Run()
		}
	})
	addNetns := func(name string) uint64 {
		t.Helper()
		if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v: %s", name, err, out)
		}
		added[name] = true
		named := srv.waitEvent(t, "/run/netns/"+name, "")
		return srv.waitEvent(t, fmt.Sprintf("(ns:%d)", named.NS), "born").NS
	}
	old := addNetns(before)
	time.Sleep(1500 * time.Millisecond) // committed
	t1 := time.Now().UTC()
	time.Sleep(100 * time.Millisecond)

	fresh := addNetns(after)
	sleeper := exec.Command("unshare", "--uts", "sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	uts := waitBorn(t, srv, model.UTS, sleeper.Process.Pid)
	if out, err := exec.Command("ip", "netns", "delete", before).CombinedOutput(); err != nil {
		t.Fatalf("ip netns delete: %v: %s", err, out)
	}
	delete(added, before)
	srv.waitEvent(t, fmt.Sprintf("(ns:%d)", old), "ended")
	time.Sleep(1500 * time.Millisecond) // committed
	t2 := time.Now().UTC()

	check := func(how string, d *compareDiff) {
		t.Helper()
		appeared, ended := d.ids()
		if !slices.Contains(appeared, fresh) || !slices.Contains(appeared, uts.NS) || slices.Contains(appeared, old) {
			t.Errorf("%s: appeared %v, want net %d and uts %d, not %d", how, appeared, fresh, uts.NS, old)
		}
		if !slices.Contains(ended, old) || slices.Contains(ended, fresh) || slices.Contains(ended, uts.NS) {
			t.Errorf("%s: ended %v, want net %d only of ours", how, ended, old)
		}
		if d.Totals.Appeared < len(d.Appeared) || d.Totals.Ended < len(d.Ended) {
			t.Errorf("%s: totals %+v below the lists", how, d.Totals)
		}
	}
	q := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }
	for _, tc := range []struct {
		how, path string
		live      bool
	}{
		{"T1 to T2", "/api/v1/compare?limit=200&from=" + q(t1) + "&to=" + q(t2), false},
		{"T1 to now", "/api/v1/compare?limit=200&from=" + q(t1), true},
	} {
		// Other engineers' namespaces come and go too: page through all.
		var all compareDiff
		for off := 0; ; {
			var d compareDiff
			if code, body := srv.get(t, tc.path+"&offset="+fmt.Sprint(off), &d); code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.how, code, body)
			}
			if d.Live != tc.live {
				t.Errorf("%s: live %v", tc.how, d.Live)
			}
			all.Appeared, all.Ended, all.Totals = append(all.Appeared, d.Appeared...), append(all.Ended, d.Ended...), d.Totals
			if !d.Truncated {
				break
			}
			off = d.Next
		}
		check("API "+tc.how, &all)
	}
	if code, body := srv.get(t, "/api/v1/compare?from="+q(t2)+"&to="+q(t1), nil); code != http.StatusBadRequest || !strings.Contains(body, "is after to") {
		t.Errorf("from after to: %d %s", code, body)
	}
	if code, body := srv.get(t, "/api/v1/compare?from=2001-01-01T00:00:00Z", nil); code != http.StatusBadRequest || !strings.Contains(body, "it holds") {
		t.Errorf("before the recording: %d %s", code, body)
	}

	// The CLI reads the same file, read-only, while nsweb serve records;
	// -q keeps our namespaces (and one that never changed) out of a busy host's.
	q1 := fmt.Sprintf("ns:%d,%d,%d,1", old, fresh, uts.NS)
	out, err := exec.Command(bin, "history", "--state-dir", dir, "--compare", t1.Format(time.RFC3339Nano), "--until", t2.Format(time.RFC3339Nano), "-q", q1, "--format", "json").Output()
	var d compareDiff
	if err != nil || json.Unmarshal(out, &d) != nil {
		t.Fatalf("nsweb history --compare --format json: %v\n%s", err, out)
	}
	check("CLI", &d)
	if d.Totals.Appeared != 2 || d.Totals.Ended != 1 {
		t.Errorf("CLI -q %s: totals %+v, want 2 appeared, 1 ended", q1, d.Totals)
	}
	out, err = exec.Command(bin, "history", "--state-dir", dir, "--compare", t1.Format(time.RFC3339Nano), "--until", t2.Format(time.RFC3339Nano), "-q", q1).Output()
	text := string(out)
	if err != nil || !strings.Contains(text, fmt.Sprintf("(ns:%d) · held by bind mount /run/netns/%s", fresh, after)) ||
		!strings.Contains(text, "- net ") || !strings.Contains(text, fmt.Sprintf("(ns:%d)", old)) ||
		!strings.Contains(text, "+ uts ") {
		t.Errorf("nsweb history --compare (text): %v\n%s", err, text)
	}
	out, err = exec.Command(bin, "history", "--state-dir", dir, "--compare", t2.Format(time.RFC3339Nano), "--until", t1.Format(time.RFC3339Nano)).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "is after --until") {
		t.Errorf("nsweb history --compare after --until: exit %d\n%s", code, out)
	}
	srv.kill(syscall.SIGTERM)
}

// waitBorn waits for the birth of the namespace of type typ whose first
// process is pid (seen as unshare or as what it execs).
func waitBorn(t *testing.T, srv *historyServer, typ model.NSType, pid int) historyEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var page struct {
			Events []struct {
				historyEvent
				Type string `json:"type"`
				PID  int    `json:"pid"`
			}
		}
		srv.get(t, "/api/v1/history?q="+url.QueryEscape(fmt.Sprintf("%s namespace born pid %d", typ, pid)), &page)
		for _, e := range page.Events {
			if e.Kind == "born" && e.Type == string(typ) && e.PID == pid {
				return e.historyEvent
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no %s namespace born with pid %d in the history within 30 s", typ, pid)
	return historyEvent{}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// cgroup2Mount is where the unified cgroup hierarchy is mounted, "" if
// nowhere.
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 {
				return f[4]
			}
		}
	}
	return ""
}

// TestCompareMovedBetweenContainers moves a process with a UTS namespace
// of its own from one container's cgroup to another's (docker-<id>.scope
// cgroups, which nsweb reads as containers without asking an engine):
// compare says the process and its namespace moved, one container
// stopped and the other started.
func TestCompareMovedBetweenContainers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare command")
	}
	mnt := cgroup2Mount(t)
	if mnt == "" {
		t.Skip("no cgroup2 hierarchy")
	}
	parent := filepath.Join(mnt, fmt.Sprintf("compare-%d", os.Getpid()))
	ids := []string{strings.Repeat("c0", 31) + fmt.Sprintf("%04x", os.Getpid()%0x10000), strings.Repeat("d1", 31) + fmt.Sprintf("%04x", os.Getpid()%0x10000)}
	scopes := []string{filepath.Join(parent, "docker-"+ids[0]+".scope"), filepath.Join(parent, "docker-"+ids[1]+".scope")}
	for _, d := range scopes {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Skipf("cannot make a cgroup: %v", err)
		}
	}
	bin := buildNsweb(t)
	srv := startHistoryServer(t, bin, t.TempDir())
	sleeper := exec.Command("unshare", "--uts", "sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	pid := sleeper.Process.Pid
	t.Cleanup(func() {
		_ = sleeper.Process.Kill()
		_ = sleeper.Wait()
		for _, d := range scopes {
			_ = os.Remove(d)
		}
		_ = os.Remove(parent)
	})
	into := func(scope string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(scope, "cgroup.procs"), []byte(fmt.Sprint(pid)), 0o644); err != nil {
			t.Fatalf("move pid %d into %s: %v", pid, scope, err)
		}
	}
	into(scopes[0])
	uts := waitBorn(t, srv, model.UTS, pid)
	srv.waitEvent(t, ids[0][:12]+" started", "started")
	time.Sleep(1500 * time.Millisecond) // committed
	t1 := time.Now().UTC()
	into(scopes[1]) // no process event: the next full scan sees it
	srv.waitEvent(t, ids[1][:12]+" started", "started")
	time.Sleep(1500 * time.Millisecond)
	t2 := time.Now().UTC()

	q := url.QueryEscape(fmt.Sprintf("ns:%d", uts.NS))
	var d struct {
		Moved []struct {
			Kind string
			NS   uint64
			PID  int
			From []struct{ ID string }
			To   []struct{ ID string }
		}
		Containers struct{ Started, Stopped []struct{ ID string } }
	}
	path := "/api/v1/compare?from=" + url.QueryEscape(t1.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(t2.Format(time.RFC3339Nano)) + "&q=" + q
	if code, body := srv.get(t, path, &d); code != http.StatusOK {
		t.Fatalf("compare: %d %s", code, body)
	}
	var ns, proc bool
	for _, m := range d.Moved {
		ok := len(m.From) == 1 && m.From[0].ID == ids[0] && len(m.To) == 1 && m.To[0].ID == ids[1]
		ns = ns || m.Kind == "namespace" && m.NS == uts.NS && ok
		proc = proc || m.Kind == "process" && m.PID == pid && ok
	}
	started := len(d.Containers.Started) == 1 && d.Containers.Started[0].ID == ids[1]
	stopped := len(d.Containers.Stopped) == 1 && d.Containers.Stopped[0].ID == ids[0]
	if !ns || !proc || !started || !stopped {
		_, body := srv.get(t, path, nil)
		t.Errorf("moved namespace %v, process %v, started %v, stopped %v: %s", ns, proc, started, stopped, body)
	}
	srv.kill(syscall.SIGTERM)
}
