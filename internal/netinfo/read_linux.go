package netinfo

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// ErrNotFound says that none of a namespace's paths opened it: its
// processes and holders went away, or are out of reach.
var ErrNotFound = errors.New("no process or holder through which to open the namespace")

// Open opens namespace ns through the first of paths that is it, checked
// by NS_GET_ID (by inode where the kernel has no NS_GET_ID). The caller
// closes the handle.
func Open(ns *model.Namespace, paths []string) (netns.NsHandle, error) {
	var first error
	for _, p := range paths {
		h, err := netns.GetFromPath(p)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("open %s: %w", p, err)
			}
			continue
		}
		if same(int(h), ns) {
			return h, nil
		}
		h.Close()
	}
	if first != nil {
		return netns.None(), fmt.Errorf("%w: %w", ErrNotFound, first)
	}
	return netns.None(), ErrNotFound
}

// same says whether fd is namespace ns.
func same(fd int, ns *model.Namespace) bool {
	id, err := NSGetID(fd)
	if err == nil {
		return model.NSID(id) == ns.ID
	}
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Ino == ns.Inode
}

// NSGetID returns a namespace fd's NS_GET_ID.
func NSGetID(fd int) (uint64, error) {
	var id uint64
	err := ioctlPtr(fd, unix.NS_GET_ID, &id)
	return id, err
}

// SelfID returns the ID of nsweb's own namespace of type t, 0 if unknown.
func SelfID(t model.NSType) model.NSID {
	f, err := os.Open("/proc/thread-self/ns/" + string(t))
	if err != nil {
		return 0
	}
	defer f.Close()
	id, err := NSGetID(int(f.Fd()))
	if err != nil {
		return 0
	}
	return model.NSID(id)
}

// handleAt opens a NETLINK_ROUTE handle in namespace fd. netlink's
// NewHandleAt enters the namespace on a locked OS thread to create the
// socket and moves back; this wrapper holds its own lock around that and
// checks that the thread is back in nsweb's namespace: if it is not, the
// goroutine exits still locked, so the Go runtime ends the thread instead
// of running other goroutines in the wrong namespace.
func handleAt(fd netns.NsHandle, home model.NSID) (*netlink.Handle, error) {
	type result struct {
		h   *netlink.Handle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netlink.NewHandleAt(fd, unix.NETLINK_ROUTE)
		if home != 0 && SelfID(model.Net) != home {
			ch <- result{h, err}
			return // the thread is lost: never unlocked, it exits with us
		}
		runtime.UnlockOSThread()
		ch <- result{h, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, fmt.Errorf("netlink socket in the namespace: %w", r.err)
	}
	return r.h, nil
}

// readNS reads one namespace through handle h.
func readNS(h *netlink.Handle, id model.NSID) (*NetNS, error) {
	links, err := h.LinkList()
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("list links: %w", err)
	}
	n := &NetNS{ID: id, Ifaces: make([]Iface, 0, len(links)), Routes: []Route{}}
	byIndex := make(map[int]int, len(links))
	for _, l := range links {
		a := l.Attrs()
		f := Iface{
			Index: a.Index, Name: a.Name, Kind: kindOf(l), State: a.OperState.String(),
			Up: a.Flags&net.FlagUp != 0, MTU: a.MTU, LinkNetnsID: a.NetNsID,
			ParentIndex: a.ParentIndex, MasterIndex: a.MasterIndex,
		}
		if len(a.HardwareAddr) > 0 {
			f.MAC = a.HardwareAddr.String()
		}
		byIndex[a.Index] = len(n.Ifaces)
		n.Ifaces = append(n.Ifaces, f)
	}
	addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range addrs {
		i, ok := byIndex[a.LinkIndex]
		if !ok || a.IPNet == nil {
			continue
		}
		ones, _ := a.Mask.Size()
		fam := "inet"
		if a.IP.To4() == nil {
			fam = "inet6"
		}
		n.Ifaces[i].Addrs = append(n.Ifaces[i].Addrs, Addr{Family: fam, IP: a.IP.String(), PrefixLen: ones, Scope: scopeName(a.Scope)})
	}
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := h.RouteList(nil, fam)
		if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
			return nil, fmt.Errorf("list routes: %w", err)
		}
		for _, r := range routes {
			if r.Dst != nil {
				if ones, _ := r.Dst.Mask.Size(); ones != 0 {
					continue
				}
			}
			rt := Route{Family: "inet", Metric: r.Priority}
			if fam == netlink.FAMILY_V6 {
				rt.Family = "inet6"
			}
			if r.Gw != nil {
				rt.Gateway = r.Gw.String()
			}
			if i, ok := byIndex[r.LinkIndex]; ok {
				rt.Dev = n.Ifaces[i].Name
			}
			n.Routes = append(n.Routes, rt)
		}
	}
	Bridges(n)
	return n, nil
}

// kindOf names a link's kind the way ip -d link does.
func kindOf(l netlink.Link) string {
	a := l.Attrs()
	if a.EncapType == "loopback" {
		return "loopback"
	}
	switch t := l.(type) {
	case *netlink.Tuntap:
		if t.Mode == netlink.TUNTAP_MODE_TAP {
			return "tap"
		}
		return "tun"
	case *netlink.Device:
		return "device"
	}
	return strings.ToLower(l.Type())
}

func scopeName(s int) string {
	switch netlink.Scope(s) {
	case netlink.SCOPE_HOST:
		return "host"
	case netlink.SCOPE_LINK:
		return "link"
	case netlink.SCOPE_UNIVERSE:
		return ""
	}
	return fmt.Sprint(s)
}
