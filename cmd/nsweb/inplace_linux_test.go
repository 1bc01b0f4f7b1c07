package main

import (
	"math/rand/v2"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// inPlaceStats is what inPlaceChurn did.
type inPlaceStats struct {
	started, killed int
	live            []*exec.Cmd
}

// inPlaceChurn starts, until end, processes that change their namespaces
// in place after a short while (unshare(2) of a new network and UTS
// namespace from a running single-threaded perl: no process event
// reports it), and kills some, keeping at most three, lightly enough to
// leave the zoo churn its pace on a loaded host. The processes carry
// tag in their command line; the caller kills the live ones.
func inPlaceChurn(t *testing.T, end time.Time, tag string) inPlaceStats {
	t.Helper()
	var s inPlaceStats
	if runtime.GOARCH != "amd64" {
		return s // the perl helper uses x86_64 syscall numbers
	}
	for time.Now().Before(end) {
		if len(s.live) >= 3 || (len(s.live) > 1 && rand.IntN(3) == 0) {
			i := rand.IntN(len(s.live))
			kill(s.live[i])
			s.live = slices.Delete(s.live, i, i+1)
			s.killed++
		} else {
			// syscall 272 is unshare(2) on x86_64; CLONE_NEWNET|CLONE_NEWUTS.
			cmd := exec.Command("perl", "-e", `select(undef, undef, undef, 0.02 + rand(0.1)); syscall(272, 0x44000000) == 0 or die "unshare: $!"; sleep 300`, tag)
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			if err := cmd.Start(); err != nil {
				t.Errorf("in-place churn: %v", err)
				return s
			}
			s.live = append(s.live, cmd)
			s.started++
		}
		time.Sleep(time.Duration(50+rand.IntN(100)) * time.Millisecond)
	}
	return s
}

func kill(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
