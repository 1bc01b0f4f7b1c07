package inspect

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// maxLines bounds how many lines a parser takes from one file, so that a
// hostile or huge input costs bounded memory.
const maxLines = 100000

// IDMap is one line of /proc/PID/uid_map or gid_map: Count IDs starting at
// Inside map to IDs starting at Outside in the parent user namespace.
type IDMap struct {
	Inside  uint32 `json:"inside"`
	Outside uint32 `json:"outside"`
	Count   uint32 `json:"count"`
}

// ParseIDMap reads uid_map or gid_map.
func ParseIDMap(data string) ([]IDMap, error) {
	out := []IDMap{}
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		if i >= maxLines {
			return out, errors.New("too many lines")
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return out, fmt.Errorf("id map line %d: want 3 fields, got %d", i+1, len(f))
		}
		var v [3]uint32
		for k := range f {
			n, err := strconv.ParseUint(f[k], 10, 32)
			if err != nil {
				return out, fmt.Errorf("id map line %d: %w", i+1, err)
			}
			v[k] = uint32(n)
		}
		out = append(out, IDMap{Inside: v[0], Outside: v[1], Count: v[2]})
	}
	return out, nil
}

// capNames are the capability names by bit (linux/capability.h).
var capNames = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// CapAll is the number of capabilities nsweb knows by name.
var CapAll = len(capNames)

// CapNames decodes a capability mask into names ("cap_net_admin"); bits
// beyond the known ones are named "cap_N".
func CapNames(mask uint64) []string {
	out := make([]string, 0, bits.OnesCount64(mask))
	for b := range 64 {
		if mask&(1<<b) == 0 {
			continue
		}
		if b < len(capNames) {
			out = append(out, "cap_"+capNames[b])
		} else {
			out = append(out, "cap_"+strconv.Itoa(b))
		}
	}
	return out
}

// Status is what nsweb takes from /proc/PID/status.
type Status struct {
	CapEff uint64
	UID    []uint32 // real, effective, saved, filesystem
}

// ParseStatus reads the CapEff: and Uid: lines of /proc/PID/status.
func ParseStatus(data string) (Status, error) {
	var st Status
	seen := false
	for i, line := range strings.Split(data, "\n") {
		if i >= maxLines {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "CapEff":
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				return st, fmt.Errorf("parse CapEff %q: %w", v, err)
			}
			st.CapEff, seen = n, true
		case "Uid":
			for _, f := range strings.Fields(v) {
				n, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					return st, fmt.Errorf("parse Uid %q: %w", v, err)
				}
				st.UID = append(st.UID, uint32(n))
			}
		}
	}
	if !seen {
		return st, errors.New("no CapEff line")
	}
	return st, nil
}

// Offset is one clock's offset in a time namespace.
type Offset struct {
	Clock string `json:"clock"` // monotonic or boottime
	Secs  int64  `json:"secs"`
	Nsecs int64  `json:"nsecs"`
}

// ParseTimensOffsets reads /proc/PID/timens_offsets ("monotonic S N").
func ParseTimensOffsets(data string) ([]Offset, error) {
	out := []Offset{}
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		if i >= 16 {
			return out, errors.New("too many lines")
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return out, fmt.Errorf("timens_offsets line %d: want 3 fields", i+1)
		}
		s, err1 := strconv.ParseInt(f[1], 10, 64)
		n, err2 := strconv.ParseInt(f[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return out, fmt.Errorf("timens_offsets line %d: %w", i+1, err)
		}
		clock := f[0]
		switch clock { // older kernels print the clock's number
		case "1":
			clock = "monotonic"
		case "7":
			clock = "boottime"
		}
		out = append(out, Offset{Clock: clock, Secs: s, Nsecs: n})
	}
	return out, nil
}

// CgroupPath returns the cgroup v2 path ("0::PATH") of /proc/PID/cgroup,
// else the first v1 hierarchy's path.
func CgroupPath(data string) (string, error) {
	first := ""
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		if i >= 1000 {
			break
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			return parts[2], nil
		}
		if first == "" {
			first = parts[2]
		}
	}
	if first == "" {
		return "", errors.New("no cgroup line")
	}
	return first, nil
}

// CgroupRoot returns a cgroup namespace's root from a member's cgroup path
// as nsweb sees it (outside) and as the member sees it (inside, relative
// to the namespace's root). ok is false when they do not fit together
// (the member is outside its namespace's root: inside starts with "/..").
func CgroupRoot(outside, inside string) (string, bool) {
	if strings.HasPrefix(inside, "/..") || !strings.HasPrefix(inside, "/") {
		return "", false
	}
	if inside == "/" {
		return outside, true
	}
	root, ok := strings.CutSuffix(outside, inside)
	if !ok {
		return "", false
	}
	if root == "" {
		root = "/"
	}
	return root, true
}

// Mount is one line of /proc/PID/mountinfo.
type Mount struct {
	ID         int    `json:"id"`
	Parent     int    `json:"parent"`
	Dev        string `json:"dev"`
	Root       string `json:"root"`
	MountPoint string `json:"mountPoint"`
	Options    string `json:"options"`
	// Propagation is "shared", "slave", "shared,slave", "unbindable" or
	// "private".
	Propagation string `json:"propagation"`
	Shared      int    `json:"shared,omitempty"` // peer group ID (shared:N)
	Master      int    `json:"master,omitempty"` // master:N
	FSType      string `json:"fstype"`
	Source      string `json:"source"`
}

// ParseMountinfo reads /proc/PID/mountinfo (proc(5)); octal escapes such
// as \040 in paths are decoded.
func ParseMountinfo(data string) ([]Mount, error) {
	var out []Mount
	for i, line := range strings.Split(data, "\n") {
		if line == "" {
			continue
		}
		if i >= maxLines {
			return out, errors.New("too many mounts")
		}
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			return out, fmt.Errorf("mountinfo line %d: no separator", i+1)
		}
		f := strings.Fields(pre)
		g := strings.Fields(post)
		if len(f) < 6 || len(g) < 2 {
			return out, fmt.Errorf("mountinfo line %d: too few fields", i+1)
		}
		id, err1 := strconv.Atoi(f[0])
		parent, err2 := strconv.Atoi(f[1])
		if err := errors.Join(err1, err2); err != nil {
			return out, fmt.Errorf("mountinfo line %d: %w", i+1, err)
		}
		m := Mount{ID: id, Parent: parent, Dev: f[2], Root: unescape(f[3]), MountPoint: unescape(f[4]),
			Options: f[5], FSType: g[0], Source: unescape(g[1])}
		var prop []string
		for _, o := range f[6:] {
			k, v, _ := strings.Cut(o, ":")
			n, _ := strconv.Atoi(v)
			switch k {
			case "shared":
				m.Shared = n
				prop = append(prop, "shared")
			case "master":
				m.Master = n
				prop = append(prop, "slave")
			case "unbindable":
				prop = append(prop, "unbindable")
			}
		}
		m.Propagation = "private"
		if len(prop) > 0 {
			m.Propagation = strings.Join(prop, ",")
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return out, errors.New("no mounts")
	}
	return out, nil
}

// unescape decodes the \NNN octal escapes of mountinfo.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
