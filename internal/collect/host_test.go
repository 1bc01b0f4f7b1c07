package collect

import (
	"context"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// TestScanSelf checks the scan against what this process can see of itself
// directly: every namespace of the test process is in the snapshot, under
// its NS_GET_ID, with the inode /proc shows.
func TestScanSelf(t *testing.T) {
	snap, err := Scan(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	self := snap.Processes[os.Getpid()]
	if self == nil {
		t.Fatalf("own pid %d missing", os.Getpid())
	}
	if self.Err != "" {
		t.Errorf("own process flagged unreadable: %s", self.Err)
	}
	for _, typ := range model.Types {
		path := "/proc/self/ns/" + string(typ)
		fd, err := unix.Open(path, unix.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		id, err := nsGetID(fd)
		_, ino, _ := fstatIno(fd)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		ns := snap.Namespaces[model.NSID(id)]
		if ns == nil {
			t.Errorf("%s namespace %d missing", typ, id)
			continue
		}
		if ns.Type != typ || ns.Inode != ino || self.NS[typ] != ns.ID {
			t.Errorf("%s: got %+v, process maps %d; want inode %d", typ, ns, self.NS[typ], ino)
		}
		if !contains(ns.Procs, os.Getpid()) {
			t.Errorf("%s namespace does not list own pid", typ)
		}
	}
	if snap.Root == 0 || snap.Namespaces[snap.Root].Type != model.User {
		t.Errorf("root user namespace not found: %d", snap.Root)
	}
	t.Logf("%d namespaces, %d processes, %d gaps", len(snap.Namespaces), len(snap.Processes), len(snap.Gaps))
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
