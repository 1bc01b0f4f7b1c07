package watch

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/kevents"
)

func TestKernelBatch(t *testing.T) {
	b := kernelBatch([]kevents.Event{
		{Kind: kevents.Unshare, PID: 10},
		{Kind: kevents.Setns, PID: 11},
		{Kind: kevents.Clone, PID: 12},
		{Kind: kevents.Mount, PID: 13, MntNS: 4026530000},
		{Kind: kevents.Umount, PID: 14, MntNS: 4026530001},
		// No BTF and the process is gone: the mount namespace is unknown.
		{Kind: kevents.MoveMount, PID: 1 << 30},
	})
	if b.reasons != Switch|Proc|MountNS|Mount || b.events != 6 ||
		!slices.Equal(b.pids, []int{10, 11, 12}) || !slices.Equal(b.mnts, []uint64{4026530000, 4026530001}) {
		t.Errorf("batch %+v", b)
	}
	var many []kevents.Event
	for i := range MaxPIDs + 1 {
		many = append(many, kevents.Event{Kind: kevents.Setns, PID: i + 1})
	}
	if b := kernelBatch(many); !b.overflow || b.pids != nil {
		t.Errorf("batch of %d events not an overflow: %+v", len(many), b)
	}
}

// TestWatchBPF runs the watcher with BPF against the kernel: a process
// that unshares in place, one that setns()es into a bind-mounted network
// namespace, and a mount in a private mount namespace are each signalled
// with their PID or mount namespace.
func TestWatchBPF(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the perl helpers use x86_64 syscall numbers")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for BPF")
	}
	w := startWatch(t, Options{Rescan: -1})
	if !w.BPF() || w.Events() != "bpf" || !strings.HasPrefix(w.Sources()[0], "bpf (") {
		t.Fatalf("events %q, sources %v: BPF not in use as root", w.Events(), w.Sources())
	}
	waitFor := func(what string, ok func(Signal) bool) {
		t.Helper()
		waitSignal(t, w, what, ok)
	}
	start := func(args ...string) *exec.Cmd {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	names := func(pid int) func(Signal) bool {
		return func(s Signal) bool { return s.Reasons&Switch != 0 && slices.Contains(s.PIDs, pid) }
	}

	// unshare(CLONE_NEWNET) in place: syscall 272 on x86_64.
	u := start("perl", "-e", `syscall(272, 0x40000000) == 0 or die "unshare: $!"; sleep 30`)
	waitFor("unshare in place", names(u.Process.Pid))

	// setns into a bind-mounted namespace: syscall 308 on x86_64.
	name := fmt.Sprintf("bpf-watch-%d", rand.Uint32())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
	s := start("perl", "-e", `open(my $f, "<", "/run/netns/`+name+`") or die "open: $!"; syscall(308, fileno($f), 0x40000000) == 0 or die "setns: $!"; sleep 30`)
	waitFor("setns", names(s.Process.Pid))

	// A bind mount of a namespace inside another mount namespace.
	dir := t.TempDir()
	m := start("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`touch "$1/ns" && mount --bind /proc/self/ns/uts "$1/ns" && sleep 30`, "sh", dir)
	var ino uint64
	waitFor("mount in a private mount namespace", func(s Signal) bool {
		if s.Reasons&MountNS == 0 {
			return false
		}
		if ino == 0 {
			ino = nsInode("/proc/" + strconv.Itoa(m.Process.Pid) + "/ns/mnt")
		}
		return slices.Contains(s.MntNS, ino)
	})
}
