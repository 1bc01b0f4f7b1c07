//go:build linux

package stream

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
)

// heldFilter understands "token:T" like tokenFilter, and also matches
// namespaces held by a bind mount whose mount point contains T: the view
// of one test's processes and bind mounts.
func heldFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	match, canon, err := tokenFilter(q)
	if err != nil {
		return nil, "", err
	}
	tok := strings.TrimPrefix(q, "token:")
	return func(s *model.Snapshot, ns *model.Namespace) bool {
		return match(s, ns) || slices.ContainsFunc(ns.HeldBy, func(h model.Holder) bool {
			return h.Kind == model.HeldByBindMount && strings.Contains(h.Path, tok)
		})
	}, canon, nil
}

// stepper is a process that runs one step each time the test writes a
// line to its stdin, so the test can connect first and time each step.
type stepper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

func startStepper(t testing.TB, args ...string) *stepper {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", args[0], err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return &stepper{cmd: cmd, in: in}
}

func (s *stepper) step(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		t.Fatalf("step %q: %v", line, err)
	}
}

// settled waits until the hub's latest snapshot has pid with the
// namespace of type typ it is in now, and the client caught up with it:
// the starting point of a measurement.
func settled(t testing.TB, h *Hub, c *wsClient, pid int, typ model.NSType) {
	t.Helper()
	want, _ := nsOf(t, pid, typ)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s := h.Latest(); s != nil {
			if p := s.Processes[pid]; p != nil && p.NS[typ] == want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never scanned in %s:%d; the scan says %v", pid, typ, want, lazy(func() string { return scanSays(h, pid) }))
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.WaitSeq(h.latestSeq(t))
}

// latestSeq is the sequence number of the hub's latest state.
func (h *Hub) latestSeq(t testing.TB) uint64 { return current(t, h, Request{Q: tokenHello().Q}).Seq }

// kernelScenario is one change that only kernel events (or the safety
// rescan) report; run makes it happen after start, and returns the
// condition the client's state must reach.
type kernelScenario struct {
	name string
	run  func(t testing.TB, h *Hub, c *wsClient) (cond func(*wire.State) bool)
}

func node(id model.NSID) string { return fmt.Sprintf("ns:%d", id) }

// kernelScenarios: a process that unshares in place, one that setns()es
// into a bind-mounted network namespace, a bind mount of a namespace made
// inside another mount namespace, and its unmount. The processes carry
// the test's token, so the view shows only them.
func kernelScenarios(prefix string) []kernelScenario {
	return []kernelScenario{
		{"unshare in place", func(t testing.TB, h *Hub, c *wsClient) func(*wire.State) bool {
			// perl is single-threaded; syscall 272 is unshare(2) on x86_64,
			// 0x40000000 CLONE_NEWNET.
			p := startStepper(t, "perl", "-e", `<STDIN>; syscall(272, 0x40000000) == 0 or die "unshare: $!"; sleep 300`, sleepArg)
			pid := p.cmd.Process.Pid
			settled(t, h, c, pid, model.Net)
			before, _ := nsOf(t, pid, model.Net)
			p.step(t, "go")
			var after model.NSID
			for after == 0 || after == before {
				after, _ = nsOf(t, pid, model.Net)
				time.Sleep(100 * time.Microsecond)
			}
			return func(st *wire.State) bool { _, ok := st.Nodes[node(after)]; return ok }
		}},
		{"setns into a bind-mounted namespace", func(t testing.TB, h *Hub, c *wsClient) func(*wire.State) bool {
			name := fmt.Sprintf("%s-%d", prefix, rand.Uint32())
			if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
				t.Fatalf("ip netns add: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
			// syscall 308 is setns(2) on x86_64.
			p := startStepper(t, "perl", "-e", `open(my $f, "<", "/run/netns/`+name+`") or die "open: $!"; <STDIN>; syscall(308, fileno($f), 0x40000000) == 0 or die "setns: $!"; sleep 300`, sleepArg)
			pid := p.cmd.Process.Pid
			settled(t, h, c, pid, model.Net)
			target := nsIDOfPath(t, "/run/netns/"+name)
			p.step(t, "go")
			for cur, _ := nsOf(t, pid, model.Net); cur != target; cur, _ = nsOf(t, pid, model.Net) {
				time.Sleep(100 * time.Microsecond)
			}
			return func(st *wire.State) bool { _, ok := st.Nodes[node(target)]; return ok }
		}},
		{"bind mount in another mount namespace", func(t testing.TB, h *Hub, c *wsClient) func(*wire.State) bool {
			b := bindSetup(t, h, c)
			b.mount(t)
			return b.mounted
		}},
		{"unmount in another mount namespace", func(t testing.TB, h *Hub, c *wsClient) func(*wire.State) bool {
			b := bindSetup(t, h, c)
			b.mount(t)
			c.ReadUntil("bind mount in another mount namespace", scenarioTimeout(t), b.mounted)
			b.unmount(t)
			return func(st *wire.State) bool { return !b.mounted(st) }
		}},
	}
}

// bound is a process in a private mount namespace, ready to bind-mount a
// network namespace whose one process carries no token (so only the bind
// mount, at a path holding the token, shows it in the view). It mounts
// and unmounts itself (perl's syscall: mount(2) is 165, umount2(2) 166 on
// x86_64), so that the time measured is the kernel's event to the patch,
// not a mount(8) starting up.
type bound struct {
	p       *stepper
	mounted func(*wire.State) bool
}

func (b bound) mount(t testing.TB)   { b.p.step(t, "m") }
func (b bound) unmount(t testing.TB) { b.p.step(t, "u") }

func bindSetup(t testing.TB, h *Hub, c *wsClient) bound {
	t.Helper()
	target := startStepper(t, "unshare", "--net", "sleep", "300")
	var tid model.NSID
	self, _ := nsOf(t, os.Getpid(), model.Net)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if id, _ := nsOf(t, target.cmd.Process.Pid, model.Net); id != self {
			tid = id
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare --net did not run")
		}
		time.Sleep(2 * time.Millisecond)
	}
	dir, err := os.MkdirTemp("", "nsweb-bpf-"+sleepArg+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	point := filepath.Join(dir, "net")
	if err := os.WriteFile(point, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `$| = 1; while (<STDIN>) { chomp;
		if ($_ eq "m") { syscall(165, $ARGV[0], $ARGV[1], 0, 4096, 0) == 0 or die "mount: $!" }
		if ($_ eq "u") { syscall(166, $ARGV[1], 0) == 0 or die "umount: $!" } }`
	p := startStepper(t, "unshare", "--mount", "--propagation", "private", "perl", "-e", script,
		fmt.Sprintf("/proc/%d/ns/net", target.cmd.Process.Pid), point)
	// Wait until it unshared (it is perl once it execs).
	selfMnt, _ := nsOf(t, os.Getpid(), model.Mnt)
	for id, _ := nsOf(t, p.cmd.Process.Pid, model.Mnt); id == selfMnt; id, _ = nsOf(t, p.cmd.Process.Pid, model.Mnt) {
		time.Sleep(time.Millisecond)
	}
	settled(t, h, c, p.cmd.Process.Pid, model.Mnt)
	return bound{p: p, mounted: func(st *wire.State) bool { _, ok := st.Nodes[node(tid)]; return ok }}
}

// nsIDOfPath is the NSID of a namespace file.
func nsIDOfPath(t testing.TB, path string) model.NSID {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer unix.Close(fd)
	var id uint64
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id))); e != 0 {
		t.Fatalf("NS_GET_ID %s: %v", path, e)
	}
	return model.NSID(id)
}

// scenarioTimeout is how long a change may take to reach the client: set
// by the test that runs the scenarios.
var scenarioTimeouts = map[string]time.Duration{}

func scenarioTimeout(t testing.TB) time.Duration {
	for prefix, d := range scenarioTimeouts {
		if strings.HasPrefix(t.Name(), prefix) {
			return d
		}
	}
	return time.Second
}

// TestLiveKernelEvents: changes no process event reports reach a websocket
// client within 1 s through the BPF events, and without BPF within the
// safety interval, the fallback said in Events.
func TestLiveKernelEvents(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the perl helpers use x86_64 syscall numbers")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	const safety = 2 * time.Second
	for _, mode := range []struct {
		name    string
		opt     watch.Options
		timeout time.Duration
	}{
		// No safety rescan at all with BPF: only the events can do it.
		{"bpf", watch.Options{Rescan: -1}, time.Second},
		// The safety interval, plus the full scan that follows the tick
		// (seconds on a loaded 2-core host).
		{"nobpf", watch.Options{Rescan: safety, NoBPF: true}, safety + 3*time.Second},
	} {
		scenarioTimeouts["TestLiveKernelEvents/"+mode.name] = mode.timeout
		t.Run(mode.name, func(t *testing.T) {
			h, srv, r, w := liveRunnerWatch(t, Config{ParseFilter: heldFilter}, mode.opt)
			if got, bpf := w.Events(), mode.name == "bpf"; (got == "bpf") != bpf || (!bpf && !strings.Contains(got, "(bpf off)")) {
				t.Fatalf("events %q in mode %s", got, mode.name)
			}
			for _, sc := range kernelScenarios("bpf-live") {
				t.Run(sc.name, func(t *testing.T) {
					c := dial(t, srv, nil)
					c.Hello(tokenHello())
					c.MustNext(wire.TypeSnapshot)
					cond := sc.run(t, h, c)
					start := time.Now()
					c.ReadUntil(sc.name, mode.timeout, cond)
					t.Logf("%s reached the client after %v", sc.name, time.Since(start))
				})
			}
			if mode.name == "nobpf" {
				// What the safety rescan alone found is counted (after
				// its grace for late events).
				for deadline := time.Now().Add(10 * time.Second); r.Stats().SafetyOnlyChanges == 0 && time.Now().Before(deadline); {
					time.Sleep(20 * time.Millisecond)
				}
				if st := r.Stats(); st.SafetyOnlyChanges == 0 {
					t.Errorf("without BPF the safety rescan found the changes, yet counted none: %+v", st)
				}
			}
			st := r.Stats()
			t.Logf("runner stats %+v", st)
			if mode.name == "bpf" && st.SafetyRescans != 0 {
				t.Errorf("a safety rescan ran with Rescan: -1: %+v", st)
			}
		})
	}
}

// BenchmarkKernelEventLatency measures, for each kernel scenario, the time
// from the change (a process's unshare() in place, its setns(), its bind
// mount or unmount in another mount namespace)
// to the patch that shows it at a websocket client, through the BPF
// events; p50 and p95 are reported. Each iteration leaves its processes
// running until the end (cleanup), as a busy host would.
func BenchmarkKernelEventLatency(b *testing.B) {
	if runtime.GOARCH != "amd64" {
		b.Skip("the perl helpers use x86_64 syscall numbers")
	}
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	h, srv, _, w := liveRunnerWatch(b, Config{ParseFilter: heldFilter}, watch.Options{Rescan: -1})
	if !w.BPF() {
		b.Fatalf("no BPF: %s", w.Events())
	}
	c := dial(b, srv, nil)
	c.Hello(tokenHello())
	c.MustNext(wire.TypeSnapshot)
	for _, sc := range kernelScenarios("bpf-bench") {
		b.Run(sc.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				b.StopTimer()
				cond := sc.run(b, h, c)
				start := time.Now()
				b.StartTimer()
				c.ReadUntil(sc.name, 10*time.Second, cond)
				lat = append(lat, time.Since(start))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.95), "p95-ms")
		})
	}
}
