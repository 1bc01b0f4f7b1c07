package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"web-1", 512, "web-1"},
		{"<b>bold</b> & \"quoted\"", 512, "<b>bold</b> & \"quoted\""},
		{"tab\there", 512, "tab\uFFFDhere"},
		{"bell\x07\x1b[31m", 512, "bell\uFFFD\uFFFD[31m"},
		{"bad\xffutf8", 512, "bad\uFFFDutf8"},
		{"c1\u0085", 512, "c1\uFFFD"},
		{"ünïcödé 名前", 512, "ünïcödé 名前"},
		{"abcdefghij", 8, "abcde…"},
		{"名前名前名前", 8, "名…"},
		{"", 8, ""},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"web", "a\x00b", "\xff\xfe", strings.Repeat("名", 300), "\u0085\u2028"} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 4 || max > 1<<16 {
			return
		}
		got := clean(s, max)
		if !utf8.ValidString(got) || len(got) > max {
			t.Fatalf("clean(%q, %d) = %q: invalid or too long", s, max, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("clean(%q) kept control character %U", s, r)
			}
		}
		if utf8.ValidString(s) && len(s) <= max && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) && got != s {
			t.Fatalf("clean changed harmless %q to %q", s, got)
		}
	})
}

func TestPickName(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"/web-1"}, "web-1"},
		{[]string{"/web/db", "/db"}, "db"},
		{[]string{"podman-style"}, "podman-style"},
		{[]string{"/a/b"}, "a/b"},
		{nil, ""},
		{[]string{"/"}, ""},
	}
	for _, tt := range tests {
		if got := pickName(tt.names); got != tt.want {
			t.Errorf("pickName(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

func TestToContainer(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		in      apiContainer
		wantErr string
	}{
		{name: "plain", in: apiContainer{ID: id, Names: []string{"/x"}, Image: "busybox"}},
		{name: "upper-case ID", in: apiContainer{ID: strings.ToUpper(id)}},
		{name: "no ID", in: apiContainer{Names: []string{"/x"}}, wantErr: "without an ID"},
		{name: "slash in ID", in: apiContainer{ID: "a/b"}, wantErr: `character '/'`},
		{name: "long ID", in: apiContainer{ID: strings.Repeat("a", 200)}, wantErr: "longer than 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := toContainer("docker", tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != strings.ToLower(tt.in.ID) || c.Runtime != "docker" {
				t.Errorf("got %+v", c)
			}
		})
	}
}

// streamOf returns an event stream reading b.
func streamOf(b []byte, maxLine int) *eventStream {
	body := io.NopCloser(bytes.NewReader(b))
	return &eventStream{socket: "test.sock", body: body, r: newReader(body), maxLine: maxLine}
}

func TestEventStream(t *testing.T) {
	in := "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\",\"Attributes\":{\"name\":\"n\"}}}\n" +
		"\n" +
		"{\"status\":\"die\",\"id\":\"def\"}\n" +
		"not json\n" +
		"{\"Action\":\"destroy\",\"Actor\":{\"ID\":\"abc\"}}" // last line without newline
	s := streamOf([]byte(in), 1024)
	var got []string
	for {
		ev, err := s.next()
		if errors.Is(err, errMalformed) {
			got = append(got, "malformed")
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("end of stream: %v, want EOF", err)
			}
			break
		}
		got = append(got, ev.action()+":"+ev.containerID())
	}
	want := "start:abc die:def malformed destroy:abc"
	if strings.Join(got, " ") != want {
		t.Errorf("events = %q, want %q", strings.Join(got, " "), want)
	}
}

func FuzzEventStream(f *testing.F) {
	f.Add([]byte("{\"Type\":\"container\",\"Action\":\"start\",\"id\":\"a\"}\n"))
	f.Add([]byte("{\"Actor\":{\"Attributes\":{\"x\":1}}}\n{"))
	f.Add([]byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := streamOf(b, 256)
		for range len(b) + 2 {
			_, err := s.next()
			if err != nil && !errors.Is(err, errMalformed) {
				return
			}
		}
		t.Fatalf("stream of %d bytes yielded more than %d events", len(b), len(b)+1)
	})
}
