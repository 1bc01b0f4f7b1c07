package inspect

import (
	"slices"
	"strings"
	"testing"
)

func TestParseIDMap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []IDMap
		err  bool
	}{
		{"         0          0 4294967295\n", []IDMap{{0, 0, 4294967295}}, false},
		{"0 1000 1\n1 100000 65536\n", []IDMap{{0, 1000, 1}, {1, 100000, 65536}}, false},
		{"", []IDMap{}, false},
		{"0 1000\n", nil, true},
		{"0 -1 1\n", nil, true},
		{"0 1 4294967296\n", nil, true},
	} {
		got, err := ParseIDMap(tc.in)
		if (err != nil) != tc.err || !tc.err && !slices.Equal(got, tc.want) {
			t.Errorf("ParseIDMap(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestCapNames(t *testing.T) {
	if got := CapNames(0); len(got) != 0 {
		t.Errorf("no caps: %v", got)
	}
	if got := CapNames(1<<12 | 1<<21 | 1<<63); !slices.Equal(got, []string{"cap_net_admin", "cap_sys_admin", "cap_63"}) {
		t.Errorf("caps: %v", got)
	}
	if got := CapNames(0x000001ffffffffff); len(got) != 41 || got[40] != "cap_checkpoint_restore" {
		t.Errorf("full set: %d %v", len(got), got[len(got)-1])
	}
}

func TestParseStatus(t *testing.T) {
	st, err := ParseStatus("Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n")
	if err != nil || st.CapEff != 0xa80425fb || !slices.Equal(st.UID, []uint32{1000, 1000, 1000, 1000}) {
		t.Errorf("status: %+v %v", st, err)
	}
	for _, bad := range []string{"Name: x\n", "CapEff:\tzz\n", "Uid: a\nCapEff: 0\n"} {
		if _, err := ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(%q): no error", bad)
		}
	}
}

func TestParseTimensOffsets(t *testing.T) {
	got, err := ParseTimensOffsets("monotonic      86400         0\nboottime     -3600 500\n")
	want := []Offset{{"monotonic", 86400, 0}, {"boottime", -3600, 500}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("offsets: %v %v", got, err)
	}
	if got, _ := ParseTimensOffsets("1 5 0\n7 6 0\n"); got[0].Clock != "monotonic" || got[1].Clock != "boottime" {
		t.Errorf("numbered clocks: %v", got)
	}
	if _, err := ParseTimensOffsets("monotonic x 0\n"); err == nil {
		t.Error("bad offset: no error")
	}
}

func TestCgroup(t *testing.T) {
	p, err := CgroupPath("12:cpu:/a\n0::/system.slice/x.scope\n")
	if err != nil || p != "/system.slice/x.scope" {
		t.Errorf("v2 path: %q %v", p, err)
	}
	if p, _ := CgroupPath("3:memory:/v1only\n"); p != "/v1only" {
		t.Errorf("v1 path: %q", p)
	}
	if _, err := CgroupPath("garbage"); err == nil {
		t.Error("garbage: no error")
	}
	for _, tc := range []struct {
		out, in, root string
		ok            bool
	}{
		{"/a/b/c", "/", "/a/b/c", true},
		{"/a/b/c", "/c", "/a/b", true},
		{"/a/b/c", "/b/c", "/a", true},
		{"/c", "/c", "/", true},
		{"/a", "/../x", "", false},
		{"/a/b", "/z", "", false},
	} {
		root, ok := CgroupRoot(tc.out, tc.in)
		if root != tc.root || ok != tc.ok {
			t.Errorf("CgroupRoot(%q, %q) = %q, %v", tc.out, tc.in, root, ok)
		}
	}
}

const mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid master:5 - proc proc rw
24 22 0:22 / /mnt/with\040space rw shared:7 master:3 - tmpfs my\040src rw
25 22 0:23 / /private rw - tmpfs tmpfs rw
26 22 0:24 / /unb rw unbindable - tmpfs tmpfs rw
`

func TestParseMountinfo(t *testing.T) {
	ms, err := ParseMountinfo(mountinfo)
	if err != nil || len(ms) != 5 {
		t.Fatalf("%d mounts, %v", len(ms), err)
	}
	want := []struct {
		prop           string
		shared, master int
	}{{"shared", 1, 0}, {"slave", 0, 5}, {"shared,slave", 7, 3}, {"private", 0, 0}, {"unbindable", 0, 0}}
	for i, w := range want {
		if ms[i].Propagation != w.prop || ms[i].Shared != w.shared || ms[i].Master != w.master {
			t.Errorf("mount %d: %+v", i, ms[i])
		}
	}
	if ms[2].MountPoint != "/mnt/with space" || ms[2].Source != "my src" || ms[0].FSType != "ext4" || ms[0].Root != "/" {
		t.Errorf("fields: %+v %+v", ms[0], ms[2])
	}
	for _, bad := range []string{"", "1 2 3\n", "x 1 0:1 / / rw - tmpfs t rw\n", "1 0 0:1 / / rw -\n"} {
		if _, err := ParseMountinfo(bad); err == nil {
			t.Errorf("ParseMountinfo(%q): no error", bad)
		}
	}
	if got := unescape(`a\134b\0`); got != `a\b\0` {
		t.Errorf("unescape: %q", got)
	}
}

func FuzzParsers(f *testing.F) {
	for _, s := range []string{mountinfo, "0 0 4294967295\n", "CapEff:\t000001ffffffffff\nUid:\t0 0 0 0\n",
		"monotonic 1 2\n", "0::/a\n", `1 0 0:1 \1 \0401 rw - t \ rw`, strings.Repeat("1 2 3\n", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseIDMap(s)
		_, _ = ParseStatus(s)
		_, _ = ParseTimensOffsets(s)
		if p, err := CgroupPath(s); err == nil {
			_, _ = CgroupRoot(p, p)
		}
		if ms, err := ParseMountinfo(s); err == nil && len(ms) == 0 {
			t.Error("no error and no mounts")
		}
	})
}
