package kevents

import (
	"encoding/binary"
	"fmt"
)

// decode parses one ring buffer record as the programs write it (native
// byte order): kind, tgid, tid, mount namespace inode, return value.
func decode(b []byte) (Event, error) {
	if len(b) < recordSize {
		return Event{}, fmt.Errorf("kevents: short record of %d bytes, want %d", len(b), recordSize)
	}
	ne := binary.NativeEndian
	e := Event{
		Kind:  Kind(ne.Uint32(b[0:])),
		PID:   int(ne.Uint32(b[4:])),
		TID:   int(ne.Uint32(b[8:])),
		MntNS: uint64(ne.Uint32(b[12:])),
		Ret:   int64(ne.Uint64(b[16:])),
	}
	if e.Kind < Unshare || e.Kind > Umount {
		return Event{}, fmt.Errorf("kevents: unknown event kind %d", uint32(e.Kind))
	}
	return e, nil
}
