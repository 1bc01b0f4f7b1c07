// Package critest runs pods on the real containerd that scripts/engines-up
// starts with its CRI plugin, for the tests of every package that names
// them.
package critest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime connects to the containerd that scripts/engines-up started
// with its CRI plugin, or skips saying why there is none.
func Runtime(t *testing.T) (string, runtime.RuntimeServiceClient) {
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

// Pod is a pod sandbox with containers, run on the real runtime the way
// kubelet does with the cgroupfs driver: cgroup parent
// /kubepods/besteffort/pod<uid>, and the node's network namespace (no
// CNI).
type Pod struct {
	Name, Namespace, UID string
	Sandbox              string
	Containers           map[string]string // name → ID
}

func RunPod(t *testing.T, rs runtime.RuntimeServiceClient, names ...string) Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := Pod{Name: fmt.Sprintf("metrics-shop-%d", time.Now().UnixNano()), Namespace: "metrics-test", UID: uuid(), Containers: map[string]string{}}
	parent := "/kubepods/besteffort/pod" + p.UID
	sbConfig := &runtime.PodSandboxConfig{
		Metadata:     &runtime.PodSandboxMetadata{Name: p.Name, Namespace: p.Namespace, Uid: p.UID},
		LogDirectory: t.TempDir(),
		Labels:       map[string]string{"app": "shop"},
		Linux: &runtime.LinuxPodSandboxConfig{
			CgroupParent: parent,
			SecurityContext: &runtime.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtime.NamespaceOption{Network: runtime.NamespaceMode_NODE},
			},
		},
	}
	// The pod's cgroups, which kubelet would remove; registered first, so
	// they go last, also when the sandbox fails to start.
	t.Cleanup(func() {
		for _, h := range append([]string{"/sys/fs/cgroup"}, globDirs("/sys/fs/cgroup/*")...) {
			_ = os.Remove(filepath.Join(h, parent))
		}
	})
	sb, err := rs.RunPodSandbox(ctx, &runtime.RunPodSandboxRequest{Config: sbConfig})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	p.Sandbox = sb.PodSandboxId
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := rs.StopPodSandbox(ctx, &runtime.StopPodSandboxRequest{PodSandboxId: p.Sandbox}); err != nil {
			t.Errorf("StopPodSandbox: %v", err)
		}
		if _, err := rs.RemovePodSandbox(ctx, &runtime.RemovePodSandboxRequest{PodSandboxId: p.Sandbox}); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
	})
	for _, name := range names {
		cc, err := rs.CreateContainer(ctx, &runtime.CreateContainerRequest{
			PodSandboxId: p.Sandbox, SandboxConfig: sbConfig,
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
		p.Containers[name] = cc.ContainerId
	}
	return p
}

func globDirs(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}
