// Package filter is the one filter language of nsweb. The browser sends it
// to the server as the q parameter, the SVG endpoint and the CLI take it as
// is, so a query means the same thing everywhere and a shared picture can be
// reproduced from its URL. It is pure: parsing and matching read a
// model.Snapshot and never the host.
//
// A query is a list of terms separated by white space; a namespace matches
// when it matches every term (AND):
//
//	type:net        namespace type; a comma means OR here and for every
//	                key: type:net,uts, container:web,db (quote a value
//	                that holds a comma: cmd:"a,b")
//	container:web   a member container whose ID starts with, or whose name,
//	                image, pod name or runtime contains, the value
//	pid:123         the namespace has that member process
//	cmd:nginx       a member process's comm or command line contains it
//	uid:0           a member process runs as that UID, or a user namespace
//	                was created by it
//	ns:4026531840   the namespace's inode or NSID, exactly
//	held:bindmount  something of that kind keeps it alive
//	text            free text: type, inode, member comms, container names
//
// A leading '-' negates a term. Double quotes hold values with spaces or
// colons ("a b", cmd:"nginx -g"); inside quotes \" and \\ escape. String
// matching ignores case. The empty query matches everything.
//
// Queries come from the network, so their cost is bounded: at most MaxLen
// bytes, MaxTerms terms and MaxValues values, and every string is found by
// a search in linear time that does not allocate (see pattern): matching a
// namespace costs at most a few steps per byte of its member processes'
// names and (bounded, see model.MaxCmdline) command lines per value.
package filter

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/model"
)

// MaxLen is the longest query accepted, in bytes. Queries come from the
// network; a bound keeps parsing and matching cost predictable.
const MaxLen = 1024

// MaxTerms bounds the terms of a query and MaxValues the values of all its
// terms together (type:net,uts is two): each value is one more search of
// every member process's text per namespace.
const (
	MaxTerms  = 16
	MaxValues = 32
)

// Key names the field a term tests. The empty Key is free text.
type Key string

// The keys of the language.
const (
	KeyText      Key = ""
	KeyType      Key = "type"
	KeyContainer Key = "container"
	KeyPID       Key = "pid"
	KeyCmd       Key = "cmd"
	KeyUID       Key = "uid"
	KeyNS        Key = "ns"
	KeyHeld      Key = "held"
)

// keys lists the valid keys in the order error messages name them.
var keys = []Key{KeyType, KeyContainer, KeyPID, KeyCmd, KeyUID, KeyNS, KeyHeld}

// holdKinds lists the holder kinds held: accepts, from model.
var holdKinds = []model.HoldKind{
	model.HeldByProcess, model.HeldByThread, model.HeldByChildren, model.HeldByFD,
	model.HeldBySocket, model.HeldByBindMount, model.HeldByChild, model.HeldByOwned,
}

// Error is a query the parser refused. Pos is the 0-based byte offset in the
// query where the problem is, so a user interface can point at it.
type Error struct {
	Pos int
	Msg string
}

// Error formats the problem with its position for people.
func (e *Error) Error() string {
	return fmt.Sprintf("filter: at byte %d: %s", e.Pos, e.Msg)
}

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Term is one parsed condition. Its fields are precomputed at parse time
// so that Match does no parsing or case folding of the query per namespace.
type Term struct {
	Neg bool
	Key Key
	// Value is the canonical value: lower-cased for string keys, the
	// normalised list for type and held.
	Value string

	values []string         // the canonical values, one per alternative
	types  [8]bool          // type: indexed by NSType.Rank
	held   []model.HoldKind // held:
	nums   []uint64         // pid, uid, ns
	pats   []pattern        // container, cmd, free text
}

// Query is a parsed filter. It is immutable after Parse, so one Query can be
// matched from many goroutines at once.
type Query struct {
	Terms []Term
}

// Parse reads a query. It returns an *Error (with the byte position) for
// queries longer than MaxLen, invalid UTF-8, unbalanced quotes, unknown
// keys, unknown namespace types or holder kinds, non-numeric pid, uid or ns
// values and empty values.
func Parse(q string) (*Query, error) {
	if len(q) > MaxLen {
		return nil, errorf(MaxLen, "query is %d bytes, longer than the limit of %d", len(q), MaxLen)
	}
	if !utf8.ValidString(q) {
		for i := 0; i < len(q); {
			r, n := utf8.DecodeRuneInString(q[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, errorf(i, "query is not valid UTF-8")
			}
			i += n
		}
	}
	query := &Query{}
	i, values := 0, 0
	for {
		for i < len(q) && isSpace(q[i]) {
			i++
		}
		if i >= len(q) {
			break
		}
		t, next, err := parseTerm(q, i)
		if err != nil {
			return nil, err
		}
		if len(query.Terms) == MaxTerms {
			return nil, errorf(i, "query has more than %d terms, more than the limit of %d", MaxTerms, MaxTerms)
		}
		values += max(1, len(t.values))
		if values > MaxValues {
			return nil, errorf(i, "query has more than %d values, more than the limit of %d (a comma adds one)", MaxValues, MaxValues)
		}
		query.Terms = append(query.Terms, t)
		i = next
	}
	return query, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseTerm reads the term starting at q[start] and returns it with the
// offset just past it.
func parseTerm(q string, start int) (Term, int, error) {
	var t Term
	i := start
	if q[i] == '-' {
		t.Neg = true
		i++
	}
	bodyStart := i
	// Read the body: runs of plain bytes and quoted strings up to the next
	// unquoted space. A key is the plain prefix before the first unquoted
	// colon, provided no quote came before it.
	var val strings.Builder
	var parts []string // values before unquoted commas, after a key
	keyEnd := -1       // offset in val where the value starts, -1 if no key
	keyStr := ""
	valStart := bodyStart
	quotedSeen := false
	for i < len(q) && !isSpace(q[i]) {
		c := q[i]
		switch {
		case c == '"':
			quotedSeen = true
			open := i
			i++
			closed := false
			for i < len(q) {
				c := q[i]
				if c == '\\' && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\\') {
					val.WriteByte(q[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return t, 0, errorf(open, "unbalanced quote: no closing \" for the one opened here")
			}
		case c == ':' && keyEnd < 0 && !quotedSeen:
			keyStr = val.String()
			keyEnd = val.Len()
			val.Reset()
			i++
			valStart = i
		case c == ',' && keyEnd >= 0:
			parts = append(parts, val.String())
			val.Reset()
			i++
		default:
			val.WriteByte(c)
			i++
		}
	}
	end := i
	value := val.String()
	parts = append(parts, value)
	if keyEnd < 0 {
		if value == "" {
			if t.Neg && !quotedSeen {
				return t, 0, errorf(start, "'-' must be followed by a term")
			}
			return t, 0, errorf(bodyStart, "empty free-text term")
		}
		t.Key = KeyText
		t.Value = strings.ToLower(value)
		t.values = []string{t.Value}
		t.pats = []pattern{newPattern(t.Value)}
		return t, end, nil
	}
	key := Key(strings.ToLower(keyStr))
	if !knownKey(key) {
		return t, 0, errorf(bodyStart, "unknown key %q (known: %s; quote text that holds a colon)", keyStr, keyList())
	}
	t.Key = key
	if len(parts) == 1 && value == "" {
		return t, 0, errorf(valStart, "empty value for %s:", key)
	}
	switch key {
	case KeyType:
		canon := make([]string, 0, 8)
		for _, part := range parts {
			part = strings.ToLower(part)
			nt := model.NSType(part)
			if part == "" {
				return t, 0, errorf(valStart, "empty namespace type in %q", q[valStart:end])
			}
			if !nt.Valid() {
				return t, 0, errorf(valStart, "unknown namespace type %q (known: %s)", part, typeList())
			}
			t.types[nt.Rank()] = true
		}
		for r, on := range t.types {
			if on {
				canon = append(canon, string(model.Types[r]))
			}
		}
		t.values = canon
	case KeyHeld:
		seen := make([]bool, len(holdKinds))
		for _, part := range parts {
			part = strings.ToLower(part)
			if part == "" {
				return t, 0, errorf(valStart, "empty holder kind in %q", q[valStart:end])
			}
			k := -1
			for j, hk := range holdKinds {
				if string(hk) == part {
					k = j
				}
			}
			if k < 0 {
				return t, 0, errorf(valStart, "unknown holder kind %q (known: %s)", part, holdList())
			}
			seen[k] = true
		}
		canon := make([]string, 0, len(holdKinds))
		for j, on := range seen {
			if on {
				t.held = append(t.held, holdKinds[j])
				canon = append(canon, string(holdKinds[j]))
			}
		}
		t.values = canon
	case KeyPID, KeyUID, KeyNS:
		bits := 64
		switch key {
		case KeyPID:
			bits = 31 // PIDs are positive ints; pid_max is at most 2^22
		case KeyUID:
			bits = 32
		}
		for _, part := range parts {
			n, err := strconv.ParseUint(part, 10, bits)
			if err != nil {
				return t, 0, errorf(valStart, "%s: wants a decimal number below 2^%d, got %q", key, bits, part)
			}
			t.nums = append(t.nums, n)
		}
		slices.Sort(t.nums)
		t.nums = slices.Compact(t.nums)
		for _, n := range t.nums {
			t.values = append(t.values, strconv.FormatUint(n, 10))
		}
	default: // container, cmd
		for _, part := range parts {
			if part == "" {
				return t, 0, errorf(valStart, "empty value in the list %q for %s:", q[valStart:end], key)
			}
			t.values = append(t.values, strings.ToLower(part))
		}
		slices.Sort(t.values)
		t.values = slices.Compact(t.values)
		for _, v := range t.values {
			t.pats = append(t.pats, newPattern(v))
		}
	}
	t.Value = strings.Join(t.values, ",")
	return t, end, nil
}

func knownKey(k Key) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

func keyList() string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func typeList() string {
	s := make([]string, len(model.Types))
	for i, k := range model.Types {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func holdList() string {
	s := make([]string, len(holdKinds))
	for i, k := range holdKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// String returns the canonical form of the query: keys and string values
// lower-cased, type and holder lists sorted and de-duplicated, values quoted
// only where they must be. Parsing the canonical form gives the same query,
// so it serves as a stable URL parameter and cache key.
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Neg {
			b.WriteByte('-')
		}
		if t.Key != KeyText {
			b.WriteString(string(t.Key))
			b.WriteByte(':')
		}
		for j, v := range t.values {
			if j > 0 {
				b.WriteByte(',')
			}
			writeValue(&b, v, t.Key == KeyText)
		}
	}
	return b.String()
}

// writeValue writes v, quoted when a plain spelling would parse differently.
func writeValue(b *strings.Builder, v string, free bool) {
	plain := v != ""
	for i := 0; i < len(v) && plain; i++ {
		c := v[i]
		if isSpace(c) || c == '"' || c == '\\' || (free && c == ':') || (!free && c == ',') {
			plain = false
		}
	}
	if free && strings.HasPrefix(v, "-") {
		plain = false
	}
	if plain {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// Empty reports whether the query has no terms and so matches everything.
func (q *Query) Empty() bool { return q == nil || len(q.Terms) == 0 }

// Keep adapts the query to layout.Options.Keep for snapshot s; it returns
// nil for an empty query, which layout reads as "keep everything".
func (q *Query) Keep(s *model.Snapshot) func(*model.Namespace) bool {
	if q.Empty() {
		return nil
	}
	return func(ns *model.Namespace) bool { return q.Match(s, ns) }
}

// Match reports whether namespace ns of snapshot s satisfies every term. A
// nil or empty query matches every namespace.
func (q *Query) Match(s *model.Snapshot, ns *model.Namespace) bool {
	if q == nil || ns == nil {
		return q.Empty()
	}
	for i := range q.Terms {
		t := &q.Terms[i]
		if t.match(s, ns) == t.Neg {
			return false
		}
	}
	return true
}

func (t *Term) match(s *model.Snapshot, ns *model.Namespace) bool {
	switch t.Key {
	case KeyType:
		r := ns.Type.Rank()
		return r < len(t.types) && t.types[r]
	case KeyNS:
		for _, n := range t.nums {
			if ns.Inode == n || uint64(ns.ID) == n {
				return true
			}
		}
		return false
	case KeyPID:
		for _, p := range ns.Procs {
			if slices.Contains(t.nums, uint64(p)) {
				return true
			}
		}
		return false
	case KeyUID:
		if ns.Type == model.User && ns.OwnerUID != nil && slices.Contains(t.nums, uint64(*ns.OwnerUID)) {
			return true
		}
		for _, p := range procs(s, ns) {
			if slices.Contains(t.nums, uint64(p.UID)) {
				return true
			}
		}
		return false
	case KeyCmd:
		for _, p := range procs(s, ns) {
			if t.anyIn(p.Comm) || t.anyIn(p.Cmdline) {
				return true
			}
		}
		return false
	case KeyHeld:
		for _, k := range t.held {
			if k == model.HeldByProcess && len(ns.Procs) > 0 {
				return true
			}
			for _, h := range ns.HeldBy {
				if h.Kind == k {
					return true
				}
			}
		}
		return false
	case KeyContainer:
		for _, id := range ns.Containers {
			for i := range t.pats {
				if t.pats[i].prefixOf(id) {
					return true
				}
			}
			if s == nil {
				continue
			}
			if c := s.Containers[id]; c != nil {
				if t.anyIn(c.Name) || t.anyIn(c.Image) || t.anyIn(c.Pod) || t.anyIn(c.Runtime) {
					return true
				}
			}
		}
		return false
	case KeyText:
		if t.anyIn(string(ns.Type)) {
			return true
		}
		var buf [20]byte
		if strings.Contains(string(strconv.AppendUint(buf[:0], ns.Inode, 10)), t.Value) {
			return true
		}
		for _, p := range procs(s, ns) {
			if t.anyIn(p.Comm) {
				return true
			}
		}
		if s != nil {
			for _, id := range ns.Containers {
				if c := s.Containers[id]; c != nil && t.anyIn(c.DisplayName()) {
					return true
				}
			}
		}
		return false
	}
	return false
}

// anyIn reports whether text contains any of the term's values, ignoring
// case.
func (t *Term) anyIn(text string) bool {
	for i := range t.pats {
		if t.pats[i].in(text) {
			return true
		}
	}
	return false
}

// procs returns the member processes of ns that the snapshot holds, as an
// iterator so that Match walks them without building a slice.
func procs(s *model.Snapshot, ns *model.Namespace) iter.Seq2[int, *model.Process] {
	return func(yield func(int, *model.Process) bool) {
		if s == nil {
			return
		}
		for i, pid := range ns.Procs {
			if p := s.Processes[pid]; p != nil {
				if !yield(i, p) {
					return
				}
			}
		}
	}
}
