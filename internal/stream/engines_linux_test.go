//go:build linux

package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
)

// These tests wire the whole pipeline as cmd/nsweb serve does — watcher
// and engine changes → runner (collect + engine.Catalog.Enrich) → hub →
// websocket — against the real engines scripts/engines-up starts, and skip
// without the variables it prints.

// testEngine is a real engine's CLI pointed at its private socket.
type testEngine struct{ enginetest.Real }

func needEngine(t *testing.T, runtime string) testEngine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the proc connector and a full scan")
	}
	return testEngine{enginetest.NeedReal(t, runtime)}
}

// start runs a named sleeping container; Cleanup removes it, also when the
// test fails. It is safe to call from several goroutines.
func (e testEngine) start(t *testing.T) (name, id string, err error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "nsweb-t-" + hex.EncodeToString(b)
	t.Cleanup(func() { _, _ = e.Try(e.RmArgs(name)...) })
	id, err = e.Try("run", "-d", "--name", name, "--network", "none", e.Image, "sleep", "300")
	return name, id, err
}

// containerFilter understands "ctr:": namespaces used by a test container
// (by cgroup, so before the engine has named it) — the view stays small
// whatever else runs on the machine.
func containerFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	if q != "ctr:" {
		return nil, "", fmt.Errorf("filter: want ctr:, got %q", q)
	}
	return func(s *model.Snapshot, ns *model.Namespace) bool { return len(ns.Containers) > 0 }, q, nil
}

// enginePipeline is livePipeline plus an engine.Catalog, wired as serve.go,
// with n clients that have their first snapshot.
func enginePipeline(t *testing.T, n int, socks ...string) (*Hub, []*wsClient) {
	t.Helper()
	// The real layout: names travel on container nodes, which only it
	// makes (grouped by container, the default).
	cfg := Config{ParseFilter: containerFilter, Layout: layout.Compute}
	cfg.Base.FoldThreshold = -1 // every namespace a node of its own
	h, srv := newTestHub(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cat := engine.New(engine.Config{Sockets: socks, Timeout: 10 * time.Second})
	catDone := make(chan struct{})
	go func() { _ = cat.Run(ctx); close(catDone) }()
	w, err := watch.Start(ctx, watch.Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	col := collect.New(collect.Options{})
	scan := func(ctx context.Context) (*model.Snapshot, error) {
		s, err := col.Scan(ctx)
		if err == nil {
			cat.Enrich(s)
		}
		return s, err
	}
	r := &Runner{Scan: scan, Hub: h}
	done := make(chan struct{})
	go func() { r.Run(ctx, watch.Merge(ctx, w.C(), cat.Changes())); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-catDone
		_ = w.Close()
	})
	cs := make([]*wsClient, n)
	for i := range cs {
		cs[i] = dial(t, srv, nil)
		cs[i].Subscribe(wire.Hello{Q: "ctr:"})
	}
	return h, cs
}

// containerNodes returns what the client's container nodes of container
// id say about it.
func containerNodes(st *wire.State, id string) []*wire.ContainerInfo {
	var out []*wire.ContainerInfo
	for _, n := range st.Nodes {
		if n.Kind == layout.Container && n.Container != nil && n.Container.ID == id {
			out = append(out, n.Container)
		}
	}
	return out
}

func TestEnginesStream(t *testing.T) {
	for _, rt := range []string{"docker", "podman"} {
		t.Run(rt, func(t *testing.T) {
			e := needEngine(t, rt)
			_, cs := enginePipeline(t, 3, e.Sock)
			c := cs[0]
			name, id, err := e.start(t)
			if err != nil {
				t.Fatal(err)
			}
			// Count the messages from the namespaces' first appearance to
			// their name.
			var appeared time.Time
			msgs := 0
			c.ReadUntil(name+" named", 60*time.Second, func(st *wire.State) bool {
				cs := containerNodes(st, id)
				if len(cs) > 0 && appeared.IsZero() {
					appeared = time.Now()
				} else if !appeared.IsZero() {
					msgs++
				}
				return len(cs) > 0 && cs[0].Name != ""
			})
			t.Logf("%s: name arrived %d patch(es), %v after the namespaces", rt, msgs, time.Since(appeared).Round(time.Millisecond))
			// Docker announces a container ("create") before its processes
			// start; podman only after (its service's events lag), so
			// Enrich asks it about containers it has not announced.
			if msgs > 1 {
				t.Errorf("%s: name arrived %d patches after the namespaces, want ≤ 1", rt, msgs)
			}
			for _, x := range containerNodes(&c.St, id) {
				if x.Runtime != rt || x.Name != name || !strings.HasSuffix(x.Image, e.Image) {
					t.Errorf("node container %+v, want runtime %s name %s image %s", x, rt, name, e.Image)
				}
			}
			if _, err := e.Try(e.RmArgs(name)...); err != nil {
				t.Fatal(err)
			}
			// Every client sees it named, then gone: the others have read
			// nothing yet, and every patch reaches every client in order.
			for i, c := range cs {
				if i > 0 {
					c.ReadUntil(fmt.Sprintf("%s named at client %d", name, i), 60*time.Second, func(st *wire.State) bool {
						cs := containerNodes(st, id)
						return len(cs) > 0 && cs[0].Name == name
					})
				}
				c.ReadUntil(fmt.Sprintf("%s removed from client %d", name, i), 60*time.Second,
					func(st *wire.State) bool { return len(containerNodes(st, id)) == 0 })
			}
		})
	}
}

func TestEnginesChurn(t *testing.T) {
	for _, rt := range []string{"docker", "podman"} {
		t.Run(rt, func(t *testing.T) { engineChurn(t, needEngine(t, rt)) })
	}
}

// engineChurn starts and removes 50 containers, 5 at a time, while a
// client watches; the client must end equal to a fresh snapshot.
func engineChurn(t *testing.T, e testEngine) {
	const total, parallel = 50, 5
	h, cs := enginePipeline(t, 1, e.Sock)
	c := cs[0]
	// Read the stream while containers come and go, until the client
	// reaches the seq the test sets once the churn is over.
	var target atomic.Uint64
	target.Store(^uint64(0))
	readErr := make(chan error, 1)
	go func() {
		for c.Seq.Load() < target.Load() {
			if _, err := c.Next(90 * time.Second); err != nil {
				readErr <- err
				return
			}
		}
		readErr <- nil
	}()
	var wg sync.WaitGroup
	var started sync.Map // names and IDs of the containers started
	errs := make(chan error, total)
	sem := make(chan struct{}, parallel)
	for range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			name, id, err := e.start(t)
			if err == nil {
				started.Store(name, true)
				started.Store(strings.TrimSpace(id), true)
				_, err = e.Try(e.RmArgs(name)...)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	// The last removals' scans land: no container of the churn is left in
	// the hub's latest scan.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left := ""
		if s := h.Latest(); s != nil {
			for _, ctr := range s.Containers {
				_, named := started.Load(ctr.Name)
				_, byID := started.Load(ctr.ID)
				if named || byID {
					left = ctr.DisplayName()
				}
			}
		}
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s still in the hub's scan a minute after its removal", left)
		}
	}
	want := current(t, h, Request{Q: "ctr:"})
	target.Store(want.Seq)
	if err := <-readErr; err != nil {
		t.Fatalf("stream: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The client ends equal to a fresh snapshot of the hub.
	for c.St.Seq != want.Seq {
		want = current(t, h, Request{Q: "ctr:"})
		c.WaitSeq(want.Seq)
	}
	if ok, why := c.St.EqualNodes(want.Nodes); !ok {
		t.Fatalf("client state differs from a fresh snapshot: %s", why)
	}
	if n := len(c.St.Nodes); n != 0 {
		t.Logf("%d container nodes remain (other work on the engine?)", n)
	}
}
