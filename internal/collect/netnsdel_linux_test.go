//go:build linux

package collect

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
	"golang.org/x/sys/unix"
)

// TestRescanMountsKeepsHeldNetns: while `ip netns del` deletes some
// network namespaces, the rescans of the host mount namespace that kernel
// mount events ask for, and full scans, keep every namespace whose bind
// mount is still there, under its NSID, in every snapshot. (`ip netns del`
// unmounts, then unlinks: a scan that opens a path mountinfo listed in
// between finds the plain file left, whose ENOTTY used to switch the whole
// scan to the fallback identity; about one run in three failed so, see
// TestMountOfNoNamespaceKeepsIDs for the deterministic case.)
func TestRescanMountsKeepsHeldNetns(t *testing.T) {
	needRoot(t)
	const n, del = 40, 20
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("defect-%d-%d", os.Getpid(), i)
	}
	batch := func(verb string, which []string) {
		t.Helper()
		var b strings.Builder
		for _, name := range which {
			fmt.Fprintf(&b, "netns %s %s\n", verb, name)
		}
		cmd := exec.Command("ip", "-force", "-batch", "-")
		cmd.Stdin = strings.NewReader(b.String())
		if out, err := cmd.CombinedOutput(); err != nil && verb == "add" {
			t.Fatalf("ip netns %s: %v: %s", verb, err, out)
		}
	}
	t.Cleanup(func() { batch("del", names) })
	batch("add", names)
	ids := make([]model.NSID, n)
	for i, name := range names {
		fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		id, err := nsGetID(fd)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = model.NSID(id)
	}
	self := zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.Mnt)
	c := New(Options{NoSockets: true})
	prev := scanT(t, c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, name := range names[:del] {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}()
	check := func(i int, s *model.Snapshot) {
		t.Helper()
		var missing []string
		for j, id := range ids[del:] {
			if s.Namespaces[id] == nil {
				missing = append(missing, names[del+j])
			}
		}
		if len(missing) > 0 {
			t.Fatalf("scan %d: %d namespaces held by their bind mounts are missing: %v", i, len(missing), missing)
		}
	}
	for i := 0; ; i++ {
		select {
		case <-done:
			return
		default:
		}
		// Rescans of the host mount namespace, as mount events ask for,
		// and full scans, as the safety rescan does.
		var s *model.Snapshot
		var err error
		if i%2 == 0 {
			s, err = c.RescanMounts(context.Background(), prev, []int{}, []uint64{self.Inode})
		} else {
			s, err = c.Scan(context.Background())
		}
		if err != nil {
			t.Fatal(err)
		}
		check(i, s)
		prev = s
	}
}
