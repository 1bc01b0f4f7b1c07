//go:build linux

package stream

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/wire"
)

// vmRSS is the resident set size of this process in bytes, from
// /proc/self/status.
func vmRSS(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// BenchmarkViewsAtSize measures the cost at size of the issue 14 load: a
// synthetic host of 10k, 30k or 60k namespaces (synthHost, the real
// layout), ten websocket clients over loopback on three views (owner
// grouped by container ×4, owner ungrouped ×3, PID ×3), with and without
// permessage-deflate. It reports the first client's time from hello to
// its whole snapshot (layout and encoding included), the snapshot's JSON
// and wire bytes per node, and the process's heap in use and RSS with
// every client connected. The clients read and drop what they receive, so
// the memory is the hub's (the snapshot model, one state per view, the
// connections).
//
//	go test -run '^$' -bench ViewsAtSize -benchtime 1x ./internal/stream/
func BenchmarkViewsAtSize(b *testing.B) {
	for _, n := range []int{10_000, 30_000, 60_000} {
		for _, deflate := range []bool{false, true} {
			name := strconv.Itoa(n/1000) + "k"
			if deflate {
				name += "-deflate"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					benchViews(b, n, deflate)
				}
			})
		}
	}
}

func benchViews(b *testing.B, namespaces int, deflate bool) {
	s := synthHost((namespaces - 8) / 7)
	runtime.GC()
	h, srv := newTestHub(b, Config{Layout: layout.Compute, Compression: deflate, ParseFilter: ParseFilter})
	h.Publish(s)
	var wireBytes atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &wireBytes}, nil
	}}
	defer tr.CloseIdleConnections()
	opts := &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}}
	if deflate {
		opts.CompressionMode = websocket.CompressionNoContextTakeover
	}
	views := []wire.Hello{
		{View: "owner", Group: "container"}, {View: "owner", Group: "container"},
		{View: "owner", Group: "container"}, {View: "owner", Group: "container"},
		{View: "owner", Group: "none"}, {View: "owner", Group: "none"}, {View: "owner", Group: "none"},
		{View: "pid"}, {View: "pid"}, {View: "pid"},
	}
	var first struct {
		took       time.Duration
		json, wire int64
		nodes      int
	}
	for i, v := range views {
		c := dial(b, srv, opts)
		before := wireBytes.Load()
		t0 := time.Now()
		c.Hello(v)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_, data, err := c.Conn.Read(ctx)
		cancel()
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		if i == 0 {
			first.took = time.Since(t0)
			first.json = int64(len(data))
			first.wire = wireBytes.Load() - before
			var head struct {
				Type  string
				Nodes []struct{}
			}
			if err := json.Unmarshal(data, &head); err != nil || head.Type != wire.TypeSnapshot {
				b.Fatalf("first message %.80s: %v", data, err)
			}
			first.nodes = len(head.Nodes)
		}
		// Drain the rest in the background, as a browser would.
		go func() {
			for {
				if _, _, err := c.Conn.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	runtime.GC()
	if f := os.Getenv("NSWEB_HEAP_PROFILE"); f != "" {
		// Where the memory is, with every client connected.
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(out); err != nil {
			b.Fatal(err)
		}
		_ = out.Close()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(first.took.Milliseconds()), "first-ms")
	b.ReportMetric(float64(first.nodes), "nodes")
	b.ReportMetric(float64(first.json)/float64(first.nodes), "json-B/node")
	b.ReportMetric(float64(first.wire)/float64(first.nodes), "wire-B/node")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric(float64(vmRSS(b))/(1<<20), "rss-MB")
	b.ReportMetric(float64(h.Subscriptions()), "views")
}
