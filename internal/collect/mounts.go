// nsfs bind mounts, read once per mount namespace and remembered between
// scans by their unique mount IDs.

package collect

import (
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// mntState is what a Collector remembers of one mount namespace: the
// unique IDs of all its mounts (listmount(2)), which change whenever a
// mount comes or goes, and its nsfs mounts with their unique mount IDs.
type mntState struct {
	ids  []uint64
	nsfs []nsfsMount
}

type nsfsMount struct {
	NSMount
	mntID uint64 // unique mount ID, from statx STATX_MNT_ID_UNIQUE
	ns    model.NSID
}

// mounts finds the nsfs bind mounts of one mount namespace. When the
// namespace's mount IDs are those of the previous scan, nothing was
// mounted or unmounted: the remembered nsfs mounts are checked in place
// (one statx each: same mount, same namespace, still at that path) instead
// of rereading mountinfo. Otherwise mountinfo is read, through the first
// member process that lets us.
//
// Members are tried lowest PID first: the holder a bind mount names is the
// process it was read through, and parallel workers append members in no
// particular order, so without sorting two scans of the same host (the
// server's and a fresh one) would name different holders.
func (s *scan) mounts(w *worker, mntIno uint64) {
	s.mu.Lock()
	pids := slices.Sorted(slices.Values(s.mntPIDs[mntIno]))
	mnt := s.byIno[mntIno]
	s.mu.Unlock()
	var ids []uint64
	if !s.noID.Load() && len(pids) > 0 {
		ids = w.listmount(uint64(mnt.ID)) // nil when unsupported or denied
		if prev := s.c.mnts[mnt.ID]; ids != nil && prev != nil && slices.Equal(prev.ids, ids) && s.reuseMounts(pids[0], mnt, prev) {
			s.mu.Lock()
			s.mntSeen[mnt.ID] = prev
			s.mu.Unlock()
			return
		}
	}
	var lastErr error
	for _, pid := range pids {
		base := s.proc + "/" + strconv.Itoa(pid)
		data, err := w.readFile(unix.AT_FDCWD, base+"/mountinfo")
		if err != nil {
			lastErr = err
			continue
		}
		ms, err := ParseMountinfo(data)
		st := &mntState{ids: ids}
		if err != nil {
			s.gap(nil, base+"/mountinfo", err)
			st = nil
		}
		for _, m := range ms {
			path := base + "/root" + m.MountPoint
			s.mu.Lock()
			ns := s.byIno[m.Inode]
			s.mu.Unlock()
			if ns == nil {
				ns, err = s.resolveMount(path, m)
				if err != nil {
					// Unmounted since mountinfo was read (ip netns del):
					// nothing is hidden. Still listed: a blind spot.
					s.record(nil, model.Gap{What: path, Err: errText(err), Vanished: !stillMounted(w, base, m)})
					st = nil
					continue
				}
			}
			s.hold(ns, model.Holder{Kind: model.HeldByBindMount, PID: pid, Path: m.MountPoint, MntNS: mnt.ID})
			if st != nil {
				if mid, ok := mountID(path, m.Inode); ok {
					st.nsfs = append(st.nsfs, nsfsMount{NSMount: m, mntID: mid, ns: ns.ID})
				} else {
					st = nil // cannot be checked next time: always reread
				}
			}
		}
		if st != nil && ids != nil {
			s.mu.Lock()
			s.mntSeen[mnt.ID] = st
			s.mu.Unlock()
		}
		return
	}
	if lastErr != nil {
		// When every member exited while the scan read them, the mount
		// namespace went with them: nothing is hidden.
		gone := !slices.ContainsFunc(pids, func(pid int) bool { return !exited(s.proc+"/"+strconv.Itoa(pid), unix.ENOENT) })
		s.record(nil, model.Gap{What: fmt.Sprintf("mountinfo of mnt:[%d]", mntIno), Err: errText(lastErr), Vanished: gone})
	}
}

// resolveMount opens the nsfs mount m at path and resolves its
// namespace, after checking that the file there is that mount's: the path
// may lead elsewhere, to a file mounted over it, or, when the mount went
// since mountinfo was read (`ip netns del` unmounts, then unlinks), to the
// plain file it was mounted on. Such a file is not resolved at all.
func (s *scan) resolveMount(path string, m NSMount) (*model.Namespace, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if _, ino, err := fstatIno(fd); err != nil || ino != m.Inode || !onNsfs(fd) {
		return nil, fmt.Errorf("over-mounted or unmounted: %s:[%d] not reachable", m.Type, m.Inode)
	}
	return s.resolve(fd, m.Type)
}

// stillMounted reports whether the mountinfo of the process at base still
// lists nsfs mount m (true when it cannot be read: a gap hides something).
func stillMounted(w *worker, base string, m NSMount) bool {
	data, err := w.readFile(unix.AT_FDCWD, base+"/mountinfo")
	if err != nil {
		return !exited(base, unix.ENOENT)
	}
	ms, err := ParseMountinfo(data)
	return err != nil || slices.Contains(ms, m)
}

// reuseMounts records the remembered nsfs mounts of an unchanged mount
// namespace after checking that each is still the same mount of the same
// namespace at the same path. It reports false, recording nothing, if any
// check fails.
func (s *scan) reuseMounts(pid int, mnt *model.Namespace, prev *mntState) bool {
	base := s.proc + "/" + strconv.Itoa(pid)
	nss := make([]*model.Namespace, len(prev.nsfs))
	for i, m := range prev.nsfs {
		if mid, ok := mountID(base+"/root"+m.MountPoint, m.Inode); !ok || mid != m.mntID {
			return false
		}
		// The mount holds its namespace: the inode cannot have been reused.
		s.mu.Lock()
		ns := s.byIno[m.Inode]
		s.mu.Unlock()
		if ns == nil {
			k := s.c.known[m.ns]
			if k == nil || k.Inode != m.Inode {
				return false
			}
			ns = s.adopt(k)
		}
		nss[i] = ns
	}
	for i, m := range prev.nsfs {
		s.hold(nss[i], model.Holder{Kind: model.HeldByBindMount, PID: pid, Path: m.MountPoint, MntNS: mnt.ID})
	}
	return true
}

// mountID returns the unique ID of the mount at path, checking that the
// file there is the nsfs inode expected.
func mountID(path string, ino uint64) (uint64, bool) {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_STATX_DONT_SYNC, unix.STATX_INO|unix.STATX_MNT_ID_UNIQUE, &stx); err != nil {
		return 0, false
	}
	if stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0 || stx.Ino != ino {
		return 0, false
	}
	return stx.Mnt_id, true
}
