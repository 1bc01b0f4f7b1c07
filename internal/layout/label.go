package layout

import (
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

	siblingGap = 12.0 // between boxes of one parent
	cousinGap  = 24.0 // between boxes of different parents
	layerGap   = 48.0 // between layers (depths)
	layerStep  = 56.0 // left-right layer widths are multiples of this (8 runes)

	maxNameRunes = 24 // longest container / command / holder name in a label
	maxTypeRunes = 12 // longest namespace type name (only malformed ones are long)
)

// nodeWidth is the box width for a label: a deterministic monospace
// estimate, never below MinNodeWidth.
func nodeWidth(label []byte) float64 {
	w := float64(utf8.RuneCount(label))*CharWidth + 2*NodePadding
	if w < MinNodeWidth {
		return MinNodeWidth
	}
	return w
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
// (see namer), e.g. "net 4026532001 · nginx".
func appendLabel(b []byte, ns *model.Namespace, name string) []byte {
	if ns.Type.Valid() {
		b = append(b, ns.Type...)
	} else {
		start := len(b)
		b = appendClean(b, string(ns.Type), maxTypeRunes)
		if len(b) == start {
			b = append(b, '?')
		}
	}
	b = append(b, ' ')
	b = strconv.AppendUint(b, ns.Inode, 10)
	if name != "" {
		b = append(b, " · "...)
		b = appendClean(b, name, maxNameRunes)
	}
	return b
}

// namer picks the most recognisable name for a namespace: the container
// that alone uses it, else its leading process's command, else what keeps
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

func (m *namer) name(ns *model.Namespace) string {
	if len(ns.Containers) == 1 {
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
		return holderName(ns.HeldBy[0])
	}
	return ""
}

// holderName describes what keeps a process-less namespace alive.
func holderName(h model.Holder) string {
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
		return "parent of " + strconv.FormatUint(uint64(h.NS), 10)
	case model.HeldByOwned:
		return "owner of " + strconv.FormatUint(uint64(h.NS), 10)
	}
	return string(h.Kind)
}

// appendGroupLabel appends the label of a folded run: "+2,345 net".
func appendGroupLabel(b []byte, count int, t model.NSType) []byte {
	b = append(b, '+')
	b = appendThousands(b, count)
	b = append(b, ' ')
	return appendClean(b, string(t), maxTypeRunes)
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
