//go:build linux

package collect

import (
	"context"
	"os/exec"
	"slices"
	"syscall"
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
	b.Logf("zoo: %d containers: %d namespaces, %d processes", n, len(snap.Namespaces), len(snap.Processes))
	b.Run("nsweb-cold", func(b *testing.B) {
		timed(b, func() time.Duration {
			t0 := cpuTime()
			if _, err := New(Options{}).Scan(ctx); err != nil {
				b.Fatal(err)
			}
			return cpuTime() - t0
		})
	})
	b.Run("nsweb", func(b *testing.B) {
		timed(b, func() time.Duration {
			t0 := cpuTime()
			if _, err := warm.Scan(ctx); err != nil {
				b.Fatal(err)
			}
			return cpuTime() - t0
		})
		b.ReportMetric(float64(len(snap.Namespaces)), "namespaces")
		b.ReportMetric(float64(len(snap.Processes)), "processes")
	})
	b.Run("lsns", func(b *testing.B) {
		if _, err := exec.LookPath("lsns"); err != nil {
			b.Skip("no lsns")
		}
		// lsns gives up (exit 1) when a process of someone else's
		// vanishes under it; such a run is repeated, and counted.
		failed := 0
		timed(b, func() time.Duration {
			for try := 0; ; try++ {
				cmd := exec.Command("lsns", "-J")
				out, err := cmd.CombinedOutput()
				if err == nil {
					return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
				if failed++; try == 5 {
					b.Fatalf("lsns: %v: %.300s", err, out)
				}
			}
		})
		b.ReportMetric(float64(failed), "lsns-failures")
	})
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timed runs f b.N times and reports the median wall time in ms
// (ms-median) and the median CPU time f says it used (cpu-ms-median): on a
// shared machine the CPU time shows the cost apart from other load.
func timed(b *testing.B, f func() time.Duration) {
	ds := make([]time.Duration, 0, b.N)
	cs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		cpu := f()
		ds = append(ds, time.Since(t0))
		cs = append(cs, cpu)
	}
	b.StopTimer()
	slices.Sort(ds)
	slices.Sort(cs)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(cs[len(cs)/2].Microseconds())/1000, "cpu-ms-median")
}

// BenchmarkRescan1000 times what the server does after a container start
// on a host with 1000 zoo containers: a partial Rescan of the new
// container's two processes, against the full warm Scan it replaces.
//
//	go test -run '^$' -bench Rescan1000 -benchtime 50x ./internal/collect/
func BenchmarkRescan1000(b *testing.B) {
	needRoot(b)
	zoo.Containers(b, 1000)
	ctx := context.Background()
	c := New(Options{})
	snap, err := c.Scan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rescan-start", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			ct := zoo.Containers(b, 1)[0]
			b.StartTimer()
			if snap, err = c.Rescan(ctx, snap, []int{ct.Init.PID, ct.Worker}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			ct.Init.Kill()
			if snap, err = c.Rescan(ctx, snap, []int{ct.Init.PID, ct.Worker}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(len(snap.Namespaces)), "namespaces")
	})
	b.Run("full-scan", func(b *testing.B) {
		for b.Loop() {
			if snap, err = c.Scan(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
