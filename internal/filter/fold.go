package filter

import (
	"strings"
	"unicode/utf8"
)

// containsFold reports whether s contains sub, ignoring case; sub must
// already be lower-case. ASCII input, by far the common case for process and
// container names, is compared byte by byte without allocating.
func containsFold(s, sub string) bool {
	if len(sub) == 0 {
		return true
	}
	if !isASCII(s) || !isASCII(sub) {
		return strings.Contains(strings.ToLower(s), sub)
	}
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if lowerASCII(s[i]) != sub[0] {
			continue
		}
		j := 1
		for j < n && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether s starts with the lower-case prefix p,
// ignoring case.
func hasPrefixFold(s, p string) bool {
	if !isASCII(s) || !isASCII(p) {
		return strings.HasPrefix(strings.ToLower(s), p)
	}
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lowerASCII(s[i]) != p[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
