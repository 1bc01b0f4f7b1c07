package cri

import (
	"strings"
	"testing"

	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestConvert(t *testing.T) {
	sb := strings.Repeat("ab", 32)
	web := strings.Repeat("c1", 32)
	orphan := strings.Repeat("d2", 32)
	l := lists{
		sandboxes: []*runtime.PodSandbox{
			{Id: sb, Metadata: &runtime.PodSandboxMetadata{Name: "checkout", Namespace: "shop"}, Labels: map[string]string{"app": "shop"}},
			{Id: "not-hex!", Metadata: &runtime.PodSandboxMetadata{Name: "bad"}},
			nil,
		},
		containers: []*runtime.Container{
			{Id: strings.ToUpper(web), PodSandboxId: sb, Metadata: &runtime.ContainerMetadata{Name: "web\x1b[31m"},
				Image: &runtime.ImageSpec{Image: "sha256:1111"}, ImageRef: "sha256:1111", Labels: map[string]string{"role": "web"}},
			{Id: orphan, PodSandboxId: strings.Repeat("ee", 32), Metadata: &runtime.ContainerMetadata{Name: "late"},
				Image:  &runtime.ImageSpec{Image: "sha256:2222"},
				Labels: map[string]string{podNameLabel: "gone", podNSLabel: "old"}},
			{Id: "short", Metadata: &runtime.ContainerMetadata{Name: "x"}},
		},
		images: []*runtime.Image{{Id: "sha256:1111", RepoTags: []string{"docker.io/library/nginx:1"}}, {Id: "sha256:3333"}},
	}
	got := convert("containerd", l)
	if len(got) != 3 {
		t.Fatalf("got %d containers, want the sandbox and two containers: %v", len(got), got)
	}
	s := got[sb]
	if s == nil || s.Name != sandboxName || s.Pod != "checkout" || s.PodNamespace != "shop" || s.Labels["app"] != "shop" || s.Runtime != "containerd" {
		t.Errorf("sandbox: %+v", s)
	}
	w := got[web] // the ID is lowercased, as cgroups give it
	if w == nil || w.Name != "web?[31m" || w.Image != "docker.io/library/nginx:1" || w.Pod != "checkout" || w.PodNamespace != "shop" || w.Labels["role"] != "web" {
		t.Errorf("web: %+v", w)
	}
	o := got[orphan]
	if o == nil || o.Pod != "gone" || o.PodNamespace != "old" || o.Image != "sha256:2222" {
		t.Errorf("container whose sandbox was not listed: %+v", o)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"plain", 10, "plain"},
		{"tab\there", 20, "tab?here"},
		{"héllo", 2, "h"}, // no half rune
		{"\xff", 5, "?"},
		{strings.Repeat("a", 600), maxNameLen, strings.Repeat("a", maxNameLen)},
	} {
		if got := clean(c.in, c.n); got != c.want {
			t.Errorf("clean(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	many := map[string]string{}
	for i := range 2 * maxLabels {
		many[strings.Repeat("k", i+1)] = "v"
	}
	if n := len(cleanLabels(many)); n != maxLabels {
		t.Errorf("cleanLabels kept %d, want %d", n, maxLabels)
	}
}
