package kevents

import (
	"encoding/binary"
	"testing"
)

func record(kind, tgid, tid, mnt uint32, ret int64) []byte {
	b := make([]byte, recordSize)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], kind)
	ne.PutUint32(b[4:], tgid)
	ne.PutUint32(b[8:], tid)
	ne.PutUint32(b[12:], mnt)
	ne.PutUint64(b[16:], uint64(ret))
	return b
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Event
		bad  bool
	}{
		{"unshare", record(1, 42, 43, 0, 0), Event{Kind: Unshare, PID: 42, TID: 43}, false},
		{"mount", record(4, 7, 7, 4026531841, 0), Event{Kind: Mount, PID: 7, TID: 7, MntNS: 4026531841}, false},
		{"negative ret", record(6, 1, 1, 5, -22), Event{Kind: Umount, PID: 1, TID: 1, MntNS: 5, Ret: -22}, false},
		{"short", record(1, 1, 1, 0, 0)[:10], Event{}, true},
		{"empty", nil, Event{}, true},
		{"kind 0", record(0, 1, 1, 0, 0), Event{}, true},
		{"kind too big", record(99, 1, 1, 0, 0), Event{}, true},
	} {
		got, err := decode(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s: decode = %+v, %v; want %+v, error %v", tc.name, got, err, tc.want, tc.bad)
		}
	}
}

func TestKindString(t *testing.T) {
	seen := map[string]bool{}
	for k := Unshare; k <= Umount; k++ {
		s := k.String()
		if seen[s] || s == "" {
			t.Errorf("kind %d: name %q repeated or empty", k, s)
		}
		seen[s] = true
	}
	if got := Kind(77).String(); got != "kind(77)" {
		t.Errorf("Kind(77) = %q", got)
	}
	if !Mount.Mounts() || !Umount.Mounts() || !MoveMount.Mounts() || Unshare.Mounts() || Clone.Mounts() {
		t.Error("Mounts() wrong")
	}
}
