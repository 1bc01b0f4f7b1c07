// Package ctrdtest runs containers the way ctr does, outside Kubernetes,
// on the private containerd that scripts/engines-up starts, for the tests
// of every package that names them. The image comes from containerd's
// k8s.io namespace, where engines-up imported it without any registry.
package ctrdtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Image is the image engines-up imported into containerd.
const Image = "docker.io/library/nsweb-busybox:test"

// Namespace is a containerd namespace of its own, with Image in it.
type Namespace struct {
	Sock, Name string
}

// ctr runs the ctr client against the private containerd.
func (n *Namespace) ctr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"-a", n.Sock, "-n", n.Name}, args...)
	out, err := exec.CommandContext(ctx, "/usr/bin/ctr", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %w: %s", strings.Join(full, " "), err, out)
	}
	return string(out), nil
}

// New makes a containerd namespace named after the test's branch prefix
// and a nanosecond clock, imports Image into it, and removes both (and the
// namespace's cgroups) when the test ends. It skips without root or
// without the private containerd.
func New(t *testing.T) *Namespace {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run containers")
	}
	sock := os.Getenv("NSWEB_CONTAINERD_SOCK")
	if sock == "" {
		t.Skip(`NSWEB_CONTAINERD_SOCK not set: engines-up did not start containerd (run eval "$(scripts/engines-up)" as root)`)
	}
	if _, err := os.Stat("/usr/bin/ctr"); err != nil {
		t.Skip("no /usr/bin/ctr (Debian: containerd)")
	}
	n := &Namespace{Sock: sock, Name: fmt.Sprintf("ctrdnames-%d", time.Now().UnixNano())}
	// Registered first, so it runs last: after the containers are gone.
	t.Cleanup(func() {
		if _, err := n.ctr("images", "rm", "--sync", Image); err != nil {
			t.Errorf("remove image: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "/usr/bin/ctr", "-a", sock, "namespaces", "rm", n.Name).CombinedOutput(); err != nil {
			t.Errorf("remove namespace %s: %v: %s", n.Name, err, out)
		}
		// runc leaves the namespace's parent cgroup (/<namespace>).
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + n.Name)
		for _, d := range append(dirs, "/sys/fs/cgroup/"+n.Name) {
			_ = os.Remove(d)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	export := exec.CommandContext(ctx, "/usr/bin/ctr", "-a", sock, "-n", "k8s.io", "images", "export", "-", Image)
	imp := exec.CommandContext(ctx, "/usr/bin/ctr", "-a", sock, "-n", n.Name, "images", "import", "-")
	pipe, err := export.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	var eout, iout strings.Builder
	export.Stderr, imp.Stdout, imp.Stderr = &eout, &iout, &iout
	if err := export.Start(); err != nil {
		t.Fatal(err)
	}
	ierr := imp.Run()
	eerr := export.Wait()
	if eerr != nil || ierr != nil {
		t.Fatalf("copy %s from containerd's k8s.io namespace to %s (did engines-up import it?): export: %v %s; import: %v %s", Image, n.Name, eerr, eout.String(), ierr, iout.String())
	}
	return n
}

// Run runs `ctr run -d` of Image as container id with labels, running
// args, and returns its task's PID. The task and container (with its
// snapshot) are removed when the test ends.
func (n *Namespace) Run(t *testing.T, id string, labels map[string]string, args ...string) int {
	t.Helper()
	cmd := []string{"run", "-d"}
	for k, v := range labels {
		cmd = append(cmd, "--label", k+"="+v)
	}
	cmd = append(append(cmd, Image, id), args...)
	t.Cleanup(func() {
		_, _ = n.ctr("tasks", "rm", "-f", id)
		if _, err := n.ctr("containers", "rm", id); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("remove container %s: %v", id, err)
		}
	})
	if _, err := n.ctr(cmd...); err != nil {
		t.Fatal(err)
	}
	out, err := n.ctr("tasks", "ls")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == id {
			pid, err := strconv.Atoi(f[1])
			if err != nil || pid <= 0 {
				t.Fatalf("task %s: PID %q", id, f[1])
			}
			return pid
		}
	}
	t.Fatalf("task %s not listed:\n%s", id, out)
	return 0
}
