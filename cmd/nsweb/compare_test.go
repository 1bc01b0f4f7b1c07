package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/compare"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
)

// TestWriteDiff: the text of nsweb history --compare, a line per change.
func TestWriteDiff(t *testing.T) {
	a, b := modeltest.Small(), modeltest.Small()
	b.Namespaces[9] = &model.Namespace{ID: 9, Type: model.Net, Inode: 4026532900,
		HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/compare-x"}}}
	delete(b.Namespaces, 7)
	b.Containers["fedcba9876543210"] = &model.Container{ID: "fedcba9876543210", Runtime: "docker", Name: "db", Image: "postgres"}
	b.Processes[100].Container = "fedcba9876543210"
	var out bytes.Buffer
	writeDiff(&out, compare.Compare(a, b, compare.Options{}))
	for _, want := range []string{
		"1 appeared (net 1) · 1 ended (uts 1) · 1 moved · 1 container started · 0 stopped\n",
		"containers started: db (docker, postgres)\n",
		"+ net 4026532900 (ns:9) · held by bind mount /run/netns/compare-x\n",
		"- uts 4026531838 (ns:7) · pid 1 systemd\n",
		"~ pid 100 nginx moved: WebFront → db\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	big := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}}
	for i := range 150 {
		big.Namespaces[model.NSID(i+1)] = &model.Namespace{ID: model.NSID(i + 1), Type: model.Net}
	}
	writeDiff(&out, compare.Compare(nil, big, compare.Options{Limit: 20}))
	if n := strings.Count(out.String(), "\n+ "); n != 20 || !strings.Contains(out.String(), "lists cut at 20 items each") || !strings.Contains(out.String(), "offset=20") {
		t.Errorf("a cut list: %d lines\n%s", n, out.String())
	}
}

// TestHistoryCompareFlags: what nsweb history --compare refuses before it
// opens the file.
func TestHistoryCompareFlags(t *testing.T) {
	dir := t.TempDir()
	later := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--compare", "yesterday"}, 2, "--compare: \"yesterday\" is no time"},
		{[]string{"--compare", "10m", "--until", "later"}, 2, "--until: \"later\" is no time"},
		{[]string{"--compare", later, "--until", "10m"}, 2, "is after --until"},
		{[]string{"--compare", "10m", "--since", "5m"}, 2, "--since does not go with --compare"},
		{[]string{"--compare", "10m", "--limit", "5000"}, 2, "want 1 to 1000 items per list"},
		{[]string{"--compare", "10m", "-q", "bogus:1"}, 2, "-q: "},
		{[]string{"--compare", "10m"}, 1, "no history at " + dir},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"history", "--state-dir", dir}, tc.args...), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
