package kevents

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// offsets locate a task's mount namespace inode in kernel memory:
// current->nsproxy->mnt_ns->ns.inum. They differ between kernel builds, so
// they come from the running kernel's BTF (/sys/kernel/btf/vmlinux).
type offsets struct {
	taskNSProxy uint32 // task_struct.nsproxy
	nsproxyMnt  uint32 // nsproxy.mnt_ns
	mntNSInum   uint32 // mnt_namespace.ns + ns_common.inum
}

// kernelOffsets reads the offsets from the kernel's BTF.
func kernelOffsets() (*offsets, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	var o offsets
	var errs []error
	member := func(typ, name string) uint32 {
		off, err := memberOffset(spec, typ, name)
		errs = append(errs, err)
		return off
	}
	o.taskNSProxy = member("task_struct", "nsproxy")
	o.nsproxyMnt = member("nsproxy", "mnt_ns")
	o.mntNSInum = member("mnt_namespace", "ns") + member("ns_common", "inum")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &o, nil
}

// memberOffset is the byte offset of a named member of a struct, looked for
// also inside anonymous struct and union members.
func memberOffset(spec *btf.Spec, typ, name string) (uint32, error) {
	var st *btf.Struct
	if err := spec.TypeByName(typ, &st); err != nil {
		return 0, fmt.Errorf("BTF struct %s: %w", typ, err)
	}
	if off, ok := findMember(st.Members, name); ok {
		return off, nil
	}
	return 0, fmt.Errorf("BTF struct %s has no member %s", typ, name)
}

func findMember(ms []btf.Member, name string) (uint32, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m.Offset.Bytes(), true
		}
		if m.Name != "" {
			continue
		}
		var inner []btf.Member
		switch t := btf.UnderlyingType(m.Type).(type) {
		case *btf.Struct:
			inner = t.Members
		case *btf.Union:
			inner = t.Members
		}
		if off, ok := findMember(inner, name); ok {
			return m.Offset.Bytes() + off, true
		}
	}
	return 0, false
}
