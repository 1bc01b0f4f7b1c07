package render

import (
	"bufio"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Host data (process names, command lines, container names, mount paths) is
// controlled by any local user. Before it reaches an SVG or a terminal it is
// cleaned: invalid UTF-8 becomes U+FFFD, and characters that could change how
// the surrounding text reads are removed or made visible.

// isBidi reports the invisible formatting characters that reorder text
// (Trojan Source): embeddings, overrides, isolates and directional marks.
func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200E || r == 0x200F || r == 0x061C
}

// clean returns s as safe display text of at most max runes (max <= 0: no
// limit): invalid UTF-8 and characters XML 1.0 forbids become U+FFFD, C0/C1
// control characters become a space (tab, newline) or U+FFFD, bidi controls
// vanish, and a cut string ends in "…". Plain short ASCII is returned as is,
// without allocating.
func clean(s string, max int) string {
	fast := max <= 0 || len(s) <= max
	for i := 0; i < len(s) && fast; i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			fast = false
		}
	}
	if fast {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case r == '\t' || r == '\n' || r == '\r':
			r = ' '
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			r = utf8.RuneError
		case r == 0xFFFE || r == 0xFFFF || r == 0x2028 || r == 0x2029:
			r = utf8.RuneError
		case isBidi(r):
			continue
		}
		if max > 0 && n == max-1 && i < len(s) {
			b.WriteRune('…')
			return b.String()
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// writeXML writes already cleaned text with the five XML special characters
// escaped, so it is safe both as character data and in a double- or
// single-quoted attribute ("]]>" cannot survive because '>' is escaped).
func writeXML(w *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// writeHost writes host data as XML text: cleaned, cut to max runes and
// escaped.
func writeHost(w *bufio.Writer, s string, max int) {
	writeXML(w, clean(s, max))
}

// terminal returns s with everything that could drive a terminal or hide
// text made visible as an escape: control characters as \xNN, C1 controls,
// bidi controls and line separators as \uNNNN, invalid bytes as \xNN, and
// the backslash itself doubled so the escapes are unambiguous. max > 0 cuts
// the result to about max runes with "…".
func terminal(s string, max int) string {
	fast := max <= 0 || len(s) <= max
	for i := 0; i < len(s) && fast; i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			fast = false
		}
	}
	if fast {
		return s
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if max > 0 && n >= max-1 {
			b.WriteRune('…')
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case (r >= 0x80 && r <= 0x9f) || isBidi(r) || r == 0x2028 || r == 0x2029 || r == 0xFEFF:
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)))
			b.WriteString(h)
		default:
			b.WriteRune(r)
		}
		i += size
		n++
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
