// Package history records what nsweb sees into an embedded SQLite file, so
// that any past moment can be rebuilt and drawn, and the changes between
// moments listed. Every published snapshot becomes one row of changes
// against the previous one (namespaces, processes and containers added,
// changed or gone, plus the events people read: born, ended, started,
// stopped); a full checkpoint is written now and then, so that a moment is
// rebuilt from the nearest checkpoint before it plus the rows after it.
// Rows are committed in one transaction at most every second (WAL), so a
// kill -9 loses at most the last second; age and size retention drop the
// oldest checkpoint intervals whole.
//
// SQLite through modernc.org/sqlite (pure Go, no cgo): range queries over
// time on the rowid, WAL crash safety and one file, without a C toolchain.
package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// appID marks a SQLite file as an nsweb history store ("nswb").
const appID = 0x6e737762

// schemaVersion is the user_version of the schema this package writes.
const schemaVersion = 1

// FileName is the store's file name inside the state directory.
const FileName = "history.db"

// Defaults of the retention bounds and checkpoint interval.
const (
	DefaultMaxAge          = 7 * 24 * time.Hour
	DefaultMaxBytes        = 256 << 20
	DefaultCheckpointEvery = 30 * time.Minute
)

// ErrUnusable wraps every reason a store file cannot be used: it is
// corrupt, belongs to another program, is of a newer schema, or another
// nsweb writes it. nsweb then goes on live-only.
var ErrUnusable = errors.New("history store unusable")

// Options tune a Store. Zero values give the defaults.
type Options struct {
	// MaxAge drops what is older (default 7 days).
	MaxAge time.Duration
	// MaxBytes bounds the file (default 256 MiB).
	MaxBytes int64
	// CheckpointEvery is the longest time between two checkpoints while
	// anything changes (default 30 min). A checkpoint is also written when
	// the rows since the last one outweigh it, so a rebuild reads at most
	// a checkpoint and as much again in rows.
	CheckpointEvery time.Duration
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
	// ReadOnly opens an existing store for reading (nsweb history).
	ReadOnly bool
}

func (o *Options) defaults() {
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Store is an open history file.
type Store struct {
	db   *sql.DB
	path string
	opt  Options
	lock *os.File // flock held while writing; nil read-only

	cache rebuildCache // the last snapshots At rebuilt

	mu      sync.Mutex
	lastCP  int64 // time key of the newest checkpoint, 0 none
	cpBytes int64 // its size
	since   int64 // bytes of change rows since it
}

// DefaultDir is where nsweb keeps its state: $NSWEB_STATE_DIR when set
// (the test command points every nsweb it starts at a throw-away one),
// else /var/lib/nsweb as root, $XDG_STATE_HOME/nsweb (else
// ~/.local/state/nsweb) otherwise.
func DefaultDir() string {
	if d := os.Getenv("NSWEB_STATE_DIR"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/nsweb"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "nsweb")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "nsweb")
	}
	return ""
}

// Open opens (or, writable, creates) the store at path. A file that is no
// SQLite database, another program's database, a newer schema or a
// corrupt one gives an error wrapping ErrUnusable, and the file is left
// as it is.
func Open(path string, opt Options) (*Store, error) {
	opt.defaults()
	s := &Store{path: path, opt: opt}
	existed, err := checkHeader(path)
	if err != nil {
		return nil, err
	}
	if opt.ReadOnly && !existed {
		return nil, fmt.Errorf("no history at %s: nsweb serve records it (see --state-dir)", path)
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("history: create %s: %w", filepath.Dir(path), err)
		}
		lf, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			_ = lf.Close()
			return nil, fmt.Errorf("%w: %s: another nsweb records into it (%v)", ErrUnusable, path, err)
		}
		s.lock = lf
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
	if opt.ReadOnly {
		dsn += "&mode=ro"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		s.unlock()
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s.db = db
	if err := s.init(existed); err != nil {
		_ = db.Close()
		s.unlock()
		return nil, err
	}
	return s, nil
}

// checkHeader tells a missing or empty file (false) from an SQLite one
// (true) and refuses anything else without opening it.
func checkHeader(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return false, nil
	}
	if err != nil || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
		return false, fmt.Errorf("%w: %s is not an nsweb history store (not an SQLite database); move it away or choose another --state-dir", ErrUnusable, path)
	}
	return true, nil
}

func (s *Store) unusable(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%w: %s: %s: %v; move it away or choose another --state-dir", ErrUnusable, s.path, what, err)
	}
	return fmt.Errorf("%w: %s: %s; move it away or choose another --state-dir", ErrUnusable, s.path, what)
}

const schema = `
CREATE TABLE IF NOT EXISTS checkpoints (t INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS changes (t INTEGER PRIMARY KEY, events INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS lifetimes (
	ns INTEGER PRIMARY KEY, type TEXT NOT NULL, inode INTEGER NOT NULL,
	born INTEGER NOT NULL, before INTEGER NOT NULL, ended INTEGER,
	pid INTEGER, comm TEXT, ctr TEXT);
`

func (s *Store) init(existed bool) error {
	ctx := context.Background()
	if existed {
		var id, ver int64
		if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
			return s.unusable("cannot read it", err)
		}
		if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&ver); err != nil {
			return s.unusable("cannot read it", err)
		}
		if id != appID {
			return s.unusable("an SQLite database of another program, not an nsweb history store", nil)
		}
		if ver > schemaVersion {
			return s.unusable(fmt.Sprintf("written by a newer nsweb (schema %d, this one reads %d)", ver, schemaVersion), nil)
		}
		var res string
		if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
			return s.unusable("corrupt", err)
		}
		if res != "ok" {
			return s.unusable("corrupt ("+res+")", nil)
		}
	} else if !s.opt.ReadOnly {
		// auto_vacuum must be set before the first table: retention then
		// gives the space of what it drops back to the file system.
		for _, p := range []string{"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL",
			fmt.Sprintf("PRAGMA application_id=%d", appID), fmt.Sprintf("PRAGMA user_version=%d", schemaVersion)} {
			if _, err := s.db.ExecContext(ctx, p); err != nil {
				return fmt.Errorf("history: create %s: %s: %w", s.path, p, err)
			}
		}
	}
	if !s.opt.ReadOnly {
		if _, err := s.db.ExecContext(ctx, schema); err != nil {
			return s.unusable("cannot create its tables", err)
		}
	}
	var cp sql.NullInt64
	var size sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT t, length(data) FROM checkpoints ORDER BY t DESC LIMIT 1").Scan(&cp, &size); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.unusable("cannot read its checkpoints", err)
	}
	s.lastCP, s.cpBytes = cp.Int64, size.Int64
	if cp.Valid {
		var since sql.NullInt64
		if err := s.db.QueryRowContext(ctx, "SELECT sum(length(data)) FROM changes WHERE t > ?", cp.Int64).Scan(&since); err != nil {
			return s.unusable("cannot read its changes", err)
		}
		s.since = since.Int64
	}
	return nil
}

func (s *Store) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing drops the flock
		s.lock = nil
	}
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the file.
func (s *Store) Close() error {
	err := s.db.Close()
	s.unlock()
	if err != nil {
		return fmt.Errorf("history: close %s: %w", s.path, err)
	}
	return nil
}

// Size is the bytes the store's data takes (pages in use, WAL included).
func (s *Store) Size(ctx context.Context) (int64, error) {
	var pages, free, psize int64
	for q, p := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &psize} {
		if err := s.db.QueryRowContext(ctx, q).Scan(p); err != nil {
			return 0, fmt.Errorf("history: %s: %w", strings.ToLower(q), err)
		}
	}
	return (pages - free) * psize, nil
}

// key is a time as the store's primary keys hold it: microseconds since
// the epoch.
func key(t time.Time) int64 { return t.UnixMicro() }

func fromKey(k int64) time.Time { return time.UnixMicro(k).UTC() }
