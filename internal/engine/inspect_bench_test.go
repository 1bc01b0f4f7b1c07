package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/engine/enginetest"
)

// BenchmarkInspect is what Enrich adds to a scan for a container its
// engine has not announced yet: one GET /containers/{id}/json on the real
// engines scripts/engines-up starts (skipped without them).
func BenchmarkInspect(b *testing.B) {
	for _, rt := range []string{RuntimeDocker, RuntimePodman} {
		b.Run(rt, func(b *testing.B) {
			e := enginetest.NeedReal(b, rt)
			sock, name := e.Sock, "nsweb-bench-inspect-"+rt
			_, _ = e.Try(e.RmArgs(name)...)
			id, err := e.Try("create", "--name", name, "--network", "none", e.Image, "sleep", "1")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _, _ = e.Try(e.RmArgs(name)...) })
			cl := newClient(sock, 5*time.Second, 32<<20, 1<<20)
			defer cl.close()
			for b.Loop() {
				a, err := cl.inspect(context.Background(), id)
				if err != nil || !strings.HasSuffix(pickName(a.Names), name) {
					b.Fatalf("inspect %s: %+v, %v", id, a, err)
				}
			}
		})
	}
}
