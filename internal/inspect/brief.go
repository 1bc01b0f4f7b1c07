package inspect

import (
	"fmt"
	"strconv"
	"strings"
)

// maxBriefIfaces bounds the interfaces a brief names.
const maxBriefIfaces = 6

// Brief says in a few words what d holds, for one line of the text tree:
// "lo, va 10.77.0.1/24 ↔ vb, mv → pm", "uid_map 0→1000 ×1",
// "hostname box", "level 2", "monotonic +86400 s", "root /a", "24 mounts".
// Empty when there is nothing to say.
func Brief(d *Details) string {
	if d == nil {
		return ""
	}
	switch {
	case d.Net != nil:
		var parts []string
		for i, f := range d.Net.Ifaces {
			if i == maxBriefIfaces {
				parts = append(parts, "+"+strconv.Itoa(len(d.Net.Ifaces)-i)+" more")
				break
			}
			p := f.Name
			for _, a := range f.Addrs {
				if a.Family == "inet" && a.Scope == "" {
					p += " " + a.IP + "/" + strconv.Itoa(a.PrefixLen)
					break
				}
			}
			if f.Peer != nil && f.Peer.Name != "" {
				arrow := " → "
				if f.Peer.Relation == "veth peer" {
					arrow = " ↔ "
				}
				p += arrow + f.Peer.Name
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, ", ")
	case d.User != nil:
		if len(d.User.UIDMap) == 0 {
			return "uid_map empty"
		}
		m := d.User.UIDMap[0]
		s := fmt.Sprintf("uid_map %d→%d ×%d", m.Inside, m.Outside, m.Count)
		if len(d.User.UIDMap) > 1 {
			s += fmt.Sprintf(" +%d", len(d.User.UIDMap)-1)
		}
		return s
	case d.UTS != nil:
		return "hostname " + d.UTS.Hostname
	case d.PID != nil:
		return "level " + strconv.Itoa(d.PID.Level)
	case d.Time != nil:
		var parts []string
		for _, o := range d.Time.Offsets {
			if o.Secs != 0 || o.Nsecs != 0 {
				parts = append(parts, fmt.Sprintf("%s %+d s", o.Clock, o.Secs))
			}
		}
		return strings.Join(parts, ", ")
	case d.Cgroup != nil:
		return "root " + d.Cgroup.Root
	case d.Mnt != nil:
		if d.Mnt.Count == 1 {
			return "1 mount"
		}
		return strconv.Itoa(d.Mnt.Count) + " mounts"
	}
	return ""
}
