//go:build !linux

package kevents

import "errors"

// Tracer needs Linux.
type Tracer struct{}

// Open fails outside Linux.
func Open() (*Tracer, error) { return nil, errors.New("BPF needs Linux") }

// Attached names no tracepoint.
func (*Tracer) Attached() []string { return nil }

// Notes are empty.
func (*Tracer) Notes() []string { return nil }

// Read fails.
func (*Tracer) Read(buf []Event) ([]Event, error) { return buf[:0], errors.New("BPF needs Linux") }

// Close does nothing.
func (*Tracer) Close() error { return nil }

// Lost is zero.
func (*Tracer) Lost() (uint64, error) { return 0, nil }
