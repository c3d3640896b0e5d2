package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// A migration moves the schema from version-1 to version. Its statements
// run in order inside one transaction together with the row recording it
// in schema_migrations, so a migration is applied completely or not at all.
type migration struct {
	version int
	stmts   []string
}

// migrations is the schema's history, oldest first. Append only: never
// edit or reorder a migration that has been released, add a new one.
//
// Portability rules (SQLite now, PostgreSQL later): TEXT and INTEGER
// columns only; times as RFC 3339 UTC TEXT (see timeLayout); booleans as
// INTEGER 0/1; no AUTOINCREMENT/SERIAL surrogate keys (no table needs
// one); one statement per string. Text keys compare bytewise in SQLite;
// a PostgreSQL port should declare them COLLATE "C" so that
// SubscribersPage's paging order stays the same.
var migrations = []migration{
	{version: 1, stmts: []string{
		// LINE users who asked for the weekly digest. A row is kept after
		// unsubscribing (subscribed = 0) so that topics and since survive;
		// DeleteUser removes it. since is NULL until the first Subscribe.
		`CREATE TABLE subscriptions (
			user_id    TEXT    NOT NULL PRIMARY KEY,
			subscribed INTEGER NOT NULL,
			topics     TEXT    NOT NULL,
			since      TEXT,
			updated_at TEXT    NOT NULL
		)`,
		`CREATE INDEX subscriptions_subscribed ON subscriptions (subscribed, user_id)`,
		// 👍/👎 on an answer, with who gave it, so that DeleteUser can
		// remove a user's rows. question_norm is the grouping key of the
		// report.
		`CREATE TABLE feedback (
			platform      TEXT    NOT NULL,
			user_id       TEXT    NOT NULL,
			question      TEXT    NOT NULL,
			question_norm TEXT    NOT NULL,
			answer_id     TEXT    NOT NULL,
			answer_title  TEXT    NOT NULL,
			good          INTEGER NOT NULL,
			at            TEXT    NOT NULL
		)`,
		`CREATE INDEX feedback_user ON feedback (platform, user_id)`,
		`CREATE INDEX feedback_at ON feedback (at)`,
		// Every question asked, without who asked it.
		`CREATE TABLE questions (
			platform      TEXT NOT NULL,
			question      TEXT NOT NULL,
			question_norm TEXT NOT NULL,
			outcome       TEXT NOT NULL CHECK (outcome IN ('answered', 'candidates', 'not_found')),
			top_id        TEXT NOT NULL,
			top_title     TEXT NOT NULL,
			at            TEXT NOT NULL
		)`,
		`CREATE INDEX questions_at ON questions (at)`,
	}},
	{version: 2, stmts: []string{
		// One row per digest period and target (a channel or a user):
		// the record that makes delivery exactly-once.
		`CREATE TABLE deliveries (
			period     TEXT    NOT NULL,
			target     TEXT    NOT NULL,
			status     TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
			attempts   INTEGER NOT NULL,
			last_error TEXT    NOT NULL,
			created_at TEXT    NOT NULL,
			updated_at TEXT    NOT NULL,
			PRIMARY KEY (period, target)
		)`,
	}},
}

// migrate applies the migrations db has not seen yet, in order, each in
// its own transaction, and returns how many it applied. It fails without
// writing anything when db's schema is newer than the last of ms.
func migrate(ctx context.Context, db *sql.DB, bind bindStyle, ms []migration, now time.Time) (int, error) {
	// A no-op on an existing table, even on a read-only database.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at TEXT    NOT NULL
	)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	current, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	if current > latest {
		return 0, fmt.Errorf("migrate: database schema version %d is newer than this program's %d", current, latest)
	}
	applied := 0
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		done, err := applyMigration(ctx, db, bind, m, now)
		if err != nil {
			return applied, fmt.Errorf("migrate to version %d: %w", m.version, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

// applyMigration applies m unless another process did so since
// schemaVersion was read; it reports whether it applied it.
func applyMigration(ctx context.Context, db *sql.DB, bind bindStyle, m migration, now time.Time) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // a no-op after Commit
	var n int
	if err := tx.QueryRowContext(ctx, rebind(bind,
		`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, rebind(bind,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.version, formatTime(now)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// schemaVersion is the highest applied migration, 0 for a new database.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}
