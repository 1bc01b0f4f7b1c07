package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/cri/critest"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
)

// TestSnapshotNamesContainers: nsweb snapshot asks the engines as the
// server does, so the text tree and the JSON model name a docker and a
// podman container; --engine-wait 0 leaves them by ID; a named socket
// that is not there is a warning, not a failure.
func TestSnapshotNamesContainers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to see the engines' container processes")
	}
	engines := []enginetest.Real{enginetest.NeedReal(t, "docker"), enginetest.NeedReal(t, "podman")}
	var sockArgs []string
	ids := map[string]string{} // name → ID
	for _, e := range engines {
		name := fmt.Sprintf("metrics-cli-%s-%d", e.Runtime, time.Now().UnixNano())
		t.Cleanup(func() { _, _ = e.Try(e.RmArgs(name)...) })
		if _, err := e.Try("run", "-d", "--name", name, e.Image, "sleep", "120"); err != nil {
			t.Fatal(err)
		}
		id, err := e.Try("inspect", "-f", "{{.Id}}", name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
		sockArgs = append(sockArgs, "--engine-socket", e.Sock)
	}
	snapshot := func(args ...string) (*model.Snapshot, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"snapshot"}, args...), &out, &errOut); code != 0 {
			t.Fatalf("nsweb snapshot %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		if !slices.Contains(args, "json") {
			return nil, out.String(), errOut.String()
		}
		var s model.Snapshot
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("nsweb snapshot %s: %v", strings.Join(args, " "), err)
		}
		return &s, out.String(), errOut.String()
	}

	s, _, _ := snapshot(append([]string{"--format", "json"}, sockArgs...)...)
	for name, id := range ids {
		c := s.Containers[id]
		if c == nil {
			t.Errorf("container %s (%s) not in the snapshot", name, id)
			continue
		}
		if c.Name != name || c.Image == "" {
			t.Errorf("container %s: name %q image %q, want its name and image from the engine", id, c.Name, c.Image)
		}
	}
	_, text, _ := snapshot(append([]string{"-q", "container:metrics-cli-"}, sockArgs...)...)
	for name := range ids {
		if !strings.Contains(text, name) {
			t.Errorf("text tree does not name %s:\n%s", name, text)
		}
	}

	s, _, _ = snapshot(append([]string{"--format", "json", "--engine-wait", "0"}, sockArgs...)...)
	for name, id := range ids {
		if c := s.Containers[id]; c == nil || c.Name != "" {
			t.Errorf("--engine-wait 0: container %s is %+v, want it by ID only", name, c)
		}
	}

	start := time.Now()
	missing := t.TempDir() + "/absent.sock"
	_, _, warn := snapshot("--format", "json", "--engine-wait", "1s", "--engine-socket", missing)
	if !strings.Contains(warn, missing) {
		t.Errorf("no warning naming the absent socket %s: %q", missing, warn)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("a snapshot with an absent engine took %v", d)
	}
}

// TestSnapshotNamesPods: nsweb snapshot asks the CRI too, so a pod of two
// containers on a real containerd shows, grouped by pod, under its pod node
// with its containers' names.
func TestSnapshotNamesPods(t *testing.T) {
	sock, rs := critest.Runtime(t)
	p := critest.RunPod(t, rs, "web", "sidecar")
	var out, errOut bytes.Buffer
	args := []string{"snapshot", "--cri-socket", sock, "--group", "pod", "--fold", "0", "-q", "container:" + p.Name}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("nsweb %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"─pod " + p.Namespace + "/" + p.Name + " [3 containers]",
		"─container web [kubernetes, image docker.io/library/nsweb-busybox:test;",
		"─container sidecar [kubernetes, image docker.io/library/nsweb-busybox:test;",
		"─container POD [kubernetes;"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text tree does not show %q:\n%s", want, text)
		}
	}
}
