package engine

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkInspect is what Enrich adds to a scan for a container its
// engine has not announced yet: one GET /containers/{id}/json on the real
// engines scripts/engines-up starts (skipped without them).
func BenchmarkInspect(b *testing.B) {
	for _, rt := range []struct{ name, env, cli, flag string }{
		{RuntimeDocker, "NSWEB_DOCKER_SOCK", "/usr/bin/docker", "-H"},
		{RuntimePodman, "NSWEB_PODMAN_SOCK", "/usr/bin/podman", "--url"},
	} {
		b.Run(rt.name, func(b *testing.B) {
			sock := os.Getenv(rt.env)
			if sock == "" {
				b.Skipf("%s not set: run eval \"$(scripts/engines-up)\" first", rt.env)
			}
			image := os.Getenv("NSWEB_TEST_IMAGE")
			if image == "" {
				image = "nsweb-busybox:test"
			}
			name := "nsweb-bench-inspect-" + rt.name
			cli := func(args ...string) (string, error) {
				out, err := exec.Command(rt.cli, append([]string{rt.flag, "unix://" + sock}, args...)...).CombinedOutput()
				return strings.TrimSpace(string(out)), err
			}
			_, _ = cli("rm", "-f", name)
			id, err := cli("create", "--name", name, "--network", "none", image, "sleep", "1")
			if err != nil {
				b.Fatalf("create: %v: %s", err, id)
			}
			b.Cleanup(func() { _, _ = cli("rm", "-f", name) })
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
