package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// plantVethPair makes two network namespaces named prefix-a and prefix-b
// joined by a veth pair (va in a, vb in b) and deletes them when the test
// ends. It returns their inodes.
func plantVethPair(t *testing.T, prefix string) (inoA, inoB string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to make network namespaces")
	}
	a, b := prefix+"-a", prefix+"-b"
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "delete", a).Run()
		_ = exec.Command("ip", "netns", "delete", b).Run()
	})
	ip("netns", "add", a)
	ip("netns", "add", b)
	ip("-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b)
	return nsIno(t, "/run/netns/"+a), nsIno(t, "/run/netns/"+b)
}

// TestNetworkViewSVG: /snapshot.svg?view=network and nsweb snapshot --view
// network draw the two planted namespaces, no other namespace type, and the
// veth pair between them without ?wiring=1; an unknown view is refused with
// an error that names the views.
func TestNetworkViewSVG(t *testing.T) {
	t.Setenv("NSWEB_TOKEN", "")
	inoA, inoB := plantVethPair(t, "netview-svg")
	q := "ns:" + inoA + "," + inoB
	wire := func(svg []byte) bool {
		return bytes.Contains(svg, []byte("<title>veth: va ↔ vb</title>")) || bytes.Contains(svg, []byte("<title>veth: vb ↔ va</title>"))
	}
	check := func(what string, svg []byte) {
		t.Helper()
		for _, ino := range []string{inoA, inoB} {
			if !bytes.Contains(svg, []byte("net:["+ino+"]")) && !bytes.Contains(svg, []byte(ino)) {
				t.Errorf("%s: net namespace %s not drawn", what, ino)
			}
		}
		if !wire(svg) {
			t.Errorf("%s: no veth wire:\n%s", what, svg)
		}
		if !bytes.Contains(svg, []byte(`class="n t-net`)) {
			t.Errorf("%s: no net namespace node", what)
		}
		for _, ty := range []string{`class="n t-uts`, `class="n t-mnt`, `class="n t-pid`} {
			if bytes.Contains(svg, []byte(ty)) {
				t.Errorf("%s: %s in the network view", what, ty)
			}
		}
	}

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"snapshot", "--format", "svg", "--view", "network", "-q", q}, &out, &errb); code != 0 {
		t.Fatalf("nsweb snapshot --view network: exit %d: %s", code, errb.String())
	}
	check("nsweb snapshot --view network", out.Bytes())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, _ := startServe(t, ctx, "--listen", "127.0.0.1:0")
	defer func() { cancel(); <-done }()
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	code, svg := get("snapshot.svg?view=network&q=" + neturl.QueryEscape(q))
	if code != 200 {
		t.Fatalf("snapshot.svg?view=network: %d %s", code, svg)
	}
	check("snapshot.svg?view=network", svg)
	if code, body := get("snapshot.svg?view=netwrk"); code != 400 || !strings.Contains(string(body), `unknown view \"netwrk\"`) || !strings.Contains(string(body), "network") {
		t.Errorf("snapshot.svg?view=netwrk: %d %s", code, body)
	}
	// The owner view stays as it was: no wires unless asked.
	if _, svg := get("snapshot.svg?q=" + neturl.QueryEscape(q)); bytes.Contains(svg, []byte(`class="wire"`)) {
		t.Error("the owner view draws wires without ?wiring=1")
	}
}
