package watch

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// procMsg builds one proc connector datagram: nlmsghdr, cn_msg, proc_event.
func procMsg(what uint32, fields ...uint32) []byte {
	ne := binary.NativeEndian
	ev := make([]byte, procEventHdrLen+4*len(fields))
	ne.PutUint32(ev, what)
	for i, f := range fields {
		ne.PutUint32(ev[procEventHdrLen+4*i:], f)
	}
	cn := make([]byte, cnMsgLen+len(ev))
	ne.PutUint32(cn[0:], cnIdxProc)
	ne.PutUint32(cn[4:], cnValProc)
	ne.PutUint16(cn[16:], uint16(len(ev)))
	copy(cn[cnMsgLen:], ev)
	l := unix.NLMSG_HDRLEN + len(cn)
	msg := make([]byte, (l+3)&^3)
	ne.PutUint32(msg[0:], uint32(l))
	ne.PutUint16(msg[4:], unix.NLMSG_DONE)
	copy(msg[unix.NLMSG_HDRLEN:], cn)
	return msg
}

func TestParseProcEvents(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		pids []int
	}{
		{"fork of a process", procMsg(procEventFork, 1, 1, 42, 42), []int{42}},
		{"fork of a thread is skipped", procMsg(procEventFork, 42, 42, 43, 42), nil},
		{"exec reports the thread group", procMsg(procEventExec, 44, 42), []int{42}},
		{"comm", procMsg(procEventComm, 42, 42), []int{42}},
		{"exit of a process", procMsg(procEventExit, 42, 42, 0, 17, 1, 1), []int{42}},
		{"exit of a thread is skipped", procMsg(procEventExit, 43, 42, 0, 0, 1, 1), nil},
		{"uid change is not watched", procMsg(0x4, 42, 42, 0, 0), nil},
		{"truncated event", procMsg(procEventFork, 1), nil},
		{"two in one datagram", append(procMsg(procEventFork, 1, 1, 7, 7), procMsg(procEventExit, 8, 8, 0, 0, 1, 1)...), []int{7, 8}},
		{"garbage", []byte{1, 2, 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b batch
			parseProcEvents(tt.data, &b)
			if !slices.Equal(b.pids, tt.pids) {
				t.Errorf("pids %v, want %v", b.pids, tt.pids)
			}
			if (b.reasons == Proc) != (len(tt.pids) > 0) || b.events != len(tt.pids) {
				t.Errorf("reasons %v, events %d", b.reasons, b.events)
			}
		})
	}
}

func TestParseProcEventsOverflow(t *testing.T) {
	var b batch
	for pid := 1; pid <= MaxPIDs+1; pid++ {
		parseProcEvents(procMsg(procEventFork, 1, 1, uint32(pid), uint32(pid)), &b)
	}
	if !b.overflow || b.pids != nil || b.events != MaxPIDs+1 {
		t.Errorf("overflow %v, %d pids, %d events", b.overflow, len(b.pids), b.events)
	}
}

func startDebounce(t *testing.T, opt Options) (chan<- batch, <-chan Signal) {
	t.Helper()
	opt.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	in, out := make(chan batch), make(chan Signal)
	done := make(chan struct{})
	go func() { debounce(ctx, in, out, opt); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return in, out
}

func recvSignal(t *testing.T, c <-chan Signal) Signal {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no signal within 10 s")
		return Signal{}
	}
}

// The first event after a quiet spell is signalled at once, without
// waiting for the burst to end; the rest of the burst waits for quiet.
func TestDebounceLeadingEdge(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: time.Hour, MaxDelay: time.Hour})
	in <- batch{reasons: Proc, pids: []int{1}, events: 1}
	if s := recvSignal(t, out); s.Events != 1 || !slices.Equal(s.PIDs, []int{1}) {
		t.Errorf("leading signal %+v", s)
	}
	in <- batch{reasons: Proc, pids: []int{2}, events: 1}
	select {
	case s := <-out:
		t.Errorf("signal %+v before the burst went quiet", s)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestDebounceCoalescesBurst(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: 50 * time.Millisecond, MaxDelay: time.Hour, NoLeadingEdge: true})
	for i := range 100 {
		in <- batch{reasons: Proc, pids: []int{i % 10}, events: 1}
	}
	s := recvSignal(t, out)
	if s.Events != 100 || s.Reasons != Proc || !slices.Equal(s.PIDs, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("signal %+v", s)
	}
	select {
	case s := <-out:
		t.Errorf("second signal %+v for one burst", s)
	case <-time.After(200 * time.Millisecond):
	}
}

// A stream of events that never goes quiet must still produce signals: the
// delay from the first event is bounded.
func TestDebounceBoundedDelay(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: 40 * time.Millisecond, MaxDelay: 80 * time.Millisecond})
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case in <- batch{reasons: Proc, pids: []int{1}, events: 1}:
			}
			time.Sleep(5 * time.Millisecond) // well under Quiet: never quiet
		}
	}()
	defer close(stop)
	for range 3 {
		s := recvSignal(t, out)
		if s.Events == 0 {
			t.Fatalf("empty signal %+v", s)
		}
	}
}

// While the consumer is busy, events merge into the one pending signal.
func TestDebounceMergesWhileConsumerBusy(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond, NoLeadingEdge: true})
	in <- batch{reasons: Proc, pids: []int{1}, events: 1}
	time.Sleep(50 * time.Millisecond) // the signal is ready but not taken
	in <- batch{reasons: Mount, events: 1}
	in <- batch{reasons: Proc, pids: []int{2}, events: 1}
	s := recvSignal(t, out)
	if s.Events != 3 || s.Reasons != Proc|Mount || s.PIDs != nil {
		t.Errorf("merged signal %+v; want 3 events, proc|mount, no PID hint", s)
	}
}

func TestDebounceOverflowDropsHint(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: 20 * time.Millisecond, NoLeadingEdge: true})
	for i := range MaxPIDs + 5 {
		in <- batch{reasons: Proc, pids: []int{i}, events: 1}
	}
	in <- batch{reasons: Proc, pids: []int{1}, events: 1}
	if s := recvSignal(t, out); s.PIDs != nil || s.Events != MaxPIDs+6 {
		t.Errorf("signal with %d PIDs, %d events; want no hint", len(s.PIDs), s.Events)
	}
}

func TestDebounceRescan(t *testing.T) {
	_, out := startDebounce(t, Options{Rescan: 20 * time.Millisecond, Quiet: time.Millisecond})
	for range 2 {
		if s := recvSignal(t, out); s.Reasons != Rescan {
			t.Errorf("reasons %v, want rescan", s.Reasons)
		}
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[Reason]string{0: "none", Proc: "proc", Proc | Mount | Overflow: "proc|mount|overflow", Rescan: "rescan"} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", r, r.String(), want)
		}
	}
}

func TestStartNoSource(t *testing.T) {
	if _, err := Start(context.Background(), Options{Rescan: -1, NoProcConnector: true, NoBPF: true, MountInfo: "-"}); err == nil {
		t.Error("a watcher without any source started")
	}
	w, err := Start(context.Background(), Options{Rescan: -1, NoProcConnector: true, NoBPF: true, MountInfo: "/nonexistent/mountinfo", Quiet: time.Millisecond})
	if err == nil {
		w.Close()
		t.Error("a watcher whose only source failed started")
	}
}

// startWatch starts a watcher with opt, closed when the test ends.
func startWatch(t *testing.T, opt Options) *Watcher {
	t.Helper()
	w, err := Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return w
}

// waitSignal reads w's signals (other processes on the machine cause some)
// until one matches ok, for at most 10 s.
func waitSignal(t *testing.T, w *Watcher, what string, ok func(Signal) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-w.C():
			if ok(s) {
				return
			}
		case <-deadline:
			t.Fatalf("no signal for %s within 10 s", what)
		}
	}
}

// TestWatchReal runs the watcher against the kernel: a new process, its exit
// and a new bind-mounted network namespace must each produce a signal
// (without BPF; kernel_linux_test.go has the same with it).
func TestWatchReal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the proc connector")
	}
	w := startWatch(t, Options{Rescan: -1, NoBPF: true})
	if len(w.Sources()) != 2 {
		t.Fatalf("sources %v, want proc connector and mounts", w.Sources())
	}
	if w.BPF() || w.Events() != "proc connector, mount changes (bpf off)" {
		t.Errorf("events %q, bpf %v; want the fallback named", w.Events(), w.BPF())
	}
	waitFor := func(what string, ok func(Signal) bool) {
		t.Helper()
		waitSignal(t, w, what, ok)
	}
	// A signal without a PID hint may cover the PID too.
	covers := func(pid int) func(Signal) bool {
		return func(s Signal) bool {
			return s.Reasons&(Proc|Overflow) != 0 && (s.PIDs == nil || slices.Contains(s.PIDs, pid))
		}
	}
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitFor(fmt.Sprintf("start of pid %d", pid), covers(pid))
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(fmt.Sprintf("exit of pid %d", pid), covers(pid))

	// Mount changes, repeatedly: each add and each delete must be seen
	// (the kernel reports a change once, to whoever polls first).
	for range 3 {
		name := fmt.Sprintf("nswebtest-%d", rand.Uint32())
		if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add: %v: %s", err, out)
		}
		deleted := false
		t.Cleanup(func() {
			if deleted {
				return
			}
			if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
				t.Errorf("ip netns delete %s: %v: %s", name, err, out)
			}
		})
		waitFor("ip netns add", func(s Signal) bool { return s.Reasons&Mount != 0 })
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns delete: %v: %s", err, out)
		}
		deleted = true
		waitFor("ip netns delete", func(s Signal) bool { return s.Reasons&Mount != 0 })
	}
}

func TestCloseStopsChannel(t *testing.T) {
	w, err := Start(context.Background(), Options{Rescan: time.Hour, NoProcConnector: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.C(); ok {
		t.Error("signal after close")
	}
}
