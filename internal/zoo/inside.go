//go:build linux

package zoo

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Inside is a planted topology of what namespaces hold, for issue 17's
// tests: network namespaces A, B and C (ip netns, named Names["a"] …)
// with a veth va (A, 10.77.0.1/24, default route) ↔ vb (B, a port of
// bridge ibr), a macvlan mv in A on parent pm in C; a user namespace
// mapping root to root (User, full capabilities); a UTS namespace named
// Hostname; nested PID namespaces (Nested: host → 2 → 1); a time
// namespace with monotonic offset 86400 s; a cgroup namespace; a mount
// namespace that shares the peer group of a shared tmpfs (Shared) with
// nsweb's.
type Inside struct {
	Names                         map[string]string
	Hostname, Domain              string
	User, UTS, Nested, Time, CgNS int // member PIDs
	MntPID                        int
	Shared                        string // the shared tmpfs mount point
}

func insideRun(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("zoo: %s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// startCmd starts argv (killed with the test), returning its PID.
func insideStart(tb testing.TB, argv ...string) int {
	tb.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("zoo: start %v: %v", argv, err)
	}
	tb.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

// leaf follows the first child of pid down to the process with no child:
// the sleep at the end of an unshare --fork chain.
func leaf(tb testing.TB, pid int, depth int) int {
	tb.Helper()
	for range depth {
		var kids []int
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if kids = childrenOf()[pid]; len(kids) > 0 {
				break
			}
		}
		if len(kids) == 0 {
			tb.Fatalf("zoo: pid %d has no child", pid)
		}
		pid = kids[0]
	}
	return pid
}

// waitComm waits until pid runs comm (an unshare has exec'd into it).
func waitComm(tb testing.TB, pid int, want string) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if comm(pid) == want {
			return
		}
	}
	tb.Fatalf("zoo: pid %d is %q, not %q", pid, comm(pid), want)
}

// PlantInside plants the topology under names that start with prefix
// ("inside-…") and removes it when the test ends.
func PlantInside(tb testing.TB, prefix string) *Inside {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root")
	}
	in := &Inside{Names: map[string]string{}, Hostname: prefix + "-host", Domain: prefix + "-dom"}
	for _, k := range []string{"a", "b", "c"} {
		name := prefix + "-" + k
		_ = exec.Command("ip", "netns", "del", name).Run()
		insideRun(tb, "ip", "netns", "add", name)
		tb.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
		in.Names[k] = name
	}
	a, b, c := in.Names["a"], in.Names["b"], in.Names["c"]
	for _, args := range [][]string{
		{"-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b},
		{"-n", a, "addr", "add", "10.77.0.1/24", "dev", "va"},
		{"-n", a, "link", "set", "va", "up"},
		{"-n", a, "route", "add", "default", "via", "10.77.0.2"},
		{"-n", b, "link", "add", "ibr", "type", "bridge"},
		{"-n", b, "link", "set", "vb", "master", "ibr"},
		{"-n", c, "link", "add", "pm", "type", "veth", "peer", "name", "pm2"},
		{"-n", c, "link", "add", "mv", "link", "pm", "type", "macvlan", "mode", "bridge"},
		{"-n", c, "link", "set", "mv", "netns", a},
	} {
		insideRun(tb, "ip", args...)
	}
	in.User = insideStart(tb, "unshare", "--user", "--map-root-user", "sleep", "infinity")
	waitComm(tb, in.User, "sleep")
	in.UTS = insideStart(tb, "unshare", "--uts", "sh", "-c",
		"hostname "+in.Hostname+" && echo "+in.Domain+" > /proc/sys/kernel/domainname && exec sleep infinity")
	waitComm(tb, in.UTS, "sleep")
	outer := insideStart(tb, "unshare", "--pid", "--fork", "--kill-child", "unshare", "--pid", "--fork", "--kill-child", "sleep", "infinity")
	in.Nested = leaf(tb, outer, 2)
	waitComm(tb, in.Nested, "sleep")
	tpid := insideStart(tb, "unshare", "--time", "--fork", "--kill-child", "--monotonic", "86400", "sleep", "infinity")
	in.Time = leaf(tb, tpid, 1)
	waitComm(tb, in.Time, "sleep")
	in.CgNS = insideStart(tb, "unshare", "--cgroup", "sleep", "infinity")
	waitComm(tb, in.CgNS, "sleep")

	dir, err := os.MkdirTemp("", prefix+"-shared-")
	if err != nil {
		tb.Fatal(err)
	}
	insideRun(tb, "mount", "-t", "tmpfs", "-o", "size=1m", prefix+"-tmpfs", dir)
	tb.Cleanup(func() {
		_ = exec.Command("umount", "-l", dir).Run()
		_ = os.Remove(dir)
	})
	insideRun(tb, "mount", "--make-shared", dir)
	in.Shared = dir
	in.MntPID = insideStart(tb, "unshare", "--mount", "--propagation", "unchanged", "sleep", "infinity")
	waitComm(tb, in.MntPID, "sleep")
	return in
}

// String names the planted processes, for test logs.
func (in *Inside) String() string {
	return fmt.Sprintf("user %d, uts %d, nested pid %d, time %d, cgroup %d, mnt %d; netns %v",
		in.User, in.UTS, in.Nested, in.Time, in.CgNS, in.MntPID, in.Names)
}
