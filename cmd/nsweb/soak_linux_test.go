//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
	"github.com/nsweb/nsweb/internal/zoo"
)

// soakClients is the number of websocket clients that watch the churn
// (issue 8 asks for 20).
const soakClients = 20

// soakDuration is how long containers churn: NSWEB_SOAK (a Go duration,
// e.g. 2m) for the long form, a few seconds by default so that the soak
// runs with every go test, shorter still under the race detector.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	if v := os.Getenv("NSWEB_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("NSWEB_SOAK=%q: want a duration such as 2m", v)
		}
		return d
	}
	if raceEnabled {
		return 3 * time.Second
	}
	return 5 * time.Second
}

// TestChurnSoak runs nsweb serve's own pipeline (watcher → runner with
// partial rescans and relabels → hub → websockets, engine names) on a
// loopback listener while container-like processes, and real docker and
// podman containers when scripts/engines-up runs, start and stop
// continuously and 20 clients watch. Afterwards every client's state must
// equal the view a fresh discovery gives (a new collector and engine
// catalogue, laid out by a new hub), and goroutines, heap and RSS must be
// back near where they were before.
//
// The safety rescan is off, as in the stream live tests: what keeps the
// clients right is process events, kernel (BPF) events of processes that
// unshare in place, partial rescans, mount events and engine events, and a
// stale node is not hidden by a rescan that happened to run just before
// the comparison; at the end, what a safety rescan would find must hold
// nothing of the churn.
func TestChurnSoak(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the proc connector, new namespaces and a full scan")
	}
	churnFor := soakDuration(t)
	engines := soakEngines(t)
	var socks []string
	for _, e := range engines {
		socks = append(socks, e.Sock)
	}
	// A sleep duration unique to this run is the tag its processes and
	// containers are found by, however busy the host is.
	tag := fmt.Sprintf("300.%06d", rand.IntN(1000000))
	reqs := []stream.Request{{View: "owner", Q: "cmd:" + tag}, {View: "pid", Q: "cmd:" + tag}}

	logs := &testLog{t: t}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, addr, ctx := startServing(t, serveConfig{
		opts: serveOptions{engineSockets: socks}, log: log, stdout: io.Discard,
		watch: watch.Options{Rescan: -1},
	})
	for _, r := range reqs {
		if _, err := p.hub.Current(ctx, r); err != nil {
			t.Fatalf("first scan: %v", err)
		}
	}
	before := measure()

	url := "ws://" + addr + "/api/v1/stream"
	clients := make([]*soakClient, soakClients)
	for i := range clients {
		c, err := dialSoak(ctx, url, reqs[i%len(reqs)])
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		t.Cleanup(func() { _ = c.conn.CloseNow() })
		clients[i] = c
	}
	// A subscription's seqs start far above 0 (stream.Hub): seq 1 or
	// later means the first snapshot arrived.
	for _, c := range clients {
		if err := c.waitSeq(ctx, 1, 30*time.Second); err != nil {
			t.Fatalf("first snapshot: %v", err)
		}
	}
	connected := measure()
	t.Logf("baseline: server up %v; %d clients connected %v", before, len(clients), connected)

	// Churn: zoo containers in the test's goroutine, engine containers in
	// one goroutine per engine, each keeping a few alive and replacing
	// them continuously.
	end := time.Now().Add(churnFor)
	engineStats := make([]engineChurn, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() { engineStats[i] = e.churn(t, end, tag) })
	}
	var ips inPlaceStats
	wg.Go(func() { ips = inPlaceChurn(t, end, tag) })
	t.Cleanup(func() {
		for _, c := range ips.live {
			kill(c)
		}
	})
	zs := zooChurn(t, end, tag)
	wg.Wait()
	t.Logf("in-place churn: %d processes unshared in place, %d killed", ips.started, ips.killed)
	t.Logf("churn for %s: zoo %d started, %d killed, %d errors; %d left running", churnFor, zs.started, zs.killed, zs.errors, len(zs.live))
	for i, s := range engineStats {
		t.Logf("churn: %s %d started, %d removed, %d errors; %d left running", engines[i].Runtime, s.started, s.removed, len(s.errs), len(s.live))
		for _, err := range s.errs {
			t.Errorf("%s: %v", engines[i].Runtime, err)
		}
	}
	if zs.started == 0 || zs.killed == 0 {
		t.Errorf("no churn: %d zoo containers started, %d killed", zs.started, zs.killed)
	}

	// What is left running must reach every client, and nothing of what
	// was removed may stay: compare with a fresh discovery once the view
	// is quiet.
	cmp := soakCompare{tag: tag, ours: map[string]bool{}}
	for _, s := range engineStats {
		for _, id := range s.ids {
			cmp.ours[id] = true
		}
	}
	// Quiet for longer than the watcher's settle looks for exited
	// processes are apart (a second at most), so that a process of other
	// work that exited just before is not caught half-way.
	if err := waitQuiet(ctx, p.hub, reqs, cmp, 3*time.Second, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	fresh := freshViews(t, socks, reqs, cmp)
	diffs := map[string][]int{} // difference → clients, to report each once
	for i, c := range clients {
		want := fresh.views[c.req.View]
		if err := c.waitNodes(ctx, p.hub, 30*time.Second); err != nil {
			t.Errorf("client %d (%s): %v", i, c.req.View, err)
			continue
		}
		c.mu.Lock()
		if diff := cmp.diff(c.st.Nodes, want.Nodes, fresh.scope); diff != "" {
			diff = c.req.View + " view:\n" + diff
			diffs[diff] = append(diffs[diff], i)
		}
		c.mu.Unlock()
	}
	for diff, who := range diffs {
		t.Errorf("clients %v differ from a fresh discovery, %s%s", who, diff, holderReport(diff, p.hub.Latest(), fresh.snap))
	}
	// With kernel events, nothing of the churn is left for a safety
	// rescan to find: every change was announced by an event.
	if !p.watcher.BPF() {
		t.Errorf("kernel events not in use as root: %s", p.watcher.Events())
	}
	audit, err := p.runner.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range audit {
		if strings.Contains(c.What, tag) {
			t.Errorf("a safety rescan would find a change no event announced: %s %v %q", c.Kind, c.PIDs, c.What)
		}
	}
	var names []string
	for _, s := range engineStats {
		names = append(names, s.live...)
	}
	for _, name := range names {
		if !fresh.named[name] {
			t.Errorf("a fresh discovery does not name container %s", name)
		}
		for _, c := range clients {
			if !c.shows(name) {
				t.Errorf("client (%s view) does not show container %s by name", c.req.View, name)
				break
			}
		}
	}
	full, partial := p.runner.Scans()
	var msgs, snaps int
	var bytes int64
	for _, c := range clients {
		c.mu.Lock()
		msgs, snaps, bytes = msgs+c.msgs, snaps+c.snaps, bytes+c.bytes
		for _, e := range c.errs {
			t.Errorf("client got an error message: %s", e)
		}
		c.mu.Unlock()
	}
	t.Logf("runner: %d full scans, %d partial rescans; clients: %d messages (%d snapshots), %.1f MiB; fresh view: %d owner nodes, %d pid nodes",
		full, partial, msgs, snaps, float64(bytes)/(1<<20), len(fresh.views["owner"].Nodes), len(fresh.views["pid"].Nodes))
	if partial == 0 {
		t.Errorf("no partial rescan in %d full scans: process events did not take the cheap path", full)
	}

	// Remove what is left, let the clients go, and look at what the
	// server holds on to.
	for _, z := range zs.live {
		z.Kill()
	}
	for _, c := range ips.live {
		kill(c)
	}
	ips.live = nil
	for i, s := range engineStats {
		for _, name := range s.live {
			if _, err := engines[i].Try(engines[i].RmArgs(name)...); err != nil {
				t.Error(err)
			}
		}
	}
	if err := waitQuiet(ctx, p.hub, reqs, cmp, time.Second, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	var closing sync.WaitGroup
	for _, c := range clients {
		closing.Go(func() {
			_ = c.conn.Close(websocket.StatusNormalClosure, "soak over")
			<-c.done
		})
	}
	closing.Wait()
	// Goroutines of closed connections end shortly after the close.
	maxG := before.goroutines + 5
	after := measure()
	for deadline := time.Now().Add(10 * time.Second); after.goroutines > maxG && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		after = measure()
	}
	t.Logf("after: %v (server up: %v, clients connected: %v)", after, before, connected)
	if after.goroutines > maxG {
		t.Errorf("%d goroutines after the clients left, want ≤ %d (%d with the server up, %d with %d clients)\n%s",
			after.goroutines, maxG, before.goroutines, connected.goroutines, len(clients), goroutineDump())
	}
	// The heap holds the host's snapshot and one laid-out state per
	// subscription, whatever ran before: it must not grow with the churn.
	if maxHeap := connected.heap + connected.heap/2 + 16<<20; after.heap > maxHeap {
		t.Errorf("heap %.1f MiB after the soak, want ≤ %.1f MiB (%.1f MiB with the clients connected)",
			mib(after.heap), mib(maxHeap), mib(connected.heap))
	}
	if maxRSS := connected.rss + connected.rss/2 + 64<<20; after.rss > maxRSS {
		t.Errorf("RSS %.1f MiB after the soak, want ≤ %.1f MiB (%.1f MiB with the clients connected)",
			mib(after.rss), mib(maxRSS), mib(connected.rss))
	}
	// The long form also waits for the hub to drop the subscriptions no
	// client uses any more (stream.Config.KeyIdle, 30 s), after which the
	// heap holds little more than the host's snapshot.
	if churnFor >= time.Minute {
		deadline := time.Now().Add(90 * time.Second)
		for p.hub.Subscriptions() > 0 && time.Now().Before(deadline) {
			time.Sleep(time.Second)
			// Subscriptions are dropped when a scan is published: a
			// short-lived process makes one on a quiet host, where the
			// safety rescan is off.
			_ = exec.Command("true").Run()
		}
		idle := measure()
		left := p.hub.Subscriptions()
		t.Logf("idle subscriptions dropped (%d left): %v", left, idle)
		if maxHeap := connected.heap + 4<<20; left == 0 && idle.heap > maxHeap {
			t.Errorf("heap %.1f MiB once the subscriptions were dropped, want ≤ %.1f MiB (%.1f MiB with the clients connected)",
				mib(idle.heap), mib(maxHeap), mib(connected.heap))
		}
	}
	if path := os.Getenv("NSWEB_SOAK_HEAPPROFILE"); path != "" {
		writeHeapProfile(t, path)
	}
	if n := logs.count(); n > 0 {
		t.Errorf("the server logged %d warnings or errors (above)", n)
	}
}

// soakUsage is the memory and goroutine figures the soak compares.
type soakUsage struct {
	goroutines int
	heap, rss  uint64 // bytes: live heap after a GC, resident set
}

func (u soakUsage) String() string {
	return fmt.Sprintf("%d goroutines, heap %.1f MiB, RSS %.1f MiB", u.goroutines, mib(u.heap), mib(u.rss))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// measure collects garbage, returns freed memory to the kernel and reads
// the figures, so that two measurements compare what is held, not what
// the collector had not got round to.
func measure() soakUsage {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return soakUsage{goroutines: runtime.NumGoroutine(), heap: ms.HeapAlloc, rss: vmRSS()}
}

// vmRSS reads this process's resident set size from /proc/self/status.
func vmRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// writeHeapProfile writes what the heap holds after the soak, for pprof,
// when a long soak's figures ask why.
func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Errorf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Errorf("heap profile: %v", err)
	}
	t.Logf("heap profile in %s", path)
}

func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// testLog passes the server's warnings and errors to the test log and
// counts them: a soak that works logs none.
type testLog struct {
	t  *testing.T
	mu sync.Mutex
	n  int
}

func (l *testLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	l.t.Logf("server: %s", bytes.TrimSpace(b))
	return len(b), nil
}

func (l *testLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// soakClient is a websocket client that keeps a wire.State as the browser
// does, reading continuously in its own goroutine.
type soakClient struct {
	req  stream.Request
	conn *websocket.Conn
	done chan struct{} // closed when reading stopped

	mu          sync.Mutex
	st          wire.State
	msgs, snaps int
	bytes       int64
	errs        []string // error messages from the server
	err         error    // what stopped the reading
}

func dialSoak(ctx context.Context, url string, req stream.Request) (*soakClient, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	conn.SetReadLimit(64 << 20)
	hello, _ := json.Marshal(wire.Hello{Type: wire.TypeHello, View: req.View, Q: req.Q})
	if err := conn.Write(dctx, websocket.MessageText, hello); err != nil {
		_ = conn.CloseNow()
		return nil, fmt.Errorf("hello: %w", err)
	}
	c := &soakClient{req: req, conn: conn, done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *soakClient) read() {
	defer close(c.done)
	for {
		_, data, err := c.conn.Read(context.Background())
		if err == nil {
			err = c.apply(data)
		}
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			_ = c.conn.CloseNow()
			return
		}
	}
}

// apply applies one message to the state, as the browser does.
func (c *soakClient) apply(data []byte) error {
	var head struct{ Type string }
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("bad message %.100q: %w", data, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs++
	c.bytes += int64(len(data))
	switch head.Type {
	case wire.TypeSnapshot:
		var s wire.Snapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		c.st.Reset(&s)
		c.snaps++
	case wire.TypePatch:
		var p wire.Patch
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("patch: %w", err)
		}
		if err := c.st.Apply(&p); err != nil {
			return fmt.Errorf("apply patch %d at seq %d: %w", p.Seq, c.st.Seq, err)
		}
	case wire.TypeError:
		var e wire.Error
		_ = json.Unmarshal(data, &e)
		c.errs = append(c.errs, e.Error)
	default:
		return fmt.Errorf("unknown message %.100q", data)
	}
	return nil
}

// waitSeq waits until the client's state is at seq or later.
func (c *soakClient) waitSeq(ctx context.Context, seq uint64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		at, err := c.st.Seq, c.err
		c.mu.Unlock()
		switch {
		case at >= seq:
			return nil
		case err != nil:
			return fmt.Errorf("reading stopped at seq %d (want %d): %w", at, seq, err)
		case time.Now().After(deadline) || ctx.Err() != nil:
			return fmt.Errorf("state at seq %d, want %d within %s", at, seq, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitNodes waits until the client is at the hub's seq and checks that
// it holds the hub's nodes: the stream delivered what the hub computed.
// Other work on the host may move the hub on meanwhile (the shared
// namespaces' counts): then the client is compared at the next seq.
func (c *soakClient) waitNodes(ctx context.Context, hub *stream.Hub, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		want, err := currentView(ctx, hub, c.req)
		if err != nil {
			return err
		}
		c.mu.Lock()
		at, rerr := c.st.Seq, c.err
		if at == want.Seq {
			ok, why := c.st.EqualNodes(want.Nodes)
			c.mu.Unlock()
			if !ok {
				return fmt.Errorf("state at seq %d differs from the hub's: %s", at, why)
			}
			return nil
		}
		c.mu.Unlock()
		switch {
		case rerr != nil:
			return fmt.Errorf("reading stopped at seq %d (hub at %d): %w", at, want.Seq, rerr)
		case time.Now().After(deadline) || ctx.Err() != nil:
			return fmt.Errorf("state at seq %d, hub at %d after %s", at, want.Seq, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// shows reports whether a node of the client's state names container name.
func (c *soakClient) shows(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.st.Nodes {
		// A container node carries the names; ungrouped, a namespace's label does.
		if (n.Container != nil && n.Container.Name == name) || strings.HasSuffix(n.Label, " · "+name) {
			return true
		}
	}
	return false
}

func currentView(ctx context.Context, hub *stream.Hub, r stream.Request) (*wire.Snapshot, error) {
	v, err := hub.Current(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("hub view %s %q: %w", r.View, r.Q, err)
	}
	var s wire.Snapshot
	if err := json.Unmarshal(v.Message, &s); err != nil {
		return nil, fmt.Errorf("hub view: %w", err)
	}
	return &s, nil
}

// waitQuiet waits until the nodes of every view stayed the same for quiet,
// as the soak compares them: the last events have been scanned. The meta
// and the host's shared namespaces' member counts change with whatever
// else runs on the machine and do not count.
func waitQuiet(ctx context.Context, hub *stream.Hub, reqs []stream.Request, cmp soakCompare, quiet, timeout time.Duration) error {
	var last map[string]string
	var changed []string // what changed last, for the report
	since := time.Now()
	deadline := since.Add(timeout)
	for {
		cur := map[string]string{}
		sc := cmp.scope(hub.Latest())
		for _, r := range reqs {
			s, err := currentView(ctx, hub, r)
			if err != nil {
				return err
			}
			for _, n := range s.Nodes {
				b, _ := json.Marshal(cmp.node(n, sc))
				cur[r.View+" "+n.ID] = string(b)
			}
		}
		now := time.Now()
		if !maps.Equal(cur, last) {
			changed = changed[:0]
			for k, v := range cur {
				if last[k] != v {
					changed = append(changed, "now "+v)
				}
			}
			for k, v := range last {
				if _, ok := cur[k]; !ok {
					changed = append(changed, "gone "+v)
				}
			}
			last, since = cur, now
		} else if now.Sub(since) >= quiet {
			return nil
		}
		if now.After(deadline) {
			slices.Sort(changed)
			if len(changed) > 10 {
				changed = append(changed[:10], fmt.Sprintf("… and %d more", len(changed)-10))
			}
			return fmt.Errorf("views still changing after %s; last change:\n%s", timeout, strings.Join(changed, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// soakCompare says how the soak compares views on a host where other work
// goes on: the namespaces with members outside the test (the host's user
// and time namespaces, ancestors of everything) are compared by place and
// kind, but their member counts and samples, containers other than the
// test's and holds by threads, fds and sockets change with that other work;
// and nsfs bind mounts count only in the mount namespaces of the test.
type soakCompare struct {
	tag  string          // in the command line of every process the test starts
	ours map[string]bool // IDs of the engine containers the test started
}

// soakScope sorts a snapshot's namespaces for soakCompare, by node ID.
type soakScope struct {
	// shared are the namespaces with a member process that is not the
	// test's.
	shared map[string]bool
	// mounts are the mount namespaces whose nsfs bind mounts are the
	// test's to compare: the test process's own (where ip netns and the
	// engines mount) and those all of whose members are the test's.
	mounts map[string]bool
}

// scope sorts s's namespaces.
func (c soakCompare) scope(s *model.Snapshot) soakScope {
	sc := soakScope{shared: map[string]bool{}, mounts: map[string]bool{}}
	if s == nil {
		return sc
	}
	for id, ns := range s.Namespaces {
		key := fmt.Sprintf("ns:%d", id)
		if slices.ContainsFunc(ns.Procs, func(pid int) bool {
			p := s.Processes[pid]
			return p == nil || !strings.Contains(p.Cmdline, c.tag)
		}) {
			sc.shared[key] = true
		} else if ns.Type == model.Mnt && len(ns.Procs) > 0 {
			sc.mounts[key] = true
		}
	}
	if self := s.Processes[os.Getpid()]; self != nil && self.NS[model.Mnt] != 0 {
		sc.mounts[fmt.Sprintf("ns:%d", self.NS[model.Mnt])] = true
	}
	return sc
}

// node returns n as the soak compares it: a namespace other work shares
// (the host's) changes its member count all the time. Nodes carry no
// other details (they are asked for on demand).
func (c soakCompare) node(n wire.Node, sc soakScope) wire.Node {
	if sc.shared[n.ID] {
		n.Procs = 0
	}
	return n
}

// diff lists how a client's nodes differ from want's, "" when they do
// not: the same nodes in the same places with the same details.
func (c soakCompare) diff(got map[string]wire.Node, want []wire.Node, sc soakScope) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.ID] = true
		g, ok := got[w.ID]
		if !ok {
			fmt.Fprintf(&b, "  missing %s\n", nodeJSON(w))
			continue
		}
		cg, cw := c.node(g, sc), c.node(w, sc)
		st := wire.State{Nodes: map[string]wire.Node{cg.ID: cg}}
		if ok, _ := st.EqualNodes([]wire.Node{cw}); !ok {
			fmt.Fprintf(&b, "  differs: client %s\n           fresh  %s\n", nodeJSON(cg), nodeJSON(cw))
		}
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range got {
			if !seen[id] && !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		fmt.Fprintf(&b, "  stale %s\n", nodeJSON(got[id]))
	}
	return b.String()
}

// fresh is what a fresh discovery shows: the views of a new collector's
// scan named by a new engine catalogue, laid out by a new hub.
type fresh struct {
	views map[string]*wire.Snapshot // by view
	// scope sorts the namespaces for soakCompare.
	scope soakScope
	named map[string]bool // container names the catalogue gave
	snap  *model.Snapshot // the fresh scan, for failure reports
}

func freshViews(t *testing.T, socks []string, reqs []stream.Request, cmp soakCompare) fresh {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cat := engine.New(engine.Config{Sockets: socks, Logger: slog.New(slog.DiscardHandler)})
	catCtx, stopCat := context.WithCancel(ctx)
	catDone := make(chan struct{})
	go func() { _ = cat.Run(catCtx); close(catDone) }()
	defer func() { stopCat(); <-catDone }()
	for _, sock := range socks {
		for !slices.ContainsFunc(cat.Engines(), func(e engine.EngineStatus) bool { return e.Socket == sock && e.Connected }) {
			if ctx.Err() != nil {
				t.Fatalf("fresh catalogue: engine %s did not answer: %v", sock, cat.Engines())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	snap, err := collect.New(collect.Options{}).Scan(ctx)
	if err != nil {
		t.Fatalf("fresh scan: %v", err)
	}
	cat.Enrich(snap)
	hub, err := newHub(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Shutdown(ctx) }()
	hub.Publish(snap)
	f := fresh{views: map[string]*wire.Snapshot{}, named: map[string]bool{}, snap: snap}
	for _, r := range reqs {
		v, err := currentView(ctx, hub, r)
		if err != nil {
			t.Fatal(err)
		}
		f.views[r.View] = v
	}
	f.scope = cmp.scope(snap)
	for _, c := range snap.Containers {
		if c.Name != "" {
			f.named[c.Name] = true
		}
	}
	return f
}

// holderReport says, for the processes a difference names as holders, what
// the server's latest snapshot and the fresh scan knew of them and what
// /proc says now: a stale holder points at the event that was missed.
func holderReport(diff string, server, fresh *model.Snapshot) string {
	var b strings.Builder
	seen := map[int]bool{}
	for _, m := range regexp.MustCompile(`"pid":(\d+)`).FindAllStringSubmatch(diff, -1) {
		pid, _ := strconv.Atoi(m[1])
		if seen[pid] {
			continue
		}
		seen[pid] = true
		say := func(s *model.Snapshot) string {
			if s == nil || s.Processes[pid] == nil {
				return "none"
			}
			p := s.Processes[pid]
			return fmt.Sprintf("%q %q ns %v err %q", p.Comm, p.Cmdline, p.NS, p.Err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		now := strings.TrimSpace(string(stat))
		if err != nil {
			now = err.Error()
		}
		fmt.Fprintf(&b, "  PID %d: server %s; fresh %s; now %.120s\n", pid, say(server), say(fresh), now)
	}
	return b.String()
}

func nodeJSON(n wire.Node) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// zooStats is what the zoo churn did.
type zooStats struct {
	started, killed, errors int
	live                    []*zoo.Proc
}

// zooChurn starts and kills tagged zoo containers until end, keeping up to
// eight alive, and leaves the last ones running.
func zooChurn(t *testing.T, end time.Time, tag string) zooStats {
	t.Helper()
	var s zooStats
	for time.Now().Before(end) {
		if len(s.live) >= 8 || (len(s.live) > 2 && rand.IntN(2) == 0) {
			i := rand.IntN(len(s.live))
			s.live[i].Kill()
			s.live = slices.Delete(s.live, i, i+1)
			s.killed++
		} else {
			p, err := zoo.TaggedContainer(t, tag)
			if err != nil {
				s.errors++
				t.Errorf("churn: %v", err)
				continue
			}
			s.live = append(s.live, p)
			s.started++
		}
		time.Sleep(time.Duration(5+rand.IntN(30)) * time.Millisecond)
	}
	return s
}

// soakEngine is a real container engine's CLI pointed at the private
// socket scripts/engines-up made.
type soakEngine struct{ enginetest.Real }

// soakEngines returns the engines scripts/engines-up announced in
// NSWEB_DOCKER_SOCK and NSWEB_PODMAN_SOCK; none when they are not set.
func soakEngines(t *testing.T) []soakEngine {
	t.Helper()
	var out []soakEngine
	for _, rt := range []string{"docker", "podman"} {
		e, why, err := enginetest.FindReal(rt)
		if err != nil {
			t.Fatal(err)
		}
		if why != "" {
			t.Logf("%s: no %s containers in the churn", why, rt)
			continue
		}
		out = append(out, soakEngine{e})
	}
	return out
}

// engineChurn is what one engine's churn did.
type engineChurn struct {
	started, removed int
	errs             []error
	live             []string // names of the containers left running
	ids              []string // of every container started
}

// churn runs and removes containers until end, keeping up to three alive,
// and leaves the last ones running. Cleanup removes every container it
// started, also when the test fails.
func (e soakEngine) churn(t *testing.T, end time.Time, tag string) engineChurn {
	var s engineChurn
	for time.Now().Before(end) && len(s.errs) < 5 {
		if len(s.live) >= 3 || (len(s.live) > 1 && rand.IntN(2) == 0) {
			name := s.live[0]
			s.live = s.live[1:]
			if _, err := e.Try(e.RmArgs(name)...); err != nil {
				s.errs = append(s.errs, err)
				continue
			}
			s.removed++
			continue
		}
		b := make([]byte, 4)
		_, _ = crand.Read(b)
		name := "nsweb-soak-" + hex.EncodeToString(b)
		t.Cleanup(func() { _, _ = e.Try(e.RmArgs(name)...) })
		id, err := e.Try("run", "-d", "--name", name, "--network", "none", e.Image, "sleep", tag)
		if err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		s.ids = append(s.ids, strings.ToLower(id))
		s.started++
		s.live = append(s.live, name)
	}
	return s
}

// TestSoakCompare checks the soak's comparison itself: it must see a
// stale, missing or changed node, and overlook only what other work on the
// host changes in shared namespaces.
func TestSoakCompare(t *testing.T) {
	cmp := soakCompare{tag: "300.1", ours: map[string]bool{"c1": true}}
	// ns:1 is shared with other work; ns:8 is the test's mount namespace,
	// ns:9 another test's.
	sc := soakScope{shared: map[string]bool{"ns:1": true}, mounts: map[string]bool{"ns:8": true}}
	node := func(id string, procs int) wire.Node {
		return wire.Node{ID: id, Kind: "file", Type: model.Net, Label: id, X: 1, Y: 2, Inode: 7, Procs: procs}
	}
	relabel := func(n wire.Node, l string) wire.Node { n.Label = l; return n }
	want := []wire.Node{node("ns:1", 100), node("ns:2", 2)}
	tests := []struct {
		name string
		got  []wire.Node
		diff string // a word the difference must name; "" for none
	}{
		{"equal", []wire.Node{node("ns:1", 100), node("ns:2", 2)}, ""},
		{"shared count moves", []wire.Node{node("ns:1", 90), node("ns:2", 2)}, ""},
		{"own count", []wire.Node{node("ns:1", 100), node("ns:2", 3)}, "differs"},
		{"own label", []wire.Node{node("ns:1", 100), relabel(node("ns:2", 2), "x")}, "differs"},
		{"stale", []wire.Node{node("ns:1", 100), node("ns:2", 2), node("ns:3", 1)}, "stale"},
		{"missing", []wire.Node{node("ns:1", 100)}, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]wire.Node{}
			for _, n := range tt.got {
				got[n.ID] = n
			}
			d := cmp.diff(got, want, sc)
			if (d == "") != (tt.diff == "") || !strings.Contains(d, tt.diff) {
				t.Errorf("diff %q, want one naming %q", d, tt.diff)
			}
		})
	}
}
