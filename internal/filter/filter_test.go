package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		q      string
		pos    int
		substr string
	}{
		{"foo:bar", 0, `unknown key "foo"`},
		{"type:net -bogus:1", 10, `unknown key "bogus"`},
		{"type:nett", 5, `unknown namespace type "nett"`},
		{"type:net,", 5, "empty namespace type"},
		{"type:", 5, "empty value for type"},
		{"pid:abc", 4, "pid: wants a decimal number"},
		{"pid:-1", 4, "pid: wants a decimal number"},
		{"uid:4294967296", 4, "uid: wants a decimal number"},
		{"ns:0x10", 3, "ns: wants a decimal number"},
		{`cmd:"nginx -g`, 4, "unbalanced quote"},
		{`a "b`, 2, "unbalanced quote"},
		{"held:nothing", 5, `unknown holder kind "nothing"`},
		{"-", 0, "'-' must be followed by a term"},
		{"a - b", 2, "'-' must be followed by a term"},
		{`""`, 0, "empty free-text term"},
		{strings.Repeat("a", MaxLen+1), MaxLen, "longer than the limit"},
		{"ok \xff", 3, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.q[:min(len(tt.q), 20)], func(t *testing.T) {
			q, err := Parse(tt.q)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error", tt.q, q.String())
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if pe.Pos != tt.pos || !strings.Contains(err.Error(), tt.substr) {
				t.Errorf("Parse(%q) error = %q at %d, want %q at %d", tt.q, err, pe.Pos, tt.substr, tt.pos)
			}
		})
	}
}

func TestParseCanonical(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", ""},
		{"   \t ", ""},
		{"type:NET", "type:net"},
		{"TYPE:uts,net,uts", "type:net,uts"},
		{`cmd:"nginx -g"`, `cmd:"nginx -g"`},
		{`cmd:ngi"nx -"g`, `cmd:"nginx -g"`},
		{`-Container:Web  pid:007`, `-container:web pid:7`},
		{`"a:b"`, `"a:b"`},
		{`"-x"`, `"-x"`},
		{`--x`, `-"-x"`},
		{`"say \"hi\" \\"`, `"say \"hi\" \\"`},
		{"held:fd,bindmount", "held:fd,bindmount"},
		{"cmd:a:b", "cmd:a:b"},
		{"ns:4026531840 uid:0", "ns:4026531840 uid:0"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.q, got, tt.want)
		}
		q2, err := Parse(q.String())
		if err != nil || q2.String() != q.String() {
			t.Errorf("canonical %q does not round-trip: %v %q", q.String(), err, q2)
		}
	}
}

func TestMatch(t *testing.T) {
	s := modeltest.Small()
	tests := []struct {
		q    string
		want []model.NSID
	}{
		{"", []model.NSID{1, 2, 3, 4, 5, 6, 7}},
		{"type:net", []model.NSID{2, 4, 5}},
		{"type:net,uts", []model.NSID{2, 4, 5, 7}},
		{"-type:net", []model.NSID{1, 3, 6, 7}},
		{"type:net -held:bindmount", []model.NSID{2, 4}},
		{"held:bindmount", []model.NSID{5}},
		{"held:process", []model.NSID{1, 2, 3, 4, 6, 7}},
		{"container:ABCDEF", []model.NSID{3, 4}},
		{"container:cdef", nil}, // ID matches by prefix only
		{"container:webf", []model.NSID{3, 4}},
		{"container:nginx:1.27", []model.NSID{3, 4}},
		{"container:shop", []model.NSID{3, 4}},
		{"container:podman", []model.NSID{3, 4}},
		{"pid:100", []model.NSID{1, 3, 4}},
		{"pid:2", nil},
		{"cmd:NGINX", []model.NSID{1, 3, 4}},
		{`cmd:"daemon off"`, []model.NSID{1, 3, 4}},
		{"cmd:splash type:uts", []model.NSID{7}},
		{"uid:1000", []model.NSID{1, 3, 4}},
		{"uid:0", []model.NSID{1, 2, 6, 7}},
		{"uid:1000 type:user", []model.NSID{1, 3}},
		{"ns:4026531840", []model.NSID{2}},
		{"ns:5", []model.NSID{5}},
		{"4026532", []model.NSID{3, 4, 5}},
		{"Net", []model.NSID{2, 4, 5}},
		{"systemd", []model.NSID{1, 2, 6, 7}},
		{"webfront", []model.NSID{3, 4}},
		{"-webfront -systemd", []model.NSID{5}},
	}
	for _, tt := range tests {
		if _, got := matchIDs(t, s, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%q matched %v, want %v", tt.q, got, tt.want)
		}
	}
}

// matchIDs parses query q, failing the test if it cannot, and returns it
// with the IDs of the namespaces of s it matches, in ID order.
func matchIDs(t *testing.T, s *model.Snapshot, q string) (*Query, []model.NSID) {
	t.Helper()
	query, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	var got []model.NSID
	for _, id := range s.SortedIDs() {
		if query.Match(s, s.Namespaces[id]) {
			got = append(got, id)
		}
	}
	return query, got
}

func TestMatchNilAndEmpty(t *testing.T) {
	var q *Query
	ns := &model.Namespace{ID: 1, Type: model.Net}
	if !q.Match(nil, ns) || !q.Empty() || q.String() != "" {
		t.Error("nil query must match everything and print empty")
	}
	if q.Keep(nil) != nil {
		t.Error("nil query's Keep must be nil (keep all)")
	}
	q2, _ := Parse("cmd:x")
	if q2.Match(nil, ns) {
		t.Error("cmd:x matched a namespace of a nil snapshot")
	}
	q3, _ := Parse("-cmd:x")
	if !q3.Match(nil, ns) {
		t.Error("-cmd:x did not match a process-less namespace")
	}
	if keep := q3.Keep(nil); keep == nil || !keep(ns) {
		t.Error("Keep does not agree with Match")
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"NGINX worker", "nginx", true},
		{"ngin", "nginx", false},
		{"", "", true},
		{"ÄPFEL", "äpf", true},
		{"aab", "ab", true},
	}
	for _, tt := range tests {
		p := newPattern(tt.sub)
		if got := p.in(tt.s); got != tt.want {
			t.Errorf("pattern %q in %q = %v", tt.sub, tt.s, got)
		}
	}
	abc, ae := newPattern("abc"), newPattern("ä")
	if !abc.prefixOf("ABCdef") || abc.prefixOf("ab") || !ae.prefixOf("ÄB") {
		t.Error("prefixOf wrong")
	}
}

// FuzzParse checks that no input panics, that errors carry a position within
// the query, and that the canonical form of an accepted query parses back to
// itself and matches the same namespaces.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "type:net,uts -held:bindmount", `cmd:"nginx -g" uid:0`, `"a:b" --x`, "pid:1 ns:4026531840 container:web"} {
		f.Add(seed)
	}
	s := modeltest.Small()
	ids := s.SortedIDs()
	f.Fuzz(func(t *testing.T, in string) {
		q, err := Parse(in)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(in) {
				t.Fatalf("Parse(%q): bad error %v", in, err)
			}
			return
		}
		c := q.String()
		q2, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, in, err)
		}
		if q2.String() != c {
			t.Fatalf("canonical form not stable: %q -> %q", c, q2.String())
		}
		for _, id := range ids {
			ns := s.Namespaces[id]
			if q.Match(s, ns) != q2.Match(s, ns) {
				t.Fatalf("%q and its canonical %q disagree on ns %d", in, c, id)
			}
		}
	})
}
