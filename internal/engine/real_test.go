package engine_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
)

// These tests drive real engines: the private dockerd and podman service
// that scripts/engines-up starts. They find them through the variables it
// prints (eval "$(scripts/engines-up)") and skip, saying so, without them.

// realEngine is one real engine under test and the CLI that drives it.
type realEngine struct{ enginetest.Real }

func findEngine(t *testing.T, runtime string) realEngine {
	t.Helper()
	return realEngine{enginetest.NeedReal(t, runtime)}
}

func (e realEngine) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.Try(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// start runs a named busybox container that sleeps, and removes it when the
// test ends, also when it fails.
func (e realEngine) start(t *testing.T, labels ...string) (name, id string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "nsweb-t-" + hex.EncodeToString(b)
	args := []string{"run", "-d", "--name", name, "--network", "none"}
	for _, l := range labels {
		args = append(args, "--label", l)
	}
	args = append(args, e.Image, "sleep", "300")
	t.Cleanup(func() { _, _ = e.Try(e.RmArgs(name)...) })
	id = e.run(t, args...)
	return name, id
}

func TestRealEngines(t *testing.T) {
	for _, rt := range []string{"docker", "podman"} {
		t.Run(rt, func(t *testing.T) {
			e := findEngine(t, rt)
			c := start(t, engine.Config{Sockets: []string{e.Sock}, Timeout: 10 * time.Second})
			waitFor(t, "connection to "+e.Sock, func() bool { return connected(c) })
			if got := c.Engines()[0].Runtime; got != rt {
				t.Fatalf("engine at %s identified as %q, want %q", e.Sock, got, rt)
			}

			drain(c)
			began := time.Now()
			name, id := e.start(t, "com.docker.compose.project=nsweb-test", "io.kubernetes.pod.name=pod-x", "io.kubernetes.pod.namespace=ns-x")
			waitChange(t, c, rt+" run")
			waitFor(t, "the catalogue to name "+name, func() bool {
				x, ok := c.Lookup(rt, id)
				return ok && x.Name == name && x.Labels["io.kubernetes.pod.name"] == "pod-x"
			})
			t.Logf("%s: run %s → named in the catalogue after %v", rt, name, time.Since(began).Round(time.Millisecond))

			x, _ := c.Lookup(rt, id[:12])
			if x == nil || x.ID != id || x.Runtime != rt || x.Name != name || !strings.HasSuffix(x.Image, e.Image) ||
				x.Pod != "pod-x" || x.PodNamespace != "ns-x" || engine.ComposeProject(x) != "nsweb-test" {
				t.Errorf("Lookup(%s, %s) = %+v", rt, id[:12], x)
			}

			// The ID the engine gives is the one in the container's cgroup
			// path, which is what internal/cgroup hands to Lookup.
			pid := e.run(t, "inspect", "-f", "{{.State.Pid}}", id)
			cg, err := os.ReadFile("/proc/" + pid + "/cgroup")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(cg), id) {
				t.Errorf("/proc/%s/cgroup does not mention the engine's ID %s:\n%s", pid, id, cg)
			}

			s := &model.Snapshot{Containers: map[string]*model.Container{id: {ID: id, Runtime: rt}}}
			c.Enrich(s)
			if got := s.Containers[id]; got.Name != name || got.Pod != "pod-x" {
				t.Errorf("Enrich: %+v", got)
			}

			drain(c)
			began = time.Now()
			e.run(t, e.RmArgs(id)...)
			waitChange(t, c, rt+" rm -f")
			waitFor(t, "the catalogue to forget "+name, func() bool { _, ok := c.Lookup(rt, id); return !ok })
			t.Logf("%s: rm -f → forgotten after %v", rt, time.Since(began).Round(time.Millisecond))
		})
	}
}

// TestRealEngineChurn starts and removes containers in a loop while a
// catalogue follows, and checks that it ends equal to a fresh discovery.
func TestRealEngineChurn(t *testing.T) {
	const n = 10
	for _, rt := range []string{"docker", "podman"} {
		t.Run(rt, func(t *testing.T) {
			e := findEngine(t, rt)
			c := start(t, engine.Config{Sockets: []string{e.Sock}, Timeout: 10 * time.Second})
			waitFor(t, "connection", func() bool { return connected(c) })
			var keep []string
			for i := range n {
				name, id := e.start(t)
				if i%3 == 0 {
					keep = append(keep, id)
					continue
				}
				e.run(t, e.RmArgs(name)...)
			}
			for _, id := range keep {
				waitFor(t, "a kept container", func() bool { _, ok := c.Lookup(rt, id); return ok })
			}
			fresh := start(t, engine.Config{Sockets: []string{e.Sock}, Timeout: 10 * time.Second})
			waitFor(t, "a fresh connection", func() bool { return connected(fresh) })
			// Other tests may run containers on the same engine meanwhile, so
			// compare until both views agree rather than once.
			waitFor(t, "the followed catalogue to equal a fresh discovery", func() bool {
				return sameContainers(c.Containers(), fresh.Containers())
			})
		})
	}
}

func sameContainers(a, b []*model.Container) bool {
	key := func(cs []*model.Container) []string {
		var out []string
		for _, x := range cs {
			out = append(out, x.Runtime+"/"+x.ID+"/"+x.Name+"/"+x.Image)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// TestRealEngineRestart stops a real engine's API service under a following
// catalogue, changes its containers meanwhile, and starts it again: the
// catalogue must notice the loss, reconnect and show the new state. It uses
// a second podman service over the storage of engines-up's podman, so that
// the shared engines other tests use keep running.
func TestRealEngineRestart(t *testing.T) {
	e := findEngine(t, "podman")
	dir := os.Getenv("NSWEB_ENGINES_DIR")
	if dir == "" {
		t.Skip("NSWEB_ENGINES_DIR not set: run eval \"$(scripts/engines-up)\" as root first")
	}
	tmp, err := os.MkdirTemp("", "nsweb-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	sock := filepath.Join(tmp, "podman.sock")

	var services []func()
	serve := func() {
		t.Helper()
		cmd := exec.Command(e.CLI[0],
			"--root", filepath.Join(dir, "podman", "storage"),
			"--runroot", filepath.Join(dir, "podman", "run"),
			"--tmpdir", filepath.Join(dir, "podman", "tmp"),
			"system", "service", "--time=0", "unix://"+sock)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		t.Cleanup(stop)
		waitFor(t, "podman service on "+sock, func() bool {
			select {
			case <-done:
				t.Fatalf("podman system service exited: %s", out.String())
			default:
			}
			_, err := os.Stat(sock)
			return err == nil
		})
		services = append(services, stop)
	}
	serve()
	c := start(t, engine.Config{Sockets: []string{sock}, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	waitFor(t, "connection", func() bool { return connected(c) })

	services[0]() // stop the service: the engine "restarts"
	waitFor(t, "the catalogue to notice the lost engine", func() bool { return !connected(c) })
	name, id := e.start(t) // through the shared service, into the same storage
	if _, ok := c.Lookup("podman", id); ok {
		t.Fatal("the catalogue knows a container created while its engine was away")
	}
	serve()
	waitFor(t, "reconnection and the container made meanwhile", func() bool {
		x, ok := c.Lookup("podman", id)
		return connected(c) && ok && x.Name == name
	})
}
