package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// randomString mixes what labels and IDs may hold: plain text, quotes,
// control characters, HTML, U+2028, non-ASCII and invalid UTF-8.
func randomString(r *rand.Rand) string {
	parts := []string{"net 4026532001", " · ", "\"", "\\", "\x00", "\x1b[31m", "\b\f\n\r\t", "<script>", "&amp;", "\u2028", "\u2029", "é", "😀", "\xff\xfe", "\u202e", "\x7f", "ctr:ns:1:abc"}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return float64(r.IntN(100000))
	case 2:
		return r.Float64() * 1e7
	case 3:
		return -r.Float64() * 100
	case 4:
		return r.Float64() * 1e-8 // exponent form
	}
	return r.Float64() * 1e22 // exponent form
}

// TestEncodeSnapshotMatchesEncodingJSON: the hand-written encoder writes
// exactly what encoding/json writes, for random nodes of every kind and
// hostile strings (property test).
func TestEncodeSnapshotMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	kinds := []layout.NodeKind{layout.Dir, layout.File, layout.Group, layout.Container, layout.Pod}
	for i := range 300 {
		s := &Snapshot{Type: TypeSnapshot, Seq: uint64(i), View: layout.Owner, Group: layout.GroupContainer, Q: randomString(r),
			Expand: []string{randomString(r)}, Meta: Meta{Host: randomString(r), Counts: Counts{Namespaces: i}}}
		if i%7 != 0 {
			s.Nodes = []Node{}
		}
		for range r.IntN(20) {
			n := Node{ID: randomString(r), Kind: kinds[r.IntN(len(kinds))], Type: model.NSType(randomString(r)), Label: randomString(r),
				Parent: randomString(r), X: randomFloat(r), Y: randomFloat(r), W: randomFloat(r), H: randomFloat(r)}
			if r.IntN(2) == 0 {
				n.NS, n.Inode, n.Procs, n.Context = model.NSID(r.Uint64()), r.Uint64(), r.IntN(1000), r.IntN(2) == 0
			}
			if r.IntN(3) == 0 {
				n.Count = r.IntN(100000)
				n.Folds = layout.NodeKind(randomString(r))
			}
			if r.IntN(4) == 0 {
				n.Container = &ContainerInfo{ID: randomString(r), Name: randomString(r), Labels: map[string]string{randomString(r): randomString(r), "b": "<&>"}}
			}
			s.Nodes = append(s.Nodes, n)
		}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeSnapshot(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

func TestEncodeSnapshotRefusesNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		s := &Snapshot{Type: TypeSnapshot, Nodes: []Node{{ID: "ns:1", X: v}}}
		if _, err := EncodeSnapshot(s); err == nil || !strings.Contains(err.Error(), "ns:1") {
			t.Errorf("%v: err %v, want one naming the node", v, err)
		}
	}
}

// BenchmarkEncodeSnapshot60k compares the encoder with encoding/json on a
// snapshot of 60k namespace nodes.
func BenchmarkEncodeSnapshot60k(b *testing.B) {
	s := &Snapshot{Type: TypeSnapshot}
	for i := range 60000 {
		s.Nodes = append(s.Nodes, Node{ID: fmt.Sprintf("ns:%d", 4000+i), Kind: layout.File, Type: model.Net, NS: model.NSID(4000 + i),
			Label: fmt.Sprintf("net %d · nginx", 4026532000+i), Parent: "ns:1", X: float64(i * 3), Y: 88, W: 180, H: 24, Inode: uint64(4026532000 + i), Procs: 2})
	}
	b.Run("EncodeSnapshot", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncodeSnapshot(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
