package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// EncodeSnapshot returns the JSON of s: byte for byte what encoding/json
// writes, but its nodes are appended without reflection into one buffer
// sized for them, and no pooled encoder buffer keeps the largest snapshot's
// size alive afterwards (encoding/json's pool held 20 MB after a snapshot
// of 68k nodes). A view's snapshot is encoded once per change and sent to
// every client of the view; at 60k namespaces it is the largest thing the
// server writes.
func EncodeSnapshot(s *Snapshot) ([]byte, error) {
	head := *s
	head.Nodes = nil
	h, err := json.Marshal(&head)
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	// Nodes is the last field: the head ends in `"nodes":null}`.
	const tail = `null}`
	if len(h) < len(tail) || string(h[len(h)-len(tail):]) != tail {
		return nil, fmt.Errorf("encode snapshot: unexpected head %.40q", h)
	}
	h = h[:len(h)-len(tail)]
	b := make([]byte, 0, len(h)+2+len(s.Nodes)*estNodeBytes)
	b = append(b, h...)
	if s.Nodes == nil {
		return append(b, tail...), nil
	}
	b = append(b, '[')
	for i := range s.Nodes {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendNode(b, &s.Nodes[i]); err != nil {
			return nil, fmt.Errorf("encode snapshot: %w", err)
		}
	}
	b = append(b, ']', '}')
	if cap(b)-len(b) > len(b)/8 {
		// A short guess: keep no more than the message needs.
		b = append([]byte(nil), b...)
	}
	return b, nil
}

// estNodeBytes is a guess at the JSON size of one node, to size the buffer.
const estNodeBytes = 160

// appendNode appends the JSON of n, as encoding/json writes Node.
func appendNode(b []byte, n *Node) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendString(b, n.ID)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(n.Kind))
	b = append(b, `,"type":`...)
	b = appendString(b, string(n.Type))
	if n.NS != 0 {
		b = append(b, `,"ns":`...)
		b = strconv.AppendUint(b, uint64(n.NS), 10)
	}
	b = append(b, `,"label":`...)
	b = appendString(b, n.Label)
	if n.Parent != "" {
		b = append(b, `,"parent":`...)
		b = appendString(b, n.Parent)
	}
	if n.Count != 0 {
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(n.Count), 10)
	}
	if n.Folds != "" {
		b = append(b, `,"folds":`...)
		b = appendString(b, string(n.Folds))
	}
	for _, f := range [4]struct {
		key string
		v   float64
	}{{`,"x":`, n.X}, {`,"y":`, n.Y}, {`,"w":`, n.W}, {`,"h":`, n.H}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return nil, fmt.Errorf("node %s: coordinate %v", n.ID, f.v)
		}
		b = append(b, f.key...)
		b = appendFloat(b, f.v)
	}
	if n.Inode != 0 {
		b = append(b, `,"ino":`...)
		b = strconv.AppendUint(b, n.Inode, 10)
	}
	if n.Procs != 0 {
		b = append(b, `,"procs":`...)
		b = strconv.AppendInt(b, int64(n.Procs), 10)
	}
	if n.Context {
		b = append(b, `,"ctx":true`...)
	}
	if n.Container != nil {
		c, err := json.Marshal(n.Container)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.ID, err)
		}
		b = append(b, `,"container":`...)
		b = append(b, c...)
	}
	return append(b, '}'), nil
}

// appendFloat appends f as encoding/json does: the shortest decimal that
// reads back as f, in exponent form only for very small or large values.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it: quotes, backslashes and control characters, <, > and & for
// HTML, U+2028 and U+2029 for JavaScript, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
