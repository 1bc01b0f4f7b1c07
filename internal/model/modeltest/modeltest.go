// Package modeltest holds the fixture snapshots that the tests of several
// packages share (filter, render), so that their copies cannot drift apart.
// It is for tests only.
package modeltest

import (
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// Small returns a new small host, fresh on every call so that a test may
// change it: the init user namespace 1 (PIDs 1 and 100; it owns user
// namespace 3) with the host's net 2, mnt 6 and uts 7 (PID 1, systemd);
// the rootless podman container "WebFront" (image nginx:1.27, pod "shop",
// PID 100, nginx, UID 1000) in user namespace 3 with net 4; and net 5,
// held only by the bind mount /run/netns/x in mnt 6.
func Small() *model.Snapshot {
	u32 := func(v uint32) *uint32 { return &v }
	return &model.Snapshot{
		Taken: time.Date(2026, 11, 28, 13, 40, 0, 0, time.FixedZone("CET", 3600)),
		Host:  "box", Kernel: "6.18.0",
		Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Inode: 4026531837, OwnerUID: u32(0), Procs: []int{1, 100}, Leader: 1,
				HeldBy: []model.Holder{{Kind: model.HeldByOwned, NS: 3}}},
			2: {ID: 2, Type: model.Net, Inode: 4026531840, Owner: 1, Procs: []int{1}, Leader: 1},
			3: {ID: 3, Type: model.User, Inode: 4026532500, Parent: 1, Owner: 1, OwnerUID: u32(1000), Procs: []int{100}, Leader: 100,
				Containers: []string{"abcdef0123456789"}},
			4: {ID: 4, Type: model.Net, Inode: 4026532600, Owner: 3, Procs: []int{100}, Leader: 100,
				Containers: []string{"abcdef0123456789"}},
			5: {ID: 5, Type: model.Net, Inode: 4026532700, Owner: 1,
				HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/x", MntNS: 6}}},
			6: {ID: 6, Type: model.Mnt, Inode: 4026531841, Owner: 1, Procs: []int{1}, Leader: 1},
			7: {ID: 7, Type: model.UTS, Inode: 4026531838, Owner: 1, Procs: []int{1}, Leader: 1},
		},
		Processes: map[int]*model.Process{
			1:   {PID: 1, Comm: "systemd", Cmdline: "/sbin/init splash", UID: 0},
			100: {PID: 100, Comm: "nginx", Cmdline: "nginx -g daemon off;", UID: 1000, Container: "abcdef0123456789"},
		},
		Containers: map[string]*model.Container{
			"abcdef0123456789": {ID: "abcdef0123456789", Runtime: "podman", Name: "WebFront", Image: "docker.io/library/nginx:1.27", Pod: "shop"},
		},
	}
}
