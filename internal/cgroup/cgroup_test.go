package cgroup

import (
	"strings"
	"testing"
)

const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		file string
		want Ref
		ok   bool
	}{
		{"host", "0::/init.scope\n", Ref{}, false},
		{"host v1", "12:pids:/\n1:name=systemd:/init.scope\n0::/\n", Ref{}, false},
		{"docker cgroupfs v2", "0::/docker/" + id + "\n", Ref{Runtime: Docker, ID: id}, true},
		{"docker systemd v2", "0::/system.slice/docker-" + id + ".scope\n", Ref{Runtime: Docker, ID: id}, true},
		{"docker v1 only in memory", "4:memory:/docker/" + id + "\n1:name=systemd:/\n0::/\n", Ref{Runtime: Docker, ID: id}, true},
		{"docker v1 systemd", "1:name=systemd:/docker/" + id + "\n", Ref{Runtime: Docker, ID: id}, true},
		{"podman rootful", "0::/machine.slice/libpod-" + id + ".scope\n", Ref{Runtime: Podman, ID: id}, true},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope/container\n", Ref{Runtime: Podman, ID: id}, true},
		{"podman cgroupfs", "0::/libpod_parent/libpod-" + id + "\n", Ref{Runtime: Podman, ID: id}, true},
		{"podman conmon is not a container", "0::/machine.slice/libpod-conmon-" + id + ".scope\n", Ref{}, false},
		{"containerd namespace", "0::/default/" + id + "\n", Ref{Runtime: Containerd, ID: id, Namespace: "default"}, true},
		{"containerd k8s.io", "0::/k8s.io/" + id + "\n", Ref{Runtime: Containerd, ID: id, Namespace: "k8s.io"}, true},
		{"hex under a slice is not containerd", "0::/system.slice/" + id + "\n", Ref{}, false},
		{"short hex under a word is not containerd", "4:memory:/process_api/fb39420938092eac451f373f8277f9de\n1:name=systemd:/\n0::/\n", Ref{}, false},
		{"cri-containerd scope", "0::/system.slice/cri-containerd-" + id + ".scope\n", Ref{Runtime: Containerd, ID: id}, true},
		{"nerdctl systemd scope", "0::/system.slice/nerdctl-" + id + ".scope\n", Ref{Runtime: Containerd, ID: id}, true},
		{"crio scope", "0::/crio-" + id + ".scope\n", Ref{Runtime: CRIO, ID: id}, true},
		{"crio conmon", "0::/crio-conmon-" + id + ".scope\n", Ref{}, false},
		{"k8s systemd containerd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice/cri-containerd-" + id + ".scope\n",
			Ref{Runtime: Containerd, ID: id, Pod: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}, true},
		{"k8s systemd crio guaranteed", "0::/kubepods.slice/kubepods-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice/crio-" + id + ".scope\n",
			Ref{Runtime: CRIO, ID: id, Pod: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}, true},
		{"k8s cgroupfs", "0::/kubepods/besteffort/pod0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/" + id + "\n",
			Ref{Runtime: Kubernetes, ID: id, Pod: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}, true},
		{"k8s docker v1", "11:memory:/kubepods/burstable/pod0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/" + id + "\n0::/\n",
			Ref{Runtime: Kubernetes, ID: id, Pod: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}, true},
		{"k8s pod slice without container", "0::/kubepods.slice/kubepods-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice\n", Ref{}, false},
		{"lxc v2", "0::/lxc.payload.web1\n", Ref{Runtime: LXC, ID: "web1"}, true},
		{"lxc v2 nested cgroup", "0::/lxc.payload.web1/system.slice/cron.service\n", Ref{Runtime: LXC, ID: "web1"}, true},
		{"lxc monitor", "0::/lxc.monitor.web1\n", Ref{}, false},
		{"lxc v1", "3:cpu:/lxc/web1\n0::/\n", Ref{Runtime: LXC, ID: "web1"}, true},
		{"docker inside lxc", "0::/lxc.payload.web1/system.slice/docker-" + id + ".scope\n", Ref{Runtime: Docker, ID: id}, true},
		{"nspawn machine scope", "0::/machine.slice/machine-deb\\x2dtest.scope/payload\n", Ref{Runtime: Nspawn, ID: "deb-test"}, true},
		{"nspawn service", "0::/machine.slice/systemd-nspawn@arch.service/payload\n", Ref{Runtime: Nspawn, ID: "arch"}, true},
		{"nspawn prefix", "0::/machine.slice/nspawn-arch\n", Ref{Runtime: Nspawn, ID: "arch"}, true},
		{"short id rejected", "0::/docker/abc\n", Ref{}, false},
		{"uppercase id rejected", "0::/docker/" + strings.ToUpper(id) + "\n", Ref{}, false},
		{"path with colon", "0::/weird:path/docker-" + id + ".scope\n", Ref{Runtime: Docker, ID: id}, true},
		{"empty", "", Ref{}, false},
		{"garbage", "\x00\xff::::\n:\n", Ref{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse([]byte(tt.file))
			if ok != tt.ok || got != tt.want {
				t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.file, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestParseWith: the resolver is asked only when no known layout matches,
// about every path in Parse's order (unified, systemd, the others), and
// its first answer wins.
func TestParseWith(t *testing.T) {
	known := map[string]Ref{
		"/ctrd/web":    {Runtime: Containerd, ID: "web", Namespace: "ctrd"},
		"/ctrd/web-v1": {Runtime: Containerd, ID: "web-v1", Namespace: "ctrd"},
	}
	var asked []string
	resolve := func(p string) (Ref, bool) {
		asked = append(asked, p)
		r, ok := known[p]
		return r, ok
	}
	tests := []struct {
		name  string
		file  string
		want  Ref
		ok    bool
		asked []string
	}{
		{"known layout first", "0::/docker/" + id + "\n", Ref{Runtime: Docker, ID: id}, true, nil},
		{"resolved", "0::/ctrd/web\n", known["/ctrd/web"], true, []string{"/ctrd/web"}},
		{"v1: unified, then systemd, then the others", "4:memory:/ctrd/web-v1\n1:name=systemd:/user.slice\n0::/\n",
			known["/ctrd/web-v1"], true, []string{"/", "/user.slice", "/ctrd/web-v1"}},
		{"unknown", "0::/ctrd/other\n", Ref{}, false, []string{"/ctrd/other"}},
		{"empty", "", Ref{}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			got, ok := ParseWith([]byte(tt.file), resolve)
			if ok != tt.ok || got != tt.want || strings.Join(asked, " ") != strings.Join(tt.asked, " ") {
				t.Errorf("ParseWith(%q) = %+v, %v asking %q; want %+v, %v asking %q", tt.file, got, ok, asked, tt.want, tt.ok, tt.asked)
			}
			if plain, pok := Parse([]byte(tt.file)); tt.asked != nil && pok {
				t.Errorf("Parse(%q) = %+v without a resolver", tt.file, plain)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("0::/system.slice/docker-" + id + ".scope\n"))
	f.Add([]byte("0::/kubepods.slice/kubepods-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice/cri-containerd-" + id + ".scope\n"))
	f.Add([]byte("0::/lxc.payload.x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ok := Parse(data)
		if !ok {
			if r != (Ref{}) {
				t.Fatalf("not ok but %+v", r)
			}
			return
		}
		switch r.Runtime {
		case Docker, Podman, Containerd, CRIO, Kubernetes, LXC, Nspawn:
		default:
			t.Fatalf("unknown runtime %q", r.Runtime)
		}
		if r.ID == "" || strings.ContainsAny(r.ID, "/\n") {
			t.Fatalf("bad ID %q", r.ID)
		}
	})
}
