package kevents

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func openOrSkip(t *testing.T) *Tracer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("BPF needs root")
	}
	tr, err := Open()
	if err != nil {
		t.Fatalf("Open as root: %v", err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// collect reads events until want matches one or the deadline passes.
func waitFor(t *testing.T, tr *Tracer, what string, want func(Event) bool) Event {
	t.Helper()
	got := make(chan Event, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		buf := make([]Event, 0, 64)
		for {
			evs, err := tr.Read(buf)
			if err != nil {
				return
			}
			for _, e := range evs {
				if want(e) {
					got <- e
					return
				}
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	select {
	case e := <-got:
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event within 10 s", what)
	}
	return Event{}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// TestEvents runs real system calls and checks that each is reported with
// its process and, for mounts, its mount namespace.
func TestEvents(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the perl helpers use x86_64 syscall numbers")
	}
	tr := openOrSkip(t)
	if len(tr.Attached()) < 4 {
		t.Fatalf("attached %v", tr.Attached())
	}
	t.Cleanup(func() {
		// Read keeps up: nothing was lost.
		if n, err := tr.Lost(); err != nil || n != 0 {
			t.Errorf("lost %d, %v", n, err)
		}
	})

	t.Run("unshare in place", func(t *testing.T) {
		// perl is single-threaded: syscall 272 is unshare(2) on x86_64,
		// 0x40000000 CLONE_NEWNET.
		cmd := exec.Command("perl", "-e", `syscall(272, 0x40000000) == 0 or die "unshare: $!"; sleep 30`)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		e := waitFor(t, tr, "unshare", func(e Event) bool { return e.Kind == Unshare && e.PID == cmd.Process.Pid })
		if e.TID != e.PID || e.Ret != 0 {
			t.Errorf("event %+v", e)
		}
	})

	t.Run("failed calls are skipped", func(t *testing.T) {
		// setns on a regular file fails with EINVAL: no event; the
		// unshare that follows is the first event of this process after
		// its clone.
		cmd := exec.Command("perl", "-e", `open(my $f, "<", "/proc/self/stat") or die; syscall(308, fileno($f), 0); syscall(272, 0x20000) == 0 or die "unshare: $!"; sleep 30`)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		e := waitFor(t, tr, "event of the process", func(e Event) bool { return e.PID == cmd.Process.Pid && e.Kind != Clone })
		if e.Kind != Unshare {
			t.Errorf("first event %v, want unshare (the failed setns is not reported)", e)
		}
	})

	t.Run("mount in another mount namespace", func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
			`mount -t tmpfs nsweb-kevents "$1" && umount "$1" && sleep 30`, "sh", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		host := inode(t, "/proc/self/ns/mnt")
		var mnt, umnt Event
		mnt = waitFor(t, tr, "mount", func(e Event) bool { return e.Kind == Mount && e.MntNS != 0 && e.MntNS != host })
		umnt = waitFor(t, tr, "umount", func(e Event) bool { return e.Kind == Umount && e.MntNS == mnt.MntNS })
		if own := inode(t, "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/ns/mnt"); own != mnt.MntNS {
			t.Errorf("mount event names mnt:[%d], the process is in mnt:[%d]", mnt.MntNS, own)
		}
		_ = umnt
	})

	t.Run("clone of a process, not a thread", func(t *testing.T) {
		cmd := exec.Command("sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		waitFor(t, tr, "clone", func(e Event) bool { return e.Kind == Clone && e.PID == cmd.Process.Pid })
	})
}

func TestCloseInterruptsRead(t *testing.T) {
	tr := openOrSkip(t)
	done := make(chan error, 1)
	go func() {
		_, err := tr.Read(make([]Event, 0, 1))
		for err == nil {
			_, err = tr.Read(make([]Event, 0, 1))
		}
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Read after Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked 5 s after Close")
	}
}

// TestLostCounted: when nobody reads, the ring fills up and the records it
// has no room for are counted, so the reader knows it missed changes.
func TestLostCounted(t *testing.T) {
	tr := openOrSkip(t)
	// A record takes 32 bytes with its header: 20,000 exceed 256 KiB.
	for range 20000 {
		if err := unshareNothing(); err != nil {
			t.Fatal(err)
		}
	}
	n, err := tr.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("20,000 events into a ring for %d, none lost", ringSize/32)
	}
}
