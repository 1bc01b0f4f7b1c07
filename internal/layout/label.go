package layout

import (
	"math/bits"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/model"
)

// Box geometry. Widths come from a monospace estimate of the label so that
// the layout is deterministic and needs no font: every client that draws
// labels in a monospace font of about 12px fits them in these boxes.
const (
	// CharWidth is the width reserved per rune of a label.
	CharWidth = 7.0
	// NodePadding is the space left and right of the label inside a box.
	NodePadding = 8.0
	// MinNodeWidth keeps tiny labels clickable.
	MinNodeWidth = 40.0
	// NodeHeight is the height of every box.
	NodeHeight = 24.0
	// Margin is the empty border around the whole picture.
	Margin = 16.0

	siblingGap = 12.0                             // between boxes of one parent
	pillExtra  = 2 * (NodeHeight/2 - NodePadding) // Container and Pod boxes: room for round ends
	cousinGap  = 24.0                             // between boxes of different parents
	layerGap   = 48.0                             // between layers (depths)
	layerStep  = 56.0                             // left-right layer widths are multiples of this (8 runes)

	maxNameRunes = 24 // longest container / command / holder name in a label
	maxTypeRunes = 12 // longest namespace type name (only malformed ones are long)
	// groupCountRunes is the room a group label keeps for its count:
	// "99,999", more than the 60,000 namespaces of the worst host.
	groupCountRunes = 6
)

// nodeWidth is the box width for a label: a deterministic monospace
// estimate, never below MinNodeWidth.
func nodeWidth(label []byte) float64 {
	return widthFor(runeCount(label))
}

// widthFor is the box width for a label of n runes.
func widthFor(n int) float64 {
	return max(float64(n)*CharWidth+2*NodePadding, MinNodeWidth)
}

// runeCount counts the runes of b, which is valid UTF-8 (appendClean sees
// to it), as the bytes that do not continue a sequence.
func runeCount(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// appendClean appends s without control and invisible formatting characters
// (which could forge a label's appearance, e.g. a bidi override in a
// container name), replacing invalid UTF-8 with U+FFFD and cutting it to max
// runes with a trailing "…".
func appendClean(b []byte, s string, max int) []byte {
	if len(s) <= max && printableASCII(s) {
		return append(b, s...)
	}
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !visible(r) {
			continue
		}
		if n == max-1 && hasVisibleAfter(s[i:]) {
			// A cut only when something visible follows.
			return append(b, "…"...)
		}
		// Invalid bytes decode to U+FFFD, which is appended as such.
		b = utf8.AppendRune(b, r)
		n++
	}
	return b
}

// printableASCII reports whether s is plain printable ASCII, the common
// case that needs no cleaning.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// visible reports whether a label keeps rune r.
func visible(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 && r != 0x7f
	}
	return !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r)
}

// hasVisibleAfter reports whether s holds a rune appendClean would keep.
func hasVisibleAfter(s string) bool {
	for _, r := range s {
		if visible(r) {
			return true
		}
	}
	return false
}

// appendLabel appends what a namespace is: its type, its inode (the number
// lsns and /proc show) and, where known, the name a person recognises it by
// (see namer), e.g. "net 4026532001 · nginx". It also returns the label's
// length in runes, counted on the way for the common plain-ASCII parts.
func appendLabel(b []byte, ns *model.Namespace, name string) ([]byte, int) {
	start := len(b)
	runes := 0
	if ns.Type.Valid() {
		b = append(b, ns.Type...)
		runes = len(ns.Type)
	} else {
		b = appendClean(b, string(ns.Type), maxTypeRunes)
		if len(b) == start {
			b = append(b, '?')
		}
		runes = runeCount(b[start:])
	}
	b = append(b, ' ')
	n := len(b)
	b = appendUint(b, ns.Inode)
	runes += 1 + len(b) - n
	if name != "" {
		b = append(b, " · "...)
		n = len(b)
		b = appendClean(b, name, maxNameRunes)
		if len(b)-n == len(name) && printableASCII(name) {
			runes += 3 + len(name)
		} else {
			runes += 3 + runeCount(b[n:])
		}
	}
	return b, runes
}

// namer picks the most recognisable name for a namespace: the container
// that alone uses it (unless the namespace is drawn inside that
// container's node), else its leading process's command, else what keeps
// it alive. It remembers the last container and leader it looked up: the
// namespaces of one container have neighbouring IDs and are named in ID
// order, so most lookups are a comparison instead of a map access.
type namer struct {
	s          *model.Snapshot
	cid        string
	cname      string
	leader     int
	comm       string
	hasC, hasP bool
}

// name is the name for ns; skipCtr leaves out the container (the namespace
// is drawn inside its Container or Pod node, which shows it).
func (m *namer) name(ns *model.Namespace, skipCtr bool) string {
	if len(ns.Containers) == 1 && !skipCtr {
		id := ns.Containers[0]
		if m.hasC && id == m.cid {
			return m.cname
		}
		name := ""
		if c := m.s.Containers[id]; c != nil {
			name = c.DisplayName()
		} else {
			name = (&model.Container{ID: id}).DisplayName()
		}
		m.cid, m.cname, m.hasC = id, name, true
		return name
	}
	if l := ns.Leader; l != 0 {
		if m.hasP && l == m.leader {
			return m.comm
		}
		name := ""
		if p := m.s.Processes[l]; p != nil && p.Comm != "" {
			name = p.Comm
		} else {
			name = "pid " + strconv.Itoa(l)
		}
		m.leader, m.comm, m.hasP = l, name, true
		return name
	}
	if len(ns.HeldBy) > 0 {
		return holderName(m.s, ns.HeldBy[0])
	}
	return ""
}

// sharedName names a namespace that several containers share: by their
// pod when they are all in one ("pod default/web"), else by their names,
// "web, db", the first three and how many more ("a, b, c +2").
func sharedName(s *model.Snapshot, ids []string) string {
	pod := podOf(s.Containers[ids[0]])
	for _, id := range ids[1:] {
		if pod == "" {
			break
		}
		if podOf(s.Containers[id]) != pod {
			pod = ""
		}
	}
	if pod != "" {
		return "pod " + pod
	}
	name := ""
	for k, id := range ids {
		if k == 3 {
			return name + " +" + strconv.Itoa(len(ids)-3)
		}
		if k > 0 {
			name += ", "
		}
		if c := s.Containers[id]; c != nil {
			name += c.DisplayName()
		} else {
			name += (&model.Container{ID: id}).DisplayName()
		}
	}
	return name
}

// holderName describes what keeps a process-less namespace alive. Another
// namespace is named as on the canvas and by kernel tools, by its inode
// ("parent of 4026532001"), never by its NSID, which only the details show.
func holderName(s *model.Snapshot, h model.Holder) string {
	switch h.Kind {
	case model.HeldByBindMount:
		return "bind " + h.Path
	case model.HeldByFD:
		return "fd " + strconv.Itoa(h.FD) + " of pid " + strconv.Itoa(h.PID)
	case model.HeldByProcess:
		return "pid " + strconv.Itoa(h.PID)
	case model.HeldByThread:
		return "tid " + strconv.Itoa(h.TID)
	case model.HeldByChildren:
		return "children of pid " + strconv.Itoa(h.PID)
	case model.HeldBySocket:
		return "socket of pid " + strconv.Itoa(h.PID)
	case model.HeldByChild:
		return "parent of " + nsName(s, h.NS)
	case model.HeldByOwned:
		return "owner of " + nsName(s, h.NS)
	}
	return string(h.Kind)
}

// nsName names namespace id by its inode, as lsns and /proc print it and
// as the canvas labels it, or "a namespace" when the snapshot lacks it.
// The type is left out: labels are short, and the parent of a namespace
// is of its own type.
func nsName(s *model.Snapshot, id model.NSID) string {
	if s != nil {
		if ns := s.Namespaces[id]; ns != nil {
			return strconv.FormatUint(ns.Inode, 10)
		}
	}
	return "a namespace"
}

// appendGroupLabel appends the label of a folded run: "+2,345 net".
func appendGroupLabel(b []byte, count int, t model.NSType) []byte {
	b = append(b, '+')
	b = appendThousands(b, count)
	b = append(b, ' ')
	return appendClean(b, string(t), maxTypeRunes)
}

// appendBucketsLabel appends the label of folded Container or Pod nodes:
// "+1,000 containers", "+12 pods".
func appendBucketsLabel(b []byte, count int, pod bool) []byte {
	b = append(b, '+')
	b = appendThousands(b, count)
	switch {
	case pod && count == 1:
		return append(b, " pod"...)
	case pod:
		return append(b, " pods"...)
	case count == 1:
		return append(b, " container"...)
	}
	return append(b, " containers"...)
}

// countRunes is the length of appendThousands' form of n ≥ 0.
func countRunes(n int) int {
	digits := 1
	for ; n >= 10; n /= 10 {
		digits++
	}
	return digits + (digits-1)/3
}

// appendThousands appends n with commas between groups of three digits.
func appendThousands(b []byte, n int) []byte {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		b = append(b, '-')
		start = 1
	}
	digits := s[start:]
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, digits[i])
	}
	return b
}

// appendUint appends the decimal form of v, writing the digits in place
// instead of through strconv's temporary buffer: labels and IDs carry two
// numbers per node, and the copy showed in profiles.
func appendUint(b []byte, v uint64) []byte {
	// Digits from the bit length: log10(2) ≈ 1233/4096, corrected by one
	// comparison, instead of a division per digit.
	n := 1
	if v >= 10 {
		n = (bits.Len64(v) * 1233) >> 12
		if v >= pow10[n] {
			n++
		}
	}
	b = slices.Grow(b, n)
	i := len(b) + n
	b = b[:i]
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		b[i], b[i+1] = digits2[2*r], digits2[2*r+1]
		v = q
	}
	if v >= 10 {
		i -= 2
		b[i], b[i+1] = digits2[2*v], digits2[2*v+1]
	} else {
		i--
		b[i] = byte('0' + v)
	}
	return b
}

// pow10[i] is 10 to the i.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"
