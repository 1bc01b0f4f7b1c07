//go:build linux

package stream

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
)

// livePipeline wires the real thing as cmd/nsweb does: watcher → runner
// (collect) → hub (layout) → websocket handler.
func livePipeline(t testing.TB, cfg Config, wopt watch.Options) (*Hub, *testServer) {
	h, srv, _ := liveRunner(t, cfg, wopt)
	return h, srv
}

// liveRunner is livePipeline that also returns the runner, to ask it how
// it scanned.
func liveRunner(t testing.TB, cfg Config, wopt watch.Options) (*Hub, *testServer, *Runner) {
	t.Helper()
	h, srv, r, _ := liveRunnerWatch(t, cfg, wopt)
	return h, srv, r
}

// liveRunnerWatch is liveRunner that also returns the watcher.
func liveRunnerWatch(t testing.TB, cfg Config, wopt watch.Options) (*Hub, *testServer, *Runner, *watch.Watcher) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the proc connector and a full scan")
	}
	if cfg.Layout == nil {
		cfg.Layout = layout.Compute
	}
	if cfg.ParseFilter == nil {
		cfg.ParseFilter = tokenFilter
	}
	if cfg.Base.FoldThreshold == 0 {
		// Never fold, so that the test's namespaces are nodes of their
		// own however many siblings other work on the machine creates.
		cfg.Base.FoldThreshold = -1
	}
	h, srv := newTestHub(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := watch.Start(ctx, wopt)
	if err != nil {
		t.Fatal(err)
	}
	col := collect.New(collect.Options{})
	r := &Runner{Scan: col.Scan, Rescan: col.Rescan, RescanMounts: col.RescanMounts, Unsettled: col.Unsettled, Hub: h}
	done := make(chan struct{})
	go func() { r.Run(ctx, w.C()); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = w.Close()
	})
	return h, srv, r, w
}

// tokenFilter understands "token:T": namespaces with a member process
// whose command line contains T. Each test gives its processes a unique
// token, so its view holds only what it started (and the ancestors that
// keep that in context), however many namespaces other work on the
// machine creates meanwhile.
func tokenFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	tok, ok := strings.CutPrefix(q, "token:")
	if !ok || tok == "" {
		return nil, "", fmt.Errorf("filter: want token:T, got %q", q)
	}
	return func(s *model.Snapshot, ns *model.Namespace) bool {
		for _, pid := range ns.Procs {
			if p := s.Processes[pid]; p != nil && strings.Contains(p.Cmdline, tok) {
				return true
			}
		}
		return false
	}, q, nil
}

// sleepArg is a sleep duration unique to this test run ("300.<random>"
// seconds), the token its processes are found by.
var sleepArg = fmt.Sprintf("300.%06d", rand.IntN(1000000))

func tokenHello() wire.Hello { return wire.Hello{Q: "token:" + sleepArg} }

// unshared starts `unshare --fork --pid --net --uts --ipc --mount sleep
// 300.<token>` (a container-like process) and returns the sleep's PID and the NSIDs
// of its five new namespaces. It is killed with its process group in
// Cleanup, also when the test fails.
func unshared(t testing.TB) (pid int, ids map[model.NSType]model.NSID, kill func()) {
	t.Helper()
	cmd := exec.Command("unshare", "--fork", "--kill-child", "--pid", "--net", "--uts", "--ipc", "--mount", "sleep", sleepArg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	kill = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	t.Cleanup(kill)
	// Find the forked sleep: the child of unshare.
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 {
		if time.Now().After(deadline) {
			t.Fatal("unshare's child did not appear")
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		if p, err := strconv.Atoi(string(trimSpace(b))); err == nil {
			pid = p
		} else {
			time.Sleep(2 * time.Millisecond)
		}
	}
	ids = map[model.NSType]model.NSID{}
	for _, typ := range []model.NSType{model.PID, model.Net, model.UTS, model.IPC, model.Mnt} {
		ids[typ], _ = nsOf(t, pid, typ)
	}
	return pid, ids, kill
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

func hasAll(ids map[model.NSType]model.NSID) func(*wire.State) bool {
	return func(st *wire.State) bool {
		for _, id := range ids {
			if _, ok := st.Nodes[fmt.Sprintf("ns:%d", id)]; !ok {
				return false
			}
		}
		return true
	}
}

func hasNone(ids map[model.NSType]model.NSID) func(*wire.State) bool {
	return func(st *wire.State) bool {
		for _, id := range ids {
			if _, ok := st.Nodes[fmt.Sprintf("ns:%d", id)]; ok {
				return false
			}
		}
		return true
	}
}

// TestLiveContainerAddAndRemove runs without the safety rescan: the
// namespaces must come and go by the partial rescans that process events
// trigger alone.
func TestLiveContainerAddAndRemove(t *testing.T) {
	h, srv, runner := liveRunner(t, Config{}, watch.Options{Rescan: -1})
	hello := tokenHello()
	clients := make([]*wsClient, 10)
	for i := range clients {
		clients[i] = dial(t, srv, nil)
		clients[i].Hello(hello)
		clients[i].MustNext(wire.TypeSnapshot)
	}
	c := clients[0]
	pid, ids, kill := unshared(t)
	startSeq := c.St.Seq
	c.ReadUntil("patch adding the new namespaces", 60*time.Second, hasAll(ids))
	if c.Snaps != 1 || c.St.Seq == startSeq {
		t.Fatalf("namespaces arrived by snapshot, not patch (%d snapshots)", c.Snaps)
	}
	// The first scan may catch unshare before its child: the child joins
	// the net node's members by a later update at the latest.
	netID := fmt.Sprintf("ns:%d", ids[model.Net])
	// Nodes carry the member count; the details (GET /api/v1/ns) the members.
	c.ReadUntil("net node counting the sleep", 60*time.Second, func(st *wire.State) bool {
		n := st.Nodes[netID]
		d := Details(h.Latest(), ids[model.Net])
		return n.Procs >= 1 && d != nil && slices.ContainsFunc(d.Processes, func(p *model.Process) bool { return p.PID == pid })
	})
	if n := c.St.Nodes[netID]; n.Type != model.Net || n.Procs < 1 || n.Inode == 0 {
		t.Errorf("net node %+v", n)
	}
	kill()
	c.ReadUntil("patch removing them", 60*time.Second, hasNone(ids))
	// Every client converges on the same state as a fresh snapshot.
	want := current(t, h, Request{Q: hello.Q})
	for _, cl := range clients {
		cl.WaitSeq(want.Seq)
		assertState(t, cl, want)
	}
	if full, partial := runner.Scans(); partial == 0 {
		t.Errorf("%d full scans and no partial rescan: process events did not take the cheap path", full)
	}
}

// scanSays is what the hub's latest snapshot holds for pid, for failure
// messages: a stale namespace ID there points at collect, not the stream.
func scanSays(h *Hub, pid int) string {
	p := h.Latest().Processes[pid]
	if p == nil {
		return "no such process"
	}
	return fmt.Sprint(p.NS)
}

// lazy is a failure message computed only when printed.
type lazy func() string

func (l lazy) String() string { return l() }

// TestLiveChurnInodeReuse starts and kills container-like processes in
// quick succession, so that the kernel hands their namespaces' inodes to
// the next ones. No node of a dead namespace may survive in a client, and
// the client's final state must equal a fresh snapshot and a fresh scan.
//
// It runs without the safety rescan, so that nothing but process events and
// the partial rescans they trigger (and mount events, if the host has any)
// keep the state; the comparison with a fresh scan checks those rescans.
func TestLiveChurnInodeReuse(t *testing.T) {
	h, srv, runner := liveRunner(t, Config{}, watch.Options{Rescan: -1})
	hello := tokenHello()
	c := dial(t, srv, nil)
	c.Hello(hello)
	c.MustNext(wire.TypeSnapshot)
	var dead []map[model.NSType]model.NSID
	inodes := map[uint64]int{}
	for i := range 15 {
		pid, ids, kill := unshared(t)
		_, ino := nsOf(t, pid, model.Net)
		inodes[ino]++
		if i%3 == 0 {
			c.ReadUntil(lazy(func() string {
				return fmt.Sprintf("churn %d: namespaces %v of pid %d seen (the latest scan says %s)", i, ids, pid, scanSays(h, pid))
			}), 60*time.Second, hasAll(ids))
		}
		kill()
		dead = append(dead, ids)
	}
	if len(inodes) == len(dead) {
		t.Logf("the kernel reused no net inode in this run")
	} else {
		t.Logf("%d net namespaces shared %d inodes", len(dead), len(inodes))
	}
	for _, ids := range dead {
		c.ReadUntil("dead namespaces gone", 60*time.Second, hasNone(ids))
	}
	// The client ends up showing exactly what a fresh scan shows for the
	// test's filter: the same nodes, with the same details, each naming the
	// inode the fresh scan finds for its NSID. The last kills' exits (the
	// unshare parents, in the host's namespaces) may still be on their way
	// through the watcher when the dead namespaces are gone, so the two are
	// compared until they agree, within a bound: a stale node stays and fails.
	var why string
	for deadline := time.Now().Add(30 * time.Second); ; {
		want := current(t, h, Request{Q: hello.Q})
		c.WaitSeq(want.Seq)
		assertState(t, c, want)
		s, err := collect.New(collect.Options{}).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		why = ""
		for id, n := range c.St.Nodes {
			if n.NS == 0 || n.Inode == 0 {
				continue
			}
			if ns := s.Namespaces[n.NS]; ns != nil && ns.Inode != n.Inode {
				why = fmt.Sprintf("node %s: inode %d, a fresh scan says %d", id, n.Inode, ns.Inode)
			}
		}
		if why == "" {
			fresh, _ := newTestHub(t, Config{Layout: layout.Compute, ParseFilter: tokenFilter, Base: layout.Options{FoldThreshold: -1}})
			fresh.Publish(s)
			if ok, w := c.St.EqualNodes(current(t, fresh, Request{Q: hello.Q}).Nodes); !ok {
				why = "client state differs from a fresh scan's view: " + w
			}
		}
		if why == "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if why != "" {
		t.Error(why)
	}
	full, partial := runner.Scans()
	t.Logf("%d full scans, %d partial rescans", full, partial)
	if partial == 0 {
		t.Errorf("no partial rescan in %d full scans", full)
	}
}
