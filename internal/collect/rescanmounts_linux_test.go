//go:build linux

package collect

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"golang.org/x/sys/unix"
)

// TestRescanMounts: a bind mount of a namespace made inside another mount
// namespace by a process that stays (no process event) is found by
// RescanMounts naming that mount namespace, not by Rescan alone; its
// unmount likewise.
func TestRescanMounts(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the perl helper uses x86_64 syscall numbers")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	point := filepath.Join(dir, "uts")
	if err := os.WriteFile(point, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// perl in a private mount namespace mounts ("m") and unmounts ("u")
	// its own UTS namespace file in place: mount(2) is 165, umount2(2)
	// 166 on x86_64.
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "perl", "-e",
		`$| = 1; my $src = "/proc/self/ns/uts"; while (<STDIN>) { chomp;
		if ($_ eq "m") { syscall(165, $src, $ARGV[0], 0, 4096, 0) == 0 or die "mount: $!"; print "ok\n" }
		if ($_ eq "u") { syscall(166, $ARGV[0], 0) == 0 or die "umount: $!"; print "ok\n" } }`, point)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	var self, mnt unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &self); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/mnt", pid), &mnt); err == nil && mnt.Ino != self.Ino {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare --mount did not run")
		}
	}
	step := func(cmd string) {
		t.Helper()
		if _, err := io.WriteString(in, cmd+"\n"); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 3)
		if _, err := io.ReadFull(out, buf); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	held := func(s *model.Snapshot) bool {
		for _, ns := range s.Namespaces {
			if slices.ContainsFunc(ns.HeldBy, func(h model.Holder) bool {
				return h.Kind == model.HeldByBindMount && h.Path == point
			}) {
				return true
			}
		}
		return false
	}
	ctx := context.Background()
	c := New(Options{})
	prev, err := c.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if prev.Processes[pid] == nil || held(prev) {
		t.Fatalf("first scan: process %v, bind mount held %v", prev.Processes[pid], held(prev))
	}
	step("m")
	for _, tc := range []struct {
		name string
		mnts []uint64
		want bool
	}{
		{"Rescan without the mount namespace", nil, false},
		{"RescanMounts with another mount namespace", []uint64{self.Ino}, false},
		{"RescanMounts with its mount namespace", []uint64{mnt.Ino}, true},
	} {
		snap, err := c.RescanMounts(ctx, prev, []int{}, tc.mnts)
		if err != nil {
			t.Fatal(err)
		}
		if held(snap) != tc.want {
			t.Errorf("%s: bind mount held %v, want %v", tc.name, held(snap), tc.want)
		}
		prev = snap
	}
	step("u")
	snap, err := c.RescanMounts(ctx, prev, []int{}, []uint64{mnt.Ino})
	if err != nil {
		t.Fatal(err)
	}
	if held(snap) {
		t.Error("after the unmount, RescanMounts still finds the bind mount")
	}
	full, err := c.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if held(full) {
		t.Error("a full scan finds the bind mount after the unmount")
	}
}
