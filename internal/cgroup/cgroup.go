// Package cgroup tells which container a process belongs to from the text
// of its /proc/PID/cgroup file. Container engines name the cgroup of every
// container after its ID, each in its own way; this package knows those
// ways so that nsweb can group namespaces by container without asking any
// engine. It is pure: it reads bytes, never the host.
package cgroup

import (
	"bytes"
	"strings"
)

// Runtime names as they appear in model.Container.Runtime.
const (
	Docker     = "docker"
	Podman     = "podman"
	Containerd = "containerd"
	CRIO       = "crio"
	Kubernetes = "kubernetes" // a pod container whose engine the path does not name
	LXC        = "lxc"
	Nspawn     = "nspawn"
)

// Ref is the container a cgroup path points at.
type Ref struct {
	Runtime string
	// ID is the engine's container ID (64 hex digits for OCI engines) or
	// the machine name for LXC and systemd-nspawn.
	ID string
	// Pod is the Kubernetes pod UID, empty outside Kubernetes.
	Pod string
	// Namespace is the containerd namespace ("default", "k8s.io", "moby")
	// for containers found by the containerd /<namespace>/<id> layout.
	Namespace string
}

// Parse reads a whole /proc/PID/cgroup file and returns the container the
// process is in. It looks at the unified ("0::") line first, then the
// systemd one ("name=systemd"), then the other v1 controllers, because a
// hybrid host may place the container only in some hierarchies. ok is
// false for a process in no container.
func Parse(data []byte) (ref Ref, ok bool) {
	return ParseWith(data, nil)
}

// Resolver names the container of a cgroup path that no known layout
// recognises, from what an engine said about its containers (containerd's
// tasks run by ctr under /<namespace>/<any ID>: internal/ctrd). It must be
// safe for concurrent use.
type Resolver func(path string) (Ref, bool)

// ParseWith is Parse that, when no known layout matches any of the file's
// paths, asks extra (if not nil) about each path in the same order.
func ParseWith(data []byte, extra Resolver) (ref Ref, ok bool) {
	var unified, systemd string
	var others []string
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		// hierarchy-ID:controller-list:path; the path may contain ':'.
		_, rest, found := bytes.Cut(line, []byte{':'})
		if !found {
			continue
		}
		ctrl, path, found := bytes.Cut(rest, []byte{':'})
		if !found {
			continue
		}
		switch {
		case len(ctrl) == 0:
			unified = string(path)
		case string(ctrl) == "name=systemd":
			systemd = string(path)
		default:
			others = append(others, string(path))
		}
	}
	paths := append([]string{unified, systemd}, others...)
	for _, p := range paths {
		if p == "" {
			continue
		}
		if ref, ok = ParsePath(p); ok {
			return ref, true
		}
	}
	if extra == nil {
		return Ref{}, false
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if ref, ok = extra(p); ok {
			return ref, true
		}
	}
	return Ref{}, false
}

// ParsePath recognises the container in one cgroup path such as
// "/system.slice/docker-<id>.scope". ok is false when the path belongs to
// no known container layout.
func ParsePath(path string) (Ref, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return Ref{}, false
	}
	// Kubernetes first: its leaf names the engine, its parents the pod.
	if pod, i := kubePod(parts); pod != "" {
		for _, leaf := range parts[i+1:] {
			if r, ok := scopeLeaf(leaf); ok {
				r.Pod = pod
				return r, true
			}
			if isHexID(leaf) {
				return Ref{Runtime: Kubernetes, ID: leaf, Pod: pod}, true
			}
		}
		return Ref{}, false
	}
	// Innermost match wins: nested engines (docker in lxc) report the inner.
	for i := len(parts) - 1; i >= 0; i-- {
		leaf := parts[i]
		if r, ok := scopeLeaf(leaf); ok {
			return r, true
		}
		if i > 0 && isHexID(leaf) {
			switch parts[i-1] {
			case "docker":
				return Ref{Runtime: Docker, ID: leaf}, true
			case "libpod_parent":
				return Ref{Runtime: Podman, ID: leaf}, true
			}
			if i == 1 && len(leaf) == 64 && !strings.HasSuffix(parts[0], ".slice") {
				// containerd's default layout: /<namespace>/<id>. Only a
				// full 64-digit ID counts: the layout names no engine, and
				// other tools file processes under /<word>/<shorter hex>
				// (a sandbox's /process_api/<32 hex>, for one).
				return Ref{Runtime: Containerd, ID: leaf, Namespace: parts[0]}, true
			}
		}
		if name, ok := strings.CutPrefix(leaf, "lxc.payload."); ok && validName(name) {
			return Ref{Runtime: LXC, ID: name}, true
		}
		if i > 0 && parts[i-1] == "lxc" && validName(leaf) && !strings.HasPrefix(leaf, "lxc.") {
			return Ref{Runtime: LXC, ID: leaf}, true
		}
		if i > 0 && parts[i-1] == "machine.slice" {
			if name, ok := nspawnName(leaf); ok {
				return Ref{Runtime: Nspawn, ID: name}, true
			}
		}
	}
	return Ref{}, false
}

// scopeLeaf recognises the systemd scope names engines create:
// docker-<id>.scope, libpod-<id>.scope, cri-containerd-<id>.scope,
// nerdctl-<id>.scope, crio-<id>.scope. The conmon scopes of podman and CRI-O are monitors, not
// containers, and are not matched.
func scopeLeaf(leaf string) (Ref, bool) {
	name := strings.TrimSuffix(leaf, ".scope")
	for _, p := range []struct{ prefix, runtime string }{
		{"docker-", Docker},
		{"libpod-", Podman},
		{"cri-containerd-", Containerd},
		{"nerdctl-", Containerd}, // nerdctl with the systemd cgroup driver
		{"crio-", CRIO},
	} {
		if id, ok := strings.CutPrefix(name, p.prefix); ok && isHexID(id) {
			return Ref{Runtime: p.runtime, ID: id}, true
		}
	}
	return Ref{}, false
}

// kubePod finds the pod UID in a kubepods hierarchy, in both the systemd
// driver form (kubepods-burstable-pod<uid with _>.slice) and the cgroupfs
// one (pod<uid>). It returns the UID and the index of its path element.
func kubePod(parts []string) (string, int) {
	if !strings.HasPrefix(parts[0], "kubepods") {
		return "", -1
	}
	for i, p := range parts {
		p = strings.TrimSuffix(p, ".slice")
		j := strings.LastIndex(p, "pod")
		if j < 0 || (j > 0 && p[j-1] != '-') {
			continue
		}
		uid := strings.ReplaceAll(p[j+3:], "_", "-")
		if isUID(uid) {
			return uid, i
		}
	}
	return "", -1
}

// nspawnName gets the machine name from systemd-nspawn's cgroups:
// machine-<name>.scope (escaped by systemd), systemd-nspawn@<name>.service
// and nspawn-<name>.
func nspawnName(leaf string) (string, bool) {
	var name string
	switch {
	case strings.HasPrefix(leaf, "machine-") && strings.HasSuffix(leaf, ".scope"):
		name = unescapeSystemd(strings.TrimSuffix(strings.TrimPrefix(leaf, "machine-"), ".scope"))
	case strings.HasPrefix(leaf, "systemd-nspawn@") && strings.HasSuffix(leaf, ".service"):
		name = unescapeSystemd(strings.TrimSuffix(strings.TrimPrefix(leaf, "systemd-nspawn@"), ".service"))
	case strings.HasPrefix(leaf, "nspawn-"):
		name = unescapeSystemd(strings.TrimSuffix(strings.TrimPrefix(leaf, "nspawn-"), ".scope"))
	}
	return name, validName(name)
}

// validName rejects machine names that unescape to nothing, to a path or to
// control characters: they cannot be a real machine and would mislead.
func validName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' {
			return false
		}
	}
	return true
}

// unescapeSystemd undoes systemd's \xNN escaping of unit names.
func unescapeSystemd(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, ok := hexByte(s[i+2], s[i+3]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hexByte(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isHexID accepts engine container IDs: 12 to 128 lowercase hex digits
// (full 64-digit IDs in practice; shorter ones appear in tests and LXD).
func isHexID(s string) bool {
	if len(s) < 12 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isUID accepts a Kubernetes pod UID: 36 characters of hex and dashes.
func isUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}
