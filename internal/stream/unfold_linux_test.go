//go:build linux

package stream

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/watch"
	"github.com/nsweb/nsweb/internal/wire"
	"github.com/nsweb/nsweb/internal/zoo"
)

// TestLiveUnfoldBornNone is the reviewer's case on the real host, through
// the watcher, the runner and the collector: network namespaces held only
// by their /run/netns bind mounts fold into one group; `ip netns del` of 7
// unfolds the rest. Every patch on the way may count the 7 as ended, but
// none may remove a survivor or say one was born: they only entered the
// view.
//
// Scans used to take a plain file where mountinfo listed an nsfs mount
// (`ip netns del` unmounts, then unlinks: a scan in between finds the
// file) for a kernel without NS_GET_ID, and gave every namespace another
// ID for one snapshot: all ended, then were born again, about one run in
// three. That moment is made to last here: a helper mounts a plain file
// over an nsfs mount in its own mount namespace, and full scans (a safety
// rescan every 50 ms) and the mount event's rescan meet it all along.
func TestLiveUnfoldBornNone(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	const fold, del = layout.DefaultFoldThreshold, 7
	tok := fmt.Sprintf("defect-unfold-%d-", os.Getpid())
	names := make([]string, fold+del)
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", tok, i)
	}
	ipNetns := func(verb string, which ...string) error {
		var b strings.Builder
		for _, n := range which {
			fmt.Fprintf(&b, "netns %s %s\n", verb, n)
		}
		cmd := exec.Command("ip", "-force", "-batch", "-")
		cmd.Stdin = strings.NewReader(b.String())
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip netns %s: %w: %s", verb, err, out)
		}
		return nil
	}
	t.Cleanup(func() { _ = ipNetns("del", names...) }) // -force: those gone already are no error
	if err := ipNetns("add", names...); err != nil {
		t.Fatal(err)
	}
	survivors := map[string]bool{}
	for _, n := range names[del:] {
		survivors[node(nsIDOfPath(t, "/run/netns/"+n))] = true
	}
	_, srv := livePipeline(t, Config{ParseFilter: heldFilter, Base: layout.Options{FoldThreshold: fold}},
		watch.Options{Rescan: 50 * time.Millisecond})
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{Q: "token:" + tok})
	c.MustNext(wire.TypeSnapshot)
	var grp string
	folded := func(st *wire.State) bool {
		for id, n := range st.Nodes {
			if strings.HasPrefix(id, "grp:") && strings.HasSuffix(id, ":net") && n.Count >= fold+del {
				grp = id
				return true
			}
		}
		return false
	}
	c.ReadUntil("the netns folded", 30*time.Second, folded)
	zoo.PlantNsfsMount(t).Cover()
	// One at a time, each its own unmount and unlink.
	go func() {
		for _, n := range names[:del] {
			if err := ipNetns("del", n); err != nil {
				t.Error(err)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	unfolded := func(st *wire.State) bool {
		if _, ok := st.Nodes[grp]; ok {
			return false
		}
		for id := range survivors {
			if _, ok := st.Nodes[id]; !ok {
				return false
			}
		}
		return true
	}
	ended := 0
	deadline := time.Now().Add(30 * time.Second)
	for !unfolded(&c.St) {
		if _, err := c.Next(time.Until(deadline)); err != nil {
			t.Fatalf("the group %s did not unfold into the %d survivors: %v", grp, len(survivors), err)
		}
		if born := slices.DeleteFunc(slices.Clone(c.Born), func(id string) bool { return !survivors[id] }); len(born) > 0 {
			t.Fatalf("patch %d says %d survivors were born: %v", c.St.Seq, len(born), born)
		}
		if gone := slices.DeleteFunc(slices.Clone(c.Removed), func(id string) bool { return !survivors[id] }); len(gone) > 0 {
			t.Fatalf("patch %d removes %d survivors: %v", c.St.Seq, len(gone), gone)
		}
		for _, f := range c.Folded {
			if f.ID == grp {
				ended += f.Ended
			}
		}
		c.Born, c.Removed, c.Folded = nil, nil, nil
	}
	if ended != del {
		t.Errorf("%d ended in %s, want the %d deleted", ended, grp, del)
	}
}
