package inspect

import (
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
)

// Details is what a namespace holds, for its type; the other sections are
// nil. Missing says what could not be read and why, so a partial answer is
// never mistaken for a whole one.
type Details struct {
	Type    model.NSType   `json:"type"`
	Net     *netinfo.NetNS `json:"net,omitempty"`
	User    *User          `json:"user,omitempty"`
	PID     *PIDNS         `json:"pid,omitempty"`
	UTS     *UTS           `json:"uts,omitempty"`
	Time    *Time          `json:"time,omitempty"`
	Cgroup  *Cgroup        `json:"cgroup,omitempty"`
	Mnt     *Mnt           `json:"mnt,omitempty"`
	Missing []string       `json:"missing,omitempty"`
}

// User is a user namespace's ID maps and its members' capabilities.
type User struct {
	UIDMap    []IDMap `json:"uidMap"`
	GIDMap    []IDMap `json:"gidMap"`
	Setgroups string  `json:"setgroups,omitempty"` // allow or deny
	// Caps lists the member processes' effective capabilities, which
	// hold inside this namespace (and those it owns).
	Caps []ProcCaps `json:"caps"`
	// CapsMore counts members left out of Caps.
	CapsMore int `json:"capsMore,omitempty"`
}

// ProcCaps is one process's effective capability set.
type ProcCaps struct {
	PID    int      `json:"pid"`
	Comm   string   `json:"comm,omitempty"`
	UID    uint32   `json:"uid"`    // effective UID, as the host sees it
	CapEff string   `json:"capEff"` // the mask, hex as in /proc/PID/status
	Caps   []string `json:"caps"`   // the mask's names
	// Full is true when the process holds every capability nsweb knows.
	Full  bool   `json:"full,omitempty"`
	Error string `json:"error,omitempty"`
}

// PIDNS lists a PID namespace's members with their PID at every level.
type PIDNS struct {
	// Level is the namespace's depth: 0 for the initial PID namespace.
	Level int `json:"level"`
	// Procs lists members with Chain: their PID in the initial namespace
	// first, in this namespace last ("4242 → 17 → 1").
	Procs []PIDChain `json:"procs"`
	More  int        `json:"more,omitempty"`
}

// PIDChain is one process's PIDs from the initial PID namespace inwards.
type PIDChain struct {
	PID   int    `json:"pid"`
	Comm  string `json:"comm,omitempty"`
	Chain []int  `json:"chain"`
}

// UTS is a UTS namespace's names.
type UTS struct {
	Hostname   string `json:"hostname"`
	Domainname string `json:"domainname"`
}

// Time is a time namespace's clock offsets against the host's clocks.
type Time struct {
	Offsets []Offset `json:"offsets"`
}

// Cgroup is a cgroup namespace's root: the cgroup its members see as "/".
type Cgroup struct {
	Root string `json:"root"`
}

// Mnt is a mount namespace's mounts.
type Mnt struct {
	Count int `json:"count"`
	// Root is the mount at "/".
	Root *Mount `json:"root,omitempty"`
	// Propagation counts mounts by propagation type.
	Propagation map[string]int `json:"propagation"`
	// Peers lists the other mount namespaces this one shares mount peer
	// groups with: mounts and unmounts propagate between them.
	Peers []PeerNS `json:"peers,omitempty"`
	// Mounts is the mount table, when asked for (?mounts=1).
	Mounts []Mount `json:"mounts,omitempty"`
}

// PeerNS is another mount namespace joined to this one by propagation.
type PeerNS struct {
	NS model.NSID `json:"ns"`
	// Groups are the peer group IDs shared; Relation says how: "peer"
	// (both shared:N), "receives from" (it is a slave, master:N, of ours)
	// or "sends to" (we are its slave).
	Groups   []int  `json:"groups"`
	Relation string `json:"relation"`
	Mounts   int    `json:"mounts"` // its mounts in those groups
}
