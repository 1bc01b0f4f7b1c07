package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"

	"github.com/nsweb/nsweb/internal/model"
)

// writeModel writes s as JSON, the same document json.Marshal(s) makes
// (byte for byte: map keys in their order), one element at a
// time through a small buffer: the answer of a host with many processes
// is never held whole in memory, and each element is bounded (a process
// keeps at most model.MaxCmdline bytes of its command line).
func writeModel(w io.Writer, s *model.Snapshot) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	e := &elemWriter{w: bw}
	e.raw(`{"taken":`)
	e.value(s.Taken)
	e.raw(`,"host":`)
	e.value(s.Host)
	e.raw(`,"kernel":`)
	e.value(s.Kernel)
	if s.Root != 0 {
		e.raw(`,"root":`)
		e.value(s.Root)
	}
	e.raw(`,"namespaces":`)
	if s.Namespaces == nil {
		e.raw("null")
	} else {
		ids := make([]model.NSID, 0, len(s.Namespaces))
		for id := range s.Namespaces {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b model.NSID) int { return cmpDecimal(uint64(a), uint64(b)) })
		e.raw("{")
		for i, id := range ids {
			if i > 0 {
				e.raw(",")
			}
			e.value(jsonKey(uint64(id)))
			e.raw(":")
			e.value(s.Namespaces[id])
		}
		e.raw("}")
	}
	e.raw(`,"processes":`)
	if s.Processes == nil {
		e.raw("null")
	} else {
		pids := make([]int, 0, len(s.Processes))
		for pid := range s.Processes {
			pids = append(pids, pid)
		}
		slices.SortFunc(pids, func(a, b int) int { return cmpDecimal(uint64(a), uint64(b)) })
		e.raw("{")
		for i, pid := range pids {
			if i > 0 {
				e.raw(",")
			}
			e.value(jsonKey(uint64(pid)))
			e.raw(":")
			e.value(s.Processes[pid])
		}
		e.raw("}")
	}
	if len(s.Containers) > 0 {
		ids := make([]string, 0, len(s.Containers))
		for id := range s.Containers {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		e.raw(`,"containers":{`)
		for i, id := range ids {
			if i > 0 {
				e.raw(",")
			}
			e.value(id)
			e.raw(":")
			e.value(s.Containers[id])
		}
		e.raw("}")
	}
	if len(s.Gaps) > 0 {
		e.raw(`,"gaps":`)
		e.value(s.Gaps)
	}
	if s.Partial {
		e.raw(`,"partial":true`)
	}
	if s.Reason != "" {
		e.raw(`,"reason":`)
		e.value(s.Reason)
	}
	e.raw("}\n")
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// cmpDecimal orders numbers as encoding/json orders them as map keys: by
// their decimal text.
func cmpDecimal(a, b uint64) int {
	var x, y [20]byte
	return bytes.Compare(strconv.AppendUint(x[:0], a, 10), strconv.AppendUint(y[:0], b, 10))
}

// jsonKey is a numeric map key as encoding/json writes it: a string.
type jsonKey uint64

func (k jsonKey) MarshalJSON() ([]byte, error) {
	b := strconv.AppendUint([]byte{'"'}, uint64(k), 10)
	return append(b, '"'), nil
}

// elemWriter writes JSON pieces and keeps the first error.
type elemWriter struct {
	w   *bufio.Writer
	err error
}

func (e *elemWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *elemWriter) value(v any) {
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = err
		return
	}
	_, e.err = e.w.Write(b)
}
