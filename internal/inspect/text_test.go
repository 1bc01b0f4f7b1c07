package inspect

import (
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestTextSaysHolders: a namespace without processes says what keeps it
// alive (a bind mount, with the mount namespace it is in), not only
// "processes: 0"; member processes are not repeated as holders.
func TestTextSaysHolders(t *testing.T) {
	mnt := &model.Namespace{ID: 2, Type: model.Mnt, Inode: 4026531841}
	net := &model.Namespace{ID: 7, Type: model.Net, Inode: 4026532173, HeldBy: []model.Holder{
		{Kind: model.HeldByProcess, PID: 1},
		{Kind: model.HeldByBindMount, PID: 1, Path: "/run/netns/blue\n", MntNS: 2},
		{Kind: model.HeldByFD, PID: 42, FD: 7},
	}}
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{2: mnt, 7: net}}
	var b strings.Builder
	if err := Text(&b, s, net, nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"processes:  0\n", "  held by bind mount /run/netns/blue", "in mnt ns 4026531841\n", "  held by fd 7 of pid 42\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Count(out, "held by") != 2 {
		t.Errorf("a member process is no holder line:\n%s", out)
	}
	if strings.Contains(out, "blue\n in") {
		t.Errorf("a control character in a path is shown, not printed:\n%s", out)
	}
}
