package kevents

import (
	"os"
	"os/exec"
	"testing"
)

// BenchmarkForkExec measures what the attached programs cost a process
// start (clone, exec, exit: the clone program runs for every new task):
// /bin/true started and waited for, without and with the tracer, whose
// events are drained meanwhile as nsweb does.
func BenchmarkForkExec(b *testing.B) {
	benchWithTracer(b, func() error { return exec.Command("/bin/true").Run() })
}

// BenchmarkUnshareSyscall measures one unshare(0) (a no-op that succeeds:
// the program runs and sends a record) without and with the tracer.
func BenchmarkUnshareSyscall(b *testing.B) {
	benchWithTracer(b, unshareNothing)
}

// benchWithTracer runs op in the sub-benchmarks "without" and "with" the
// tracer attached, its events drained meanwhile as nsweb does.
func benchWithTracer(b *testing.B, op func() error) {
	if os.Geteuid() != 0 {
		b.Skip("BPF needs root")
	}
	run := func(b *testing.B) {
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("without", run)
	b.Run("with", func(b *testing.B) {
		tr, err := Open()
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			buf := make([]Event, 0, 512)
			for {
				if _, err := tr.Read(buf); err != nil {
					return
				}
			}
		}()
		run(b)
		b.StopTimer()
		_ = tr.Close()
		<-done
	})
}
