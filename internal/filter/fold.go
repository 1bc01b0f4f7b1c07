package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pattern is one lower-case value a string term looks for, ready for a
// search in linear time: Knuth–Morris–Pratt over runes, folding the text's
// case as it reads it. Matching never allocates and never costs more than
// two steps per rune of the text, whatever the text and the value hold
// (the naive search cost their product: a command line of a's searched for
// a…ab). The failure table is built once, at parse time.
type pattern struct {
	runes []rune
	fail  []int // fail[j]: length of the longest proper border of runes[:j+1]
	// lo and up are the two ASCII spellings of the first rune, when it is
	// ASCII (skip says so): the search jumps to the next of them with
	// strings.IndexByte, each found once, so it stays linear.
	lo, up byte
	skip   bool
}

func newPattern(lower string) pattern {
	p := pattern{runes: []rune(lower)}
	if len(p.runes) > 0 && p.runes[0] < utf8.RuneSelf {
		p.lo, p.up, p.skip = byte(p.runes[0]), byte(p.runes[0]), true
		if 'a' <= p.lo && p.lo <= 'z' {
			p.up = p.lo - ('a' - 'A')
		}
	}
	p.fail = make([]int, len(p.runes))
	k := 0
	for j := 1; j < len(p.runes); j++ {
		for k > 0 && p.runes[j] != p.runes[k] {
			k = p.fail[k-1]
		}
		if p.runes[j] == p.runes[k] {
			k++
		}
		p.fail[j] = k
	}
	return p
}

// foldAt returns the lower-case rune at s[i] and its width. Invalid UTF-8
// reads as U+FFFD, as strings.ToLower writes it.
func foldAt(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c), 1
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	return unicode.ToLower(r), w
}

// in reports whether s contains the pattern, ignoring case.
func (p *pattern) in(s string) bool { return p.scan(s, nil) }

// scan is in, counting its steps into steps when not nil (for the tests
// of its cost).
func (p *pattern) scan(s string, steps *int) bool {
	n := len(p.runes)
	if n == 0 {
		return true
	}
	j := 0
	nextLo, nextUp := -1, -1 // next offsets of lo and up, len(s) for none
	for i := 0; i < len(s); {
		if j == 0 && p.skip {
			if nextLo < i {
				nextLo = indexFrom(s, i, p.lo)
			}
			if nextUp < i {
				nextUp = indexFrom(s, i, p.up)
			}
			if i = min(nextLo, nextUp); i >= len(s) {
				return false
			}
		}
		r, w := foldAt(s, i)
		i += w
		for j > 0 && p.runes[j] != r {
			j = p.fail[j-1]
			if steps != nil {
				*steps++
			}
		}
		if steps != nil {
			*steps++
		}
		if p.runes[j] == r {
			j++
			if j == n {
				return true
			}
		}
	}
	return false
}

// indexFrom is the offset of the first c in s at or after i, len(s) if
// there is none.
func indexFrom(s string, i int, c byte) int {
	if k := strings.IndexByte(s[i:], c); k >= 0 {
		return i + k
	}
	return len(s)
}

// prefixOf reports whether s starts with the pattern, ignoring case.
func (p *pattern) prefixOf(s string) bool {
	i := 0
	for _, want := range p.runes {
		if i >= len(s) {
			return false
		}
		r, w := foldAt(s, i)
		if r != want {
			return false
		}
		i += w
	}
	return true
}
