// Events: link, address and route changes the kernel reports mark the
// cached namespaces they happened in stale.

package netinfo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// eventGroups are the rtnetlink multicast groups whose messages change what
// the cache holds: interfaces, addresses, routes.
var eventGroups = []int{
	unix.RTNLGRP_LINK,
	unix.RTNLGRP_IPV4_IFADDR,
	unix.RTNLGRP_IPV6_IFADDR,
	unix.RTNLGRP_IPV4_ROUTE,
	unix.RTNLGRP_IPV6_ROUTE,
}

// Listen marks cached namespaces stale when the kernel reports a change of
// their interfaces, addresses or routes, so that the next read has it
// without waiting out MaxAge; it returns nil when ctx ends, or why it
// cannot listen (the cache then keeps its timer alone).
//
// It listens on one netlink socket in nsweb's own network namespace with
// NETLINK_LISTEN_ALL_NSID: it hears that namespace and every namespace
// that has a netnsid there (one wired to it by a veth, as containers on a
// host bridge are, or given one by `ip netns set`), and holds no other
// namespace alive, as a socket in each namespace would. Changes in a
// namespace without a netnsid in nsweb's still wait for MaxAge.
func (r *Reader) Listen(ctx context.Context) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rtnetlink-events")
	defer f.Close()
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind netlink socket: %w", err)
	}
	for _, g := range eventGroups {
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, g); err != nil {
			return fmt.Errorf("join rtnetlink group %d: %w", g, err)
		}
	}
	// Without CAP_NET_BROADCAST only nsweb's own namespace is heard, which
	// is the only one read then.
	if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID, 1); err != nil && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("listen in all namespaces with a netnsid: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	// Closing the file wakes the read below when ctx ends.
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	r.listening.Store(true)
	defer r.listening.Store(false)

	buf := make([]byte, 64<<10)
	oob := make([]byte, 4*unix.CmsgSpace(4))
	for {
		var oobn int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			_, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			return fmt.Errorf("read rtnetlink events: %w", err)
		case errors.Is(rerr, unix.ENOBUFS):
			// The socket's buffer overflowed: some changes went unheard.
			r.marks.lost()
		case errors.Is(rerr, unix.EINTR):
		case rerr != nil:
			return fmt.Errorf("read rtnetlink events: %w", rerr)
		default:
			nsid, ok := sourceNSID(oob[:oobn])
			r.marks.note(nsid, ok)
		}
	}
}

// sourceNSID is the netnsid (in the listener's namespace) of the namespace
// a message came from, from its control data; ok is false when there is
// none: the message came from the listener's own namespace.
func sourceNSID(oob []byte) (nsid int32, ok bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_NETLINK && m.Header.Type == unix.NETLINK_LISTEN_ALL_NSID && len(m.Data) >= 4 {
			return int32(binary.NativeEndian.Uint32(m.Data)), true
		}
	}
	return 0, false
}
