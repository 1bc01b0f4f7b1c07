package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/ctrd"
	"github.com/nsweb/nsweb/internal/ctrd/ctrdtest"
	"github.com/nsweb/nsweb/internal/watch"
)

// TestSnapshotNamesContainerdContainers: nsweb snapshot asks containerd's
// own API, so a container ctr ran outside Kubernetes, whose ID no cgroup
// layout names, shows in the text tree under its name, with runtime,
// image and containerd namespace.
func TestSnapshotNamesContainerdContainers(t *testing.T) {
	n := ctrdtest.New(t)
	n.Run(t, "ctrdnames-cli", map[string]string{ctrd.NameLabel: "ctrd-cli"}, "sleep", "600")
	none := filepath.Join(t.TempDir(), "none.sock")
	var out, errOut bytes.Buffer
	args := []string{"snapshot", "--containerd-socket", n.Sock, "--engine-socket", none, "--cri-socket", none, "--fold", "0", "-q", "container:ctrd-cli"}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("nsweb %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	want := "─container ctrd-cli [containerd, image " + ctrdtest.Image + "; id ctrdnames-cli; labels: " + ctrd.NamespaceLabel + "=" + n.Name
	if !strings.Contains(out.String(), want) {
		t.Errorf("the text tree does not show %q:\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "sleep 600 container:ctrd-cli") {
		t.Errorf("the container's namespaces do not name it:\n%s", out.String())
	}
}

// TestServeNamesContainerdContainer: a ctr container that runs before
// nsweb can reach containerd (its socket appears later) joins the
// server's model under its name once containerd answers: its processes
// were scanned before the task's cgroup was known, so learning it rescans
// the host (the safety rescan is off, so nothing else would), and
// /api/v1/container/{id} answers for its ID.
func TestServeNamesContainerdContainer(t *testing.T) {
	n := ctrdtest.New(t)
	const id = "ctrdnames-srv"
	pid := n.Run(t, id, map[string]string{ctrd.NameLabel: "ctrd-srv"}, "sleep", "600")
	dir := t.TempDir()
	none, link := filepath.Join(dir, "none.sock"), filepath.Join(dir, "containerd.sock")
	p, addr, _ := startServing(t, serveConfig{
		opts:   serveOptions{containerdSockets: stringList{link}, engineSockets: stringList{none}, criSockets: stringList{none}},
		stdout: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		watch: watch.Options{Rescan: -1},
	})
	waitFor(t, "the first scan", func() bool { return p.hub.Latest() != nil })
	if pr := p.hub.Latest().Processes[pid]; pr == nil || pr.Container != "" {
		t.Fatalf("before containerd answers, the task's process is %+v; want it scanned, in no container", pr)
	}
	if err := os.Symlink(n.Sock, link); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ctr container named in the server's model", func() bool {
		s := p.hub.Latest()
		c, pr := s.Containers[id], s.Processes[pid]
		return c != nil && c.Name == "ctrd-srv" && c.Image == ctrdtest.Image && pr != nil && pr.Container == id
	})
	resp, err := http.Get("http://" + addr + "/api/v1/container/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "ctrd-srv") {
		t.Errorf("GET /api/v1/container/%s: %d %s", id, resp.StatusCode, body)
	}
}
