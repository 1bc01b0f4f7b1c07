package cri

import (
	"strings"
	"unicode/utf8"

	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nsweb/nsweb/internal/model"
)

// Bounds on what a runtime's answer may put into a snapshot, as the
// Docker API names are bounded (internal/engine).
const (
	maxNameLen   = 512
	maxLabelLen  = 4096
	maxLabels    = 256
	maxIDLen     = 128
	minIDLen     = 12
	sandboxName  = "POD" // what kubelet's docker integration called a pod's sandbox
	podNameLabel = "io.kubernetes.pod.name"
	podNSLabel   = "io.kubernetes.pod.namespace"
)

// lists is one poll of a runtime: its sandboxes, containers and images.
type lists struct {
	sandboxes  []*runtime.PodSandbox
	containers []*runtime.Container
	images     []*runtime.Image
}

// convert turns one poll into containers by lowercase ID: every container
// with its name, image, labels and pod, and every pod sandbox (whose pause
// process holds the pod's namespaces) as a container named "POD" of its
// pod. Entries without a usable ID are left out.
func convert(runtimeName string, l lists) map[string]*model.Container {
	images := map[string]string{} // image ID → first tag
	for _, im := range l.images {
		if im == nil || len(im.RepoTags) == 0 {
			continue
		}
		images[im.Id] = im.RepoTags[0]
	}
	type pod struct{ name, namespace string }
	pods := map[string]pod{}
	out := map[string]*model.Container{}
	for _, sb := range l.sandboxes {
		if sb == nil || !validID(sb.Id) {
			continue
		}
		md := sb.GetMetadata()
		p := pod{clean(md.GetName(), maxNameLen), clean(md.GetNamespace(), maxNameLen)}
		pods[sb.Id] = p
		out[strings.ToLower(sb.Id)] = &model.Container{
			ID: strings.ToLower(sb.Id), Runtime: runtimeName, Name: sandboxName,
			Pod: p.name, PodNamespace: p.namespace, Labels: cleanLabels(sb.Labels),
		}
	}
	for _, c := range l.containers {
		if c == nil || !validID(c.Id) {
			continue
		}
		image := c.GetImage().GetUserSpecifiedImage()
		if image == "" {
			image = images[c.GetImageRef()]
		}
		if image == "" {
			image = images[c.GetImage().GetImage()]
		}
		if image == "" {
			image = c.GetImage().GetImage()
		}
		if image == "" {
			image = c.GetImageRef()
		}
		p := pods[c.PodSandboxId]
		labels := cleanLabels(c.Labels)
		if p.name == "" { // a sandbox that ended between the two lists
			p = pod{clean(c.Labels[podNameLabel], maxNameLen), clean(c.Labels[podNSLabel], maxNameLen)}
		}
		out[strings.ToLower(c.Id)] = &model.Container{
			ID: strings.ToLower(c.Id), Runtime: runtimeName,
			Name: clean(c.GetMetadata().GetName(), maxNameLen), Image: clean(image, maxNameLen),
			Pod: p.name, PodNamespace: p.namespace, Labels: labels,
		}
	}
	return out
}

// validID accepts the runtimes' container and sandbox IDs: hex digits, as
// cgroups show them.
func validID(id string) bool {
	if len(id) < minIDLen || len(id) > maxIDLen {
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

func cleanLabels(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, min(len(in), maxLabels))
	for k, v := range in {
		if len(out) == maxLabels {
			break
		}
		out[clean(k, maxNameLen)] = clean(v, maxLabelLen)
	}
	return out
}
