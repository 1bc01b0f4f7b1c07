package ctrd_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/ctrd"
	"github.com/nsweb/nsweb/internal/ctrd/ctrdtest"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/model"
)

// TestRealContainerd runs three containers with ctr in a containerd
// namespace of their own on the real containerd — one named by the
// nerdctl/name label, one by its chosen ID, one with a nerdctl-style hex
// ID — plus a process exec'd into the first, then does what nsweb does:
// scan the host with the catalogue resolving cgroups, name the snapshot's
// containers through the engine catalogue. Every task and the exec'd
// process belong to their container, which is named, with image and
// namespace, and owns its namespaces.
func TestRealContainerd(t *testing.T) {
	n := ctrdtest.New(t)
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	hexID := hex.EncodeToString(b)
	type want struct{ id, name string }
	runs := map[int]want{}
	runs[n.Run(t, "ctrdnames-web", map[string]string{ctrd.NameLabel: "ctrd-web"}, "sleep", "600")] = want{"ctrdnames-web", "ctrd-web"}
	runs[n.Run(t, "ctrdnames-plain", nil, "sleep", "600")] = want{"ctrdnames-plain", "ctrdnames-plain"}
	runs[n.Run(t, hexID, map[string]string{ctrd.NameLabel: "ctrd-hex"}, "sleep", "600")] = want{hexID, "ctrd-hex"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "/usr/bin/ctr", "-a", n.Sock, "-n", n.Name, "tasks", "exec", "-d", "--exec-id", "extra",
		"ctrdnames-web", "sleep", "599").CombinedOutput(); err != nil {
		t.Fatalf("ctr tasks exec: %v: %s", err, out)
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctr := ctrd.New(ctrd.Config{Sockets: []string{n.Sock}, Interval: 100 * time.Millisecond, Logger: log})
	cat := engine.New(engine.Config{Sockets: []string{filepath.Join(t.TempDir(), "no-docker.sock")}, Logger: log,
		LookupTimeout: -1, Sources: []engine.Source{ctr}})
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = cat.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	if !ctr.WaitSettled(ctx) {
		t.Fatalf("the catalogue did not settle: %+v", ctr.Sockets())
	}
	if st := ctr.Sockets(); !st[0].Connected || st[0].Containers < 3 {
		t.Fatalf("containerd: %+v", st)
	}

	snap, err := collect.Scan(ctx, collect.Options{Cgroups: ctr.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	cat.Enrich(snap)
	for pid, w := range runs {
		p := snap.Processes[pid]
		if p == nil || p.Container != w.id {
			t.Errorf("task %d of %s: process %+v, want it in the container", pid, w.id, p)
			continue
		}
		c := snap.Containers[w.id]
		if c == nil || c.Name != w.name || c.Runtime != "containerd" || c.Image != ctrdtest.Image || c.Labels[ctrd.NamespaceLabel] != n.Name {
			t.Errorf("container %s: %+v, want name %q, image %s, namespace %s", w.id, c, w.name, ctrdtest.Image, n.Name)
			continue
		}
		ns := snap.Namespaces[p.NS[model.PID]]
		if ns == nil || len(ns.Containers) != 1 || ns.Containers[0] != w.id {
			t.Errorf("the PID namespace of %s lists containers %v", w.id, ns.Containers)
		}
		// Every process in the container's PID namespace is its, the
		// exec'd one too.
		members := 0
		for _, q := range snap.Processes {
			if q.NS[model.PID] == p.NS[model.PID] {
				members++
				if q.Container != w.id {
					t.Errorf("process %d (%s) in %s's PID namespace is in container %q", q.PID, q.Cmdline, w.id, q.Container)
				}
			}
		}
		if w.id == "ctrdnames-web" && members < 2 {
			t.Errorf("%s has %d processes, want the task and the exec'd one", w.id, members)
		}
	}
}
