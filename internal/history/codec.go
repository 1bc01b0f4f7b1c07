package history

import (
	"bytes"
	"compress/flate"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// dict primes the compression of change rows, which are small: the keys
// and values every row repeats cost a few bits instead of their length.
var dict = []byte(`"kind":"members","procsStarted":1,"procsExited":1}` +
	`{"kind":"started","container":"","name":"","image":"","runtime":"docker","namespaces":5}` +
	`{"kind":"stopped","container":"","name":"","image":"","runtime":"podman","namespaces":5}` +
	`{"kind":"held","holders":"bindmount /run/netns/"}{"kind":"ended","ns":4,"type":"net","inode":40265` +
	`{"pid":1,"ppid":1,"comm":"","cmdline":"","uid":0,"start":1,"ns":{"cgroup":4,"ipc":4,"mnt":4,"net":4,"pid":4,"time":4,"user":4,"uts":4},"nspid":[1,1],"container":"` +
	`{"id":4,"type":"mnt","inode":40265,"dev":4,"parent":4,"owner":4,"leader":1,"containers":["` +
	`{"id":4,"type":"uts","inode":40265,"dev":4,"owner":4,"leader":1,"heldBy":[{"kind":"bindmount","path":"/run/netns/","mntns":4}]` +
	`{"kind":"born","ns":4,"type":"pid","inode":40265,"pid":1,"comm":"","container":"","name":""}`)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// Compressors are reused: making one allocates about a megabyte.
var writers = [2]sync.Pool{
	{New: func() any { w, _ := flate.NewWriter(io.Discard, flate.BestSpeed); return w }},
	// Rows are small: the default level packs them a sixth tighter than
	// the fastest at a few microseconds more each.
	{New: func() any { w, _ := flate.NewWriterDict(io.Discard, flate.DefaultCompression, dict); return w }},
}

// encode writes v as JSON compressed with dict (for rows) or without.
func encode(v any, withDict bool) ([]byte, error) {
	var buf bytes.Buffer
	pool := &writers[0]
	if withDict {
		pool = &writers[1]
	}
	zw := pool.Get().(*flate.Writer)
	defer pool.Put(zw)
	zw.Reset(&buf) // keeps the dictionary it was made with
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, fmt.Errorf("history: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("history: compress: %w", err)
	}
	return buf.Bytes(), nil
}

// encodeCheckpoint writes a checkpoint in the binary codec (cpcodec.go).
func encodeCheckpoint(cp *checkpoint) ([]byte, error) {
	return encodeCheckpointBin(cp)
}

// encodeCheckpointGob writes a checkpoint as gob, compressed, as nsweb did
// before the binary codec (kept to compare them, and to test that such
// checkpoints are still read).
func encodeCheckpointGob(cp *checkpoint) ([]byte, error) {
	var buf bytes.Buffer
	zw := writers[0].Get().(*flate.Writer)
	defer writers[0].Put(zw)
	zw.Reset(&buf)
	if err := gob.NewEncoder(zw).Encode(cp); err != nil {
		return nil, fmt.Errorf("history: encode checkpoint: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("history: compress: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeCheckpoint(data []byte, cp *checkpoint) error {
	if len(data) > 0 && data[0] == cpMagic {
		return decodeCheckpointBin(data, cp)
	}
	zr := flate.NewReader(bytes.NewReader(data))
	defer zr.Close()
	if err := gob.NewDecoder(zr).Decode(cp); err != nil {
		return fmt.Errorf("history: decode a stored checkpoint: %w", err)
	}
	return nil
}

// readers are reused decompressors with the rows' dictionary.
var readers = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), dict) }}

// decode reads what encode wrote.
func decode(data []byte, v any, withDict bool) error {
	var zr io.ReadCloser
	if withDict {
		r := readers.Get().(io.ReadCloser)
		defer readers.Put(r)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(data), dict); err != nil {
			return fmt.Errorf("history: decompress: %w", err)
		}
		zr = r
	} else {
		zr = flate.NewReader(bytes.NewReader(data))
		defer zr.Close()
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		return fmt.Errorf("history: decode a stored record: %w", err)
	}
	return nil
}
