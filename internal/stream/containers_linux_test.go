//go:build linux

package stream

import (
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// containerFlags are the namespaces a test container gets: all but time, as
// container engines do.
const containerFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
	unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP

// testContainer is a container-like process tree: a shell in seven new
// namespaces that starts a sleeping worker and execs into sleep itself.
type testContainer struct {
	cmd  *exec.Cmd
	once sync.Once
}

func (c *testContainer) pid() int { return c.cmd.Process.Pid }

// kill kills the init (the kernel then kills the worker, the PID
// namespace's other member) and reaps it. Safe to call twice.
func (c *testContainer) kill() {
	c.once.Do(func() {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
}

// startContainers starts n containers with 8 starters at once and kills
// them all in Cleanup, also when the test fails. The init gets
// PR_SET_PDEATHSIG so that even a crashed test binary leaves none behind.
func startContainers(tb testing.TB, n int) []*testContainer {
	tb.Helper()
	cs := make([]*testContainer, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range min(n, 8) {
		wg.Go(func() {
			for {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= n {
					return
				}
				cmd := exec.Command("/bin/sh", "-c", "sleep infinity & exec sleep infinity")
				cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: containerFlags, Pdeathsig: syscall.SIGKILL}
				if err := cmd.Start(); err != nil {
					errs <- fmt.Errorf("start container: %w", err)
					return
				}
				cs[k] = &testContainer{cmd: cmd}
			}
		})
	}
	wg.Wait()
	tb.Cleanup(func() {
		var kw sync.WaitGroup
		for _, c := range cs {
			if c != nil {
				kw.Go(c.kill)
			}
		}
		kw.Wait()
	})
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
	return cs
}

// nsOf returns the NS_GET_ID and inode of the namespace of type typ that
// process pid is in.
func nsOf(tb testing.TB, pid int, typ model.NSType) (model.NSID, uint64) {
	tb.Helper()
	path := fmt.Sprintf("/proc/%d/ns/%s", pid, typ)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		tb.Fatalf("fstat %s: %v", path, err)
	}
	var id uint64
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id))); e != 0 {
		tb.Fatalf("NS_GET_ID %s: %v", path, e)
	}
	return model.NSID(id), st.Ino
}
