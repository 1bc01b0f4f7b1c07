//go:build linux

package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
)

// recorder reads a stream in the background like a browser and records
// when each node first appeared and what arrived, so that latencies are
// measured at the client, from the moment a message was read.
type recorder struct {
	mu    sync.Mutex
	st    wire.State
	seen  map[string]time.Time
	log   []arrival
	err   error
	snaps int
}

type arrival struct {
	at    time.Time
	bytes int
	patch bool
}

func record(b *testing.B, c *wsClient) *recorder {
	r := &recorder{seen: map[string]time.Time{}}
	go func() {
		for {
			_, data, err := c.Conn.Read(context.Background())
			now := time.Now()
			if err != nil {
				r.mu.Lock()
				r.err = err
				r.mu.Unlock()
				return
			}
			var head struct{ Type string }
			_ = json.Unmarshal(data, &head)
			r.mu.Lock()
			switch head.Type {
			case wire.TypeSnapshot:
				var s wire.Snapshot
				if err := json.Unmarshal(data, &s); err == nil {
					r.st.Reset(&s)
					r.snaps++
				}
			case wire.TypePatch:
				var p wire.Patch
				if err := json.Unmarshal(data, &p); err == nil {
					if os.Getenv("NSWEB_BENCH_TRACE") != "" {
						sz := func(v any) int { b, _ := json.Marshal(v); return len(b) }
						fmt.Fprintf(os.Stderr, "patch %d B: add %d (%d B) rm %d upd %d (%d B) counts %d (%d B) move %d (%d B)\n", len(data), len(p.Add), sz(p.Add), len(p.Remove), len(p.Update), sz(p.Update), len(p.Counts), sz(p.Counts), len(p.Move), sz(p.Move))
						for i, m := range p.Move {
							if n, ok := r.st.Nodes[m.ID]; ok && i < 3 {
								fmt.Fprintf(os.Stderr, "  mov %s %s %q parent %s\n", m.ID, n.Kind, n.Label, n.Parent)
							}
						}
						for _, u := range p.Update {
							fmt.Fprintf(os.Stderr, "  upd %s %s %q\n", u.ID, u.Kind, u.Label)
						}
					}
					if err := r.st.Apply(&p); err != nil {
						r.err = err
					}
				}
			}
			r.log = append(r.log, arrival{at: now, bytes: len(data), patch: head.Type == wire.TypePatch})
			for id := range r.st.Nodes {
				if _, ok := r.seen[id]; !ok {
					r.seen[id] = now
				}
			}
			for id := range r.seen {
				if _, ok := r.st.Nodes[id]; !ok {
					delete(r.seen, id)
				}
			}
			r.mu.Unlock()
		}
	}()
	return r
}

// waitFor polls until cond holds on the recorder (under its lock).
func (r *recorder) waitFor(b *testing.B, what string, cond func(*recorder) bool) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		r.mu.Lock()
		ok, err := cond(r), r.err
		r.mu.Unlock()
		if err != nil {
			b.Fatalf("%s: stream: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: not within 60 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// since sums what arrived after t0 up to and including t1.
func (r *recorder) since(t0, t1 time.Time) (msgs, bytes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.log {
		if a.patch && a.at.After(t0) && !a.at.After(t1) {
			msgs++
			bytes += a.bytes
		}
	}
	return msgs, bytes
}

func nodeID(id model.NSID) string { return fmt.Sprintf("ns:%d", id) }

func netOf(b *testing.B, c *testContainer) model.NSID {
	id, _ := nsOf(b, c.pid(), model.Net)
	return id
}

// benchSetup plants bg background containers, then starts the whole
// pipeline with production defaults (folding on, 10 s safety rescan) and
// one websocket client on the default view.
func benchSetup(b *testing.B, bg int) (*Hub, *recorder) {
	// NSWEB_BENCH_TRACE=1 prints what each patch carries and the runner's
	// per-scan timings, to see where bytes and milliseconds go.
	if os.Getenv("NSWEB_BENCH_TRACE") != "" {
		slog.SetLogLoggerLevel(slog.LevelDebug)
	}
	if bg > 0 {
		startContainers(b, bg)
	}
	h, srv := livePipeline(b, Config{Base: layout.Options{FoldThreshold: layout.DefaultFoldThreshold}}, watch.Options{})
	c := dial(b, srv, nil)
	c.Hello(wire.Hello{})
	r := record(b, c)
	r.waitFor(b, "first snapshot", func(r *recorder) bool { return r.snaps > 0 })
	b.Cleanup(func() { _ = c.Conn.Close(websocket.StatusNormalClosure, "") })
	return h, r
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p * float64(len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}

// BenchmarkStartToPatch measures the time from starting a container (seven
// new namespaces, two processes) to a websocket client holding its network
// namespace node, with 0 and with 1000 background containers.
func BenchmarkStartToPatch(b *testing.B) {
	for _, bg := range []int{0, 1000} {
		b.Run(fmt.Sprintf("bg=%d", bg), func(b *testing.B) {
			_, r := benchSetup(b, bg)
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				c := startContainers(b, 1)[0]
				id := nodeID(netOf(b, c))
				r.waitFor(b, "container node", func(r *recorder) bool { _, ok := r.seen[id]; return ok })
				r.mu.Lock()
				lat = append(lat, r.seen[id].Sub(t0))
				r.mu.Unlock()
				b.StopTimer()
				c.kill()
				r.waitFor(b, "container node gone", func(r *recorder) bool { _, ok := r.seen[id]; return !ok })
				b.StartTimer()
			}
			b.ReportMetric(percentile(lat, 0.50), "p50-ms")
			b.ReportMetric(percentile(lat, 0.95), "p95-ms")
			b.ReportMetric(percentile(lat, 0.99), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkBytesOneStart measures the patch bytes a client receives for
// one container start on a host with about 6000 namespaces (857 background
// containers of 7 namespaces each, plus the host's own).
func BenchmarkBytesOneStart(b *testing.B) {
	h, r := benchSetup(b, 857)
	b.ReportMetric(float64(len(h.Latest().Namespaces)), "namespaces")
	var totalMsgs, totalBytes int
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		c := startContainers(b, 1)[0]
		pidNS, _ := nsOf(b, c.pid(), model.PID)
		pidID := nodeID(pidNS)
		// The start is complete for the client when the PID namespace node
		// shows both processes (init and worker).
		r.waitFor(b, "container complete", func(r *recorder) bool {
			n, ok := r.st.Nodes[pidID]
			return ok && n.Procs >= 2
		})
		msgs, bytes := r.since(t0, time.Now())
		totalMsgs += msgs
		totalBytes += bytes
		b.StopTimer()
		c.kill()
		r.waitFor(b, "container gone", func(r *recorder) bool { _, ok := r.st.Nodes[pidID]; return !ok })
		time.Sleep(50 * time.Millisecond) // let the removal patch pass before the next start
		b.StartTimer()
	}
	b.ReportMetric(float64(totalBytes)/float64(b.N), "bytes/start")
	b.ReportMetric(float64(totalMsgs)/float64(b.N), "msgs/start")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkBurst200 starts 200 containers at once and measures the time
// until the client holds all of them, and the patches and bytes it took.
func BenchmarkBurst200(b *testing.B) {
	_, r := benchSetup(b, 0)
	var took time.Duration
	var totalMsgs, totalBytes int
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		cs := startContainers(b, 200)
		ids := make([]string, len(cs))
		for i, c := range cs {
			ids[i] = nodeID(netOf(b, c))
		}
		var last time.Time
		r.waitFor(b, "all 200 containers", func(r *recorder) bool {
			last = time.Time{}
			for _, id := range ids {
				at, ok := r.seen[id]
				if !ok {
					return false
				}
				if at.After(last) {
					last = at
				}
			}
			return true
		})
		took += last.Sub(t0)
		msgs, bytes := r.since(t0, last)
		totalMsgs += msgs
		totalBytes += bytes
		b.StopTimer()
		for _, c := range cs {
			c.kill()
		}
		r.waitFor(b, "burst gone", func(r *recorder) bool {
			for _, id := range ids {
				if _, ok := r.seen[id]; ok {
					return false
				}
			}
			return true
		})
		b.StartTimer()
	}
	b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms-to-last")
	b.ReportMetric(float64(totalMsgs)/float64(b.N), "patches")
	b.ReportMetric(float64(totalBytes)/float64(b.N), "bytes")
	b.ReportMetric(0, "ns/op")
}
