// The cgroups of containerd's tasks, read from procfs, so that the
// collector can tie processes to containers whose IDs no cgroup layout
// names.

package ctrd

import (
	"bytes"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// maxCgroupFile bounds the read of one /proc/PID/cgroup (a v1 host lists a
// dozen hierarchies in a few hundred bytes).
const maxCgroupFile = 64 << 10

// taskCgroups reads the cgroup paths of process pid that name container
// id (see containerCgroup), one per distinct path of any hierarchy. read is false when the file could not be read (the task
// ended, or nsweb cannot see it), to try again at the next poll.
//
// A path without the ID is not the container's alone, or pid is not the
// task here (containerd in another PID namespace): it is left out, so
// that a container never claims the processes of a cgroup it shares.
func taskCgroups(procRoot string, pid int, id string) (paths []string, read bool) {
	f, err := os.Open(procRoot + "/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCgroupFile))
	if err != nil {
		return nil, false
	}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		// hierarchy-ID:controller-list:path; the path may hold ':'.
		_, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		_, p, ok := bytes.Cut(rest, []byte{':'})
		if !ok || len(p) < 2 || p[0] != '/' {
			continue
		}
		s, ok := containerCgroup(string(p), id)
		if !ok {
			continue
		}
		found := false
		for _, q := range paths {
			found = found || q == s
		}
		if !found {
			paths = append(paths, s)
		}
	}
	return paths, true
}

// containerCgroup is the cgroup of container id, given the cgroup path p
// of its task: p itself when its last element names the ID, as
// /<namespace>/<id> (ctr), /system.slice/nerdctl-<id>.scope or
// /docker/<id> do, else p's parent when that one does (systemd in a
// container moves itself to <cgroup>/init.scope). A cgroup directly under
// the root counts only when it is /<id>: /system.slice names a container
// called "slice" but belongs to the host.
//
// Seen from inside a cgroup namespace (nsweb in a pod), the cgroups of
// other processes start with "/.." once per level above its root; the
// collector reads them the same way, so they are kept as they are and
// judged without those steps.
func containerCgroup(p, id string) (string, bool) {
	up := ""
	for strings.HasPrefix(p[len(up):], "/../") {
		up += "/.."
	}
	rest := p[len(up):]
	if len(rest) < 2 || rest[0] != '/' || path.Clean(rest) != rest {
		return "", false
	}
	if !names(path.Base(rest), id) {
		rest = path.Dir(rest)
		if !names(path.Base(rest), id) {
			return "", false
		}
	}
	if strings.Count(rest, "/") < 2 && rest != "/"+id {
		return "", false
	}
	return up + rest, true
}

// names reports whether cgroup name elem holds id as a whole word: at its
// start or after a separator, and at its end or before one
// (nerdctl-<id>.scope, <id>, but not <id>x).
func names(elem, id string) bool {
	sep := func(c byte) bool { return c == '-' || c == '.' || c == '_' || c == '@' || c == ':' }
	for i := 0; ; {
		j := strings.Index(elem[i:], id)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(id)
		if (j == 0 || sep(elem[j-1])) && (end == len(elem) || sep(elem[end])) {
			return true
		}
		i = j + 1
	}
}
