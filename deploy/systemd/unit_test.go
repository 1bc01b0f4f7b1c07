// Package systemd_test checks deploy/systemd/nsweb.service: that systemd
// accepts it, that its sandbox keeps the host in view, and that the
// capabilities it leaves nsweb are enough to see other processes'
// namespaces.
package systemd_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const unitFile = "nsweb.service"

// unit is a parsed unit file: section → key → values, in order (a key may
// be given several times).
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: not a Key=Value line in a section: %q", path, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// last is the value a key ends up with (a later assignment wins).
func (u unit) last(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// TestUnitSandbox checks the directives that make the sandbox, and those
// that must stay away because they would hide the host.
func TestUnitSandbox(t *testing.T) {
	u := parseUnit(t, unitFile)
	for _, c := range []struct{ key, want string }{
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"NoNewPrivileges", "yes"},
		{"PrivateTmp", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectControlGroups", "yes"},
		{"RestrictNamespaces", "yes"},
		{"MemoryDenyWriteExecute", "yes"},
		{"ProtectProc", "default"},
		{"ProcSubset", "all"},
		{"CapabilityBoundingSet", "CAP_SYS_PTRACE CAP_DAC_READ_SEARCH CAP_NET_ADMIN"},
	} {
		if got := u.last("Service", c.key); got != c.want {
			t.Errorf("%s=%q, want %q", c.key, got, c.want)
		}
	}
	// These would put nsweb in a namespace of its own, or hide the other
	// processes: it would map an empty box instead of the host.
	for _, key := range []string{"PrivatePIDs", "PrivateNetwork", "PrivateUsers", "NetworkNamespacePath", "JoinsNamespaceOf", "RootDirectory", "RootImage"} {
		if v := u.last("Service", key); v != "" && v != "no" {
			t.Errorf("%s=%s hides the host from nsweb", key, v)
		}
	}
	if !strings.Contains(u.last("Service", "RestrictAddressFamilies"), "AF_NETLINK") {
		t.Errorf("RestrictAddressFamilies must keep AF_NETLINK for the proc connector")
	}
	exec := u.last("Service", "ExecStart")
	if !strings.Contains(exec, " serve ") || !strings.Contains(exec, "127.0.0.1:") {
		t.Errorf("ExecStart=%q: want nsweb serve on loopback", exec)
	}
	if u.last("Install", "WantedBy") != "multi-user.target" {
		t.Errorf("WantedBy=%q", u.last("Install", "WantedBy"))
	}
}

// TestUnitVerifies runs systemd-analyze verify on the unit, its ExecStart
// pointed at an nsweb built for the test.
func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian: apt-get install systemd); TestUnitSandbox still checks the directives")
	}
	bin := buildNsweb(t)
	b, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, unitFile)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/nsweb", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	if err != nil {
		t.Logf("systemd-analyze security --offline: %v (older systemd?)", err)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("systemd-analyze security: %s", lines[len(lines)-1])
}

// TestUnitCapabilitiesSeeTheHost runs nsweb snapshot with only the unit's
// bounding set and no_new_privs (as systemd would start it) and checks
// that it sees a net namespace a process of another user made.
func TestUnitCapabilitiesSeeTheHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	u := parseUnit(t, unitFile)
	var caps []string
	for _, c := range strings.Fields(u.last("Service", "CapabilityBoundingSet")) {
		caps = append(caps, "+"+strings.ToLower(strings.TrimPrefix(c, "CAP_")))
	}
	bin := buildNsweb(t)
	// A process of user nobody in a net namespace of its own.
	holder := exec.Command("unshare", "--net", "--setuid", "65534", "--setgid", "65534", "sleep", "120")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	want := waitNetns(t, holder.Process.Pid)

	args := []string{"--bounding-set", "-all," + strings.Join(caps, ","), "--inh-caps", "-all", "--no-new-privs",
		bin, "snapshot", "--format", "json", "--engine-wait", "0"}
	out, err := exec.Command(setpriv, args...).Output()
	if err != nil {
		t.Fatalf("setpriv %s: %v", strings.Join(args, " "), err)
	}
	var snap struct {
		Namespaces map[string]struct {
			Type  string `json:"type"`
			Inode uint64 `json:"inode"`
		} `json:"namespaces"`
		Processes map[string]struct {
			NS map[string]uint64 `json:"ns"`
		} `json:"processes"`
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatal(err)
	}
	p, ok := snap.Processes[fmt.Sprint(holder.Process.Pid)]
	if !ok {
		t.Fatalf("nsweb with %v does not see process %d", caps, holder.Process.Pid)
	}
	ns, ok := snap.Namespaces[fmt.Sprint(p.NS["net"])]
	if !ok || ns.Type != "net" || ns.Inode != want {
		t.Errorf("nsweb with %v: process %d's net namespace is %+v, want inode %d", caps, holder.Process.Pid, ns, want)
	}
}

// waitNetns returns the inode of pid's net namespace once it differs from
// ours (unshare has made it).
func waitNetns(t *testing.T, pid int) uint64 {
	t.Helper()
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for range 500 {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err == nil && l != self {
			var ino uint64
			if _, err := fmt.Sscanf(l, "net:[%d]", &ino); err == nil {
				return ino
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d never got a net namespace of its own", pid)
	return 0
}

// buildNsweb builds cmd/nsweb into a temporary directory.
func buildNsweb(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nsweb")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/nsweb/nsweb/cmd/nsweb")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
