package cri_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/cri"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/layout"
)

// criRuntime connects to the containerd that scripts/engines-up started
// with its CRI plugin, or skips saying why there is none.
func criRuntime(t *testing.T) (string, runtime.RuntimeServiceClient) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run pods")
	}
	sock := os.Getenv("NSWEB_CONTAINERD_SOCK")
	if sock == "" {
		t.Skip(`NSWEB_CONTAINERD_SOCK not set: engines-up did not start containerd with its CRI plugin (run eval "$(scripts/engines-up)" as root; it says why when containerd cannot start)`)
	}
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	rs := runtime.NewRuntimeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rs.Version(ctx, &runtime.VersionRequest{}); err != nil {
		t.Fatalf("NSWEB_CONTAINERD_SOCK=%s does not answer the CRI: %v", sock, err)
	}
	return sock, rs
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// pod is a pod sandbox with containers, run on the real runtime the way
// kubelet does with the cgroupfs driver: cgroup parent
// /kubepods/besteffort/pod<uid>, and the node's network namespace (no
// CNI).
type pod struct {
	name, namespace, uid string
	sandbox              string
	containers           map[string]string // name → ID
}

func runPod(t *testing.T, rs runtime.RuntimeServiceClient, names ...string) pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := pod{name: fmt.Sprintf("metrics-shop-%d", time.Now().UnixNano()), namespace: "metrics-test", uid: uuid(), containers: map[string]string{}}
	parent := "/kubepods/besteffort/pod" + p.uid
	sbConfig := &runtime.PodSandboxConfig{
		Metadata:     &runtime.PodSandboxMetadata{Name: p.name, Namespace: p.namespace, Uid: p.uid},
		LogDirectory: t.TempDir(),
		Labels:       map[string]string{"app": "shop"},
		Linux: &runtime.LinuxPodSandboxConfig{
			CgroupParent: parent,
			SecurityContext: &runtime.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtime.NamespaceOption{Network: runtime.NamespaceMode_NODE},
			},
		},
	}
	sb, err := rs.RunPodSandbox(ctx, &runtime.RunPodSandboxRequest{Config: sbConfig})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	p.sandbox = sb.PodSandboxId
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := rs.StopPodSandbox(ctx, &runtime.StopPodSandboxRequest{PodSandboxId: p.sandbox}); err != nil {
			t.Errorf("StopPodSandbox: %v", err)
		}
		if _, err := rs.RemovePodSandbox(ctx, &runtime.RemovePodSandboxRequest{PodSandboxId: p.sandbox}); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
		// The pod's cgroups, which kubelet would remove.
		for _, h := range append([]string{"/sys/fs/cgroup"}, globDirs("/sys/fs/cgroup/*")...) {
			_ = os.Remove(filepath.Join(h, parent))
		}
	})
	for _, name := range names {
		cc, err := rs.CreateContainer(ctx, &runtime.CreateContainerRequest{
			PodSandboxId: p.sandbox, SandboxConfig: sbConfig,
			Config: &runtime.ContainerConfig{
				Metadata: &runtime.ContainerMetadata{Name: name},
				Image:    &runtime.ImageSpec{Image: "docker.io/library/nsweb-busybox:test"},
				Command:  []string{"sleep", "120"},
				Labels:   map[string]string{"role": name},
				LogPath:  name + ".log",
				Linux:    &runtime.LinuxContainerConfig{},
			},
		})
		if err != nil {
			t.Fatalf("CreateContainer %s: %v", name, err)
		}
		if _, err := rs.StartContainer(ctx, &runtime.StartContainerRequest{ContainerId: cc.ContainerId}); err != nil {
			t.Fatalf("StartContainer %s: %v", name, err)
		}
		p.containers[name] = cc.ContainerId
	}
	return p
}

func globDirs(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}

// TestPodNamedAndGrouped runs a pod sandbox with two containers on a real
// containerd through the CRI, then does what nsweb serve does — scan the
// host, name its containers from the engine catalogue with the CRI as a
// source — and checks that both containers and the sandbox are named, and
// that the pod view gathers them under one pod node.
func TestPodNamedAndGrouped(t *testing.T) {
	sock, rs := criRuntime(t)
	p := runPod(t, rs, "web", "sidecar")

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
	want := map[string]string{"POD": p.sandbox}
	for name, id := range p.containers {
		want[name] = id
	}
	for name, id := range want {
		c := snap.Containers[id]
		if c == nil {
			t.Errorf("%s (%s) is not among the snapshot's containers (its cgroup was not recognised?)", name, id)
			continue
		}
		if c.Name != name || c.Pod != p.name || c.PodNamespace != p.namespace {
			t.Errorf("%s: got name %q pod %q/%q, want %q in %s/%s", id, c.Name, c.PodNamespace, c.Pod, name, p.namespace, p.name)
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
		if n.Kind == layout.Pod && strings.Contains(n.Label, p.name) {
			if podNode != "" {
				t.Fatalf("two pod nodes for %s: %s and %s", p.name, podNode, n.ID)
			}
			podNode = n.ID
		}
	}
	if podNode == "" {
		t.Fatalf("no pod node labelled %s in the pod view", p.name)
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
	t.Logf("pod %s/%s: sandbox and containers %v named and grouped under %s", p.namespace, p.name, ids, podNode)
}
