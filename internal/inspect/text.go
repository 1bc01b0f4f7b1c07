package inspect

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/render"
)

// clean keeps host-controlled text (interface names, host names, paths)
// from writing control characters to a terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return '?'
		}
		return r
	}, s)
}

// nsName names another namespace for text: type and inode where the
// snapshot knows it.
func nsName(s *model.Snapshot, id model.NSID) string {
	if id == 0 {
		return "this namespace"
	}
	if ns := s.Namespaces[id]; ns != nil {
		return fmt.Sprintf("%s ns %d (ns:%d)", ns.Type, ns.Inode, id)
	}
	return fmt.Sprintf("ns:%d", id)
}

// Chain writes a PID chain as people read it: "4242 → 17 → 1".
func Chain(c []int) string {
	parts := make([]string, len(c))
	for i, p := range c {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, " → ")
}

// Text writes namespace ns's details for a terminal: its identity, members
// and containers, then what it holds.
func Text(w io.Writer, s *model.Snapshot, ns *model.Namespace, d *Details) error {
	ew := &errWriter{w: w}
	p := ew.printf
	p("%s namespace %d (ns:%d)\n", ns.Type, ns.Inode, ns.ID)
	if ns.Owner != 0 && ns.Owner != ns.ID {
		p("  owner:      %s\n", nsName(s, ns.Owner))
	}
	if ns.Parent != 0 && ns.Parent != ns.Owner {
		p("  parent:     %s\n", nsName(s, ns.Parent))
	}
	if ns.OwnerUID != nil {
		p("  owner uid:  %d\n", *ns.OwnerUID)
	}
	p("  processes:  %d", len(ns.Procs))
	if ns.Leader != 0 {
		comm := ""
		if pr := s.Processes[ns.Leader]; pr != nil {
			comm = " " + clean(pr.Comm)
		}
		p(" (leader %d%s)", ns.Leader, comm)
	}
	p("\n")
	// What keeps it alive besides its members: for a namespace without
	// processes, the only reason it exists.
	shown := 0
	for _, h := range ns.HeldBy {
		t := render.HolderText(s, ns.Type, h)
		if t == "" {
			continue
		}
		if shown == maxList {
			p("  … and more holders\n")
			break
		}
		p("  %s\n", clean(t))
		shown++
	}
	for _, cid := range ns.Containers {
		name := cid
		if c := s.Containers[cid]; c != nil {
			name = c.DisplayName() + " (" + c.Runtime + ")"
		}
		p("  container:  %s\n", clean(name))
	}
	if d == nil {
		return ew.err
	}
	switch {
	case d.Net != nil:
		netText(p, s, d.Net)
	case d.User != nil:
		u := d.User
		p("  uid_map:    %s\n", mapText(u.UIDMap))
		p("  gid_map:    %s\n", mapText(u.GIDMap))
		if u.Setgroups != "" {
			p("  setgroups:  %s\n", u.Setgroups)
		}
		p("  capabilities of the members (effective, inside this namespace):\n")
		for _, c := range u.Caps {
			switch {
			case c.Error != "":
				p("    %d %s: %s\n", c.PID, clean(c.Comm), c.Error)
			case c.Full:
				p("    %d %s (uid %d): all (%s)\n", c.PID, clean(c.Comm), c.UID, c.CapEff)
			case len(c.Caps) == 0:
				p("    %d %s (uid %d): none\n", c.PID, clean(c.Comm), c.UID)
			default:
				p("    %d %s (uid %d): %s\n", c.PID, clean(c.Comm), c.UID, strings.Join(c.Caps, " "))
			}
		}
		if u.CapsMore > 0 {
			p("    … and %d more\n", u.CapsMore)
		}
	case d.PID != nil:
		p("  level:      %d\n", d.PID.Level)
		p("  PIDs (host → … → here):\n")
		for _, c := range d.PID.Procs {
			p("    %s  %s\n", Chain(c.Chain), clean(c.Comm))
		}
		if d.PID.More > 0 {
			p("    … and %d more\n", d.PID.More)
		}
	case d.UTS != nil:
		p("  hostname:   %s\n  domainname: %s\n", clean(d.UTS.Hostname), clean(d.UTS.Domainname))
	case d.Time != nil:
		for _, o := range d.Time.Offsets {
			p("  %-11s %+d.%09d s\n", o.Clock+":", o.Secs, o.Nsecs)
		}
	case d.Cgroup != nil:
		p("  cgroup root: %s\n", clean(d.Cgroup.Root))
	case d.Mnt != nil:
		m := d.Mnt
		p("  mounts:     %d\n", m.Count)
		if m.Root != nil {
			p("  root:       %s %s (%s)\n", clean(m.Root.Source), m.Root.FSType, m.Root.Propagation)
		}
		p("  propagation:")
		for _, k := range []string{"shared", "slave", "shared,slave", "private", "unbindable"} {
			if n := m.Propagation[k]; n > 0 {
				p(" %s %d", k, n)
			}
		}
		p("\n")
		for _, pr := range m.Peers {
			p("  %s %s: groups %v, %d mounts\n", pr.Relation, nsName(s, pr.NS), pr.Groups, pr.Mounts)
		}
		for _, mt := range m.Mounts {
			p("    %s %s %s %s\n", clean(mt.MountPoint), mt.FSType, clean(mt.Source), mt.Propagation)
		}
	}
	for _, m := range d.Missing {
		p("  missing:    %s\n", clean(m))
	}
	return ew.err
}

func mapText(ms []IDMap) string {
	if len(ms) == 0 {
		return "(none: every ID is unmapped)"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("%d→%d ×%d", m.Inside, m.Outside, m.Count)
	}
	return strings.Join(parts, ", ")
}

func netText(p func(string, ...any), s *model.Snapshot, n *netinfo.NetNS) {
	for _, f := range n.Ifaces {
		p("  %d: %s  %s %s mtu %d", f.Index, clean(f.Name), f.Kind, f.State, f.MTU)
		if f.MAC != "" {
			p(" %s", f.MAC)
		}
		p("\n")
		for _, a := range f.Addrs {
			p("      %s %s/%d", a.Family, a.IP, a.PrefixLen)
			if a.Scope != "" {
				p(" scope %s", a.Scope)
			}
			p("\n")
		}
		if f.Master != "" {
			p("      port of %s\n", clean(f.Master))
		}
		if len(f.Ports) > 0 {
			p("      ports: %s\n", clean(strings.Join(f.Ports, ", ")))
		}
		if pe := f.Peer; pe != nil {
			switch {
			case pe.Unresolved != "":
				p("      %s: ifindex %d, %s\n", pe.Relation, pe.Ifindex, pe.Unresolved)
			case pe.NS == 0:
				p("      %s: %s in this namespace\n", pe.Relation, clean(pe.Name))
			default:
				p("      %s: %s in %s\n", pe.Relation, clean(pe.Name), nsName(s, pe.NS))
			}
		}
	}
	for _, r := range n.Routes {
		p("  default route (%s)", r.Family)
		if r.Gateway != "" {
			p(" via %s", r.Gateway)
		}
		if r.Dev != "" {
			p(" dev %s", clean(r.Dev))
		}
		p("\n")
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
