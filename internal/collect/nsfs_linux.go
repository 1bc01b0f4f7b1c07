package collect

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/nsweb/nsweb/internal/model"

	"golang.org/x/sys/unix"
)

// Thin wrappers over the nsfs ioctls (linux/nsfs.h). Each takes a namespace
// file descriptor. NS_GET_ID is _IOR(0xb7, 0xd, __u64) = 0x8008b70d.

// nsGetID returns the namespace's 64-bit ID, which the kernel never reuses.
func nsGetID(fd int) (uint64, error) {
	var id uint64
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id)))
	if e != 0 {
		return 0, e
	}
	return id, nil
}

// nsGetOwnerUID returns the UID that created a user namespace.
func nsGetOwnerUID(fd int) (uint32, error) {
	var uid uint32
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_OWNER_UID), uintptr(unsafe.Pointer(&uid)))
	if e != 0 {
		return 0, e
	}
	return uid, nil
}

// nsGetFD runs an ioctl that answers with a new namespace fd: NS_GET_USERNS
// (the owning user namespace) or NS_GET_PARENT (the parent user or PID
// namespace). EPERM means the answer lies outside the caller's reach (the
// root, or above the caller's own namespace).
func nsGetFD(fd int, req uint) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// fstatIno returns the device and inode of an open file.
func fstatIno(fd int) (dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, 0, err
	}
	return st.Dev, st.Ino, nil
}

// onNsfs reports whether fd is a namespace file: on nsfs, or on procfs
// for kernels from before nsfs (3.19). Anything else (a plain file found
// where mountinfo said an nsfs mount was) answers the namespace ioctls
// with ENOTTY too, which must not be taken for a kernel without them.
func onNsfs(fd int) bool {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC || st.Type == unix.PROC_SUPER_MAGIC
}

// socketNetns duplicates socket fd `fd` of the process behind pidfd and
// asks which network namespace the socket lives in (SIOCGSKNS). It returns
// an fd for that namespace.
func socketNetns(pidfd, fd int) (int, error) {
	sfd, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(sfd)
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(sfd), uintptr(unix.SIOCGSKNS), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// errHandleFormat says a file handle is not the nsfs one this code knows.
var errHandleFormat = errors.New("not an nsfs file handle")

// fileidNSFS is the handle type nsfs file handles carry (FILEID_NSFS).
const fileidNSFS = 0xf1

// nsHandle identifies the namespace behind a /proc ns link (or nsfs fd
// link) with one name_to_handle_at: since Linux 6.18 an nsfs file handle
// holds the namespace's ID, type and inode. Compared with readlink, then
// open + NS_GET_ID + close to be sure of the identity, it is one system
// call instead of four. Older kernels answer EOPNOTSUPP.
func nsHandle(dirfd int, name string) (id uint64, typ model.NSType, ino uint64, err error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return 0, "", 0, err
	}
	var fh struct {
		bytes uint32
		typ   int32
		h     [64]byte
	}
	fh.bytes = uint32(len(fh.h))
	var mntID int32
	_, _, e := unix.Syscall6(unix.SYS_NAME_TO_HANDLE_AT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&fh)), uintptr(unsafe.Pointer(&mntID)), unix.AT_SYMLINK_FOLLOW, 0)
	if e != 0 {
		return 0, "", 0, e
	}
	if fh.typ != fileidNSFS || fh.bytes < 16 {
		return 0, "", 0, errHandleFormat
	}
	id = binary.NativeEndian.Uint64(fh.h[0:8])
	typ = cloneType(binary.NativeEndian.Uint32(fh.h[8:12]))
	ino = uint64(binary.NativeEndian.Uint32(fh.h[12:16]))
	if typ == "" || id == 0 {
		return 0, "", 0, errHandleFormat
	}
	return id, typ, ino, nil
}

// cloneType maps a CLONE_NEW* flag to its namespace type.
func cloneType(flag uint32) model.NSType {
	for _, c := range [...]struct {
		flag uint32
		typ  model.NSType
	}{
		{unix.CLONE_NEWUSER, model.User}, {unix.CLONE_NEWPID, model.PID}, {unix.CLONE_NEWNET, model.Net}, {unix.CLONE_NEWNS, model.Mnt},
		{unix.CLONE_NEWUTS, model.UTS}, {unix.CLONE_NEWIPC, model.IPC}, {unix.CLONE_NEWCGROUP, model.Cgroup}, {unix.CLONE_NEWTIME, model.Time},
	} {
		if c.flag == flag {
			return c.typ
		}
	}
	return ""
}
