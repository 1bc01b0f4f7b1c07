//go:build linux

package zoo

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// NsfsMount is a process in a private mount namespace of its own where a
// new UTS namespace (which nothing else holds) is bind-mounted on a file,
// Point; Cover mounts a plain file over it, so that mountinfo lists an
// nsfs mount whose path leads to a plain file, as `ip netns del` leaves one
// for a moment between its unmount and its unlink.
type NsfsMount struct {
	PID   int
	Point string
	tb    testing.TB
	in    interface{ Write([]byte) (int, error) }
	lines *bufio.Reader
}

// PlantNsfsMount starts the process, its UTS namespace mounted at Point.
func PlantNsfsMount(tb testing.TB) *NsfsMount {
	tb.Helper()
	dir := tb.TempDir()
	point, plain := filepath.Join(dir, "uts"), filepath.Join(dir, "plain")
	for _, f := range []string{point, plain} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`unshare --uts mount --bind /proc/self/ns/uts "$1" && echo ready && read -r x && mount --bind "$2" "$1" && echo ready && exec sleep 600`,
		"sh", point, plain)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	m := &NsfsMount{PID: cmd.Process.Pid, Point: point, tb: tb, in: in, lines: bufio.NewReader(out)}
	m.ready(1)
	return m
}

// Cover mounts the plain file over Point.
func (m *NsfsMount) Cover() {
	m.tb.Helper()
	if _, err := m.in.Write([]byte("over\n")); err != nil {
		m.tb.Fatal(err)
	}
	m.ready(2)
}

// ready waits for the process to say ready with n mounts at Point.
func (m *NsfsMount) ready(n int) {
	m.tb.Helper()
	if line, err := m.lines.ReadString('\n'); err != nil || line != "ready\n" {
		m.tb.Fatalf("nsfs mount helper: %q, %v", line, err)
	}
	mi, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", m.PID))
	if err != nil || strings.Count(string(mi), m.Point) != n {
		m.tb.Fatalf("the helper's mountinfo does not show %d mounts at %s (%v):\n%s", n, m.Point, err, mi)
	}
}
