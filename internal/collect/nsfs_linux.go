package collect

import (
	"unsafe"

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
