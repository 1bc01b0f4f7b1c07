package collect

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
)

// The parsers below take the bytes of one /proc file each and make no system
// calls, so they are tested against fixture files and fuzzed without a host.
// They return an error for malformed input rather than guessing.

// Stat is the part of /proc/PID/stat that nsweb uses.
type Stat struct {
	PID  int
	Comm string
	// State is field 3: 'R', 'S', … and 'Z' for a zombie, whose namespaces
	// go away at its reaping, which no event reports.
	State byte
	PPID  int
	// Flags is field 9, the kernel's task flags; PF_EXITING (0x4) says the
	// task is in exit(), its namespace links already gone.
	Flags   uint64
	Threads int    // field 20
	Start   uint64 // field 22, clock ticks since boot
}

// ParseStat parses /proc/PID/stat. The command name sits in parentheses and
// may itself contain spaces and parentheses, so it ends at the LAST ')'.
// It runs for every process on every scan, so it does not allocate beyond
// the command name.
func ParseStat(data []byte) (Stat, error) {
	var s Stat
	open := bytes.IndexByte(data, '(')
	cls := bytes.LastIndexByte(data, ')')
	if open < 0 || cls < open {
		return s, errors.New("stat: no (comm)")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(data[:open])))
	if err != nil {
		return s, fmt.Errorf("stat: pid: %w", err)
	}
	s.PID = pid
	s.Comm = string(data[open+1 : cls])
	// Fields after the comm: the first is field 3 (state); field N is
	// number N-3 here.
	rest := data[cls+1:]
	var f [20][]byte
	n := 0
	for n < len(f) {
		rest = bytes.TrimLeft(rest, " \n")
		if len(rest) == 0 {
			break
		}
		end := bytes.IndexAny(rest, " \n")
		if end < 0 {
			end = len(rest)
		}
		f[n], rest = rest[:end], rest[end:]
		n++
	}
	if n < len(f) {
		return s, fmt.Errorf("stat: %d fields after comm, want at least 20", n)
	}
	if len(f[0]) != 1 {
		return s, fmt.Errorf("stat: state %q, want one letter", f[0])
	}
	s.State = f[0][0]
	if s.PPID, err = strconv.Atoi(string(f[1])); err != nil {
		return s, fmt.Errorf("stat: ppid: %w", err)
	}
	if s.Flags, err = strconv.ParseUint(string(f[6]), 10, 64); err != nil {
		return s, fmt.Errorf("stat: flags: %w", err)
	}
	if s.Threads, err = strconv.Atoi(string(f[17])); err != nil {
		return s, fmt.Errorf("stat: num_threads: %w", err)
	}
	if s.Start, err = strconv.ParseUint(string(f[19]), 10, 64); err != nil {
		return s, fmt.Errorf("stat: starttime: %w", err)
	}
	return s, nil
}

// Status is the part of /proc/PID/status that nsweb uses.
type Status struct {
	UID     uint32 // effective UID, what lsns and ps show
	NSpid   []int
	Threads int
}

// ParseStatus parses /proc/PID/status. Uid: is required; NSpid: is absent on
// old kernels and Threads: may be missing, both then stay zero.
func ParseStatus(data []byte) (Status, error) {
	var s Status
	haveUID := false
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch string(key) {
		case "Uid":
			f := strings.Fields(string(val))
			if len(f) < 2 {
				return s, fmt.Errorf("status: Uid: %q", val)
			}
			u, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return s, fmt.Errorf("status: Uid: %w", err)
			}
			s.UID = uint32(u)
			haveUID = true
		case "NSpid":
			f := strings.Fields(string(val))
			s.NSpid = make([]int, 0, len(f))
			for _, x := range f {
				n, err := strconv.Atoi(x)
				if err != nil {
					return s, fmt.Errorf("status: NSpid: %w", err)
				}
				s.NSpid = append(s.NSpid, n)
			}
		case "Threads":
			n, err := strconv.Atoi(strings.TrimSpace(string(val)))
			if err != nil {
				return s, fmt.Errorf("status: Threads: %w", err)
			}
			s.Threads = n
		}
	}
	if !haveUID {
		return s, errors.New("status: no Uid line")
	}
	return s, nil
}

// ParseCmdline turns /proc/PID/cmdline into one line: NUL separators become
// spaces and the trailing NUL goes. Other bytes are kept exactly as the
// process wrote them (escaping is the job of whoever displays them).
func ParseCmdline(data []byte) string {
	data = bytes.TrimRight(data, "\x00")
	b := make([]byte, len(data))
	for i, c := range data {
		if c == 0 {
			c = ' '
		}
		b[i] = c
	}
	return string(b)
}

// ParseNSLink parses the target of a /proc/PID/ns/* or nsfs fd link, such as
// "net:[4026531840]", into its type and inode.
func ParseNSLink(s string) (model.NSType, uint64, error) {
	t, ino, ok := parseNSLink([]byte(s))
	if !ok {
		return "", 0, fmt.Errorf("ns link %q: not a namespace (type:[inode])", s)
	}
	return t, ino, nil
}

// parseNSLink is ParseNSLink without allocation, for the hot path.
func parseNSLink(b []byte) (model.NSType, uint64, bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 || len(b) < i+4 || b[i+1] != '[' || b[len(b)-1] != ']' {
		return "", 0, false
	}
	var t model.NSType
	for _, x := range model.Types {
		if string(b[:i]) == string(x) {
			t = x
			break
		}
	}
	if t == "" {
		return "", 0, false
	}
	var ino uint64
	digits := b[i+2 : len(b)-1]
	if len(digits) == 0 || len(digits) > 19 {
		return "", 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		ino = ino*10 + uint64(c-'0')
	}
	return t, ino, true
}

// NSMount is one nsfs mount from a mountinfo file: a namespace kept alive by
// being bind-mounted somewhere (ip netns add, CNI plugins, unshare --net=FILE).
type NSMount struct {
	MountPoint string // unescaped, relative to the mount namespace's root
	Type       model.NSType
	Inode      uint64
}

// ParseMountinfo returns the nsfs mounts of a /proc/PID/mountinfo file.
// Paths are unescaped (\040 is a space). Other mounts are skipped; a
// malformed line is an error.
func ParseMountinfo(data []byte) ([]NSMount, error) {
	var out []NSMount
	for n := 1; len(data) > 0; n++ {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if len(line) == 0 {
			continue
		}
		// Cheap filter first: the vast majority of lines are not nsfs.
		if !bytes.Contains(line, []byte(" - nsfs ")) {
			if !bytes.Contains(line, []byte(" - ")) {
				return out, fmt.Errorf("mountinfo line %d: no separator", n)
			}
			continue
		}
		pre, post, _ := strings.Cut(string(line), " - ")
		f := strings.Fields(pre)
		if len(f) < 6 {
			return out, fmt.Errorf("mountinfo line %d: %d fields before separator", n, len(f))
		}
		if pf := strings.Fields(post); len(pf) < 1 || pf[0] != "nsfs" {
			continue
		}
		root, err := unescapeOctal(f[3])
		if err != nil {
			return out, fmt.Errorf("mountinfo line %d: root: %w", n, err)
		}
		mp, err := unescapeOctal(f[4])
		if err != nil {
			return out, fmt.Errorf("mountinfo line %d: mount point: %w", n, err)
		}
		typ, ino, err := ParseNSLink(root)
		if err != nil {
			return out, fmt.Errorf("mountinfo line %d: %w", n, err)
		}
		out = append(out, NSMount{MountPoint: mp, Type: typ, Inode: ino})
	}
	return out, nil
}

// unescapeOctal undoes the kernel's \ooo escaping of space, tab, newline and
// backslash in mountinfo paths.
func unescapeOctal(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) {
			return "", fmt.Errorf("truncated escape in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), nil
}
