// Package netinfo reads what each network namespace holds — interfaces,
// addresses, default routes — and how namespaces are wired together: veth
// pairs, macvlan/ipvlan/vlan parents in another namespace, bridges and
// their ports. The wiring is what nsweb draws as edges between namespaces.
//
// Reading never moves nsweb itself into another namespace: per namespace
// it opens an nsfs file descriptor (/proc/PID/ns/net, a thread's, an
// open fd or a bind mount, checked against the namespace's ID) and a
// netlink socket in that namespace through vishvananda/netlink's
// NewHandleAt, whose setns happens on a locked OS thread; a thread that
// could not be moved back is never returned to the Go scheduler. No
// socket in another namespace outlives a read, so nsweb keeps no network
// namespace alive. Change notices come through one socket in nsweb's own
// namespace (Reader.Listen, NETLINK_LISTEN_ALL_NSID), which hears the
// namespaces that have a netnsid there and marks them stale in the cache.
//
// The pure parts (types, turning netnsids into namespace IDs, the edge
// list) are in files without a build tag and tested anywhere; the Linux
// reads live in *_linux.go.
package netinfo
