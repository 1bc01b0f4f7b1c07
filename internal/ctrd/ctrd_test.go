package ctrd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/api/types/task"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nsweb/nsweb/internal/cgroup"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const hexID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fakeProc writes /proc/PID/cgroup files under a new directory.
func fakeProc(t testing.TB, cgroups map[int]string) string {
	t.Helper()
	root := t.TempDir()
	for pid, text := range cgroups {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func dialAPI(t testing.TB, sock string) api {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return newAPI(conn)
}

// pollOnce is one poll of socket s at now, installed as Run would.
func pollOnce(t *testing.T, c *Catalog, a api, now time.Time) {
	t.Helper()
	s := c.sockets[0]
	next, err := c.poll(context.Background(), a, s.entries, now)
	if err != nil {
		t.Fatal(err)
	}
	c.install(s, next)
}

// TestCatalog: every namespace but k8s.io is asked; containers with a
// running task are named (nerdctl/name, else a chosen ID, else by short
// ID), with image, labels and namespace; the CRI's, stopped tasks and
// records gone since the task list are left out; the tasks' cgroups that
// name their container resolve, also below them, and nothing else does.
func TestCatalog(t *testing.T) {
	f, sock := startFake(t)
	f.set("default", fakeContainer{id: hexID, image: "docker.io/library/nginx:1.27", pid: 101, status: task.Status_RUNNING,
		labels: map[string]string{NameLabel: "web", "tier": "front"}})
	f.set("nsweb-test",
		fakeContainer{id: "ctrd-web", image: "docker.io/library/busybox:latest", pid: 102, status: task.Status_RUNNING},
		fakeContainer{id: "paused", pid: 103, status: task.Status_PAUSED},
		fakeContainer{id: "stopped", pid: 104, status: task.Status_STOPPED},
		fakeContainer{id: "created", pid: 0, status: task.Status_CREATED},
		fakeContainer{id: "vanished", pid: 105, status: task.Status_RUNNING, noRecord: true},
		fakeContainer{id: "shared-cgroup", pid: 106, status: task.Status_RUNNING},
		fakeContainer{id: "Bad/ID", pid: 107, status: task.Status_RUNNING})
	f.set("moby", fakeContainer{id: strings.Repeat("ab", 32), pid: 108, status: task.Status_RUNNING,
		labels: map[string]string{"io.kubernetes.pod.name": "p"}})
	f.set("k8s.io", fakeContainer{id: strings.Repeat("cd", 32), pid: 109, status: task.Status_RUNNING})
	proc := fakeProc(t, map[int]string{
		101: "0::/default/" + hexID + "\n",
		102: "12:pids:/nsweb-test/ctrd-web\n1:name=systemd:/nsweb-test/ctrd-web\n0::/nsweb-test/ctrd-web\n",
		103: "0::/nsweb-test/paused/init\n",
		106: "0::/system.slice/ssh.service\n",
	})
	c := New(Config{Sockets: []string{sock}, ProcRoot: proc, Logger: quiet})
	pollOnce(t, c, dialAPI(t, sock), time.Unix(1000, 0))

	web, ok := c.Lookup(hexID)
	if !ok || web.Name != "web" || web.Image != "docker.io/library/nginx:1.27" || web.Runtime != "containerd" ||
		web.Labels["tier"] != "front" || web.Labels[NamespaceLabel] != "default" {
		t.Errorf("nerdctl container: %+v, %v", web, ok)
	}
	ctr, ok := c.Lookup("CTRD-WEB")
	if !ok || ctr.ID != "ctrd-web" || ctr.Name != "ctrd-web" || ctr.Image != "docker.io/library/busybox:latest" || ctr.Labels[NamespaceLabel] != "nsweb-test" {
		t.Errorf("ctr container: %+v, %v", ctr, ok)
	}
	if p, ok := c.Lookup("paused"); !ok || p.Name != "paused" {
		t.Errorf("paused task: %+v, %v", p, ok)
	}
	for _, id := range []string{"stopped", "created", "vanished", "Bad/ID", strings.Repeat("ab", 32), strings.Repeat("cd", 32)} {
		if x, ok := c.Lookup(id); ok {
			t.Errorf("%s should be left out: %+v", id, x)
		}
	}
	if n := f.getCount("k8s.io/" + strings.Repeat("cd", 32)); n != 0 || f.listed["k8s.io"] != 0 {
		t.Errorf("the k8s.io namespace was asked (%d gets, %d lists)", n, f.listed["k8s.io"])
	}

	for _, tt := range []struct {
		path string
		want cgroup.Ref
		ok   bool
	}{
		{"/nsweb-test/ctrd-web", cgroup.Ref{Runtime: "containerd", ID: "ctrd-web", Namespace: "nsweb-test"}, true},
		{"/nsweb-test/ctrd-web/sub/deeper", cgroup.Ref{Runtime: "containerd", ID: "ctrd-web", Namespace: "nsweb-test"}, true},
		{"/nsweb-test/paused/init", cgroup.Ref{Runtime: "containerd", ID: "paused", Namespace: "nsweb-test"}, true},
		{"/default/" + hexID, cgroup.Ref{Runtime: "containerd", ID: hexID, Namespace: "default"}, true},
		{"/nsweb-test/paused", cgroup.Ref{Runtime: "containerd", ID: "paused", Namespace: "nsweb-test"}, true},
		{"/nsweb-test/paused-not", cgroup.Ref{}, false},
		{"/nsweb-test", cgroup.Ref{}, false},
		{"/nsweb-test/ctrd-web2", cgroup.Ref{}, false},
		{"/system.slice/ssh.service", cgroup.Ref{}, false},
		{"/", cgroup.Ref{}, false},
		{"", cgroup.Ref{}, false},
		{"relative/ctrd-web", cgroup.Ref{}, false},
	} {
		if got, ok := c.Resolve(tt.path); ok != tt.ok || got != tt.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	st := c.Sockets()
	if len(st) != 1 || !st[0].Connected || st[0].Containers != 4 || st[0].Cgroups != 3 || st[0].Err != "" {
		t.Errorf("status: %+v", st)
	}
}

// TestRefreshAndSignals: a container's record is asked when its task
// appears and again after Refresh, not at every poll; a new task's cgroup
// asks for a rescan, a renamed container only for new names, a task gone
// for new names; a PID that changed (a restarted task) is read again.
func TestRefreshAndSignals(t *testing.T) {
	f, sock := startFake(t)
	proc := fakeProc(t, map[int]string{10: "0::/ns1/web\n", 11: "0::/ns1/web\n"})
	c := New(Config{Sockets: []string{sock}, ProcRoot: proc, Refresh: time.Minute, Logger: quiet})
	a := dialAPI(t, sock)
	drain := func() (names, rescan bool) {
		select {
		case <-c.Changes():
			names = true
		default:
		}
		select {
		case <-c.Rescans():
			rescan = true
		default:
		}
		return
	}
	t0 := time.Unix(5000, 0)
	steps := []struct {
		name         string
		set          []fakeContainer
		at           time.Duration
		gets         int
		names, paths bool
		label        string
	}{
		{"appears", []fakeContainer{{id: "web", pid: 10, status: task.Status_RUNNING, labels: map[string]string{"v": "1"}}}, 0, 1, true, true, "1"},
		{"unchanged", []fakeContainer{{id: "web", pid: 10, status: task.Status_RUNNING, labels: map[string]string{"v": "1"}}}, time.Second, 1, false, false, "1"},
		{"relabelled, not asked yet", []fakeContainer{{id: "web", pid: 10, status: task.Status_RUNNING, labels: map[string]string{"v": "2"}}}, 2 * time.Second, 1, false, false, "1"},
		{"asked after Refresh", []fakeContainer{{id: "web", pid: 10, status: task.Status_RUNNING, labels: map[string]string{"v": "2"}}}, time.Minute + time.Second, 2, true, false, "2"},
		{"restarted: same cgroup, no rescan", []fakeContainer{{id: "web", pid: 11, status: task.Status_RUNNING, labels: map[string]string{"v": "2"}}}, time.Minute + 2*time.Second, 2, false, false, "2"},
		{"ended", nil, time.Minute + 3*time.Second, 2, true, false, ""},
		{"back: asked again", []fakeContainer{{id: "web", pid: 10, status: task.Status_RUNNING, labels: map[string]string{"v": "3"}}}, time.Minute + 4*time.Second, 3, true, true, "3"},
	}
	for _, s := range steps {
		f.set("ns1", s.set...)
		pollOnce(t, c, a, t0.Add(s.at))
		names, paths := drain()
		got, _ := c.Lookup("web")
		label := ""
		if got != nil {
			label = got.Labels["v"]
		}
		if n := f.getCount("ns1/web"); n != s.gets || names != s.names || paths != s.paths || label != s.label {
			t.Errorf("%s: %d gets, names %v, rescan %v, label %q; want %d, %v, %v, %q", s.name, n, names, paths, label, s.gets, s.names, s.paths, s.label)
		}
		if _, ok := c.Resolve("/ns1/web"); ok != (len(s.set) > 0) {
			t.Errorf("%s: Resolve(/ns1/web) = %v", s.name, ok)
		}
	}
}

// TestSharedCgroup: two containers whose tasks share a cgroup path (each
// ID appears in it) claim it for neither.
func TestSharedCgroup(t *testing.T) {
	f, sock := startFake(t)
	f.set("ns", fakeContainer{id: "web", pid: 20, status: task.Status_RUNNING}, fakeContainer{id: "web-1", pid: 21, status: task.Status_RUNNING})
	proc := fakeProc(t, map[int]string{20: "0::/ns/web-1\n", 21: "0::/ns/web-1\n"})
	c := New(Config{Sockets: []string{sock}, ProcRoot: proc, Logger: quiet})
	pollOnce(t, c, dialAPI(t, sock), time.Unix(1, 0))
	if r, ok := c.Resolve("/ns/web-1"); ok {
		t.Errorf("a shared cgroup resolved to %+v", r)
	}
}

// TestBadSockets: an absent socket, a file that is no socket and a socket
// that accepts but never answers all settle with an error within the
// poll's Timeout, and Run ends when its context does.
func TestBadSockets(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("not a socket"), 0o644); err != nil {
		t.Fatal(err)
	}
	silent := filepath.Join(dir, "silent.sock")
	l, err := net.Listen("unix", silent)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never answered
		}
	}()
	socks := []string{filepath.Join(dir, "absent.sock"), plain, silent}
	c := New(Config{Sockets: socks, Timeout: 200 * time.Millisecond, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	settled := c.WaitSettled(wctx)
	wcancel()
	cancel()
	<-done
	if !settled {
		t.Fatalf("did not settle: %+v", c.Sockets())
	}
	for _, st := range c.Sockets() {
		if st.Err == "" || st.Connected || st.Containers != 0 {
			t.Errorf("%s: %+v, want an error", st.Socket, st)
		}
	}
}
