//go:build linux

package collect

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/zoo"
)

// BenchmarkDiscovery1000 and BenchmarkDiscovery5000 plant that many zoo
// containers (two processes and seven namespaces each) and time one full
// discovery, against `lsns -J` on the same load:
//
//	go test -run '^$' -bench Discovery1000 -benchtime 21x ./internal/collect/
//
// Besides ns/op (the mean), each sub-benchmark reports ms-median, the
// figure the targets are about; scripts/bench-collect prints the
// ratio.
func BenchmarkDiscovery1000(b *testing.B) { benchDiscovery(b, 1000) }

// BenchmarkDiscovery5000 is BenchmarkDiscovery1000 at 5000 containers.
func BenchmarkDiscovery5000(b *testing.B) { benchDiscovery(b, 5000) }

func benchDiscovery(b *testing.B, n int) {
	needRoot(b)
	zoo.Containers(b, n)
	ctx := context.Background()
	warm := New(Options{})
	snap, err := warm.Scan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d containers: %d namespaces, %d processes", n, len(snap.Namespaces), len(snap.Processes))
	b.Run("nsweb", func(b *testing.B) {
		timed(b, func() {
			if _, err := warm.Scan(ctx); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(len(snap.Namespaces)), "namespaces")
	})
	b.Run("nsweb-cold", func(b *testing.B) {
		timed(b, func() {
			if _, err := New(Options{}).Scan(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("lsns", func(b *testing.B) {
		if _, err := exec.LookPath("lsns"); err != nil {
			b.Skip("no lsns")
		}
		timed(b, func() {
			if err := exec.Command("lsns", "-J").Run(); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// timed runs f b.N times and reports the median duration in ms.
func timed(b *testing.B, f func()) {
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		f()
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
}
