package collect

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// TestGapVanished: a read that failed because its process exited is a gap
// marked Vanished (so the footer does not call it unreadable), whether the
// process is gone, dead but not reaped (a zombie: its namespace links
// answer ENOENT) or in exit; a file a live process lacks, a refused read and
// a gap of no process are not.
func TestGapVanished(t *testing.T) {
	dir := t.TempDir()
	stat := func(pid int, state string, flags uint, threads int) {
		d := filepath.Join(dir, strconv.Itoa(pid))
		line := fmt.Sprintf("%d (a) b) %s 1 %d %d 0 -1 %d 0 0 0 0 0 0 0 0 20 0 %d 0 500 1 1\n", pid, state, pid, pid, flags, threads)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "stat"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stat(10, "S", 0x400100, 1)
	stat(12, "Z", 0x400104, 1)
	stat(13, "R", 0x400104, 1) // PF_EXITING
	stat(14, "X", 0, 1)
	stat(15, "Z", 0x400104, 3) // the leader exited, two threads run on
	s := New(Options{ProcRoot: dir}).newScan(context.Background())
	p := func(pid int) *model.Process { return &model.Process{PID: pid} }
	cases := []struct {
		p        *model.Process
		what     string
		err      error
		vanished bool
	}{
		{p(10), dir + "/10/ns/time", unix.ENOENT, false}, // a kernel without time namespaces
		{p(10), dir + "/10/status", unix.EACCES, false},
		{p(10), dir + "/10/status", unix.ESRCH, true}, // exited between two reads
		{p(11), dir + "/11/stat", unix.ENOENT, true},  // gone
		{p(11), dir + "/11", &os.PathError{Op: "open", Path: dir + "/11", Err: unix.ENOENT}, true},
		{p(11), dir + "/11/fd", unix.EACCES, false},
		{p(12), dir + "/12/ns/net", unix.ENOENT, true},  // a zombie
		{p(13), dir + "/13/ns/net", unix.ENOENT, true},  // in exit
		{p(14), dir + "/14/ns/net", unix.ENOENT, true},  // dead
		{p(15), dir + "/15/ns/net", unix.ENOENT, false}, // alive in its threads
		{nil, "mountinfo of mnt:[5]", unix.ENOENT, false},
	}
	for _, c := range cases {
		s.gap(c.p, c.what, c.err)
	}
	for i, c := range cases {
		if g := s.gaps[i]; g.Vanished != c.vanished || g.What != c.what {
			t.Errorf("%s (%v): gap %+v, want vanished %v", c.what, c.err, g, c.vanished)
		}
	}
}

// TestScanZombie: a process that exited but is not reaped yet is kept,
// its namespace links (gone with its exit) make one gap, marked Vanished,
// not one unreadable entry per link.
func TestScanZombie(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read every process's namespaces")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Wait() })
	for i := 0; ; i++ { // a zombie until Wait reaps it
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err == nil && strings.Contains(string(data), ") Z ") {
			break
		}
		if i == 500 {
			t.Fatalf("process %d did not become a zombie: %s %v", pid, data, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s := New(Options{}).newScan(context.Background())
	s.parallel(1, func(w *worker, _ int) { s.process(w, pid) })
	var gaps []model.Gap
	for _, g := range s.gaps {
		if g.PID == pid {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) != 1 || !gaps[0].Vanished || !strings.HasSuffix(gaps[0].What, "/ns") {
		t.Errorf("zombie %d: gaps %+v, want one vanished gap for its ns links", pid, gaps)
	}
}

// TestScanProcessThatExited: a process that exits before the scan reads
// it (here: one already reaped) is kept, flagged, and its gaps are marked
// Vanished; the fixture's unreadable entries, whose processes are there,
// are not.
func TestScanProcessThatExited(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if _, err := os.Lstat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Skipf("PID %d was reused already", pid)
	}
	s := New(Options{}).newScan(context.Background())
	s.parallel(1, func(w *worker, _ int) { s.process(w, pid) })
	if p := s.procs[pid]; p == nil || p.Err == "" {
		t.Fatalf("exited process %d: %+v, want it kept and flagged", pid, p)
	}
	if len(s.gaps) == 0 {
		t.Fatal("no gap for the exited process")
	}
	for _, g := range s.gaps {
		if !g.Vanished {
			t.Errorf("gap %+v of an exited process not marked vanished", g)
		}
	}

	snap, err := Scan(context.Background(), Options{ProcRoot: "testdata/proc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range snap.Gaps {
		if g.Vanished {
			t.Errorf("fixture gap %+v marked vanished, but its process is there", g)
		}
	}
}
