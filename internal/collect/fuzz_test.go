package collect

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParsers feeds the same bytes to every /proc parser: hostile process
// names, command lines and mount paths must give a value or an error,
// never a panic.
func FuzzParsers(f *testing.F) {
	for _, name := range []string{"4242/stat", "4242/status", "4242/cmdline", "4242/mountinfo", "77/stat", "5000/stat"} {
		b, err := os.ReadFile(filepath.Join("testdata", "proc", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("net:[4026531840]"))
	f.Add([]byte("1 (a) S 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if st, err := ParseStat(data); err == nil && st.Comm != "" && len(st.Comm) > len(data) {
			t.Fatalf("comm longer than input")
		}
		_, _ = ParseStatus(data)
		if got := ParseCmdline(data); len(got) > len(data) {
			t.Fatalf("cmdline grew")
		}
		if ms, err := ParseMountinfo(data); err == nil {
			for _, m := range ms {
				if !m.Type.Valid() {
					t.Fatalf("invalid type %q", m.Type)
				}
			}
		}
		if typ, _, err := ParseNSLink(string(data)); err == nil && !typ.Valid() {
			t.Fatalf("invalid type %q", typ)
		}
	})
}
