package cri_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/cri"
	"github.com/nsweb/nsweb/internal/cri/critest"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/layout"
)

// TestPodNamedAndGrouped runs a pod sandbox with two containers on a real
// containerd through the CRI, then does what nsweb serve does — scan the
// host, name its containers from the engine catalogue with the CRI as a
// source — and checks that both containers and the sandbox are named, and
// that the pod view gathers them under one pod node.
func TestPodNamedAndGrouped(t *testing.T) {
	sock, rs := critest.Runtime(t)
	p := critest.RunPod(t, rs, "web", "sidecar")

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	crc := cri.New(cri.Config{Sockets: []string{sock}, Interval: 100 * time.Millisecond, Logger: log})
	cat := engine.New(engine.Config{Sockets: []string{filepath.Join(t.TempDir(), "no-docker.sock")}, Logger: log, Sources: []engine.Source{crc}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = cat.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	settled := cat.WaitSettled(wctx)
	wcancel()
	if !settled {
		t.Fatalf("the catalogue did not settle: %+v", crc.Runtimes())
	}
	if st := crc.Runtimes(); st[0].Err != "" || st[0].Runtime != "containerd" {
		t.Fatalf("CRI runtime: %+v", st)
	}

	snap, err := collect.Scan(ctx, collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat.Enrich(snap)
	want := map[string]string{"POD": p.Sandbox}
	for name, id := range p.Containers {
		want[name] = id
	}
	for name, id := range want {
		c := snap.Containers[id]
		if c == nil {
			t.Errorf("%s (%s) is not among the snapshot's containers (its cgroup was not recognised?)", name, id)
			continue
		}
		if c.Name != name || c.Pod != p.Name || c.PodNamespace != p.Namespace {
			t.Errorf("%s: got name %q pod %q/%q, want %q in %s/%s", id, c.Name, c.PodNamespace, c.Pod, name, p.Namespace, p.Name)
		}
		if name != "POD" && (c.Image != "docker.io/library/nsweb-busybox:test" || c.Labels["role"] != name) {
			t.Errorf("%s: image %q labels %v", name, c.Image, c.Labels)
		}
	}
	if t.Failed() {
		return
	}

	// The pod view: one pod node holding the pod's containers.
	r := layout.Compute(snap, layout.Options{View: layout.Owner, Group: layout.GroupPod, FoldThreshold: -1})
	var podNode string
	for _, n := range r.Nodes {
		if n.Kind == layout.Pod && strings.Contains(n.Label, p.Name) {
			if podNode != "" {
				t.Fatalf("two pod nodes for %s: %s and %s", p.Name, podNode, n.ID)
			}
			podNode = n.ID
		}
	}
	if podNode == "" {
		t.Fatalf("no pod node labelled %s in the pod view", p.Name)
	}
	under := map[string]bool{}
	for _, n := range r.Nodes {
		if n.Kind == layout.Container && n.Parent == podNode {
			under[n.Label] = true
		}
	}
	for _, name := range []string{"web", "sidecar"} {
		found := false
		for label := range under {
			if strings.Contains(label, name) {
				found = true
			}
		}
		if !found {
			t.Errorf("container %s is not under pod node %s; its containers: %v", name, podNode, under)
		}
	}
	ids := make([]string, 0, len(want))
	for _, id := range want {
		ids = append(ids, id)
	}
	t.Logf("pod %s/%s: sandbox and containers %v named and grouped under %s", p.Namespace, p.Name, ids, podNode)
}
