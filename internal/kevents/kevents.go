// Package kevents reports, from the kernel, the system calls that change
// which namespaces a running process is in or which namespaces a mount
// namespace holds: unshare, setns, clone (of a new process), mount,
// move_mount and umount. The proc connector says only fork, exec and exit,
// so without these a process that unshares in place, or a bind mount made
// in another mount namespace, would wait for nsweb's slow safety rescan.
//
// It attaches small eBPF programs, written with github.com/cilium/ebpf's
// asm package (no C compiler at build time, nothing generated to keep in
// step), to the syscalls/sys_exit_* tracepoints. Each successful call sends
// one fixed-size record through a BPF ring buffer: what it was, the
// process and thread, the return value and, for mount calls, the inode of
// the caller's mount namespace (read through offsets from the kernel's
// BTF, so that a short-lived mount(8) that has exited by the time nsweb
// looks still names its mount namespace). Failed calls are skipped in the
// kernel.
//
// Open fails with a reason when BPF cannot be used (not root, kernel
// lockdown, an old kernel, no tracefs): the caller falls back to its other
// event sources and says so.
package kevents

import (
	"fmt"
)

// Kind is the system call an event reports.
type Kind uint32

// The kinds of events.
const (
	// Unshare: the process moved itself into new namespaces.
	Unshare Kind = iota + 1
	// Setns: the process (or its thread) joined an existing namespace.
	Setns
	// Clone: a new process started (reported by the child, whatever its
	// flags: the rescan of its PID finds whether its namespaces are new).
	Clone
	// Mount: mount(2) succeeded in the caller's mount namespace.
	Mount
	// MoveMount: move_mount(2) attached or moved a mount.
	MoveMount
	// Umount: umount2(2) detached a mount.
	Umount
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case Unshare:
		return "unshare"
	case Setns:
		return "setns"
	case Clone:
		return "clone"
	case Mount:
		return "mount"
	case MoveMount:
		return "move_mount"
	case Umount:
		return "umount"
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// Mounts reports whether the event changed a mount table (rather than a
// process's namespaces).
func (k Kind) Mounts() bool { return k == Mount || k == MoveMount || k == Umount }

// Event is one successful system call.
type Event struct {
	Kind Kind
	// PID is the calling process (its thread group ID), TID the thread.
	PID, TID int
	// Ret is the call's return value (the new process's PID for a clone
	// seen by the parent; events of failed calls are not sent).
	Ret int64
	// MntNS is the inode of the caller's mount namespace for mount
	// events, 0 when unknown (the kernel's BTF was not available).
	MntNS uint64
}

// recordSize is the size of one ring buffer record: kind, tgid, tid and
// mount namespace inode (4 bytes each), then the return value (8).
const recordSize = 24
