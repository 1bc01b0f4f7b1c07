package layout

import (
	"fmt"
	"math/rand/v2"

	"github.com/nsweb/nsweb/internal/model"
)

// forest builds synthetic snapshots directly as model values.
type forest struct {
	s     *model.Snapshot
	next  model.NSID
	pid   int
	users []model.NSID       // user namespaces, creation order
	depth map[model.NSID]int // nesting depth of each user namespace (root 1)
	pids  []model.NSID       // PID namespaces
}

// fileTypes are the types a container gets besides user.
var fileTypes = []model.NSType{model.PID, model.Net, model.Mnt, model.UTS, model.IPC, model.Cgroup}

func newForest() *forest {
	f := &forest{
		s: &model.Snapshot{
			Host:       "test",
			Namespaces: map[model.NSID]*model.Namespace{},
			Processes:  map[int]*model.Process{},
			Containers: map[string]*model.Container{},
		},
		next:  1,
		pid:   1,
		depth: map[model.NSID]int{},
	}
	root := f.add(model.User, 0, 0)
	f.s.Root = root
	f.proc(root, "systemd")
	for _, t := range model.Types[1:] {
		f.add(t, 0, root)
	}
	return f
}

// add creates a namespace. For user and PID namespaces parent is the parent;
// owner is the owning user namespace (for user namespaces, the parent).
func (f *forest) add(t model.NSType, parent, owner model.NSID) model.NSID {
	id := f.next
	f.next += 1 + model.NSID(f.next%3) // IDs ascend with gaps, like NS_GET_ID
	ns := &model.Namespace{ID: id, Type: t, Inode: 4026531000 + uint64(id), Dev: 4, Owner: owner}
	switch t {
	case model.User:
		ns.Parent = parent
		ns.Owner = parent
		f.users = append(f.users, id)
		f.depth[id] = f.depth[parent] + 1
	case model.PID:
		ns.Parent = parent
		f.pids = append(f.pids, id)
	}
	f.s.Namespaces[id] = ns
	return id
}

// proc makes a process the leader of namespace id.
func (f *forest) proc(id model.NSID, comm string) {
	f.pid++
	f.s.Processes[f.pid] = &model.Process{PID: f.pid, Comm: comm}
	ns := f.s.Namespaces[id]
	ns.Leader = f.pid
	ns.Procs = []int{f.pid}
}

// container adds a container: with userns a user namespace under owner plus
// six namespaces it owns (7 in all), else six namespaces owned by owner.
// It returns the container's namespace IDs.
func (f *forest) container(owner model.NSID, userns bool, name string) []model.NSID {
	cid := fmt.Sprintf("%064x", len(f.s.Containers)+1)
	f.s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: name}
	var ids []model.NSID
	own := owner
	if userns {
		own = f.add(model.User, owner, owner)
		ids = append(ids, own)
	}
	pidParent := model.NSID(0)
	if len(f.pids) > 0 {
		pidParent = f.pids[0]
	}
	for _, t := range fileTypes {
		var id model.NSID
		if t == model.PID {
			id = f.add(t, pidParent, own)
		} else {
			id = f.add(t, 0, own)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		f.s.Namespaces[id].Containers = []string{cid}
	}
	return ids
}

// randomForest is a mixture: nested user namespaces (up to 32 deep),
// containers with and without user namespaces, stray files, a few
// namespaces without a known owner and a few user namespaces whose parent
// is unknown.
func randomForest(seed uint64, n int, unowned bool) *forest {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f := newForest()
	for len(f.s.Namespaces) < n {
		switch x := r.IntN(100); {
		case x < 15: // nested user namespace
			p := f.users[r.IntN(len(f.users))]
			if f.depth[p] < 32 {
				f.add(model.User, p, p)
			}
		case x < 45:
			f.container(f.users[r.IntN(len(f.users))], true, fmt.Sprintf("c%d", len(f.s.Containers)))
		case x < 60:
			f.container(f.s.Root, false, fmt.Sprintf("web-%d", len(f.s.Containers)))
		case x < 95:
			t := fileTypes[r.IntN(len(fileTypes))]
			owner := f.users[r.IntN(len(f.users))]
			id := f.add(t, 0, owner)
			if r.IntN(2) == 0 {
				f.proc(id, fmt.Sprintf("worker%d", r.IntN(1000)))
			}
		case x < 98 && unowned:
			f.add(fileTypes[r.IntN(len(fileTypes))], 0, 0)
		case unowned:
			f.add(model.User, model.NSID(1<<40)+f.next, 0) // parent outside the snapshot
		}
	}
	return f
}

// star is one root with n children: files of one type, or user namespaces.
func star(n int, t model.NSType) *forest {
	f := newForest()
	for range n {
		if t == model.User {
			f.add(model.User, f.s.Root, f.s.Root)
		} else {
			f.add(t, 0, f.s.Root)
		}
	}
	return f
}

// chains adds k chains of user namespaces 32 deep, each level owning a file
// or two, plus some side branches.
func chains(k int) *forest {
	f := newForest()
	for c := range k {
		p := f.s.Root
		for d := 1; d < 32; d++ {
			p = f.add(model.User, p, p)
			f.add(model.Net, 0, p)
			if (c+d)%3 == 0 {
				f.add(model.Mnt, 0, p)
				q := f.add(model.User, p, p)
				f.add(model.UTS, 0, q)
			}
		}
	}
	return f
}
