package netinfo

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"golang.org/x/sys/unix"
)

// plantMany creates n network namespaces (inside-bench-N) and returns a
// snapshot naming them by their bind mounts. hub: namespace 0 is joined to
// every other by a veth, as a container host's namespace is to its
// containers (eth0, index 2, in each; vethN in the hub). Otherwise pairs
// of namespaces are joined by a veth whose ends both have index 2 and
// point at index 2: every namespace is a candidate peer of every other,
// the worst case for matching netnsids.
func plantMany(b *testing.B, n int, hub bool) *model.Snapshot {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	var add, link, del strings.Builder
	for i := range n {
		fmt.Fprintf(&add, "netns add inside-bench-%d\n", i)
		fmt.Fprintf(&del, "netns del inside-bench-%d\n", i)
		if hub && i > 0 {
			fmt.Fprintf(&link, "link add veth%d netns inside-bench-0 type veth peer name eth0 netns inside-bench-%d\n", i, i)
		} else if !hub && i%2 == 1 {
			fmt.Fprintf(&link, "link add e0 netns inside-bench-%d type veth peer name e1 netns inside-bench-%d\n", i-1, i)
		}
	}
	batch := func(s string) error {
		cmd := exec.Command("ip", "-force", "-batch", "-")
		cmd.Stdin = strings.NewReader(s)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	b.Cleanup(func() { _ = batch(del.String()) })
	if err := batch(add.String()); err != nil {
		b.Fatal(err)
	}
	if err := batch(link.String()); err != nil {
		b.Fatal(err)
	}
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}}
	for i := range n {
		path := fmt.Sprintf("/run/netns/inside-bench-%d", i)
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := NSGetID(fd)
		unix.Close(fd)
		s.Namespaces[model.NSID(id)] = &model.Namespace{ID: model.NSID(id), Type: model.Net,
			HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: path}}}
	}
	return s
}

// BenchmarkWiring1000: wiring of 1,000 network namespaces (999 veths to a
// hub) from a warm cache, the first (cold) read reported once.
func BenchmarkWiring1000(b *testing.B) { benchWiring(b, true, 999) }

// BenchmarkWiring1000Pairs: the same with 500 pairs of namespaces whose
// veth ends have the same indexes.
func BenchmarkWiring1000Pairs(b *testing.B) { benchWiring(b, false, 500) }

func benchWiring(b *testing.B, hub bool, edges int) {
	s := plantMany(b, 1000, hub)
	r := NewReader()
	r.MaxAge = time.Hour
	t0 := time.Now()
	w, err := r.Wiring(b.Context(), s)
	if err != nil {
		b.Fatal(err)
	}
	cold := time.Since(t0)
	if len(w.Edges) != edges || len(w.Unreadable) != 0 {
		b.Fatalf("%d edges, %d unreadable", len(w.Edges), len(w.Unreadable))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Wiring(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
}

// BenchmarkDetails1000: the details of one network namespace (peers
// resolved) among 1,000 warm ones: the hub, with its 999 veths, as a
// burst of requests gets them (from the cache).
func BenchmarkDetails1000(b *testing.B) { benchDetails(b, 0) }

// BenchmarkDetails1000Fresh: the same, read afresh every time.
func BenchmarkDetails1000Fresh(b *testing.B) { benchDetails(b, -1) }

func benchDetails(b *testing.B, age time.Duration) {
	s := plantMany(b, 1000, true)
	r := NewReader()
	r.MaxAge = time.Hour
	r.DetailsMaxAge = age
	if _, err := r.Wiring(b.Context(), s); err != nil {
		b.Fatal(err)
	}
	var id model.NSID
	for k, ns := range s.Namespaces {
		if ns.HeldBy[0].Path == "/run/netns/inside-bench-0" {
			id = k
		}
	}
	b.ResetTimer()
	for b.Loop() {
		n, err := r.Namespace(b.Context(), s, id)
		if err != nil || n.Error != "" {
			b.Fatal(err, n.Error)
		}
	}
}
