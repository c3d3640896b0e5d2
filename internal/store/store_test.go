package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// jst is a fixed +09:00 zone: inputs are given in it, results come back in
// UTC, and tests compare with Equal.
var jst = time.FixedZone("JST", 9*60*60)

// t0 is the pinned "now" of every test.
var t0 = time.Date(2025, 6, 2, 9, 0, 0, 123456789, jst)

// openFile opens a fresh store on a file in t.TempDir, closed at cleanup.
func openFile(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "renkei.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func latestVersion() int { return migrations[len(migrations)-1].version }

func TestOpenCreatesDirectoryAndSchema(t *testing.T) {
	s, path := openFile(t)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o750 {
		t.Errorf("data directory mode = %o, want 750", got)
	}
	must(t, s.Subscribe(context.Background(), "U1", t0)) // make sure -wal exists
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %o, want 600", filepath.Base(name), got)
		}
	}
	var want []int
	for _, m := range migrations {
		want = append(want, m.version)
	}
	if got := versions(t, s.w); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("applied versions = %v, want %v", got, want)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestMigrationsAreOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migrations[%d].version = %d, want %d", i, m.version, i+1)
		}
		if len(m.stmts) == 0 {
			t.Errorf("migration %d has no statements", m.version)
		}
	}
}

func TestReopenAppliesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "renkei.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var before string
	if err := s.w.QueryRow(`SELECT MAX(applied_at) FROM schema_migrations`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var after string
	if err := s.w.QueryRow(`SELECT MAX(applied_at) FROM schema_migrations`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("reopen rewrote schema_migrations: applied_at %s, then %s", before, after)
	}
	n, err := migrate(ctx, s.w, s.bind, migrations, t0)
	if err != nil || n != 0 {
		t.Errorf("migrate on an up-to-date database = %d, %v; want 0, nil", n, err)
	}
}

func TestOpenUpgradesOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "renkei.db")

	// A database written by a release that knew only migration 1.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := migrate(ctx, db, bindQuestion, migrations[:1], t0); err != nil || n != 1 {
		t.Fatalf("migrate to v1 = %d, %v", n, err)
	}
	if _, err := db.Exec(`INSERT INTO subscriptions (user_id, subscribed, topics, since, updated_at)
		VALUES ('Uold', 1, '[]', ?, ?)`, formatTime(t0), formatTime(t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open old database: %v", err)
	}
	defer s.Close()
	if got := versions(t, s.w); len(got) != len(migrations) {
		t.Errorf("versions after upgrade = %v, want 1..%d", got, latestVersion())
	}
	if _, ok, err := s.Subscription(ctx, "Uold"); err != nil || !ok {
		t.Errorf("v1 data after upgrade: ok=%v err=%v", ok, err)
	}
	if _, err := s.BeginDelivery(ctx, "2025-W23", "C1", t0); err != nil {
		t.Errorf("v2 table after upgrade: %v", err)
	}
}

func TestMigrateAppliesEachMigrationOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	next := append(migrations[:len(migrations):len(migrations)], migration{
		version: latestVersion() + 1,
		stmts:   []string{`CREATE TABLE extra (a TEXT)`},
	})
	for i, want := range []int{1, 0} {
		n, err := migrate(ctx, s.w, s.bind, next, t0)
		if err != nil || n != want {
			t.Errorf("run %d: migrate = %d, %v; want %d, nil", i+1, n, err, want)
		}
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	bad := append(migrations[:len(migrations):len(migrations)], migration{
		version: latestVersion() + 1,
		stmts:   []string{`CREATE TABLE half (a TEXT)`, `THIS IS NOT SQL`},
	})
	if _, err := migrate(ctx, s.w, s.bind, bad, t0); err == nil {
		t.Fatal("migrate with a bad statement: no error")
	}
	if got := versions(t, s.w); len(got) != len(migrations) {
		t.Errorf("versions = %v: the failed migration was recorded", got)
	}
	if _, err := s.w.Exec(`SELECT * FROM half`); err == nil {
		t.Error("table of the failed migration exists: not rolled back")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, path := openFile(t)
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		latestVersion()+1, formatTime(t0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s2, err := Open(ctx, path); err == nil {
		s2.Close()
		t.Fatal("Open of a database from a newer release: no error")
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openFile(t)
	for _, tc := range []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "busy_timeout", "5000"},
		{s.w, "foreign_keys", "1"},
		{s.w, "synchronous", "1"}, // NORMAL
		{s.w, "query_only", "0"},
		{s.r, "journal_mode", "wal"},
		{s.r, "busy_timeout", "5000"},
		{s.r, "query_only", "1"},
	} {
		var got string
		if err := tc.db.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		role := "writer"
		if tc.db == s.r {
			role = "reader"
		}
		if got != tc.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", role, tc.pragma, got, tc.want)
		}
	}
}

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn      string
		path     string
		memory   bool
		readOnly bool
		writer   string
	}{
		{dsn: "./data/renkei.db", path: "./data/renkei.db",
			writer: "./data/renkei.db?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: "/var/lib/renkei/renkei.db?_busy_timeout=100", path: "/var/lib/renkei/renkei.db",
			writer: "/var/lib/renkei/renkei.db?_busy_timeout=100&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: "file:data/renkei.db?mode=ro", path: "data/renkei.db", readOnly: true,
			writer: "file:data/renkei.db?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&mode=ro"},
		{dsn: "file:///srv/renkei.db", path: "/srv/renkei.db",
			writer: "file:///srv/renkei.db?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: "file:my%20data/renkei.db", path: "my data/renkei.db",
			writer: "file:my%20data/renkei.db?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: ":memory:", memory: true,
			writer: ":memory:?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: "file::memory:", memory: true,
			writer: "file::memory:?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		{dsn: "file:x?mode=memory", memory: true,
			writer: "file:x?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&mode=memory"},
	} {
		d, err := parseDSN(tc.dsn)
		if err != nil {
			t.Errorf("parseDSN(%q): %v", tc.dsn, err)
			continue
		}
		if d.path != tc.path || d.memory != tc.memory || d.readOnly() != tc.readOnly {
			t.Errorf("parseDSN(%q) = path %q memory %v readOnly %v; want %q %v %v",
				tc.dsn, d.path, d.memory, d.readOnly(), tc.path, tc.memory, tc.readOnly)
		}
		if got := d.writer(); got != tc.writer {
			t.Errorf("parseDSN(%q).writer() =\n %s\nwant\n %s", tc.dsn, got, tc.writer)
		}
	}
	for _, bad := range []string{"", "  ", "x.db?a=%zz"} {
		if _, err := parseDSN(bad); err == nil {
			t.Errorf("parseDSN(%q): no error", bad)
		}
	}
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		style bindStyle
		in    string
		want  string
	}{
		{bindQuestion, `SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = ? AND c = ?`},
		{bindDollar, `SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{bindDollar, `UPDATE t SET a = 'why?' WHERE b = ?`, `UPDATE t SET a = 'why?' WHERE b = $1`},
		{bindDollar, `SELECT 'it''s ?' , ?`, `SELECT 'it''s ?' , $1`},
		{bindDollar, `SELECT 1`, `SELECT 1`},
	} {
		if got := rebind(tc.style, tc.in); got != tc.want {
			t.Errorf("rebind(%d, %q) = %q, want %q", tc.style, tc.in, got, tc.want)
		}
	}
}

func TestTimeText(t *testing.T) {
	// Fixed width, so that text order is time order.
	a := formatTime(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC))
	b := formatTime(time.Date(2025, 6, 2, 0, 0, 0, 500, time.UTC))
	c := formatTime(time.Date(2025, 6, 2, 9, 0, 0, 0, jst)) // same instant as a
	if len(a) != len(b) || !(a < b) || a != c {
		t.Errorf("formatTime: %q, %q, %q", a, b, c)
	}
	got, err := parseTime(b)
	if err != nil || !got.Equal(time.Date(2025, 6, 2, 0, 0, 0, 500, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("parseTime(%q) = %v, %v", b, got, err)
	}
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "renkei.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.Subscribe(ctx, "U1", t0))
	must(t, s.SetTopics(ctx, "U1", []string{"事業承継"}, t0))
	must(t, s.AddFeedback(ctx, Feedback{Platform: PlatformLINE, UserID: "U1", Question: "q", AnswerID: "m1", At: t0}))
	must(t, s.LogQuestion(ctx, QuestionRecord{Platform: PlatformSlack, Question: "q", Outcome: OutcomeNotFound, At: t0}))
	if _, err := s.BeginDelivery(ctx, "2025-W23", "U1", t0); err != nil {
		t.Fatal(err)
	}
	must(t, s.FinishDelivery(ctx, "2025-W23", "U1", t0, nil))
	must(t, s.Close())

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub, ok, err := s.Subscription(ctx, "U1")
	if err != nil || !ok || !sub.Subscribed || len(sub.Topics) != 1 || !sub.Since.Equal(t0) {
		t.Errorf("subscription after reopen = %+v, %v, %v", sub, ok, err)
	}
	rep, err := s.Report(ctx, t0.Add(-time.Hour), 10)
	if err != nil || rep.Questions != 1 || rep.NotFound != 1 || len(rep.Disliked) != 1 {
		t.Errorf("report after reopen = %+v, %v", rep, err)
	}
	if sent, err := s.BeginDelivery(ctx, "2025-W23", "U1", t0); err != nil || !sent {
		t.Errorf("BeginDelivery after reopen = %v, %v; want already sent", sent, err)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != "" || s.r != s.w {
		t.Errorf("in-memory store: path %q, separate reader %v", s.Path(), s.r != s.w)
	}
	must(t, s.Subscribe(ctx, "U1", t0))
	if _, ok, err := s.Subscription(ctx, "U1"); !ok || err != nil {
		t.Errorf("read back from memory: %v %v", ok, err)
	}
}

func TestUnavailableAfterClose(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	must(t, s.Close())
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Subscribe":   s.Subscribe(ctx, "U1", t0),
		"LogQuestion": s.LogQuestion(ctx, QuestionRecord{Platform: PlatformSlack, Outcome: OutcomeAnswered, At: t0}),
		"Ping":        s.Ping(ctx),
		"Subscribers": second(s.Subscribers(ctx)),
		"Report":      second(s.Report(ctx, t0, 1)),
	} {
		if !errors.Is(err, ErrClosed) || !IsUnavailable(err) {
			t.Errorf("%s after Close = %v; want ErrClosed, IsUnavailable", name, err)
		}
	}
}

func TestUnavailableReadOnly(t *testing.T) {
	ctx := context.Background()
	s, path := openFile(t)
	must(t, s.Subscribe(ctx, "U1", t0))
	must(t, s.Close())

	ro, err := Open(ctx, "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	defer ro.Close()
	if _, ok, err := ro.Subscription(ctx, "U1"); err != nil || !ok {
		t.Errorf("read on a read-only store: ok=%v err=%v", ok, err)
	}
	if _, err := ro.Report(ctx, t0, 5); err != nil {
		t.Errorf("Report on a read-only store: %v", err)
	}
	if err := ro.Ping(ctx); err != nil {
		t.Errorf("Ping on a read-only store: %v", err)
	}
	secret := "秘密の質問です"
	for name, err := range map[string]error{
		"Subscribe":     ro.Subscribe(ctx, "U2", t0),
		"Unsubscribe":   ro.Unsubscribe(ctx, "U1", t0),
		"AddFeedback":   ro.AddFeedback(ctx, Feedback{Platform: PlatformLINE, UserID: "U1", Question: secret, At: t0}),
		"LogQuestion":   ro.LogQuestion(ctx, QuestionRecord{Platform: PlatformLINE, Question: secret, Outcome: OutcomeNotFound, At: t0}),
		"DeleteUser":    ro.DeleteUser(ctx, PlatformLINE, "U1"),
		"BeginDelivery": second(ro.BeginDelivery(ctx, "2025-W23", "U1", t0)),
	} {
		if !IsUnavailable(err) {
			t.Errorf("%s on a read-only store = %v; want IsUnavailable", name, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s error leaks the question: %v", name, err)
		}
	}
}

func TestIsUnavailable(t *testing.T) {
	s, _ := openFile(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"closed", ErrClosed, true},
		{"wrapped closed", fmt.Errorf("x: %w", ErrClosed), true},
		{"conn done", sql.ErrConnDone, true},
		{"bad argument", s.Subscribe(ctx, "", t0), false},
		{"unknown outcome", s.LogQuestion(ctx, QuestionRecord{Platform: "line", Outcome: "maybe", At: t0}), false},
		{"no delivery", s.FinishDelivery(ctx, "p", "t", t0, nil), false},
		{"context canceled", context.Canceled, false},
	} {
		if got := IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s, path := openFile(t)
	// A second Store on the same file stands for a second process.
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		st := s
		if w%4 == 3 {
			st = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				user := fmt.Sprintf("U%02d-%03d", w, i)
				at := t0.Add(time.Duration(i) * time.Second)
				errs <- st.Subscribe(ctx, user, at)
				errs <- st.LogQuestion(ctx, QuestionRecord{
					Platform: PlatformLINE, Question: "補助金の締切は？", Outcome: OutcomeNotFound, At: at})
				_, _, err := st.Subscription(ctx, user)
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent use: %v", err)
		}
	}
	subs, err := s.Subscribers(ctx)
	if err != nil || len(subs) != workers*each {
		t.Errorf("Subscribers = %d, %v; want %d", len(subs), err, workers*each)
	}
	rep, err := s.Report(ctx, t0, 0)
	if err != nil || rep.Questions != workers*each {
		t.Errorf("Report.Questions = %d, %v; want %d", rep.Questions, err, workers*each)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func second[T any](_ T, err error) error { return err }
