package kevents

import (
	"github.com/cilium/ebpf/asm"
)

// Offsets into the tracepoint context of syscalls/sys_exit_* (see
// /sys/kernel/tracing/events/syscalls/sys_exit_unshare/format): the common
// header (8 bytes), __syscall_nr (int, at 8), ret (long, at 16).
const ctxRet = 16

// Stack layout of the record the program builds (below the frame
// pointer R10), then sends with bpf_ringbuf_output, and a scratch slot for
// pointer reads.
const (
	stRecord = -recordSize // kind u32, tgid u32, tid u32, mntns u32, ret s64
	stKind   = stRecord
	stTGID   = stRecord + 4
	stTID    = stRecord + 8
	stMntNS  = stRecord + 12
	stRet    = stRecord + 16
	stTmp    = stRecord - 8
)

// program is the eBPF code for one tracepoint: skip failed calls (every
// traced call returns 0 on success; a clone's child sees 0 and its parent
// the child's PID, which the child reports), skip new threads, fill the
// record and send it through the ring buffer ringFD. When the ring is full
// the record is lost, and the count in the array lostFD goes up, so that
// the reader knows to look at everything.
func program(kind Kind, ringFD, lostFD int, off *offsets) asm.Instructions {
	ins := asm.Instructions{
		// r7 = ctx->ret; only successful calls (0) are reported.
		asm.LoadMem(asm.R7, asm.R1, ctxRet, asm.DWord),
		asm.JNE.Imm(asm.R7, 0, "exit"),
		asm.FnGetCurrentPidTgid.Call(),
		// r1 = tid (low 32 bits), r2 = tgid (high 32 bits).
		asm.Mov.Reg32(asm.R1, asm.R0),
		asm.Mov.Reg(asm.R2, asm.R0),
		asm.RSh.Imm(asm.R2, 32),
	}
	if kind == Clone {
		// A new thread (tid != tgid) changes no process's namespaces.
		ins = append(ins, asm.JNE.Reg(asm.R1, asm.R2, "exit"))
	}
	ins = append(ins,
		asm.StoreImm(asm.R10, stKind, int64(kind), asm.Word),
		asm.StoreMem(asm.R10, stTGID, asm.R2, asm.Word),
		asm.StoreMem(asm.R10, stTID, asm.R1, asm.Word),
		asm.StoreImm(asm.R10, stMntNS, 0, asm.Word),
		asm.StoreMem(asm.R10, stRet, asm.R7, asm.DWord),
	)
	if kind.Mounts() && off != nil {
		ins = append(ins, readMntNS(off)...)
	}
	ins = append(ins,
		asm.LoadMapPtr(asm.R1, ringFD).WithSymbol("send"),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, stRecord),
		asm.Mov.Imm(asm.R3, recordSize),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		// Lost: lost[0] += 1.
		asm.StoreImm(asm.R10, stTmp, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, lostFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, stTmp),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.Mov.Imm(asm.R1, 1),
		asm.AddAtomic.Mem(asm.R0, asm.R1, asm.DWord, 0),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"),
		asm.Return(),
	)
	return ins
}

// readMntNS fills the record's mount namespace with
// current->nsproxy->mnt_ns->ns.inum, each pointer read with
// bpf_probe_read_kernel; on any failure (an exiting task has no nsproxy)
// it stays 0 and the record is sent as it is.
func readMntNS(off *offsets) asm.Instructions {
	read := func(dst int16, size int32) asm.Instructions {
		// r3 holds the source address.
		return asm.Instructions{
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, int32(dst)),
			asm.Mov.Imm(asm.R2, size),
			asm.FnProbeReadKernel.Call(),
			asm.JNE.Imm(asm.R0, 0, "send"),
		}
	}
	ins := asm.Instructions{
		asm.FnGetCurrentTask.Call(),
		asm.Mov.Reg(asm.R3, asm.R0),
		asm.JEq.Imm(asm.R3, 0, "send"),
		asm.Add.Imm(asm.R3, int32(off.taskNSProxy)),
	}
	ins = append(ins, read(stTmp, 8)...)
	ins = append(ins,
		asm.LoadMem(asm.R3, asm.R10, stTmp, asm.DWord),
		asm.JEq.Imm(asm.R3, 0, "send"),
		asm.Add.Imm(asm.R3, int32(off.nsproxyMnt)),
	)
	ins = append(ins, read(stTmp, 8)...)
	ins = append(ins,
		asm.LoadMem(asm.R3, asm.R10, stTmp, asm.DWord),
		asm.JEq.Imm(asm.R3, 0, "send"),
		asm.Add.Imm(asm.R3, int32(off.mntNSInum)),
	)
	ins = append(ins, read(stMntNS, 4)...)
	return ins
}
