package filter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
)

// TestMatchAllocatesNothing: matching folds case as it goes, for ASCII and
// other text alike; it allocated a lower-cased copy of every non-ASCII
// command line per namespace and term before.
func TestMatchAllocatesNothing(t *testing.T) {
	s := modeltest.Small()
	s.Processes[100].Cmdline = "nginx: wörker prozess " + strings.Repeat("Ä", 2000)
	s.Processes[100].Comm = "nginx-Ö"
	for _, qs := range []string{"cmd:zzz", "cmd:ÖÖÖ", "container:ÄÄ", "zzz", "cmd:a,b,wörker"} {
		q, err := Parse(qs)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() {
			for _, ns := range s.Namespaces {
				q.Match(s, ns)
			}
		}); n != 0 {
			t.Errorf("%q: %v allocations per match of every namespace, want 0", qs, n)
		}
	}
}

// TestLinearCost: the review's attack, a command line of a's searched for
// a^1019 b, cost the product of both lengths; the search now steps at most
// twice per character of the text, whatever both hold.
func TestLinearCost(t *testing.T) {
	tests := []struct{ text, pat string }{
		{strings.Repeat("a", 128<<10), strings.Repeat("a", 1019) + "b"},
		{strings.Repeat("ab", 64<<10), strings.Repeat("ab", 400) + "b"},
		{strings.Repeat("Ä", 40000), strings.Repeat("ä", 300) + "x"},
		{strings.Repeat("aaaaaaaab", 10000), "aaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tc := range tests {
		p := newPattern(tc.pat)
		steps := 0
		if p.scan(tc.text, &steps) {
			t.Errorf("found %.20q… in %.20q…", tc.pat, tc.text)
		}
		if limit := 2*utf8.RuneCountInString(tc.text) + 1; steps > limit {
			t.Errorf("%d steps for %d runes of text, want at most %d", steps, utf8.RuneCountInString(tc.text), limit)
		}
	}
}

// FuzzMatchCost: for any text and pattern the search agrees with
// strings.Contains over strings.ToLower (the language's meaning of case)
// and its steps stay within twice the text's runes.
func FuzzMatchCost(f *testing.F) {
	for _, seed := range [][2]string{{"NGINX worker", "nginx"}, {"aaaaab", "aab"}, {"ÄPFEL", "äpf"}, {"a\xffb", "\ufffd"}, {"", ""}, {"abababc", "ababc"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, text, pat string) {
		if !utf8.ValidString(pat) {
			return // queries are valid UTF-8 (Parse refuses others)
		}
		pat = strings.ToLower(pat)
		p := newPattern(pat)
		steps := 0
		got := p.scan(text, &steps)
		if want := strings.Contains(strings.ToLower(text), pat); got != want {
			t.Fatalf("scan(%q, %q) = %v, strings.Contains says %v", text, pat, got, want)
		}
		if limit := 2*utf8.RuneCountInString(text) + 1; steps > limit {
			t.Fatalf("scan(%q, %q): %d steps, limit %d", text, pat, steps, limit)
		}
		if got, want := p.prefixOf(text), strings.HasPrefix(strings.ToLower(text), pat); got != want {
			t.Fatalf("prefixOf(%q, %q) = %v, want %v", text, pat, got, want)
		}
	})
}

// TestQueryCostBound: a query holds at most MaxTerms terms and MaxValues
// values in all, with an error that says so.
func TestQueryCostBound(t *testing.T) {
	many := strings.TrimSpace(strings.Repeat("cmd:a ", MaxTerms+1))
	vals := make([]string, MaxValues+1)
	for i := range vals {
		vals[i] = fmt.Sprint("a", i)
	}
	wide := "cmd:" + strings.Join(vals, ",")
	for _, tc := range []struct{ q, want string }{
		{many, "terms, more than the limit of"},
		{wide, "values, more than the limit of"},
	} {
		_, err := Parse(tc.q)
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.30q…) = %v, want an error with %q", tc.q, err, tc.want)
		}
	}
	if _, err := Parse(strings.TrimSpace(strings.Repeat("cmd:a ", MaxTerms))); err != nil {
		t.Errorf("%d terms refused: %v", MaxTerms, err)
	}
}

// TestCommaMeansOr: container:web,db and the other fields take a list, as
// type: and held: do (issue 20); a quoted comma is part of the value.
func TestCommaMeansOr(t *testing.T) {
	s := modeltest.Small()
	s.Containers["0123"] = &model.Container{ID: "0123", Runtime: "docker", Name: "db"}
	s.Namespaces[6].Containers = []string{"0123"} // mnt 6: a second container; uts 7 has none
	s.Processes[1].Cmdline = "/sbin/init a,b"
	tests := []struct {
		q     string
		want  []model.NSID
		canon string
	}{
		{"container:webfront,db", []model.NSID{3, 4, 6}, "container:db,webfront"},
		{"container:nope,db", []model.NSID{6}, "container:db,nope"},
		{"cmd:nginx,init", []model.NSID{1, 2, 3, 4, 6, 7}, "cmd:init,nginx"},
		{`cmd:"a,b"`, []model.NSID{1, 2, 6, 7}, `cmd:"a,b"`},
		{`cmd:"x,y",nginx`, []model.NSID{1, 3, 4}, `cmd:nginx,"x,y"`},
		{"pid:100,1", []model.NSID{1, 2, 3, 4, 6, 7}, "pid:1,100"},
		{"uid:1000,5", []model.NSID{1, 3, 4}, "uid:5,1000"},
		{"ns:4026531840,4026532700", []model.NSID{2, 5}, "ns:4026531840,4026532700"},
		{"-container:webfront,db", []model.NSID{1, 2, 5, 7}, "-container:db,webfront"},
	}
	for _, tt := range tests {
		q, got := matchIDs(t, s, tt.q)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q matched %v, want %v", tt.q, got, tt.want)
		}
		if q.String() != tt.canon {
			t.Errorf("%q canonical %q, want %q", tt.q, q.String(), tt.canon)
		}
	}
	for _, bad := range []string{"container:web,", "pid:1,x", "cmd:,a"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
