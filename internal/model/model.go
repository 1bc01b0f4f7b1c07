// Package model holds the plain data that flows through nsweb: namespaces,
// processes and containers as one scan of the host saw them. Every other
// package speaks in these types, so they carry no behaviour that needs the
// host: collect fills them, layout, render and stream only read them.
package model

import (
	"sort"
	"time"
)

// NSType names a kind of Linux namespace the way /proc/PID/ns does, so that
// the names users see in nsweb are the ones they know from lsns and nsenter.
type NSType string

// The eight namespace types of Linux 6.x.
const (
	User   NSType = "user"
	PID    NSType = "pid"
	Net    NSType = "net"
	Mnt    NSType = "mnt"
	UTS    NSType = "uts"
	IPC    NSType = "ipc"
	Cgroup NSType = "cgroup"
	Time   NSType = "time"
)

// Types lists every namespace type in the order nsweb shows them: the user
// namespace first because it owns all others, then the rest as lsns orders
// them.
var Types = []NSType{User, PID, Net, Mnt, UTS, IPC, Cgroup, Time}

// Valid reports whether t is one of the eight namespace types, so that input
// from the network or a filter can be checked before it reaches a map.
func (t NSType) Valid() bool {
	switch t {
	case User, PID, Net, Mnt, UTS, IPC, Cgroup, Time:
		return true
	}
	return false
}

// Rank orders types for display (user first); unknown types sort last.
func (t NSType) Rank() int {
	for i, x := range Types {
		if x == t {
			return i
		}
	}
	return len(Types)
}

// NSID identifies a namespace for as long as the machine runs. It is the
// kernel's NS_GET_ID value, a 64-bit creation counter that is never reused,
// unlike inode numbers, which the kernel hands out again the moment a
// namespace dies. On kernels without NS_GET_ID, collect synthesises IDs with
// the same guarantee (see collect's documentation).
type NSID uint64

// HoldKind says what keeps a namespace alive.
type HoldKind string

// The ways a namespace can be kept alive. A namespace with no member process
// still exists while any of these refer to it.
const (
	HeldByProcess   HoldKind = "process"          // a process is a member
	HeldByThread    HoldKind = "thread"           // a thread (not its process) is a member
	HeldByChildren  HoldKind = "pid_for_children" // /proc/PID/ns/pid_for_children or time_for_children
	HeldByFD        HoldKind = "fd"               // an open nsfs file descriptor
	HeldBySocket    HoldKind = "socket"           // a socket created in this network namespace
	HeldByBindMount HoldKind = "bindmount"        // an nsfs bind mount (ip netns add, CNI)
	HeldByChild     HoldKind = "parent"           // it is the parent of a live namespace (user, pid)
	HeldByOwned     HoldKind = "owner"            // it owns a live namespace (user)
)

// Holder is one reference that keeps a namespace alive, precise enough for a
// person to find it: "fd 7 of pid 123", "bind mount /run/netns/x in mnt ns …".
type Holder struct {
	Kind  HoldKind `json:"kind"`
	PID   int      `json:"pid,omitempty"`
	TID   int      `json:"tid,omitempty"`
	FD    int      `json:"fd,omitempty"`
	Path  string   `json:"path,omitempty"`  // mount point for bind mounts
	MntNS NSID     `json:"mntns,omitempty"` // mount namespace of a bind mount
	NS    NSID     `json:"ns,omitempty"`    // child or owned namespace
}

// Namespace is one namespace as a scan saw it.
type Namespace struct {
	ID    NSID   `json:"id"`
	Type  NSType `json:"type"`
	Inode uint64 `json:"inode"`
	Dev   uint64 `json:"dev"`
	// Parent is the parent user or PID namespace; 0 for the roots and for
	// the other types, which have no hierarchy.
	Parent NSID `json:"parent,omitempty"`
	// Owner is the user namespace that owns this one (for a user namespace,
	// the same as Parent); 0 where the kernel would not say.
	Owner NSID `json:"owner,omitempty"`
	// OwnerUID is the UID that created a user namespace; nil for the other
	// types and where unreadable.
	OwnerUID *uint32 `json:"ownerUID,omitempty"`
	// Procs lists the PIDs (in the initial PID namespace) of the member
	// processes, sorted.
	Procs []int `json:"procs,omitempty"`
	// Leader is the most senior member process (earliest start, then lowest
	// PID), 0 when no process is a member.
	Leader int `json:"leader,omitempty"`
	// HeldBy lists what keeps the namespace alive besides member processes,
	// sorted; it is the only reason a process-less namespace exists.
	HeldBy []Holder `json:"heldBy,omitempty"`
	// Containers lists the IDs of the containers whose processes are
	// members, sorted.
	Containers []string `json:"containers,omitempty"`
}

// MaxCmdline is the most of a command line a Process keeps, in bytes.
const MaxCmdline = 4096

// Process is one process of the host. A process that could not be read is
// kept with Err set: it is never dropped from the snapshot.
type Process struct {
	PID  int    `json:"pid"`
	PPID int    `json:"ppid"`
	Comm string `json:"comm"`
	// Cmdline is the command line, arguments separated by spaces: at most
	// its first MaxCmdline bytes, so that what any local user puts in argv
	// costs nsweb a bounded amount of memory.
	Cmdline string `json:"cmdline,omitempty"`
	// CmdlineLen is the length in bytes of the whole command line when
	// Cmdline holds only its first MaxCmdline bytes, 0 when it is whole.
	CmdlineLen int    `json:"cmdlineLen,omitempty"`
	UID        uint32 `json:"uid"`
	// Start is the start time in clock ticks since boot (field 22 of
	// /proc/PID/stat); it decides which member leads a namespace.
	Start uint64 `json:"start"`
	// NS maps each namespace type to the namespace the process is in. The
	// keys "pid_for_children" and "time_for_children" are not types; those
	// references appear as holders instead.
	NS map[NSType]NSID `json:"ns,omitempty"`
	// NSpid lists the PID of the process in each nested PID namespace, from
	// the initial one outwards (the NSpid: line of /proc/PID/status).
	NSpid     []int  `json:"nspid,omitempty"`
	Container string `json:"container,omitempty"`
	// Err says why some of the process could not be read, empty when all of
	// it was.
	Err string `json:"err,omitempty"`
}

// Container is a container found through cgroups and, where an engine
// answers, named by it.
type Container struct {
	ID           string            `json:"id"`
	Runtime      string            `json:"runtime"` // docker, podman, containerd, crio, kubernetes, lxc, nspawn
	Name         string            `json:"name,omitempty"`
	Image        string            `json:"image,omitempty"`
	Pod          string            `json:"pod,omitempty"`
	PodNamespace string            `json:"podNamespace,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
}

// DisplayName is the name a person knows the container by: its engine name,
// else a short ID.
func (c *Container) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Gap records something a scan could not see, so that a partial snapshot
// says how partial it is instead of pretending to be whole.
type Gap struct {
	PID  int    `json:"pid,omitempty"`
	What string `json:"what"` // e.g. "/proc/1/ns/net"
	Err  string `json:"err"`
	// Vanished is true when the read failed because the process exited
	// while the scan read it (ENOENT, ESRCH). That is no blind spot: what
	// the process held is gone with it. A busy host has a few of these
	// in every scan, so consumers that count what could not be read
	// leave them out.
	Vanished bool `json:"vanished,omitempty"`
}

// Snapshot is everything one scan of the host found. It is immutable once
// built: consumers share it between goroutines without copying.
type Snapshot struct {
	Taken  time.Time `json:"taken"`
	Host   string    `json:"host"`
	Kernel string    `json:"kernel"`
	// Root is the initial user namespace, the root of the owner tree; 0 if
	// it could not be found.
	Root       NSID                  `json:"root,omitempty"`
	Namespaces map[NSID]*Namespace   `json:"namespaces"`
	Processes  map[int]*Process      `json:"processes"`
	Containers map[string]*Container `json:"containers,omitempty"`
	Gaps       []Gap                 `json:"gaps,omitempty"`
	// Partial is true when the scan lacked privileges to see the whole host
	// (not when single processes vanished, which is normal).
	Partial bool   `json:"partial,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// SortedIDs returns the snapshot's namespace IDs in ascending order: the
// creation order, which is what every view uses to stay stable.
func (s *Snapshot) SortedIDs() []NSID {
	ids := make([]NSID, 0, len(s.Namespaces))
	for id := range s.Namespaces {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
