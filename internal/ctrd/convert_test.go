package ctrd

import (
	"strings"
	"testing"

	containers "github.com/containerd/containerd/api/services/containers/v1"
)

func TestConvert(t *testing.T) {
	many := map[string]string{}
	for i := range 300 {
		many[strings.Repeat("k", 1+i)] = "v"
	}
	tests := []struct {
		name, ns, id string
		in           *containers.Container
		skip         bool
		wantName     string
		wantImage    string
		labels       int
	}{
		{"nerdctl name", "default", hexID, &containers.Container{Image: "nginx", Labels: map[string]string{NameLabel: "web"}}, false, "web", "nginx", 2},
		{"ctr ID is the name", "nsweb-test", "ctrd-web", &containers.Container{Image: "busybox"}, false, "ctrd-web", "busybox", 1},
		{"generated ID shows short", "moby", hexID, &containers.Container{}, false, "", "", 1},
		{"CRI label", "custom", hexID, &containers.Container{Labels: map[string]string{"io.kubernetes.pod.name": "p"}}, true, "", "", 0},
		{"CRI kind label", "custom", hexID, &containers.Container{Labels: map[string]string{"io.cri-containerd.kind": "sandbox"}}, true, "", "", 0},
		{"control characters", "default", "x1", &containers.Container{Image: "a\x1b[2Jb", Labels: map[string]string{NameLabel: "w\neb"}}, false, "w?eb", "a?[2Jb", 2},
		{"long name cut", "default", "x2", &containers.Container{Labels: map[string]string{NameLabel: strings.Repeat("é", 400)}}, false, strings.Repeat("é", 256), "", 2},
		{"labels bounded", "default", "x3", &containers.Container{Labels: many}, false, "x3", "", maxLabels},
		{"nil record", "default", "x4", nil, false, "x4", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, skip := convert(tt.ns, tt.id, tt.in)
			if skip != tt.skip {
				t.Fatalf("skip = %v", skip)
			}
			if skip {
				return
			}
			if c.ID != tt.id || c.Runtime != "containerd" || c.Name != tt.wantName || c.Image != tt.wantImage ||
				len(c.Labels) != tt.labels || c.Labels[NamespaceLabel] != tt.ns {
				t.Errorf("got %+v (%d labels)", c, len(c.Labels))
			}
		})
	}
}

func TestContainerCgroup(t *testing.T) {
	tests := []struct {
		path, id, want string
		ok             bool
	}{
		{"/nsweb-test/ctrd-web", "ctrd-web", "/nsweb-test/ctrd-web", true},
		{"/nsweb-test/ctrd-web/init.scope", "ctrd-web", "/nsweb-test/ctrd-web", true},
		{"/system.slice/nerdctl-" + hexID + ".scope", hexID, "/system.slice/nerdctl-" + hexID + ".scope", true},
		{"/web", "web", "/web", true},
		{"/system.slice/foo.service", "slice", "", false},
		{"/system.slice", "slice", "", false},
		{"/ns/webx", "web", "", false},
		{"/ns/web/a/b", "web", "", false},
		{"/ns/../web", "web", "", false},
		{"/../../ns/web", "web", "/../../ns/web", true},
		{"/../../ns/web/init.scope", "web", "/../../ns/web", true},
		{"/../web", "web", "/../web", true},
		{"/../system.slice", "slice", "", false},
		{"/..", "web", "", false},
		{"/../..", "web", "", false},
		{"/", "web", "", false},
		{"web", "web", "", false},
		{"", "web", "", false},
	}
	for _, tt := range tests {
		if got, ok := containerCgroup(tt.path, tt.id); got != tt.want || ok != tt.ok {
			t.Errorf("containerCgroup(%q, %q) = %q, %v; want %q, %v", tt.path, tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"web": true, "ctrd-web.1_a": true, hexID: true, "": false, "-web": false, "a/b": false, "a:b": false,
		"a b": false, "é": false, strings.Repeat("a", 76): true, strings.Repeat("a", 77): false,
	} {
		if validID(id) != want {
			t.Errorf("validID(%q) = %v", id, !want)
		}
	}
}
