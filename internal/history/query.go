package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// NotRecordedError says that a moment lies outside what the store holds.
type NotRecordedError struct {
	At             time.Time
	Oldest, Newest time.Time // zero when the store is empty
}

func (e *NotRecordedError) Error() string {
	if e.Oldest.IsZero() {
		return "no history recorded yet"
	}
	return fmt.Sprintf("no history at %s: it holds %s to %s", e.At.UTC().Format(time.RFC3339),
		e.Oldest.Format(time.RFC3339), e.Newest.Format(time.RFC3339))
}

// Range returns the oldest moment that can be rebuilt and the newest
// recorded; both zero when the store is empty.
func (st *Store) Range(ctx context.Context) (oldest, newest time.Time, err error) {
	var o sql.NullInt64
	if err := st.db.QueryRowContext(ctx, "SELECT min(t) FROM checkpoints").Scan(&o); err != nil {
		return oldest, newest, fmt.Errorf("history: read: %w", err)
	}
	if !o.Valid {
		return oldest, newest, nil
	}
	n, err := st.lastKey(ctx)
	if err != nil {
		return oldest, newest, err
	}
	return fromKey(o.Int64), fromKey(n), nil
}

// At rebuilds the snapshot of moment t: the nearest checkpoint before it
// with every change up to t applied. Its Taken is the time of the last
// change applied. A moment before the oldest checkpoint gives a
// *NotRecordedError. The snapshot may be shared with other callers (the
// store keeps the last ones rebuilt, cache.go): it must not be modified.
func (st *Store) At(ctx context.Context, t time.Time) (*model.Snapshot, error) {
	k := key(t)
	var cpKey int64
	err := st.db.QueryRowContext(ctx, "SELECT t FROM checkpoints WHERE t <= ? ORDER BY t DESC LIMIT 1", k).Scan(&cpKey)
	if errors.Is(err, sql.ErrNoRows) {
		o, n, rerr := st.Range(ctx)
		if rerr != nil {
			return nil, rerr
		}
		return nil, &NotRecordedError{At: t, Oldest: o, Newest: n}
	}
	if err != nil {
		return nil, fmt.Errorf("history: read checkpoint: %w", err)
	}
	var lastRow sql.NullInt64
	if err := st.db.QueryRowContext(ctx, "SELECT max(t) FROM changes WHERE t > ? AND t <= ?", cpKey, k).Scan(&lastRow); err != nil {
		return nil, fmt.Errorf("history: read changes: %w", err)
	}
	ck := cacheKey{cp: cpKey, last: cpKey}
	if lastRow.Valid {
		ck.last = lastRow.Int64
	}
	exact, base, baseLast := st.cache.get(ck)
	if exact != nil {
		return exact, nil
	}
	from := cpKey
	if base != nil {
		from = baseLast
	}
	raw, err := st.rows(ctx, from, ck.last)
	if err != nil {
		return nil, err
	}
	var cpData []byte
	if base == nil {
		if err := st.db.QueryRowContext(ctx, "SELECT data FROM checkpoints WHERE t = ?", cpKey).Scan(&cpData); err != nil {
			return nil, fmt.Errorf("history: read checkpoint: %w", err)
		}
	}
	// The checkpoint and the rows decode in parallel (decoding is most of
	// a rebuild); they are applied in order.
	var cp checkpoint
	changes := make([]stateChange, len(raw))
	errs := make([]error, len(raw)+1)
	var wg sync.WaitGroup
	if base == nil {
		wg.Go(func() { errs[len(raw)] = decodeCheckpoint(cpData, &cp) })
	}
	decodeRows(&wg, raw, changes, errs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var s *state
	if base != nil {
		s = fromSnapshot(base)
	} else {
		s = fromCheckpoint(&cp)
	}
	for i := range changes {
		s.apply(&changes[i])
	}
	snap := s.snapshot(fromKey(ck.last))
	st.cache.put(ck, snap)
	return snap, nil
}

// rows reads the change rows after key from up to key to, in order.
func (st *Store) rows(ctx context.Context, from, to int64) ([][]byte, error) {
	rows, err := st.db.QueryContext(ctx, "SELECT data FROM changes WHERE t > ? AND t <= ? ORDER BY t", from, to)
	if err != nil {
		return nil, fmt.Errorf("history: read changes: %w", err)
	}
	defer rows.Close()
	var raw [][]byte
	for rows.Next() {
		var d []byte
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("history: read changes: %w", err)
		}
		raw = append(raw, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: read changes: %w", err)
	}
	return raw, nil
}

// Query selects events.
type Query struct {
	Since, Until time.Time // zero: unbounded
	// Q keeps the events whose text (Event.Text) holds every one of its
	// words, case-insensitively; a word starting with "-" must not be in it.
	Q string
	// Limit bounds the events returned (default 100, at most 1000).
	Limit int
	// Cursor continues after the event of that cursor.
	Cursor string
	// Desc lists the newest first.
	Desc bool
	// Members includes the per-scan summaries of processes started and
	// exited.
	Members bool
}

// Page is a page of events.
type Page struct {
	Events []Event `json:"events"`
	// Next is the cursor of the next page, empty when there is none.
	Next string `json:"next,omitempty"`
}

// maxRowsPerPage bounds the rows one query decodes, so a search that
// matches little costs a bounded time; the page then says where to go on.
const maxRowsPerPage = 20000

// Events lists the recorded events q selects, oldest first (or newest
// first with Desc).
func (st *Store) Events(ctx context.Context, q Query) (*Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	lo, hi := int64(0), int64(1<<62)
	if !q.Since.IsZero() {
		lo = key(q.Since)
	}
	if !q.Until.IsZero() {
		hi = key(q.Until)
	}
	skip := -1 // events of the cursor's row to skip
	if q.Cursor != "" {
		ks, is, ok := strings.Cut(q.Cursor, ".")
		ck, err1 := strconv.ParseInt(ks, 10, 64)
		ci, err2 := strconv.Atoi(is)
		if !ok || err1 != nil || err2 != nil || ci < 0 {
			return nil, fmt.Errorf("invalid cursor %q: pass the next of a previous page", truncate(q.Cursor, 40))
		}
		if q.Desc {
			hi = min(hi, ck)
		} else {
			lo = max(lo, ck)
		}
		skip = ci
	}
	words := strings.Fields(strings.ToLower(q.Q))
	order := "ASC"
	if q.Desc {
		order = "DESC"
	}
	rows, err := st.db.QueryContext(ctx, "SELECT t, data FROM changes WHERE t >= ? AND t <= ? AND events > 0 ORDER BY t "+order+" LIMIT ?", lo, hi, maxRowsPerPage)
	if err != nil {
		return nil, fmt.Errorf("history: read changes: %w", err)
	}
	defer rows.Close()
	page := &Page{Events: []Event{}}
	n := 0
	var k int64
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&k, &data); err != nil {
			return nil, fmt.Errorf("history: read changes: %w", err)
		}
		n++
		var c change
		if err := decode(data, &c, true); err != nil {
			return nil, err
		}
		idx := make([]int, len(c.Ev))
		for i := range idx {
			idx[i] = i
			if q.Desc {
				idx[i] = len(c.Ev) - 1 - i
			}
		}
		for _, i := range idx {
			if q.Cursor != "" && k == cursorKey(q.Cursor) && (!q.Desc && i <= skip || q.Desc && i >= skip) {
				continue
			}
			e := c.Ev[i]
			if e.Kind == Members && !q.Members {
				continue
			}
			e.T = fromKey(k)
			e.Cursor = formatInt(k) + "." + strconv.Itoa(i)
			e.Summary = e.Text()
			if !matches(e.Summary, words) {
				continue
			}
			page.Events = append(page.Events, e)
			if len(page.Events) == limit {
				page.Next = e.Cursor
				return page, nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: read changes: %w", err)
	}
	if n == maxRowsPerPage {
		// Go on after this row: every one of its events is skipped.
		page.Next = formatInt(k) + "." + strconv.Itoa(1<<20)
		if q.Desc {
			page.Next = formatInt(k) + ".0"
		}
	}
	return page, nil
}

func cursorKey(c string) int64 {
	ks, _, _ := strings.Cut(c, ".")
	k, _ := strconv.ParseInt(ks, 10, 64)
	return k
}

func matches(text string, words []string) bool {
	text = strings.ToLower(text)
	for _, w := range words {
		if neg, ok := strings.CutPrefix(w, "-"); ok && neg != "" {
			if strings.Contains(text, neg) {
				return false
			}
			continue
		}
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Text is the event as a line for a person: "container web-3 started
// (docker, nginx) · 5 namespaces", "net namespace 4026532281 born (ns:4099)
// · pid 123 sleep · container web-3".
func (e *Event) Text() string {
	var b strings.Builder
	switch e.Kind {
	case Started, Stopped:
		fmt.Fprintf(&b, "container %s %s", e.Name, e.Kind)
		var det []string
		for _, s := range []string{e.Runtime, e.Image} {
			if s != "" {
				det = append(det, s)
			}
		}
		if e.Pod != "" {
			det = append(det, "pod "+e.Pod)
		}
		if len(det) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(det, ", "))
		}
		if e.Namespaces > 0 {
			fmt.Fprintf(&b, " · %d namespace%s", e.Namespaces, plural(e.Namespaces))
		}
		if e.Container != "" && e.Container != e.Name {
			fmt.Fprintf(&b, " · id %s", e.Container)
		}
	case Members:
		fmt.Fprintf(&b, "%d process%s started, %d exited", e.ProcsStarted, pluralEs(e.ProcsStarted), e.ProcsExited)
	default:
		fmt.Fprintf(&b, "%s namespace %d %s (ns:%d)", e.Type, e.Inode, e.Kind, e.NS)
		switch {
		case e.Kind == Held && e.Holders == "":
			b.WriteString(" · held by its processes only")
		case e.Holders != "":
			fmt.Fprintf(&b, " · held by %s", e.Holders)
		}
		if e.PID != 0 {
			fmt.Fprintf(&b, " · pid %d %s", e.PID, e.Comm)
		}
		if e.Name != "" || e.Container != "" {
			fmt.Fprintf(&b, " · container %s", firstNonEmpty(e.Name, e.Container))
		}
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pluralEs(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Lifetime is when a namespace was first and last seen.
type Lifetime struct {
	NS    model.NSID   `json:"ns"`
	Type  model.NSType `json:"type"`
	Inode uint64       `json:"inode"`
	// Born is when it was first seen; Before says it was there when the
	// recording began, so it was born earlier.
	Born   time.Time `json:"born"`
	Before bool      `json:"before,omitempty"`
	// Ended is when it was first missed; nil while it lives.
	Ended *time.Time `json:"ended,omitempty"`
	// PID and Comm are its first process seen; Container its first
	// container's name.
	PID       int    `json:"pid,omitempty"`
	Comm      string `json:"comm,omitempty"`
	Container string `json:"container,omitempty"`
}

// Lifetime returns the latest lifetime recorded for namespace id, nil if
// none.
func (st *Store) Lifetime(ctx context.Context, id model.NSID) (*Lifetime, error) {
	var lt Lifetime
	var born int64
	var before bool
	var ended, pid sql.NullInt64
	var comm, ctr sql.NullString
	var typ string
	var inode int64
	err := st.db.QueryRowContext(ctx, "SELECT type, inode, born, before, ended, pid, comm, ctr FROM lifetimes WHERE ns = ? ORDER BY born DESC LIMIT 1", int64(id)).
		Scan(&typ, &inode, &born, &before, &ended, &pid, &comm, &ctr)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: read lifetime: %w", err)
	}
	lt.NS, lt.Type, lt.Inode, lt.Born, lt.Before = id, model.NSType(typ), uint64(inode), fromKey(born), before
	if ended.Valid {
		t := fromKey(ended.Int64)
		lt.Ended = &t
	}
	lt.PID, lt.Comm, lt.Container = int(pid.Int64), comm.String, ctr.String
	return &lt, nil
}

// Bucket counts the namespaces born and ended in one interval, per type.
type Bucket struct {
	T     time.Time            `json:"t"`
	Born  map[model.NSType]int `json:"born,omitempty"`
	Ended map[model.NSType]int `json:"ended,omitempty"`
}

// Timeline counts births and ends in n equal intervals from since to
// until (namespaces there before the recording began are not births).
func (st *Store) Timeline(ctx context.Context, since, until time.Time, n int) ([]Bucket, error) {
	if n <= 0 || !until.After(since) {
		return nil, fmt.Errorf("history: timeline: want until after since and a positive count")
	}
	lo, hi := key(since), key(until)
	width := max((hi-lo)/int64(n), 1)
	out := make([]Bucket, n)
	for i := range out {
		out[i] = Bucket{T: fromKey(lo + int64(i)*width), Born: map[model.NSType]int{}, Ended: map[model.NSType]int{}}
	}
	for _, col := range []string{"born", "ended"} {
		q := "SELECT type, (" + col + " - ?) / ?, count(*) FROM lifetimes WHERE " + col + " >= ? AND " + col + " < ?"
		if col == "born" {
			q += " AND before = 0"
		}
		q += " GROUP BY 1, 2"
		rows, err := st.db.QueryContext(ctx, q, lo, width, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("history: timeline: %w", err)
		}
		for rows.Next() {
			var typ string
			var b int64
			var c int
			if err := rows.Scan(&typ, &b, &c); err != nil {
				rows.Close()
				return nil, fmt.Errorf("history: timeline: %w", err)
			}
			if b < 0 || b >= int64(n) {
				continue
			}
			if col == "born" {
				out[b].Born[model.NSType(typ)] += c
			} else {
				out[b].Ended[model.NSType(typ)] += c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("history: timeline: %w", err)
		}
	}
	return out, nil
}

// decodeRows decodes raw[i] into rows[i] on one goroutine of wg a core,
// the error of each in errs[i].
func decodeRows[T any](wg *sync.WaitGroup, raw [][]byte, rows []T, errs []error) {
	var next atomic.Int64
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(raw) {
					return
				}
				errs[i] = decode(raw[i], &rows[i], true)
			}
		})
	}
}
