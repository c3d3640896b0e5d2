package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Delivery statuses.
const (
	DeliveryPending = "pending" // begun; not (yet) known to be sent
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// maxErrorBytes bounds the send error text kept in a delivery row.
const maxErrorBytes = 1000

// Delivery is the record of one digest period sent to one target.
type Delivery struct {
	Period    string // e.g. "2025-W23"; the caller's choice
	Target    string // a channel or user the digest goes to
	Status    string // DeliveryPending, DeliverySent or DeliveryFailed
	Attempts  int    // BeginDelivery calls that were not already sent
	LastError string // text of the last send error; "" after success
	UpdatedAt time.Time
}

// ErrNoDelivery is returned by FinishDelivery for a period and target
// that BeginDelivery never saw.
var ErrNoDelivery = errors.New("store: no such delivery")

// BeginDelivery claims the delivery of period to target before sending.
// When the row is already 'sent' it changes nothing and returns
// alreadySent = true: the caller must not send. Otherwise it creates the
// row as 'pending' with attempts 1, or sets an existing 'pending' or
// 'failed' row back to 'pending' and adds one to its attempts, and returns
// false: the caller sends, then calls FinishDelivery.
//
// A row still 'pending' at the next BeginDelivery means the previous
// attempt stopped between the two calls (a crash); it is tried again, so a
// digest can be sent twice only if the process died after sending and
// before FinishDelivery, and Attempts shows that it happened.
//
// The check and the update are one transaction; a single scheduler per
// database is assumed (two concurrent callers would both get false for a
// 'pending' row).
func (s *Store) BeginDelivery(ctx context.Context, period, target string, now time.Time) (alreadySent bool, err error) {
	if err := checkDelivery(period, target, now); err != nil {
		return false, fmt.Errorf("store: begin delivery: %w", err)
	}
	t := formatTime(now)
	err = s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, s.q(`
			SELECT status FROM deliveries WHERE period = ? AND target = ?`), period, target).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, s.q(`
				INSERT INTO deliveries (period, target, status, attempts, last_error, created_at, updated_at)
				VALUES (?, ?, 'pending', 1, '', ?, ?)`), period, target, t, t)
			return err
		case err != nil:
			return err
		case status == DeliverySent:
			alreadySent = true
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`
			UPDATE deliveries SET status = 'pending', attempts = attempts + 1, updated_at = ?
			WHERE period = ? AND target = ?`), t, period, target)
		return err
	})
	if err != nil {
		return false, s.fail("begin delivery "+period+" to "+target, err)
	}
	return alreadySent, nil
}

// FinishDelivery records the outcome of the send that BeginDelivery
// allowed: 'sent' when sendErr is nil (clearing LastError), 'failed' with
// sendErr's text (cut to 1000 bytes) otherwise. A 'sent' row stays
// 'sent': a later failure report cannot undo a delivery. It returns
// ErrNoDelivery when BeginDelivery was not called for period and target.
func (s *Store) FinishDelivery(ctx context.Context, period, target string, now time.Time, sendErr error) error {
	if err := checkDelivery(period, target, now); err != nil {
		return fmt.Errorf("store: finish delivery: %w", err)
	}
	t := formatTime(now)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, s.q(`
			SELECT status FROM deliveries WHERE period = ? AND target = ?`), period, target).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNoDelivery
		case err != nil:
			return err
		case sendErr == nil:
			_, err = tx.ExecContext(ctx, s.q(`
				UPDATE deliveries SET status = 'sent', last_error = '', updated_at = ?
				WHERE period = ? AND target = ?`), t, period, target)
		case status == DeliverySent:
			return nil
		default:
			_, err = tx.ExecContext(ctx, s.q(`
				UPDATE deliveries SET status = 'failed', last_error = ?, updated_at = ?
				WHERE period = ? AND target = ?`), truncate(sendErr.Error(), maxErrorBytes), t, period, target)
		}
		return err
	})
	if err != nil {
		return s.fail("finish delivery "+period+" to "+target, err)
	}
	return nil
}

// Deliveries returns the delivery rows of period, ordered by target.
func (s *Store) Deliveries(ctx context.Context, period string) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`
		SELECT period, target, status, attempts, last_error, updated_at
		FROM deliveries WHERE period = ? ORDER BY target`), period)
	if err != nil {
		return nil, s.fail("deliveries "+period, err)
	}
	defer rows.Close()
	var ds []Delivery
	for rows.Next() {
		var (
			d       Delivery
			updated string
		)
		if err := rows.Scan(&d.Period, &d.Target, &d.Status, &d.Attempts, &d.LastError, &updated); err != nil {
			return nil, s.fail("deliveries "+period, err)
		}
		if d.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, s.fail("deliveries "+period, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("deliveries "+period, err)
	}
	return ds, nil
}

func checkDelivery(period, target string, now time.Time) error {
	switch {
	case period == "" || target == "":
		return errors.New("empty period or target")
	case now.IsZero():
		return errors.New("zero time")
	}
	return nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// PlanDeliveries records the targets of a period before any is sent, as
// 'pending' rows with no attempt yet; targets already recorded are left as
// they are. Planning fixes who gets a period's digest: a sender that stops
// half-way resumes from the plan, not from a subscriber list that may have
// changed. It is one transaction.
func (s *Store) PlanDeliveries(ctx context.Context, period string, targets []string, now time.Time) error {
	if err := checkDelivery(period, "plan", now); err != nil {
		return fmt.Errorf("store: plan deliveries: %w", err)
	}
	t := formatTime(now)
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q(`
			INSERT INTO deliveries (period, target, status, attempts, last_error, created_at, updated_at)
			VALUES (?, ?, 'pending', 0, '', ?, ?)
			ON CONFLICT (period, target) DO NOTHING`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, target := range targets {
			if target == "" {
				return errors.New("empty target")
			}
			if _, err := stmt.ExecContext(ctx, period, target, t, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(fmt.Sprintf("plan deliveries %s (%d targets)", period, len(targets)), err)
	}
	return nil
}

// FinishDeliveries is FinishDelivery for many targets of one period, in
// one transaction: 'sent' when sendErr is nil, else 'failed' (a 'sent' row
// stays 'sent'). Each attempt is counted. Targets that were never planned
// or begun are created.
func (s *Store) FinishDeliveries(ctx context.Context, period string, targets []string, now time.Time, sendErr error) error {
	if err := checkDelivery(period, "batch", now); err != nil {
		return fmt.Errorf("store: finish deliveries: %w", err)
	}
	t := formatTime(now)
	status, msg := DeliverySent, ""
	if sendErr != nil {
		status, msg = DeliveryFailed, truncate(sendErr.Error(), maxErrorBytes)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, s.q(`
			INSERT INTO deliveries (period, target, status, attempts, last_error, created_at, updated_at)
			VALUES (?, ?, 'pending', 0, '', ?, ?)
			ON CONFLICT (period, target) DO NOTHING`))
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, s.q(`
			UPDATE deliveries SET status = ?, last_error = ?, attempts = attempts + 1, updated_at = ?
			WHERE period = ? AND target = ? AND status <> 'sent'`))
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, target := range targets {
			if _, err := ins.ExecContext(ctx, period, target, t, t); err != nil {
				return err
			}
			if _, err := upd.ExecContext(ctx, status, msg, t, period, target); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(fmt.Sprintf("finish deliveries %s (%d targets)", period, len(targets)), err)
	}
	return nil
}
