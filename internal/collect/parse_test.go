package collect

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "proc", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Stat
		wantErr bool
	}{
		{"fixture with parens in comm", string(fixture(t, "4242/stat")), Stat{PID: 4242, Comm: "evil) (name", State: 'S', PPID: 4100, Flags: 4194560, Threads: 1, Start: 987654}, false},
		{"plain", string(fixture(t, "77/stat")), Stat{PID: 77, Comm: "sleep", State: 'S', PPID: 1, Flags: 4194560, Threads: 1, Start: 500}, false},
		{"truncated", string(fixture(t, "5000/stat")), Stat{}, true},
		{"no comm", "12 S 1 2 3", Stat{}, true},
		{"bad pid", "x (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1", Stat{}, true},
		{"bad start", "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x 1 1", Stat{}, true},
		{"zombie", "9 (sh) Z 8 9 9 0 -1 4 0 0 0 0 0 0 0 0 20 0 1 0 700 0 0", Stat{PID: 9, Comm: "sh", State: 'Z', PPID: 8, Flags: 4, Threads: 1, Start: 700}, false},
		{"bad flags", "1 (a) S 1 1 1 0 -1 -4 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1", Stat{}, true},
		{"long state", "1 (a) SZ 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1", Stat{}, true},
		{"empty", "", Stat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Status
		wantErr bool
	}{
		{"nested pid ns", string(fixture(t, "4242/status")), Status{UID: 1001, NSpid: []int{4242, 17, 1}, Threads: 1}, false},
		{"host", string(fixture(t, "77/status")), Status{UID: 0, NSpid: []int{77}, Threads: 1}, false},
		{"no NSpid (old kernel)", "Uid:\t5\t6\t5\t5\nThreads:\t3\n", Status{UID: 6, Threads: 3}, false},
		{"no Uid", string(fixture(t, "5000/status")), Status{}, true},
		{"bad Uid", "Uid:\tx\ty\n", Status{}, true},
		{"short Uid", "Uid:\t1\n", Status{}, true},
		{"bad NSpid", "Uid:\t0\t0\t0\t0\nNSpid:\t1\tz\n", Status{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCmdline(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"hostile bytes kept", string(fixture(t, "4242/cmdline")), "sh -c echo \x1b[31mred\x1b[0m\tdone"},
		{"plain", string(fixture(t, "77/cmdline")), "sleep infinity"},
		{"kernel thread", "", ""},
		{"no trailing NUL (setproctitle)", "nginx: worker", "nginx: worker"},
		{"invalid utf8", "a\xff\x00b\x00", "a\xff b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseCmdline([]byte(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseNSLink(t *testing.T) {
	tests := []struct {
		in      string
		typ     model.NSType
		ino     uint64
		wantErr bool
	}{
		{"net:[4026531840]", model.Net, 4026531840, false},
		{"pid_for_children:[1]", "", 0, true}, // the link target names the type, never the file
		{"time:[4026531834]", model.Time, 4026531834, false},
		{"socket:[1234]", "", 0, true},
		{"net:[x]", "", 0, true},
		{"net:4026531840", "", 0, true},
		{"/dev/null", "", 0, true},
		{"", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			typ, ino, err := ParseNSLink(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if typ != tt.typ || ino != tt.ino {
				t.Errorf("got %s %d, want %s %d", typ, ino, tt.typ, tt.ino)
			}
		})
	}
}

func TestParseMountinfo(t *testing.T) {
	got, err := ParseMountinfo(fixture(t, "4242/mountinfo"))
	if err != nil {
		t.Fatal(err)
	}
	want := []NSMount{
		{MountPoint: "/run/netns/blue", Type: model.Net, Inode: 4026532300},
		{MountPoint: "/run/netns/with space", Type: model.Net, Inode: 4026532301},
		{MountPoint: "/tmp/a\\b\tc", Type: model.UTS, Inode: 4026532400},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	bad := []string{
		"22 1 0:21 / / rw shared:1 ext4 /dev/sda1 rw\n",                     // no separator
		"310 24 0:4 net:[4026532300] - nsfs nsfs rw\n",                      // too few fields
		"310 24 0:4 net:[x] /run/netns/a rw - nsfs nsfs rw\n",               // bad root
		"310 24 0:4 net:[4026532300] /run/netns/a\\04 rw - nsfs nsfs rw\n",  // truncated escape
		"310 24 0:4 net:[4026532300] /run/netns/a\\09x rw - nsfs nsfs rw\n", // bad escape
	}
	for _, b := range bad {
		if _, err := ParseMountinfo([]byte(b)); err == nil {
			t.Errorf("ParseMountinfo(%q): no error", b)
		}
	}
}

// TestScanFixture runs a whole scan over a fake /proc. Its ns links point
// nowhere real, so no namespace resolves: the processes must all be there
// anyway, fully parsed, flagged and counted in the gaps.
func TestScanFixture(t *testing.T) {
	snap, err := Scan(context.Background(), Options{ProcRoot: "testdata/proc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Processes) != 3 {
		t.Fatalf("got %d processes, want 3", len(snap.Processes))
	}
	p := snap.Processes[4242]
	want := model.Process{PID: 4242, PPID: 4100, Comm: "evil) (name", Cmdline: "sh -c echo \x1b[31mred\x1b[0m\tdone",
		UID: 1001, Start: 987654, NSpid: []int{4242, 17, 1}, NS: map[model.NSType]model.NSID{},
		Container: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	got := *p
	got.Err = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(p.Err, "ns/net") {
		t.Errorf("process 4242 not flagged for its namespaces: %q", p.Err)
	}
	if c := snap.Containers[want.Container]; c == nil || c.Runtime != "docker" {
		t.Errorf("container not recorded: %+v", snap.Containers)
	}
	if p := snap.Processes[5000]; p == nil || p.Err == "" {
		t.Errorf("malformed process 5000 not kept with Err: %+v", p)
	}
	gaps := map[string]bool{}
	for _, g := range snap.Gaps {
		gaps[g.What] = true
	}
	for _, w := range []string{"testdata/proc/5000/stat", "testdata/proc/4242/ns/user", "testdata/proc/77/ns/pid", "testdata/proc/4242/fd/7"} {
		if !gaps[w] {
			t.Errorf("no gap for %s", w)
		}
	}
}
