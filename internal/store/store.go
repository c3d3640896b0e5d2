// Package store owns every SQL statement renkei runs: LINE digest
// subscriptions, 👍/👎 feedback, the anonymous question log behind the
// bureau's report, and the digest delivery log that makes delivery
// exactly-once. It is the only package that imports a database driver
// (modernc.org/sqlite, pure Go); callers see plain Go types and never SQL.
//
// The embedded default is one SQLite file in WAL mode. The SQL is kept
// portable so that PostgreSQL can be added later: columns are TEXT and
// INTEGER only, times are stored as fixed-width RFC 3339 UTC text (so that
// text order is time order), upserts use INSERT … ON CONFLICT, and queries
// call no SQLite-only function. Queries are written with '?' placeholders
// and pass through rebind, which can turn them into $1, $2, … for a driver
// that needs that.
//
// It must not decide policy (who may subscribe, what a digest contains,
// what to tell a user) and must not put a user's question text or any
// token into an error string or a log: errors name the operation and, at
// most, the user id, period or target.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement waits for another connection's (or
// another process's) lock before it fails with "database is locked".
const BusyTimeout = 5 * time.Second

// maxReaders is the size of the read-only connection pool. In WAL mode
// readers never block the writer nor each other.
const maxReaders = 4

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("store: database is closed")

// Store is renkei's database. It is safe for concurrent use.
//
// Writes go through a pool of exactly one connection, so that goroutines
// of this process queue in database/sql instead of failing with
// SQLITE_BUSY, and every write transaction starts with BEGIN IMMEDIATE, so
// that another process on the same file waits (up to BusyTimeout) instead
// of dead-locking on a lock upgrade. Reads go through a separate pool of
// query-only connections. An in-memory database has a single connection
// for both.
type Store struct {
	w, r   *sql.DB
	path   string // database file; "" for an in-memory database
	bind   bindStyle
	closed atomic.Bool
	once   sync.Once
	cerr   error
}

// Open opens (creating it if needed) the database named by dsn and brings
// its schema up to date. Open is idempotent: on an up-to-date database it
// writes nothing.
//
// dsn is one of
//
//   - a file path, "./data/renkei.db"; the file (mode 0600) and its parent
//     directory (0750) are created when missing;
//   - a SQLite URI, "file:data/renkei.db?mode=ro"; SQLite's own URI
//     parameters (mode=ro, mode=rwc, cache, immutable, …) take effect only
//     in this form;
//   - ":memory:" (or "file::memory:"), a private database that lives as
//     long as the Store, for tests.
//
// Either form may carry modernc.org/sqlite parameters after '?'. Open adds
// _busy_timeout=5000, _foreign_keys=1, _journal_mode=WAL,
// _synchronous=NORMAL and, for the writer, _txlock=immediate, unless dsn
// already sets that key; readers also get _query_only=1.
//
// Open fails when the database's schema is newer than this program knows.
func Open(ctx context.Context, dsn string) (*Store, error) {
	d, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if d.path != "" && !d.readOnly() {
		if err := createFile(d.path); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}

	w, err := sql.Open("sqlite", d.writer())
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	// An in-memory database disappears with its connection, and a file's
	// pragmas are cheap to keep: never recycle the writer.
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: w, path: d.path, bind: bindQuestion}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", d.display(), err)
	}
	if _, err := migrate(ctx, w, s.bind, migrations, time.Now()); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", d.display(), err)
	}
	if !d.memory {
		r, err := sql.Open("sqlite", d.reader())
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open: %w", err)
		}
		r.SetMaxOpenConns(maxReaders)
		r.SetMaxIdleConns(maxReaders)
		if err := r.PingContext(ctx); err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("store: open %s: %w", d.display(), err)
		}
		s.r = r
	}
	return s, nil
}

// createFile creates the parent directory (0750) and an empty database
// file (0600) when they are missing. SQLite gives its -wal and -shm files
// the database file's mode, so none of them is readable by other users.
func createFile(path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Close closes the database. Calls after the first return the first
// call's result; every other method then fails with ErrClosed.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		var errs []error
		if s.r != s.w {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if err := errors.Join(errs...); err != nil {
			s.cerr = fmt.Errorf("store: close: %w", err)
		}
	})
	return s.cerr
}

// Ping reports whether the database can be reached for writing and for
// reading, for a readiness probe. It writes nothing.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return s.fail("ping", err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// Path is the database file, or "" for an in-memory database.
func (s *Store) Path() string { return s.path }

// IsUnavailable reports whether err means the database could not be
// used at all — closed, read-only, locked past the busy timeout, out of
// disk, or failing I/O — as opposed to a bad argument or a bug. Callers
// use it to tell the user that their action could not be saved and to
// try again later.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrClosed) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// Extended result codes are on; the primary code is the low byte.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return true
		}
	}
	return false
}

// fail wraps err for op. After Close, database/sql's own "database is
// closed" error is replaced by ErrClosed so that IsUnavailable sees it.
func (s *Store) fail(op string, err error) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// q returns query with its placeholders spelled for this database.
func (s *Store) q(query string) string { return rebind(s.bind, query) }

// write runs fn in a write transaction (BEGIN IMMEDIATE on SQLite),
// committing when fn returns nil and rolling back otherwise.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// dsn is a parsed data source name.
type dsn struct {
	base   string     // dsn without its query
	query  url.Values // parameters given by the caller
	uri    bool       // base starts with "file:"
	path   string     // file on disk; "" for in-memory
	memory bool
}

func parseDSN(s string) (dsn, error) {
	if strings.TrimSpace(s) == "" {
		return dsn{}, errors.New("store: open: empty dsn")
	}
	base, rawQuery, _ := strings.Cut(s, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return dsn{}, fmt.Errorf("store: open: dsn query: %w", err)
	}
	d := dsn{base: base, query: q, uri: strings.HasPrefix(base, "file:")}
	name := base
	if d.uri {
		u, err := url.Parse(base)
		if err != nil {
			return dsn{}, fmt.Errorf("store: open: dsn: %w", err)
		}
		name = u.Path       // file:///abs/x.db
		if u.Opaque != "" { // file:rel/x.db
			if name, err = url.PathUnescape(u.Opaque); err != nil {
				return dsn{}, fmt.Errorf("store: open: dsn: %w", err)
			}
		}
	}
	if name == "" || name == ":memory:" || (d.uri && q.Get("mode") == "memory") {
		d.memory = true
		return d, nil
	}
	d.path = name
	return d, nil
}

// readOnly reports whether SQLite will open the file read-only.
func (d dsn) readOnly() bool { return d.uri && d.query.Get("mode") == "ro" }

// display names the database in errors: its path, never its parameters.
func (d dsn) display() string {
	if d.memory {
		return ":memory:"
	}
	return d.path
}

func (d dsn) common() url.Values {
	q := url.Values{}
	for k, v := range d.query {
		q[k] = append([]string(nil), v...)
	}
	setDefault(q, "_busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds()))
	setDefault(q, "_foreign_keys", "1")
	setDefault(q, "_journal_mode", "WAL")
	setDefault(q, "_synchronous", "NORMAL")
	return q
}

// writer is the DSN of the single writing connection.
func (d dsn) writer() string {
	q := d.common()
	setDefault(q, "_txlock", "immediate")
	return d.base + "?" + q.Encode()
}

// reader is the DSN of the query-only connections.
func (d dsn) reader() string {
	q := d.common()
	q.Set("_query_only", "1")
	return d.base + "?" + q.Encode()
}

func setDefault(q url.Values, key, value string) {
	if _, ok := q[key]; !ok {
		q.Set(key, value)
	}
}

// timeLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so that
// stored times sort as text in time order, in SQLite and in PostgreSQL.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// bindStyle is how a driver spells query placeholders.
type bindStyle int

const (
	bindQuestion bindStyle = iota // ?, ?, … (SQLite, MySQL)
	bindDollar                    // $1, $2, … (PostgreSQL)
)

// rebind rewrites the '?' placeholders of query for style. A '?' inside
// a single-quoted SQL string literal is left alone.
func rebind(style bindStyle, query string) string {
	if style == bindQuestion {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted // '' inside a literal toggles twice
		case c == '?' && !quoted:
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// boolInt is how booleans are stored: INTEGER 0 or 1, in every database.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
