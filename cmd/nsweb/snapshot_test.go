package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// netHost is the host the reviewer saw: 59 network namespaces in the
// initial user namespace, more than the fold threshold.
func netHost() *model.Snapshot {
	s := &model.Snapshot{
		Taken: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Host: "box", Kernel: "6.18.0", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1},
		},
		Processes: map[int]*model.Process{1: {PID: 1, Comm: "init"}},
	}
	for i := range 59 {
		id := model.NSID(100 + i)
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: 4026532000 + uint64(i), Owner: 1,
			HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: fmt.Sprintf("/run/netns/n%d", i)}}}
	}
	return s
}

// TestSnapshotExpand: the text tree names each folded group's ID and says
// how to open it; --expand ID, --expand all and --fold open groups in
// text and SVG; an --expand that opens nothing is a warning.
func TestSnapshotExpand(t *testing.T) {
	const hint = "# 1 group folded; to open it: --expand grp:ns:1:net (or --expand all)\n"
	tests := []struct {
		name   string
		args   []string
		nets   int    // net namespace lines (text) or nodes (svg) drawn one by one
		want   string // in stdout
		stderr string
	}{
		{"folded by default", nil, 0, "└─[59 net namespaces folded] +59 net id:grp:ns:1:net\n" + hint, ""},
		{"filtered, still folded", []string{"-q", "type:net"}, 0, "[59 net namespaces folded] +59 net id:grp:ns:1:net\n" + hint, ""},
		{"expand the group", []string{"--expand", "grp:ns:1:net"}, 59, "└─net 4026532058 ", ""},
		{"commas are part of the ID", []string{"--expand", "grp:ns:9:pid,grp:ns:1:net"}, 0, hint,
			"nsweb snapshot: --expand 'grp:ns:9:pid,grp:ns:1:net' opens nothing: no such group in this picture (the text tree gives each folded group's id:; each --expand names one group, commas included: repeat --expand for more)"},
		{"expand repeated", []string{"--expand", "grp:ns:9:pid", "--expand", "grp:ns:1:net"}, 59, "", "--expand grp:ns:9:pid opens nothing"},
		{"expand all", []string{"--expand", "all"}, 59, "", ""},
		{"never fold", []string{"--fold", "0"}, 59, "", ""},
		{"fold later", []string{"--fold", "59"}, 59, "", ""},
		{"fold sooner", []string{"--fold", "58"}, 0, hint, ""},
		{"mistyped ID", []string{"--expand", "grp:ns:1:nett"}, 0, hint,
			"nsweb snapshot: --expand grp:ns:1:nett opens nothing: no such group in this picture (the text tree gives each folded group's id:)"},
		{"svg, expanded", []string{"--format", "svg", "--expand", "grp:ns:1:net"}, 59, "</svg>", ""},
		{"svg, folded", []string{"--format", "svg"}, 0, `id="grp:ns:1:net"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			o, code, ok := parseSnapshot(tc.args, &out, &errb)
			if !ok {
				t.Fatalf("flags refused (%d): %s", code, errb.String())
			}
			if code := writeSnapshot(netHost(), o, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			got := out.String()
			nets := strings.Count(got, "─net 40265") + strings.Count(got, `<g class="n t-net file"`)
			if nets != tc.nets {
				t.Errorf("%d net namespaces drawn, want %d:\n%.3000s", nets, tc.nets, got)
			}
			if folded := strings.Contains(got, "folded]") || strings.Contains(got, `class="n t-net group"`); folded != (tc.nets == 0) {
				t.Errorf("folded group shown: %v, want %v", folded, tc.nets == 0)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output lacks %q:\n%.3000s", tc.want, got)
			}
			if tc.nets > 0 && strings.Contains(got, "--expand") {
				t.Errorf("hint about folded groups with none folded:\n%s", got)
			}
			if !strings.Contains(errb.String(), tc.stderr) || tc.stderr == "" && errb.Len() > 0 {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
		})
	}
}

// TestSnapshotFlagMistakes: combinations that cannot do what they say are
// refused with a message naming them, before any scan.
func TestSnapshotFlagMistakes(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--format", "json", "-q", "type:net"}, "nsweb snapshot: -q does not apply to --format json, which writes the whole model (every namespace, process and container, as GET /api/v1/model does); use --format text or svg for a view, or filter the JSON with jq"},
		{[]string{"--format", "json", "--view", "pid"}, "--view does not apply to --format json"},
		{[]string{"--format", "json", "--group", "none", "--expand", "all", "--fold", "3"}, "--group, --expand and --fold do not apply to --format json"},
		{[]string{"--fold", "-1"}, "--fold -1: want a number of siblings, 0 for never"},
		{[]string{"--expand", "all", "--fold", "5"}, "--expand all opens every group, so --fold 5 has nothing to fold"},
		{[]string{"--expand", "grp:" + strings.Repeat("x", 600)}, "is longer than 512 bytes"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " ")[:min(60, len(strings.Join(tc.args, " ")))], func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"snapshot"}, tc.args...), &out, &errb)
			if code != 2 || out.Len() != 0 {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing written", code, out.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.want)
			}
		})
	}
}

// TestSnapshotHelp: --help explains what JSON is and how to open folded
// groups, where people look for it.
func TestSnapshotHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"snapshot", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"json  the whole model", "--view, --group, -q, --expand and --fold do not apply", "-expand ID\n", "repeat it for more groups", "--expand all", "-fold N", "0 never folds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSnapshotNoMatch: a filter that matches nothing says so, in the text
// tree and in the SVG, rather than printing an empty picture.
func TestSnapshotNoMatch(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-q", "pid:4242"}, "; 0 nodes shown\n# No namespace matches -q pid:4242\n"},
		{[]string{"-q", "cmd:no such"}, `# No namespace matches -q 'cmd:no such'`},
		{[]string{"--format", "svg", "-q", "pid:4242"}, ">No namespace matches pid:4242</text>"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			o, _, ok := parseSnapshot(tc.args, &out, &errb)
			if !ok {
				t.Fatalf("flags refused: %s", errb.String())
			}
			if code := writeSnapshot(netHost(), o, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}

// TestShellWord: the hint's group ID, pasted into a shell, is that ID and
// runs nothing, whatever a pod name holds; bash checks each word.
func TestShellWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"grp:ns:4098:net", "grp:ns:4098:net"},
		{"grp:pod:ns:1:default/web-1:ctr", "grp:pod:ns:1:default/web-1:ctr"},
		{"grp:pod:ns:1:x/x$(touch /tmp/p):ctr", "'grp:pod:ns:1:x/x$(touch /tmp/p):ctr'"},
		{"a `id` $HOME b", "'a `id` $HOME b'"},
		{"it's", `'it'\''s'`},
		{"café", "'café'"},
		{"bell\a and \x1b[31mred", `$'bell\x07 and \x1b[31mred'`},
		{"rtl \u202eevil", `$'rtl \u202eevil'`},
		{"bad \xff byte 'q' \\", `$'bad \xff byte \'q\' \\'`},
		{"", "''"},
	}
	bash, err := exec.LookPath("bash")
	for _, tt := range tests {
		got := shellWord(tt.in)
		if got != tt.want {
			t.Errorf("shellWord(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if err != nil {
			continue
		}
		out, err := exec.Command(bash, "--norc", "-c", "printf %s "+got).Output()
		if err != nil || string(out) != tt.in {
			t.Errorf("bash reads %s as %q (%v), want %q", got, out, err, tt.in)
		}
	}
	if err != nil {
		t.Logf("no bash to check the words with: %v", err)
	}
}

// TestSnapshotIgnoresItsOwnArgv: the scan sees nsweb itself, whose argv
// holds the query; a cmd: filter must not match the host's namespaces
// through it, while the namespaces of a process that does match are kept.
// nsweb runs as a process of its own here (this test binary, re-executed
// as TestSnapshotProcess), so that its argv holds the query as a user's
// would.
func TestSnapshotIgnoresItsOwnArgv(t *testing.T) {
	tag := fmt.Sprintf("nsweb-self-%d", time.Now().UnixNano())
	snapshot := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotProcess$", "--", "snapshot", "-q", "cmd:"+tag)
		cmd.Env = append(os.Environ(), "NSWEB_TEST_RUN_MAIN=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nsweb snapshot: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := snapshot(); !strings.Contains(out, "# No namespace matches -q cmd:"+tag) {
		t.Errorf("nsweb's own command line matched:\n%s", out)
	}
	// A process that really holds the tag matches.
	sh := exec.Command("sh", "-c", "sleep 60; :", tag)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sh.Process.Kill(); _ = sh.Wait() })
	if out := snapshot(); strings.Contains(out, "No namespace matches") || !strings.Contains(out, "─net ") && !strings.Contains(out, "net namespaces folded") {
		t.Errorf("the namespaces of a process with %s in its argv are not shown:\n%s", tag, out)
	}
}

// TestSnapshotProcess is nsweb's main for TestSnapshotIgnoresItsOwnArgv:
// it runs the command line after "--" and exits with its code.
func TestSnapshotProcess(t *testing.T) {
	if os.Getenv("NSWEB_TEST_RUN_MAIN") != "1" {
		t.Skip("runs only as a child of TestSnapshotIgnoresItsOwnArgv")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
}

// TestSnapshotExpandVerbatim: each --expand names one group as it is,
// commas and spaces included: a container's name from its cgroup (LXC,
// systemd-nspawn) may hold both, and a group inside its container node
// has it in its ID.
func TestSnapshotExpandVerbatim(t *testing.T) {
	s := netHost()
	const cid = " box, a"
	s.Containers = map[string]*model.Container{cid: {ID: cid, Runtime: "lxc", Name: cid}}
	for id, ns := range s.Namespaces {
		if ns.Type == model.Net {
			pid := 1000 + int(id)
			s.Processes[pid] = &model.Process{PID: pid, Comm: "init", Container: cid}
			ns.Procs, ns.Leader, ns.Containers = []int{pid}, pid, []string{cid}
		}
	}
	grp := "grp:ctr:ns:1:" + cid + ":net"
	var out, errb bytes.Buffer
	o, code, ok := parseSnapshot(nil, &out, &errb)
	if !ok || writeSnapshot(s, o, &out, &errb) != 0 {
		t.Fatalf("folded: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "id:"+grp+"\n") {
		t.Fatalf("no folded group %q:\n%s", grp, out.String())
	}
	if _, _, ok := parseSnapshot([]string{"--expand", ""}, &out, &errb); ok || !strings.Contains(errb.String(), "-expand: an empty group ID") {
		t.Errorf("--expand '' taken, or refused with %q", errb.String())
	}
	out.Reset()
	errb.Reset()
	o, code, ok = parseSnapshot([]string{"--expand", grp, "--expand", "grp:ns:1:pid"}, &out, &errb)
	if !ok {
		t.Fatalf("flags refused (%d): %s", code, errb.String())
	}
	if want := []string{grp, "grp:ns:1:pid"}; !slices.Equal(o.expand, want) {
		t.Errorf("--expand gave %q, want %q", o.expand, want)
	}
	if code := writeSnapshot(s, o, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if n := strings.Count(out.String(), "─net 40265"); n != 59 {
		t.Errorf("%d net namespaces drawn, want 59:\n%.2000s", n, out.String())
	}
	if want := "--expand grp:ns:1:pid opens nothing"; !strings.Contains(errb.String(), want) || strings.Contains(errb.String(), "box") {
		t.Errorf("stderr %q, want only %q", errb.String(), want)
	}
}
