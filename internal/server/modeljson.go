package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

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
	writeMap(e, s.Namespaces, cmpDecimal[model.NSID], jsonKey[model.NSID])
	e.raw(`,"processes":`)
	writeMap(e, s.Processes, cmpDecimal[int], jsonKey[int])
	if len(s.Containers) > 0 {
		e.raw(`,"containers":`)
		writeMap(e, s.Containers, strings.Compare, func(id string) any { return id })
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

// writeMap writes m as encoding/json writes a map: null when nil, else
// its keys, written by key, in the order of cmp (encoding/json sorts them
// by their text).
func writeMap[K comparable, V any](e *elemWriter, m map[K]V, cmp func(a, b K) int, key func(K) any) {
	if m == nil {
		e.raw("null")
		return
	}
	e.raw("{")
	for i, k := range slices.SortedFunc(maps.Keys(m), cmp) {
		if i > 0 {
			e.raw(",")
		}
		e.value(key(k))
		e.raw(":")
		e.value(m[k])
	}
	e.raw("}")
}

// number is a map key that encoding/json writes as decimal text.
type number interface{ ~int | ~uint64 }

// cmpDecimal orders numbers as encoding/json orders them as map keys: by
// their decimal text.
func cmpDecimal[N number](a, b N) int {
	var x, y [20]byte
	return bytes.Compare(strconv.AppendUint(x[:0], uint64(a), 10), strconv.AppendUint(y[:0], uint64(b), 10))
}

// jsonKey is a numeric map key as encoding/json writes it: a string.
func jsonKey[N number](k N) any { return decimalKey(uint64(k)) }

type decimalKey uint64

func (k decimalKey) MarshalJSON() ([]byte, error) {
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
