package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
)

// TestImageSeesHost builds the container image with scripts/image on the
// private dockerd and runs it as the README says (--pid=host --network=host,
// the capabilities nsweb uses, the Docker socket mounted): the nsweb inside
// sees a net
// namespace a process on the host made, and names its own container
// through the socket.
func TestImageSeesHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	docker := enginetest.NeedReal(t, "docker")
	image := fmt.Sprintf("nsweb-test:metrics-%d", time.Now().UnixNano())
	script, err := filepath.Abs("../../scripts/image")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command(script)
	build.Env = append(os.Environ(), "NSWEB_IMAGE="+image, "DOCKER_HOST=unix://"+docker.Sock)
	var stderr strings.Builder
	build.Stderr = &stderr
	out, err := build.Output()
	if err != nil {
		t.Fatalf("scripts/image: %v\n%s", err, stderr.String())
	}
	if got := strings.TrimSpace(string(out)); got != image {
		t.Fatalf("scripts/image printed %q, want the image name %q", got, image)
	}
	t.Cleanup(func() { _, _ = docker.Try("rmi", "-f", image) })
	if cfg, err := docker.Try("image", "inspect", "-f", "{{json .Config.Entrypoint}} {{len .RootFS.Layers}}", image); err != nil {
		t.Fatal(err)
	} else if cfg != `["/nsweb"] 1` {
		t.Errorf("image config %s: want entrypoint /nsweb in one layer (FROM scratch)", cfg)
	}

	holder := exec.Command("unshare", "--net", "sleep", "120")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	self, _ := os.Readlink("/proc/self/ns/net")
	var want string
	waitFor(t, "the unshared net namespace", func() bool {
		want, _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid))
		return want != "" && want != self
	})

	name := fmt.Sprintf("metrics-img-%d", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = docker.Try(docker.RmArgs(name)...) })
	// The README's --privileged asks for every capability, which this
	// test machine's own bounding set lacks (CAP_SYS_RESOURCE): runc
	// refuses it here. The three capabilities nsweb uses (as the systemd
	// unit and the DaemonSet give them) are the narrower form of the same
	// command, documented next to it. Docker's default seccomp profile
	// refuses calls nsweb uses to identify other processes' namespaces
	// (every /proc/PID/ns fails with EPERM under it), so it is off, as
	// --privileged turns it off.
	js, err := docker.Try("run", "--rm", "--name", name, "--pid=host", "--network=host",
		"--cap-drop=ALL", "--cap-add=SYS_PTRACE", "--cap-add=DAC_READ_SEARCH", "--cap-add=NET_ADMIN",
		"--security-opt=no-new-privileges", "--security-opt=seccomp=unconfined", "--read-only",
		"-v", docker.Sock+":/var/run/docker.sock", image, "snapshot", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	// The CLI may print warnings before the JSON (combined output).
	if i := strings.Index(js, "{"); i > 0 {
		js = js[i:]
	}
	var snap model.Snapshot
	if err := json.Unmarshal([]byte(js), &snap); err != nil {
		t.Fatalf("the container's snapshot: %v\n%.2000s", err, js)
	}
	p := snap.Processes[holder.Process.Pid]
	if p == nil {
		t.Fatalf("the container's nsweb does not see host process %d (%d processes seen)", holder.Process.Pid, len(snap.Processes))
	}
	ns := snap.Namespaces[p.NS[model.Net]]
	if ns == nil || fmt.Sprintf("net:[%d]", ns.Inode) != want {
		t.Errorf("host process %d's net namespace: the container saw %+v, the host %s", holder.Process.Pid, ns, want)
	}
	named := false
	for _, c := range snap.Containers {
		named = named || c.Name == name
	}
	if !named {
		t.Errorf("the container's nsweb did not name its own container %s through the mounted socket", name)
	}
}
