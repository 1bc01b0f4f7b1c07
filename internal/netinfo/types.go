package netinfo

import (
	"cmp"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

// Addr is one IPv4 or IPv6 address of an interface.
type Addr struct {
	Family    string `json:"family"` // inet or inet6
	IP        string `json:"ip"`
	PrefixLen int    `json:"prefixLen"`
	Scope     string `json:"scope,omitempty"` // host, link; empty for global
}

// Peer is the other end of an interface's link: a veth's peer, or the
// parent a macvlan, ipvlan or vlan sits on. NS is 0 when the peer is in
// the same namespace; Unresolved says why the peer's namespace is unknown.
type Peer struct {
	Relation   string     `json:"relation"` // "veth peer" or "parent"
	NS         model.NSID `json:"ns,omitempty"`
	Ifindex    int        `json:"ifindex"`
	Name       string     `json:"name,omitempty"`
	Unresolved string     `json:"unresolved,omitempty"`
}

// Iface is one network interface.
type Iface struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Kind is the rtnetlink kind: veth, bridge, macvlan, ipvlan, vlan,
	// vxlan, tun, tap, loopback, dummy, … "device" is a physical or
	// otherwise kind-less interface.
	Kind  string `json:"kind"`
	State string `json:"state"` // operational state: up, down, unknown, lowerlayerdown, …
	Up    bool   `json:"up"`    // administratively up (IFF_UP)
	MTU   int    `json:"mtu"`
	MAC   string `json:"mac,omitempty"`
	Addrs []Addr `json:"addrs,omitempty"`
	// Master is the bridge (or bond) this interface is a port of.
	Master string `json:"master,omitempty"`
	// Ports lists a bridge's ports by name.
	Ports []string `json:"ports,omitempty"`
	Peer  *Peer    `json:"peer,omitempty"`

	// LinkNetnsID is IFLA_LINK_NETNSID: the peer's or parent's namespace as
	// this namespace numbers it, -1 for the same namespace.
	LinkNetnsID int `json:"-"`
	// ParentIndex is IFLA_LINK: the peer's or parent's ifindex, 0 if none.
	ParentIndex int `json:"-"`
	// MasterIndex is IFLA_MASTER.
	MasterIndex int `json:"-"`
}

// Route is one default route.
type Route struct {
	Family  string `json:"family"`
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
	Metric  int    `json:"metric,omitempty"`
}

// NetNS is what one network namespace holds.
type NetNS struct {
	ID     model.NSID `json:"ns"`
	Ifaces []Iface    `json:"interfaces"`
	Routes []Route    `json:"defaultRoutes"`
	// Error says why the namespace could not be read (for example without
	// root: setns needs CAP_SYS_ADMIN); Ifaces is then empty.
	Error string `json:"error,omitempty"`
	// NetnsIDs maps this namespace's netnsids to namespace IDs, for those
	// resolved so far.
	NetnsIDs map[int]model.NSID `json:"-"`
}

// Iface returns the interface with the given index, nil if none.
func (n *NetNS) Iface(index int) *Iface {
	for i := range n.Ifaces {
		if n.Ifaces[i].Index == index {
			return &n.Ifaces[i]
		}
	}
	return nil
}

// Endpoint is one end of an edge.
type Endpoint struct {
	NS      model.NSID `json:"ns"`
	Ifindex int        `json:"ifindex"`
	Iface   string     `json:"iface"`
	Kind    string     `json:"kind"`
	// Bridge is the bridge this end is a port of, if any.
	Bridge string `json:"bridge,omitempty"`
}

// Edge joins two network namespaces: a veth pair (Kind "veth"), or an
// interface and its parent in another namespace (Kind "macvlan",
// "ipvlan", "vlan", …: A is the child, B the parent).
type Edge struct {
	Kind string   `json:"kind"`
	A    Endpoint `json:"a"`
	B    Endpoint `json:"b"`
}

// Unreadable is a network namespace whose state could not be read.
type Unreadable struct {
	NS    model.NSID `json:"ns"`
	Error string     `json:"error"`
}

// Wiring is the body of GET /api/v1/wiring.
type Wiring struct {
	Taken      string       `json:"taken"`
	Namespaces int          `json:"namespaces"` // network namespaces looked at
	Edges      []Edge       `json:"edges"`
	Unreadable []Unreadable `json:"unreadable,omitempty"`
	// Missing says what this answer lacks for want of privileges; empty as
	// root.
	Missing string `json:"missing,omitempty"`
}

// isVeth says whether a kind pairs with a peer (rather than a parent).
func isVeth(kind string) bool { return kind == "veth" || kind == "netkit" }

// Candidates returns the namespaces that may hold the other end of iface
// (in namespace a) for its netnsid: for a veth, those with a veth at the
// peer index that points back at iface; for a parent, those with any
// interface at the parent index. Sorted by ID; the caller confirms each
// with the kernel (a netnsid query), so a wrong candidate costs a syscall,
// never a wrong answer.
func Candidates(nets map[model.NSID]*NetNS, a model.NSID, iface *Iface) []model.NSID {
	if iface.LinkNetnsID < 0 || iface.ParentIndex <= 0 {
		return nil
	}
	var out []model.NSID
	for id, n := range nets {
		if id == a {
			continue
		}
		o := n.Iface(iface.ParentIndex)
		if o == nil {
			continue
		}
		if isVeth(iface.Kind) && (!isVeth(o.Kind) || o.ParentIndex != iface.Index || o.LinkNetnsID < 0) {
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Resolve fills in every interface's Peer from the netnsid maps and
// returns the edges between namespaces, each once, sorted. It is pure: the
// netnsid maps come from the kernel beforehand.
func Resolve(nets map[model.NSID]*NetNS) []Edge {
	var edges []Edge
	for id, n := range nets {
		for i := range n.Ifaces {
			f := &n.Ifaces[i]
			f.Peer = nil
			if f.ParentIndex <= 0 || f.ParentIndex == f.Index && f.LinkNetnsID < 0 {
				continue
			}
			rel := "parent"
			if isVeth(f.Kind) {
				rel = "veth peer"
			}
			p := &Peer{Relation: rel, Ifindex: f.ParentIndex}
			f.Peer = p
			if f.LinkNetnsID < 0 {
				if o := n.Iface(f.ParentIndex); o != nil {
					p.Name = o.Name
				}
				continue
			}
			other, ok := n.NetnsIDs[f.LinkNetnsID]
			if !ok {
				p.Unresolved = "netnsid not matched to a namespace nsweb can read"
				continue
			}
			p.NS = other
			on := nets[other]
			if on == nil {
				p.Unresolved = "peer namespace not read"
				continue
			}
			o := on.Iface(f.ParentIndex)
			if o == nil {
				p.Unresolved = "no interface with that index in the peer namespace"
				continue
			}
			p.Name = o.Name
			ea := Endpoint{NS: id, Ifindex: f.Index, Iface: f.Name, Kind: f.Kind, Bridge: f.Master}
			eb := Endpoint{NS: other, Ifindex: o.Index, Iface: o.Name, Kind: o.Kind, Bridge: o.Master}
			if isVeth(f.Kind) {
				// Each pair is seen from both ends: keep the one with the
				// lower (namespace, ifindex) first.
				if cmpEnd(eb, ea) < 0 {
					continue
				}
				edges = append(edges, Edge{Kind: f.Kind, A: ea, B: eb})
				continue
			}
			edges = append(edges, Edge{Kind: f.Kind, A: ea, B: eb})
		}
	}
	slices.SortFunc(edges, func(x, y Edge) int {
		if c := cmpEnd(x.A, y.A); c != 0 {
			return c
		}
		return cmpEnd(x.B, y.B)
	})
	return edges
}

func cmpEnd(a, b Endpoint) int {
	if c := cmp.Compare(a.NS, b.NS); c != 0 {
		return c
	}
	return cmp.Compare(a.Ifindex, b.Ifindex)
}

// Bridges fills in each bridge's Ports and each port's Master name from
// the master indexes, within one namespace.
func Bridges(n *NetNS) {
	for i := range n.Ifaces {
		n.Ifaces[i].Ports = nil
		n.Ifaces[i].Master = ""
	}
	for i := range n.Ifaces {
		f := &n.Ifaces[i]
		if f.MasterIndex <= 0 {
			continue
		}
		if m := n.Iface(f.MasterIndex); m != nil {
			f.Master = m.Name
			m.Ports = append(m.Ports, f.Name)
		}
	}
}
