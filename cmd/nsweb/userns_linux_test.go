package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/stream"
)

// sleepers starts n processes with a user namespace each (what rootless
// engines, user-namespaced pods and browser sandboxes make) and kills them
// all, by PID, when the test ends.
func sleepers(t *testing.T, n int) []int {
	t.Helper()
	var cmds []*exec.Cmd
	t.Cleanup(func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	})
	// Started from a few goroutines: on a busy host each start takes
	// tens of milliseconds.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed error
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				c := exec.Command("sleep", "900")
				c.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, Pdeathsig: syscall.SIGKILL}
				err := c.Start()
				mu.Lock()
				if err != nil {
					failed = err
				} else {
					cmds = append(cmds, c)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		t.Fatalf("start a user-namespaced sleep: %v", failed)
	}
	pids := make([]int, len(cmds))
	for i, c := range cmds {
		pids[i] = c.Process.Pid
	}
	slices.Sort(pids)
	return pids
}

// TestManyUserNamespaces runs "nsweb serve" on a host with 2,000
// user-namespaced processes: the default picture has at most 1,500 nodes
// (the sibling user namespaces fold into one group, whose details count
// them and their processes), its initial namespaces are labelled "host",
// it is at most 3 : 1 either way, and so is the SVG, whose top node is on
// screen at 100 %; opened, the group's 2,000 user namespaces still make a
// picture within 3 : 1.
func TestManyUserNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to see every process's namespaces")
	}
	const n = 2000
	pids := sleepers(t, n)
	t.Setenv("NSWEB_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, _ := startServe(t, ctx, "--listen", "127.0.0.1:0")
	defer func() {
		cancel()
		<-done
	}()
	get := func(path string, v any) []byte {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		if v != nil {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return b
	}
	type snap struct {
		Meta struct {
			Width, Height float64
		}
		Nodes []struct {
			ID, Kind, Label, Parent string
			Count                   int
		}
	}
	// The scan may start before the last sleeper: wait until it sees them.
	var s snap
	var group string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		get("api/v1/snapshot", &s)
		group = ""
		for _, nd := range s.Nodes {
			if strings.HasSuffix(nd.ID, ":dirs") && nd.Count >= n {
				group = nd.ID
			}
		}
		if group != "" || time.Now().After(deadline) {
			break
		}
	}
	if group == "" {
		t.Fatalf("no group of at least %d user namespaces in %d nodes", n, len(s.Nodes))
	}
	if len(s.Nodes) > 1500 {
		t.Errorf("default view: %d nodes, want at most 1,500", len(s.Nodes))
	}
	if w, h := s.Meta.Width, s.Meta.Height; w > 3*h || h > 3*w {
		t.Errorf("default view %v × %v: beyond 3 : 1", w, h)
	}
	hosts := 0
	for _, nd := range s.Nodes {
		if strings.HasSuffix(nd.Label, " · host") {
			hosts++
		}
		if nd.Parent == "" && nd.Kind == "dir" && !strings.HasPrefix(nd.Label, "user ") {
			t.Errorf("root %q is not a user namespace", nd.Label)
		}
	}
	if hosts < 2 || !strings.HasSuffix(s.Nodes[0].Label, " · host") {
		t.Errorf("%d labels say host; the root is %q", hosts, s.Nodes[0].Label)
	}

	// The group's details count the sleepers and their processes.
	var d stream.GroupDetails
	get("api/v1/ns/"+url.PathEscape(group), &d)
	if d.Count < n || d.Processes < n || d.Folds != string(layout.Dir) || len(d.Top) == 0 {
		t.Errorf("group details %+v", d)
	}

	// The SVG: the same shape, sized to open at 100 % with the root on
	// screen (it is at the top left).
	svg := string(get("snapshot.svg", nil))
	m := regexp.MustCompile(`<svg [^>]*viewBox="0 0 ([0-9.]+) ([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no svg size in %.300s", svg)
	}
	w, _ := strconv.ParseFloat(m[3], 64)
	h, _ := strconv.ParseFloat(m[4], 64)
	if w > 3*h || h > 3*w || w > 4000 {
		t.Errorf("svg %v × %v", w, h)
	}
	if !strings.Contains(svg, "· host</text>") {
		t.Error("svg: no label says host")
	}

	// Opened: every sleeper's user namespace is a node, within 3 : 1.
	var open snap
	get("api/v1/snapshot?expand="+url.QueryEscape(group), &open)
	seen := 0
	for _, nd := range open.Nodes {
		if nd.Kind == "dir" && strings.HasSuffix(nd.Label, " · sleep") {
			seen++
		}
	}
	if seen < n {
		t.Errorf("opened: %d user namespaces of sleep, want %d", seen, n)
	}
	if w, h := open.Meta.Width, open.Meta.Height; w > 3*h || h > 3*w {
		t.Errorf("opened view %v × %v: beyond 3 : 1", w, h)
	}
	t.Logf("%d sleepers (pids %d…%d): default view %d nodes %.0f × %.0f; opened %d nodes %.0f × %.0f; svg %s × %s",
		len(pids), pids[0], pids[len(pids)-1], len(s.Nodes), s.Meta.Width, s.Meta.Height, len(open.Nodes), open.Meta.Width, open.Meta.Height, m[3], m[4])
}
