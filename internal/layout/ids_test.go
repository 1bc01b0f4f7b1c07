package layout

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestParseGroupID(t *testing.T) {
	for _, c := range []struct {
		id, parent, what string
		folds            NodeKind
	}{
		{"grp:ns:5:net", "ns:5", "net", File},
		{"grp:ns:4026531837:ctr", "ns:4026531837", "ctr", Container},
		{"grp:ns:1:pod", "ns:1", "pod", Pod},
		{"grp:ns:1:dirs", "ns:1", "dirs", Dir},
		{"grp:unowned:ipc", "unowned", "ipc", File},
		{"grp:ns:0:time", "ns:0", "time", File},
		{"grp:ns:18446744073709551615:user", "ns:18446744073709551615", "user", File},
		{"grp:ns:7:future_ns2", "ns:7", "future_ns2", File}, // a type model does not know
		{"grp:pod:ns:5:default/web:ctr", "pod:ns:5:default/web", "ctr", Container},
		{"grp:ctr:ns:5:3f2a9c:net", "ctr:ns:5:3f2a9c", "net", File},
		{"grp:ctr:unowned:c1:ipc", "ctr:unowned:c1", "ipc", File},
		{"grp:ctr:ns:5:a:b:net", "ctr:ns:5:a:b", "net", File}, // a ":" in a container ID
	} {
		g, err := ParseGroupID(c.id)
		if err != nil || g.Parent != c.parent || g.What != c.what || g.Folds() != c.folds || g.String() != c.id {
			t.Errorf("ParseGroupID(%q) = %+v (folds %q, %q), %v; want parent %q, what %q, folds %q", c.id, g, g.Folds(), g.String(), err, c.parent, c.what, c.folds)
		}
	}
	for _, c := range []struct {
		reason string
		ids    []string
	}{
		{`no "grp:" prefix`, []string{"", "ns:5", "GRP:ns:5:net"}},
		{`no ":" between`, []string{"grp:", "grp:net"}},
		{"no namespace type", []string{"grp:ns:5:", "grp:ns:5:Net", "grp:ns:5:ne t"}},
		{"no node ID", []string{"grp:ns:5:net,grp:ns:1:pid", "grp::net", "grp:ns::net", "grp:ns:05:net", "grp:ns:+5:net", "grp:ns:-5:net",
			"grp:ns:18446744073709551616:net", // 2^64
			"grp:ns:5x:net", "grp:foo:net",
			"grp:ctr:ns:5:net", // no container ID
			"grp:ctr:ns:5::net", "grp:ctr:unowned::net", "grp:ctr:x:5:c1:net", "grp:pod:ns:x:default/web:ctr", "grp:grp:ns:5:net:net"}},
		{"control byte", []string{"grp:ns:5:net\n", "grp:ns:5\x00:net", "grp:ctr:ns:5:c\x7f:net"}},
		{"longer than 512 bytes", []string{"grp:ns:5:" + strings.Repeat("a", MaxGroupIDLen)}},
	} {
		for _, id := range c.ids {
			g, err := ParseGroupID(id)
			var ge *GroupIDError
			if !errors.As(err, &ge) || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("ParseGroupID(%q) = %+v, %v; want a *GroupIDError saying %q", id, g, err, c.reason)
			}
			if g != (GroupRef{}) {
				t.Errorf("ParseGroupID(%q) = %+v on error, want the zero GroupRef", id, g)
			}
		}
	}
}

// The longest group ID the layout makes (see limits.go) parses, and one
// byte more than MaxGroupIDLen does not, whatever it holds.
func TestParseGroupIDMaxLen(t *testing.T) {
	dir := NodeID(^model.NSID(0))
	pod := strings.Repeat("n", 63) + "/" + strings.Repeat("p", 253)
	id := ContainersGroupID(PodID(dir, pod))
	if len(id) > MaxGroupIDLen {
		t.Fatalf("longest group ID has %d bytes, more than MaxGroupIDLen %d", len(id), MaxGroupIDLen)
	}
	if g, err := ParseGroupID(id); err != nil || g.Parent != PodID(dir, pod) || g.What != "ctr" {
		t.Errorf("ParseGroupID(longest) = %+v, %v", g, err)
	}
	exact := ContainersGroupID(ContainerID(dir, strings.Repeat("c", MaxGroupIDLen-len(ContainersGroupID(ContainerID(dir, ""))))))
	if len(exact) != MaxGroupIDLen {
		t.Fatalf("test ID has %d bytes, want %d", len(exact), MaxGroupIDLen)
	}
	if _, err := ParseGroupID(exact); err != nil {
		t.Errorf("ParseGroupID of %d bytes: %v", len(exact), err)
	}
	if _, err := ParseGroupID(exact[:4] + "c" + exact[4:]); err == nil {
		t.Errorf("ParseGroupID of %d bytes: no error", len(exact)+1)
	}
	// The error quotes at most 64 bytes of a long ID.
	_, err := ParseGroupID(strings.Repeat("x", 1<<20))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("ParseGroupID of 1 MiB: error %d bytes long: %.100v", len(err.Error()), err)
	}
}

// Property: every ID the constructors make parses back into its parts,
// for random parents and what; and random bytes never panic, and parse
// only into parts that rebuild the same ID.
func TestParseGroupIDRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	word := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	const refChars = "abcdef0123456789-_./:ABC é"
	for range 5000 {
		dir := UnownedID
		if r.IntN(4) > 0 {
			dir = NodeID(model.NSID(r.Uint64() >> r.IntN(64)))
		}
		parent := dir
		switch r.IntN(3) {
		case 1:
			parent = ContainerID(dir, word(refChars, 1+r.IntN(64)))
		case 2:
			parent = PodID(dir, word(refChars, 1+r.IntN(30))+"/"+word(refChars, 1+r.IntN(60)))
		}
		var id, what string
		switch r.IntN(4) {
		case 0:
			what = string(model.Types[r.IntN(len(model.Types))])
			id = GroupID(parent, model.NSType(what))
		case 1:
			what, id = "ctr", ContainersGroupID(parent)
		case 2:
			what, id = "pod", PodsGroupID(parent)
		case 3:
			what, id = "dirs", DirsGroupID(parent)
		}
		g, err := ParseGroupID(id)
		if err != nil || g.Parent != parent || g.What != what || g.String() != id {
			t.Fatalf("ParseGroupID(%q) = %+v, %v; want parent %q, what %q", id, g, err, parent, what)
		}
	}
	const hostile = "grp:ns0123456789ctrpodunowned/\x00\n\xff é"
	for range 20000 {
		id := word(hostile, r.IntN(80))
		if r.IntN(2) == 0 {
			id = "grp:" + id
		}
		g, err := ParseGroupID(id)
		if err == nil && g.String() != id {
			t.Fatalf("ParseGroupID(%q) = %+v, which rebuilds %q", id, g, g.String())
		}
		if err != nil && g != (GroupRef{}) {
			t.Fatalf("ParseGroupID(%q) = %+v with error %v", id, g, err)
		}
	}
}

// Property: every Group node a layout makes has an ID that ParseGroupID
// takes apart into the node's parent and what it folds.
func TestParseGroupIDOfLayouts(t *testing.T) {
	groups := 0
	for _, f := range []*forest{containers(120), randomForest(3, 2000, true), star(80, model.Net)} {
		for _, opt := range []Options{
			{FoldThreshold: 3},
			{FoldThreshold: 3, Group: GroupContainer},
			{FoldThreshold: 3, Group: GroupPod},
			{FoldThreshold: 2, View: PIDTree},
		} {
			r := Compute(f.s, opt)
			for i := range r.Nodes {
				n := &r.Nodes[i]
				if n.Kind != Group {
					continue
				}
				groups++
				g, err := ParseGroupID(n.ID)
				if err != nil || g.Parent != n.Parent || g.Folds() != n.Folds() {
					t.Fatalf("%+v: ParseGroupID(%q) = %+v (folds %q), %v; want parent %q, folds %q", opt, n.ID, g, g.Folds(), err, n.Parent, n.Folds())
				}
			}
		}
	}
	if groups < 10 {
		t.Fatalf("only %d group nodes: the fixtures no longer fold", groups)
	}
}
