package collect

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestCmdlineBounded: a process whose arguments are huge costs nsweb a
// bounded prefix and the length, not the whole line (issue 15 item 2); the
// whole line is read on demand while the process lives.
func TestCmdlineBounded(t *testing.T) {
	big := strings.Repeat("a", 128000) // MAX_ARG_STRLEN is 128 KiB with the NUL
	cmd := exec.Command("sh", "-c", "sleep 1000; :", "sh", big, big)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the cleanup kills the sleep too
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL); _ = cmd.Wait() })
	want := "sh -c sleep 1000; : sh " + big + " " + big
	for _, scan := range []struct {
		name string
		do   func() (*model.Snapshot, error)
	}{
		{"scan", func() (*model.Snapshot, error) { return Scan(context.Background(), Options{}) }},
		{"rescan", func() (*model.Snapshot, error) {
			c := New(Options{})
			prev, err := c.Scan(context.Background())
			if err != nil {
				return nil, err
			}
			return c.Rescan(context.Background(), prev, []int{pid})
		}},
	} {
		snap, err := scan.do()
		if err != nil {
			t.Fatal(err)
		}
		p := snap.Processes[pid]
		if p == nil {
			t.Fatalf("%s: pid %d missing", scan.name, pid)
		}
		if len(p.Cmdline) > model.MaxCmdline || !strings.HasPrefix(want, p.Cmdline) || len(p.Cmdline) < model.MaxCmdline-4 {
			t.Errorf("%s: cmdline of %d bytes, want the first %d of the line", scan.name, len(p.Cmdline), model.MaxCmdline)
		}
		if p.CmdlineLen != len(want) {
			t.Errorf("%s: CmdlineLen %d, want %d", scan.name, p.CmdlineLen, len(want))
		}
		full, err := FullCmdline("", pid, p.Start)
		if err != nil || full != want {
			t.Errorf("%s: FullCmdline: %d bytes, %v; want %d bytes", scan.name, len(full), err, len(want))
		}
		if _, err := FullCmdline("", pid, p.Start+1); err == nil {
			t.Errorf("%s: FullCmdline of another start time answered", scan.name)
		}
	}
}
