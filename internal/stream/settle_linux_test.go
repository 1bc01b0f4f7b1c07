//go:build linux

package stream

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestLiveLateReap kills container-like processes whose parent reaps them
// only a moment later, as a container runtime's shim does. The exit event
// is scanned at once, while the process is still a zombie whose user and
// PID namespaces can be read; the reaping itself is no event. The
// runner's follow-up rescans while the collector is unsettled
// (Runner.Unsettled) must drop them: without them they stayed in every
// client until some unrelated event or the safety rescan, here disabled. (On a busy host other
// processes' events may hide the bug; on a quiet one it shows every time.)
func TestLiveLateReap(t *testing.T) {
	_, srv := livePipeline(t, Config{}, watch.Options{Rescan: -1})
	c := dial(t, srv, nil)
	c.Hello(tokenHello())
	c.MustNext(wire.TypeSnapshot)
	for i := range 5 {
		cmd := exec.Command("sleep", sleepArg)
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWUTS,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
			Pdeathsig:   syscall.SIGKILL,
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		ids := map[model.NSType]model.NSID{}
		for _, typ := range []model.NSType{model.User, model.PID, model.UTS} {
			ids[typ], _ = nsOf(t, cmd.Process.Pid, typ)
		}
		c.ReadUntil(fmt.Sprintf("round %d: namespaces of %d", i, cmd.Process.Pid), 30*time.Second, hasAll(ids))
		_ = cmd.Process.Kill()
		time.Sleep(30 * time.Millisecond) // a zombie for a moment
		_ = cmd.Wait()
		if !waitFor(c, time.Second, hasNone(ids)) {
			t.Fatalf("round %d: namespaces %v of the reaped process %d still shown a second later", i, ids, cmd.Process.Pid)
		}
	}
}

// waitFor reads messages until cond holds or timeout passes, and reports
// whether it held.
func waitFor(c *wsClient, timeout time.Duration, cond func(*wire.State) bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond(&c.St) {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		if _, err := c.Next(left); err != nil {
			return cond(&c.St)
		}
	}
	return true
}
