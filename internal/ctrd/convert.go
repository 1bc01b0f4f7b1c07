// From containerd's container records to model.Container: names, bounds
// and what is left to the CRI.

package ctrd

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	containers "github.com/containerd/containerd/api/services/containers/v1"

	"github.com/nsweb/nsweb/internal/cgroup"
	"github.com/nsweb/nsweb/internal/model"
)

// Bounds on what containerd's answer may put into a snapshot, as for the
// other engines.
const (
	maxIDLen    = 76 // containerd's own limit on identifiers
	maxNameLen  = 512
	maxLabelLen = 4096
	maxLabels   = 256
)

// Labels nsweb reads or adds.
const (
	// NameLabel is where nerdctl keeps the name people gave a container
	// (nerdctl run --name web).
	NameLabel = "nerdctl/name"
	// NamespaceLabel is the containerd namespace of the container, which
	// nsweb adds to its labels.
	NamespaceLabel = "containerd/namespace"
)

// criLabelPrefixes mark the containers containerd's CRI plugin made, in
// whatever namespace: internal/cri names them, with their pods.
var criLabelPrefixes = []string{"io.kubernetes.", "io.cri-containerd."}

// convert turns a container record of namespace ns into the container
// nsweb shows; skip is true for the CRI's. A record whose ID differs from
// the task's (it cannot) is taken under the task's.
func convert(ns, id string, c *containers.Container) (ct *model.Container, skip bool) {
	labels := c.GetLabels()
	for k := range labels {
		for _, p := range criLabelPrefixes {
			if strings.HasPrefix(k, p) {
				return nil, true
			}
		}
	}
	name := clean(labels[NameLabel], maxNameLen)
	if name == "" && !longHex(id) {
		// ctr run IMAGE web: the ID is the name its maker chose. A long
		// hex ID is a generated one, better shown short (DisplayName).
		name = id
	}
	out := cleanLabels(labels)
	out[NamespaceLabel] = ns
	return &model.Container{ID: id, Runtime: cgroup.Containerd, Name: name,
		Image: clean(c.GetImage(), maxNameLen), Labels: out}, false
}

// validID accepts containerd's identifiers (of namespaces and
// containers): letters, digits, '.', '_' and '-', starting with a letter
// or digit, at most 76 bytes. They are safe in node IDs and URLs.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLen || !alnum(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// longHex reports whether id looks generated: 32 hex digits or more, as
// nerdctl, Docker and the CRI make them.
func longHex(id string) bool {
	if len(id) < 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// clean cuts s to n bytes of valid UTF-8 and replaces control characters,
// so that a name cannot garble a terminal or a log line.
func clean(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}

// cleanLabels copies at most maxLabels-1 labels, cleaned, leaving room for
// the namespace label; never nil.
func cleanLabels(in map[string]string) map[string]string {
	out := make(map[string]string, min(len(in), maxLabels-1)+1)
	keys := slices.Sorted(maps.Keys(in)) // the same ones every poll
	for _, k := range keys[:min(len(keys), maxLabels-1)] {
		out[clean(k, maxNameLen)] = clean(in[k], maxLabelLen)
	}
	return out
}
