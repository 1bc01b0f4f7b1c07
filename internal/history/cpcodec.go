package history

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

// A checkpoint is most of a rebuild's work: 30,000 namespaces and 10,000
// processes. Gob decoded them through reflection, a map and a handful of
// allocations a record; this codec writes them field by field, each
// string once (types, commands, container IDs repeat thousands of times)
// and each distinct set of a process's namespaces once (most processes
// share their container's or the host's), and decodes into one array per
// kind of record: about four times faster, and smaller.
//
// Layout: cpMagic, then flate of: meta, namespaces, processes, containers,
// each list prefixed by its length; integers are varints, a string is a
// reference to one already read or a new one. Checkpoints written as gob
// before it are still read: a flate stream cannot start with cpMagic (its
// first block type would be the reserved 3).

// cpMagic opens a checkpoint in this codec.
const cpMagic = 'N'

type cpWriter struct {
	w    *bufio.Writer
	strs map[string]int
	sets map[string]int // NS sets by their encoding
	buf  [binary.MaxVarintLen64]byte
	tmp  []byte
}

func (w *cpWriter) uint(v uint64) {
	n := binary.PutUvarint(w.buf[:], v)
	_, _ = w.w.Write(w.buf[:n])
}

func (w *cpWriter) int(v int64) {
	n := binary.PutVarint(w.buf[:], v)
	_, _ = w.w.Write(w.buf[:n])
}

// str writes a string: 0, its length and bytes the first time; its index
// + 1 later.
func (w *cpWriter) str(s string) {
	if i, ok := w.strs[s]; ok {
		w.uint(uint64(i) + 1)
		return
	}
	w.strs[s] = len(w.strs)
	w.uint(0)
	w.uint(uint64(len(s)))
	_, _ = w.w.WriteString(s)
}

func (w *cpWriter) nsSet(m map[model.NSType]model.NSID) {
	// The set's own encoding is its key: type and ID, types sorted.
	types := slices.Sorted(maps.Keys(m))
	w.tmp = w.tmp[:0]
	for _, t := range types {
		w.tmp = binary.AppendUvarint(w.tmp, uint64(len(t)))
		w.tmp = append(w.tmp, t...)
		w.tmp = binary.AppendUvarint(w.tmp, uint64(m[t]))
	}
	if m == nil {
		w.uint(0) // nil, not an empty map
		return
	}
	if i, ok := w.sets[string(w.tmp)]; ok {
		w.uint(uint64(i) + 2)
		return
	}
	w.sets[string(w.tmp)] = len(w.sets)
	w.uint(1)
	w.uint(uint64(len(types)))
	for _, t := range types {
		w.str(string(t))
		w.uint(uint64(m[t]))
	}
}

func encodeCheckpointBin(cp *checkpoint) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(cpMagic)
	zw := writers[0].Get().(*flate.Writer)
	defer writers[0].Put(zw)
	zw.Reset(&buf)
	w := &cpWriter{w: bufio.NewWriterSize(zw, 64<<10), strs: map[string]int{}, sets: map[string]int{}}
	m := cp.Meta
	w.str(m.Host)
	w.str(m.Kernel)
	w.uint(uint64(m.Root))
	w.uint(b2u(m.Partial))
	w.str(m.Reason)
	w.uint(uint64(len(cp.NS)))
	for _, ns := range cp.NS {
		w.uint(uint64(ns.ID))
		w.str(string(ns.Type))
		w.uint(ns.Inode)
		w.uint(ns.Dev)
		w.uint(uint64(ns.Parent))
		w.uint(uint64(ns.Owner))
		if ns.OwnerUID == nil {
			w.uint(0)
		} else {
			w.uint(uint64(*ns.OwnerUID) + 1)
		}
		w.int(int64(ns.Leader))
		w.uint(uint64(len(ns.Procs)))
		for _, p := range ns.Procs {
			w.int(int64(p))
		}
		w.uint(uint64(len(ns.HeldBy)))
		for _, h := range ns.HeldBy {
			w.str(string(h.Kind))
			w.int(int64(h.PID))
			w.int(int64(h.TID))
			w.int(int64(h.FD))
			w.str(h.Path)
			w.uint(uint64(h.MntNS))
			w.uint(uint64(h.NS))
		}
		w.uint(uint64(len(ns.Containers)))
		for _, c := range ns.Containers {
			w.str(c)
		}
	}
	w.uint(uint64(len(cp.P)))
	for _, p := range cp.P {
		w.int(int64(p.PID))
		w.int(int64(p.PPID))
		w.str(p.Comm)
		w.str(p.Cmdline)
		w.int(int64(p.CmdlineLen))
		w.uint(uint64(p.UID))
		w.uint(p.Start)
		w.nsSet(p.NS)
		if p.NSpid == nil {
			w.uint(0)
		} else {
			w.uint(uint64(len(p.NSpid)) + 1)
			for _, n := range p.NSpid {
				w.int(int64(n))
			}
		}
		w.str(p.Container)
		w.str(p.Err)
	}
	w.uint(uint64(len(cp.C)))
	for _, c := range cp.C {
		for _, s := range []string{c.ID, c.Runtime, c.Name, c.Image, c.Pod, c.PodNamespace} {
			w.str(s)
		}
		if c.Labels == nil {
			w.uint(0)
		} else {
			w.uint(uint64(len(c.Labels)) + 1)
			for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
				w.str(k)
				w.str(c.Labels[k])
			}
		}
	}
	if err := w.w.Flush(); err != nil {
		return nil, fmt.Errorf("history: encode checkpoint: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("history: compress: %w", err)
	}
	return buf.Bytes(), nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// maxCount bounds a list's length read from a file, and chunk the
// records allocated at once: a corrupt length must not allocate without
// bound.
const (
	maxCount = 1 << 24
	chunk    = 4096
)

type cpReader struct {
	r    *bufio.Reader
	err  error
	strs []string
	sets []map[model.NSType]model.NSID
}

func (r *cpReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r.r)
	if err != nil {
		r.err = err
	}
	return v
}

func (r *cpReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r.r)
	if err != nil {
		r.err = err
	}
	return v
}

func (r *cpReader) count() int {
	n := r.uint()
	if n > maxCount {
		r.fail("a list of %d records", n)
		return 0
	}
	return int(n)
}

func (r *cpReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}

func (r *cpReader) str() string {
	i := r.uint()
	if r.err != nil {
		return ""
	}
	if i > 0 {
		if i > uint64(len(r.strs)) {
			r.fail("string %d of %d", i, len(r.strs))
			return ""
		}
		return r.strs[i-1]
	}
	n := r.uint()
	if n > maxCount {
		r.fail("a string of %d bytes", n)
		return ""
	}
	var b []byte
	if n <= 4096 {
		b = make([]byte, n)
		if _, err := io.ReadFull(r.r, b); err != nil {
			r.err = err
			return ""
		}
	} else { // long, or a corrupt length: grow with what is really there
		var bb bytes.Buffer
		if _, err := io.CopyN(&bb, r.r, int64(n)); err != nil {
			r.err = err
			return ""
		}
		b = bb.Bytes()
	}
	s := string(b)
	r.strs = append(r.strs, s)
	return s
}

// nsSet reads a process's namespaces; processes with the same set share
// one map (snapshots are never modified).
func (r *cpReader) nsSet() map[model.NSType]model.NSID {
	i := r.uint()
	switch {
	case r.err != nil || i == 0:
		return nil
	case i > 1:
		if i-2 >= uint64(len(r.sets)) {
			r.fail("namespace set %d of %d", i-2, len(r.sets))
			return nil
		}
		return r.sets[i-2]
	}
	n := r.count()
	m := make(map[model.NSType]model.NSID, min(n, 16))
	for j := 0; j < n && r.err == nil; j++ {
		t := model.NSType(r.str())
		m[t] = model.NSID(r.uint())
	}
	r.sets = append(r.sets, m)
	return m
}

func decodeCheckpointBin(data []byte, cp *checkpoint) error {
	zr := flate.NewReader(bytes.NewReader(data[1:]))
	defer zr.Close()
	r := &cpReader{r: bufio.NewReaderSize(zr, 64<<10)}
	cp.Meta = snapMeta{Host: r.str(), Kernel: r.str(), Root: model.NSID(r.uint()), Partial: r.uint() != 0, Reason: r.str()}
	// Records are allocated in chunks: few allocations, and a corrupt
	// count costs no more than the data that is really there.
	n := r.count()
	cp.NS = make([]*model.Namespace, 0, min(n, chunk))
	var nss []model.Namespace
	for i := range n {
		if i%chunk == 0 {
			nss = make([]model.Namespace, min(chunk, n-i))
		}
		ns := &nss[i%chunk]
		ns.ID = model.NSID(r.uint())
		ns.Type = model.NSType(r.str())
		ns.Inode = r.uint()
		ns.Dev = r.uint()
		ns.Parent = model.NSID(r.uint())
		ns.Owner = model.NSID(r.uint())
		if u := r.uint(); u > 0 {
			v := uint32(u - 1)
			ns.OwnerUID = &v
		}
		ns.Leader = int(r.int())
		if k := r.count(); k > 0 {
			ns.Procs = make([]int, 0, min(k, chunk))
			for j := 0; j < k && r.err == nil; j++ {
				ns.Procs = append(ns.Procs, int(r.int()))
			}
		}
		if k := r.count(); k > 0 {
			ns.HeldBy = make([]model.Holder, 0, min(k, chunk))
			for j := 0; j < k && r.err == nil; j++ {
				var h model.Holder
				h.Kind = model.HoldKind(r.str())
				h.PID, h.TID, h.FD = int(r.int()), int(r.int()), int(r.int())
				h.Path = r.str()
				h.MntNS, h.NS = model.NSID(r.uint()), model.NSID(r.uint())
				ns.HeldBy = append(ns.HeldBy, h)
			}
		}
		if k := r.count(); k > 0 {
			ns.Containers = make([]string, 0, min(k, chunk))
			for j := 0; j < k && r.err == nil; j++ {
				ns.Containers = append(ns.Containers, r.str())
			}
		}
		cp.NS = append(cp.NS, ns)
		if r.err != nil {
			break
		}
	}
	n = r.count()
	cp.P = make([]*model.Process, 0, min(n, chunk))
	var ps []model.Process
	for i := range n {
		if i%chunk == 0 {
			ps = make([]model.Process, min(chunk, n-i))
		}
		p := &ps[i%chunk]
		p.PID, p.PPID = int(r.int()), int(r.int())
		p.Comm, p.Cmdline = r.str(), r.str()
		p.CmdlineLen = int(r.int())
		p.UID = uint32(r.uint())
		p.Start = r.uint()
		p.NS = r.nsSet()
		if k := r.count(); k > 0 {
			p.NSpid = make([]int, 0, min(k-1, chunk))
			for j := 0; j < k-1 && r.err == nil; j++ {
				p.NSpid = append(p.NSpid, int(r.int()))
			}
		}
		p.Container, p.Err = r.str(), r.str()
		cp.P = append(cp.P, p)
		if r.err != nil {
			break
		}
	}
	n = r.count()
	cp.C = nil
	for j := 0; j < n && r.err == nil; j++ {
		c := &model.Container{ID: r.str(), Runtime: r.str(), Name: r.str(), Image: r.str(), Pod: r.str(), PodNamespace: r.str()}
		if k := r.count(); k > 0 {
			c.Labels = make(map[string]string, min(k-1, chunk))
			for j := 0; j < k-1 && r.err == nil; j++ {
				key := r.str()
				c.Labels[key] = r.str()
			}
		}
		cp.C = append(cp.C, c)
		if r.err != nil {
			break
		}
	}
	if r.err != nil {
		if errors.Is(r.err, io.EOF) {
			r.err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("history: decode a stored checkpoint: %w", r.err)
	}
	return nil
}
