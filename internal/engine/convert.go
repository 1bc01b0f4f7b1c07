package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/model"
)

// Runtimes this package names, the same words internal/cgroup uses for the
// containers it finds, so that Lookup can match the two.
const (
	RuntimeDocker = "docker"
	RuntimePodman = "podman"
)

// Labels that carry meaning nsweb shows. Compose labels stay in
// Container.Labels: ComposeProject reads them from there.
const (
	LabelPodName        = "io.kubernetes.pod.name"
	LabelPodNamespace   = "io.kubernetes.pod.namespace"
	LabelComposeProject = "com.docker.compose.project"
	LabelComposeService = "com.docker.compose.service"
)

// Limits on what an engine may hand us, so that one hostile or broken
// engine cannot bloat every snapshot. Longer strings are cut (and marked
// with "…"), never dropped.
const (
	maxIDLen     = 128
	maxNameLen   = 512
	maxLabels    = 256
	maxLabelText = 4096
)

// ComposeProject is the Docker Compose project a container belongs to, ""
// when none: compose has no field of its own in model.Container.
func ComposeProject(c *model.Container) string { return c.Labels[LabelComposeProject] }

// toContainer maps one entry of GET /containers/json to the model. It fails
// only when the entry has no usable ID, the one thing the catalogue cannot
// do without.
func toContainer(runtime string, a apiContainer) (*model.Container, error) {
	id := strings.ToLower(a.ID)
	if err := checkID(id); err != nil {
		return nil, err
	}
	c := &model.Container{
		ID:      id,
		Runtime: runtime,
		Name:    clean(pickName(a.Names), maxNameLen),
		Image:   clean(a.Image, maxNameLen),
	}
	if len(a.Labels) > 0 {
		c.Labels = make(map[string]string, min(len(a.Labels), maxLabels))
		for _, k := range sortedKeys(a.Labels) {
			if len(c.Labels) == maxLabels {
				break
			}
			c.Labels[clean(k, maxLabelText)] = clean(a.Labels[k], maxLabelText)
		}
		c.Pod = c.Labels[LabelPodName]
		c.PodNamespace = c.Labels[LabelPodNamespace]
	}
	return c, nil
}

// checkID accepts the IDs engines give (64 lowercase hex digits) and any
// other short printable token a compatible engine might use, but nothing
// that could not be a cgroup path element.
func checkID(id string) error {
	if id == "" {
		return fmt.Errorf("container without an ID")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("container ID %q… longer than %d bytes", id[:16], maxIDLen)
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("container ID %q has character %q", id, r)
		}
	}
	return nil
}

// pickName returns the container's own name. Docker lists link aliases as
// extra names ("/web/db"), all with a leading slash; the container's own
// name is the one without a further slash.
func pickName(names []string) string {
	for _, n := range names {
		n = strings.TrimPrefix(n, "/")
		if n != "" && !strings.Contains(n, "/") {
			return n
		}
	}
	if len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return ""
}

// clean makes s valid UTF-8 without control characters and at most max
// bytes long. Escaping for HTML or SVG is the renderers' job; this only
// keeps text that would garble a log line or a terminal out of the model.
func clean(s string, max int) string {
	ok := utf8.ValidString(s) && len(s) <= max
	if ok {
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '\uFFFD'
		}
		if b.Len()+utf8.RuneLen(r) > max-len("…") {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Sorting makes the cut at maxLabels the same every time.
	slices.Sort(keys)
	return keys
}

// equalContainers reports whether two catalogues of one engine hold the
// same containers with the same metadata.
func equalContainers(a, b map[string]*model.Container) bool {
	if len(a) != len(b) {
		return false
	}
	for id, x := range a {
		y, ok := b[id]
		if !ok || !equalContainer(x, y) {
			return false
		}
	}
	return true
}

func equalContainer(x, y *model.Container) bool {
	return x.ID == y.ID && x.Runtime == y.Runtime && x.Name == y.Name && x.Image == y.Image &&
		x.Pod == y.Pod && x.PodNamespace == y.PodNamespace && maps.Equal(x.Labels, y.Labels)
}

// copyContainer returns a copy that shares nothing with c, so that callers
// may keep or change it while the catalogue moves on.
func copyContainer(c *model.Container) *model.Container {
	d := *c
	d.Labels = maps.Clone(c.Labels)
	return &d
}
