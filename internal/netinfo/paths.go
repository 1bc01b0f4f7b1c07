package netinfo

import (
	"path"
	"strconv"

	"github.com/nsweb/nsweb/internal/model"
)

// maxPaths bounds how many ways to open one namespace are tried.
const maxPaths = 6

// Paths lists the files through which namespace ns can be opened, best
// first: member processes' /proc/PID/ns links, a member thread's, an open
// nsfs descriptor, a bind mount (through the root of a process in the
// mount namespace that holds it). selfMnt is nsweb's own mount namespace,
// whose bind mounts open by their path. The opener checks that what it
// opened is ns (a PID may be reused meanwhile).
func Paths(s *model.Snapshot, ns *model.Namespace, selfMnt model.NSID) []string {
	var out []string
	add := func(p string) bool {
		out = append(out, p)
		return len(out) < maxPaths
	}
	t := string(ns.Type)
	if ns.Leader > 0 && !add("/proc/"+strconv.Itoa(ns.Leader)+"/ns/"+t) {
		return out
	}
	for _, pid := range ns.Procs {
		if pid == ns.Leader {
			continue
		}
		if !add("/proc/" + strconv.Itoa(pid) + "/ns/" + t) {
			return out
		}
		if len(out) >= 3 {
			break
		}
	}
	for _, h := range ns.HeldBy {
		var p string
		switch h.Kind {
		case model.HeldByThread:
			p = "/proc/" + strconv.Itoa(h.PID) + "/task/" + strconv.Itoa(h.TID) + "/ns/" + t
		case model.HeldByFD:
			p = "/proc/" + strconv.Itoa(h.PID) + "/fd/" + strconv.Itoa(h.FD)
		case model.HeldByBindMount:
			if h.Path == "" || !path.IsAbs(h.Path) {
				continue
			}
			if h.MntNS == 0 || h.MntNS == selfMnt {
				p = h.Path
			} else if m := s.Namespaces[h.MntNS]; m != nil && m.Leader > 0 {
				p = "/proc/" + strconv.Itoa(m.Leader) + "/root" + h.Path
			} else {
				continue
			}
		case model.HeldByChildren:
			if ns.Type != model.PID && ns.Type != model.Time {
				continue
			}
			p = "/proc/" + strconv.Itoa(h.PID) + "/ns/" + forChildren(ns.Type)
		default:
			continue
		}
		if !add(p) {
			return out
		}
	}
	return out
}

func forChildren(t model.NSType) string {
	if t == model.Time {
		return "time_for_children"
	}
	return "pid_for_children"
}
