// Namespace resolution: from a /proc ns link or an nsfs fd to the one
// model.Namespace of its NS_GET_ID, never confused by a reused inode.

package collect

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// nsAt returns the namespace a /proc ns link (or nsfs fd link) points at,
// opening and resolving it only when the scan has not seen its inode yet.
func (s *scan) nsAt(w *worker, dirfd int, name string, typ model.NSType) (*model.Namespace, uint64, error) {
	if !s.noID.Load() && !s.c.noHandles.Load() {
		id, t, ino, err := nsHandle(dirfd, name)
		switch {
		case err == nil:
			if typ != "" && t != typ {
				return nil, ino, fmt.Errorf("%s is a %s namespace, want %s", name, t, typ)
			}
			s.mu.Lock()
			ns := s.byIno[ino]
			s.mu.Unlock()
			if ns != nil && ns.ID == model.NSID(id) {
				return ns, ino, nil
			}
			if k := s.c.known[model.NSID(id)]; ns == nil && k != nil && k.Inode == ino && k.Type == t {
				return s.adopt(k), ino, nil
			}
			fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return nil, ino, err
			}
			defer unix.Close(fd)
			ns, err = s.resolve(fd, t)
			return ns, ino, err
		case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) || errors.Is(err, errHandleFormat):
			s.c.noHandles.Store(true) // kernel before 6.18: readlink from now on
		default:
			return nil, 0, err
		}
	}
	target, err := w.readlink(dirfd, name)
	if err != nil {
		return nil, 0, err
	}
	t, ino, ok := parseNSLink(target)
	if !ok {
		return nil, 0, fmt.Errorf("%s: %q is not a namespace", name, target)
	}
	if typ != "" && t != typ {
		return nil, ino, fmt.Errorf("%s is a %s namespace, want %s", name, t, typ)
	}
	s.mu.Lock()
	ns := s.byIno[ino]
	s.mu.Unlock()
	if ns != nil {
		return ns, ino, nil
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, ino, err
	}
	defer unix.Close(fd)
	if !s.noID.Load() {
		if id, err := nsGetID(fd); err == nil {
			if k := s.c.known[model.NSID(id)]; k != nil && k.Inode == ino && k.Type == t {
				return s.adopt(k), ino, nil
			}
		}
	}
	ns, err = s.resolve(fd, t)
	return ns, ino, err
}

// adopt registers a namespace the previous scan knew, and its owner and
// parent chain, without reading them again. It is only called after
// NS_GET_ID proved the namespace still alive, which keeps its ancestors
// alive as well.
func (s *scan) adopt(k *model.Namespace) *model.Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.adoptLocked(k)
}

func (s *scan) adoptLocked(k *model.Namespace) *model.Namespace {
	if ns := s.byIno[k.Inode]; ns != nil {
		return ns
	}
	ns := &model.Namespace{ID: k.ID, Type: k.Type, Inode: k.Inode, Dev: k.Dev,
		Parent: k.Parent, Owner: k.Owner, OwnerUID: k.OwnerUID}
	s.byIno[ns.Inode] = ns
	for _, a := range []model.NSID{k.Owner, k.Parent} {
		if up := s.c.known[a]; a != 0 && up != nil {
			s.adoptLocked(up)
		}
	}
	return ns
}

// resolve returns the namespace behind an nsfs fd, registering it and
// (recursively) its owner and parent the first time it is seen: this is
// the hierarchy closure, which adds process-less ancestors and owners.
func (s *scan) resolve(fd int, typ model.NSType) (*model.Namespace, error) {
	dev, ino, err := fstatIno(fd)
	if err != nil {
		return nil, fmt.Errorf("fstat nsfs fd: %w", err)
	}
	s.mu.Lock()
	ns := s.byIno[ino]
	s.mu.Unlock()
	if ns != nil && (s.noID.Load() || s.sameID(fd, ns)) {
		return ns, nil
	}
	// Not met yet, or what this scan holds at the inode is a namespace
	// that died and whose inode the kernel gave to this one: resolved
	// anew, it takes the inode's place.
	ns = &model.Namespace{Type: typ, Inode: ino, Dev: dev}
	if !s.noID.Load() {
		id, err := nsGetID(fd)
		switch {
		case err == nil:
			ns.ID = model.NSID(id)
			if k := s.c.known[ns.ID]; k != nil && k.Inode == ino && k.Type == typ {
				return s.adopt(k), nil // met before: its owner and parent are known
			}
		case (errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL)) && !onNsfs(fd):
			// No namespace at all: a file that is not the nsfs mount it was
			// said to be. Taken for an old kernel, it would give every
			// namespace of the scan another identity.
			return nil, fmt.Errorf("%s:[%d] is not a namespace file", typ, ino)
		case errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL):
			s.noID.Store(true) // old kernel: fall back for the whole scan
		default:
			return nil, fmt.Errorf("NS_GET_ID on %s:[%d]: %w", typ, ino, err)
		}
	}
	if s.noID.Load() {
		ns.ID = model.NSID(ino) // provisional; remapped at the end of the scan
	}
	if ufd, err := nsGetFD(fd, unix.NS_GET_USERNS); err == nil {
		owner, err := s.resolve(ufd, model.User)
		unix.Close(ufd)
		if err == nil {
			ns.Owner = owner.ID
		}
	}
	if typ == model.User || typ == model.PID {
		if pfd, err := nsGetFD(fd, unix.NS_GET_PARENT); err == nil {
			parent, err := s.resolve(pfd, typ)
			unix.Close(pfd)
			if err == nil {
				ns.Parent = parent.ID
			}
		}
	}
	if typ == model.User {
		if uid, err := nsGetOwnerUID(fd); err == nil {
			ns.OwnerUID = &uid
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byIno[ino]; old != nil && (s.noID.Load() || old.ID == ns.ID) {
		return old, nil // another worker got there first
	}
	s.byIno[ino] = ns
	return ns, nil
}

// sameID reports whether the namespace behind fd is ns and not another
// that reuses its inode. When NS_GET_ID fails, the inode has to do.
func (s *scan) sameID(fd int, ns *model.Namespace) bool {
	id, err := nsGetID(fd)
	return err != nil || model.NSID(id) == ns.ID
}
