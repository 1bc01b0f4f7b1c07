package watch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartUnprivilegedFallsBack runs the watcher as user nobody (this
// test binary again, copied where nobody may run it): BPF is unavailable,
// the watcher starts on what is left and names the fallback and why.
func TestStartUnprivilegedFallsBack(t *testing.T) {
	if os.Getenv("NSWEB_WATCH_UNPRIV") == "1" {
		w, err := Start(context.Background(), Options{Rescan: time.Hour})
		if err != nil {
			fmt.Println("start:", err)
			os.Exit(1)
		}
		fmt.Printf("bpf=%v events=%s\n", w.BPF(), w.Events())
		_ = w.Close()
		os.Exit(0)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to become another user")
	}
	dir, err := os.MkdirTemp("", "nsweb-bpf-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	bin := filepath.Join(dir, "watch.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestStartUnprivilegedFallsBack$")
	cmd.Env = append(os.Environ(), "NSWEB_WATCH_UNPRIV=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v: %s", err, out)
	}
	got := string(out)
	if !strings.Contains(got, "bpf=false") || !strings.Contains(got, "(bpf unavailable: ") {
		t.Errorf("as nobody: %s; want BPF unavailable, named with its reason", got)
	}
	t.Logf("as nobody: %s", strings.TrimSpace(got))
}
