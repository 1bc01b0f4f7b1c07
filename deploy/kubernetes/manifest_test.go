// Package kubernetes_test decodes deploy/kubernetes strictly into the
// Kubernetes API types, so a misspelt or misplaced field fails here rather
// than in a cluster, and checks that the DaemonSet asks for what nsweb needs
// and no more. It lives apart so that k8s.io/api compiles only for it.
package kubernetes_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// object is one decoded manifest document.
type object struct {
	file string
	kind string
	obj  any
}

// decode splits a file into YAML documents and decodes each strictly into
// the type its kind names; an unknown kind or field is an error.
func decode(file string, data []byte) ([]object, error) {
	var out []object
	for i, doc := range bytes.Split(data, []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", file, i+1, err)
		}
		var obj any
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 Namespace":
			obj = &corev1.Namespace{}
		case "v1 ServiceAccount":
			obj = &corev1.ServiceAccount{}
		case "v1 Secret":
			obj = &corev1.Secret{}
		case "apps/v1 DaemonSet":
			obj = &appsv1.DaemonSet{}
		default:
			return nil, fmt.Errorf("%s document %d: unexpected %s %s", file, i+1, meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s document %d (%s): %w", file, i+1, meta.Kind, err)
		}
		out = append(out, object{file, meta.Kind, obj})
	}
	return out, nil
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func manifests(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var all []object
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decode(f, data)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, objs...)
	}
	return all
}

// TestStrictDecoding: the decoder this test relies on refuses what a
// cluster would refuse, so the manifests' passing means something.
func TestStrictDecoding(t *testing.T) {
	for _, c := range []struct{ name, doc string }{
		{"unknown field", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec:\n  hostPID: true\n"},
		{"misspelt field", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, lables: {a: b}}\n"},
		{"duplicate field", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\nmetadata: {name: y}\n"},
		{"wrong type", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec: {template: {spec: {hostPID: yes-please}}}\n"},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"},
	} {
		if _, err := decode(c.name, []byte(c.doc)); err == nil {
			t.Errorf("%s: decoded without error", c.name)
		}
	}
}

func TestDaemonSet(t *testing.T) {
	var ds *appsv1.DaemonSet
	var ns *corev1.Namespace
	var sa *corev1.ServiceAccount
	for _, o := range manifests(t) {
		switch v := o.obj.(type) {
		case *appsv1.DaemonSet:
			ds = v
		case *corev1.Namespace:
			ns = v
		case *corev1.ServiceAccount:
			sa = v
		}
	}
	if ds == nil || ns == nil || sa == nil {
		t.Fatalf("want a DaemonSet, a Namespace and a ServiceAccount; got %v %v %v", ds != nil, ns != nil, sa != nil)
	}
	if ds.Namespace != ns.Name || sa.Namespace != ns.Name {
		t.Errorf("namespaces: DaemonSet %q, ServiceAccount %q, Namespace %q", ds.Namespace, sa.Namespace, ns.Name)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("namespace %s: hostPID needs the privileged Pod Security level", ns.Name)
	}
	sel := ds.Spec.Selector.MatchLabels
	for k, v := range sel {
		if ds.Spec.Template.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the template's labels %v", k, v, ds.Spec.Template.Labels)
		}
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostPID {
		t.Error("hostPID: false; nsweb would see only its own pod")
	}
	if !spec.HostNetwork {
		t.Error("hostNetwork: false; the proc connector answers only in the node's network namespace")
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken || spec.ServiceAccountName != sa.Name {
		t.Error("the pod must use the nsweb ServiceAccount without an API token")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("securityContext %+v: want not privileged, no privilege escalation, read-only root", sc)
	}
	if sc != nil && sc.Capabilities != nil {
		var add []string
		for _, c := range sc.Capabilities.Add {
			add = append(add, string(c))
		}
		slices.Sort(add)
		if !slices.Equal(add, []string{"DAC_READ_SEARCH", "NET_ADMIN", "SYS_PTRACE"}) || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("capabilities: drop %v add %v; want drop ALL, add SYS_PTRACE, DAC_READ_SEARCH, NET_ADMIN", sc.Capabilities.Drop, add)
		}
	} else {
		t.Error("no capabilities set")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
	}
	args := strings.Join(c.Args, " ")
	if !strings.Contains(args, "--listen=127.0.0.1:") || strings.Contains(args, "--allow-remote") {
		t.Errorf("args %q: want nsweb on the node's loopback only (reached by kubectl port-forward)", args)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	for _, v := range spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		m, ok := mounts[v.Name]
		if !ok || !m.ReadOnly {
			t.Errorf("host path %s is mounted writable (or not at all)", v.HostPath.Path)
		}
		for _, a := range c.Args {
			if _, sock, ok := strings.Cut(a, "-socket="); ok && !strings.HasPrefix(sock, m.MountPath+"/") {
				t.Errorf("%s: not under the host mount %s", a, m.MountPath)
			}
		}
	}
	var token bool
	for _, e := range c.Env {
		if e.Name == "NSWEB_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			token = e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional
		}
	}
	if !token {
		t.Error("NSWEB_TOKEN should come from an optional Secret")
	}
}
