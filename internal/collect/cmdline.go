package collect

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// MaxFullCmdline bounds what FullCmdline reads: Linux caps the argument
// area at a quarter of the stack limit, a few MiB in practice.
const MaxFullCmdline = 8 << 20

// FullCmdline reads the whole command line of process pid, provided it is
// still the process that started at start (field 22 of its stat, as
// model.Process.Start holds): a snapshot keeps only the first
// model.MaxCmdline bytes, and this is the rest on demand while the process
// lives. procRoot "" means /proc. A line longer than MaxFullCmdline is an
// error rather than an unbounded read.
func FullCmdline(procRoot string, pid int, start uint64) (string, error) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	base := procRoot + "/" + strconv.Itoa(pid)
	same := func() error {
		data, err := os.ReadFile(base + "/stat")
		if err != nil {
			return fmt.Errorf("process %d: %w", pid, err)
		}
		st, err := ParseStat(data)
		if err != nil {
			return fmt.Errorf("process %d: %w", pid, err)
		}
		if st.Start != start {
			return fmt.Errorf("process %d has ended (its PID now names another process)", pid)
		}
		return nil
	}
	if err := same(); err != nil {
		return "", err
	}
	f, err := os.Open(base + "/cmdline")
	if err != nil {
		return "", fmt.Errorf("process %d: %w", pid, err)
	}
	defer f.Close()
	buf := make([]byte, 0, 64<<10)
	for {
		if len(buf) == cap(buf) {
			if cap(buf) >= MaxFullCmdline {
				return "", fmt.Errorf("process %d: command line longer than %d bytes", pid, MaxFullCmdline)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("process %d: read cmdline: %w", pid, err)
		}
	}
	if err := same(); err != nil {
		return "", err
	}
	return ParseCmdline(buf), nil
}
