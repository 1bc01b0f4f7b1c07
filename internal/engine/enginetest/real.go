package enginetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// Real is one of the real engines scripts/engines-up starts (a private
// dockerd or podman service) with its CLI pointed at that engine's socket,
// so that tests of every package start and remove containers the same way.
type Real struct {
	Runtime string   // "docker" or "podman"
	Sock    string   // the engine's API socket
	Image   string   // the busybox image engines-up imported
	CLI     []string // command and global flags
}

// FindReal returns the engine scripts/engines-up announced for runtime in
// NSWEB_DOCKER_SOCK or NSWEB_PODMAN_SOCK. Without the variable it returns
// ok false and says why, for a skip: an absent engine is not a failure. A
// variable naming a socket that is not there is an error.
func FindReal(runtime string) (e Real, why string, err error) {
	env := "NSWEB_" + strings.ToUpper(runtime) + "_SOCK"
	sock := os.Getenv(env)
	if sock == "" {
		return Real{}, fmt.Sprintf("%s not set: no real %s to test against; run eval \"$(scripts/engines-up)\" as root first", env, runtime), nil
	}
	if _, err := os.Stat(sock); err != nil {
		return Real{}, "", fmt.Errorf("%s=%s but: %w (engines-up did not finish, or engines-down ran)", env, sock, err)
	}
	// Debian's CLI, which matches the daemon's API version.
	bin := "/usr/bin/" + runtime
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath(runtime); err != nil {
			return Real{}, "", fmt.Errorf("%s CLI not found: %w", runtime, err)
		}
	}
	e = Real{Runtime: runtime, Sock: sock, Image: os.Getenv("NSWEB_TEST_IMAGE")}
	if e.Image == "" {
		e.Image = "nsweb-busybox:test"
	}
	if runtime == "docker" {
		e.CLI = []string{bin, "-H", "unix://" + sock}
	} else {
		e.CLI = []string{bin, "--url", "unix://" + sock}
	}
	return e, "", nil
}

// Try runs the engine's CLI with args and returns its trimmed output; the
// error quotes the command and its output.
func (e Real) Try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	argv := append(slices.Clone(e.CLI[1:]), args...)
	out, err := exec.CommandContext(ctx, e.CLI[0], argv...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", e.CLI[0], strings.Join(argv, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// RmArgs are the arguments that remove a container at once: busybox sleep
// as PID 1 ignores SIGTERM, and podman would wait 10 s for it.
func (e Real) RmArgs(name string) []string {
	if e.Runtime == "podman" {
		return []string{"rm", "-f", "-t", "0", name}
	}
	return []string{"rm", "-f", name}
}

// NeedReal is FindReal for a test that cannot go on without the engine: it
// skips the test, saying why, when engines-up did not announce it, and
// fails it when the announced socket is not there.
func NeedReal(t testing.TB, runtime string) Real {
	t.Helper()
	e, why, err := FindReal(runtime)
	if err != nil {
		t.Fatal(err)
	}
	if why != "" {
		t.Skip(why)
	}
	return e
}
