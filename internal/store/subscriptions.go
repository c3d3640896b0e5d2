package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Platform names as stored in feedback and question rows.
const (
	PlatformSlack = "slack"
	PlatformLINE  = "line"
)

// Subscription is a LINE user's digest subscription.
type Subscription struct {
	UserID     string
	Subscribed bool
	// Topics are the user's chosen topics, in the order given to
	// SetTopics; nil when none were chosen.
	Topics []string
	// Since is the time of the user's first Subscribe. Re-subscribing
	// keeps it; it is zero for a user who set topics but never subscribed.
	Since     time.Time
	UpdatedAt time.Time
}

// Subscribe subscribes userID to the digest at now: it creates the row,
// or re-subscribes an existing one keeping its topics and its Since.
// Subscribing twice is not an error.
func (s *Store) Subscribe(ctx context.Context, userID string, now time.Time) error {
	if err := checkUser(userID, now); err != nil {
		return fmt.Errorf("store: subscribe: %w", err)
	}
	t := formatTime(now)
	_, err := s.w.ExecContext(ctx, s.q(`
		INSERT INTO subscriptions (user_id, subscribed, topics, since, updated_at)
		VALUES (?, 1, '[]', ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET
			subscribed = 1,
			since = COALESCE(subscriptions.since, excluded.since),
			updated_at = excluded.updated_at`), userID, t, t)
	if err != nil {
		return s.fail("subscribe "+userID, err)
	}
	return nil
}

// Unsubscribe stops the digest for userID at now. The row, its topics and
// its Since are kept. Unsubscribing an unknown user is not an error and
// creates nothing.
func (s *Store) Unsubscribe(ctx context.Context, userID string, now time.Time) error {
	if err := checkUser(userID, now); err != nil {
		return fmt.Errorf("store: unsubscribe: %w", err)
	}
	_, err := s.w.ExecContext(ctx, s.q(`
		UPDATE subscriptions SET subscribed = 0, updated_at = ? WHERE user_id = ?`),
		formatTime(now), userID)
	if err != nil {
		return s.fail("unsubscribe "+userID, err)
	}
	return nil
}

// SetTopics replaces userID's topics with topics (nil or empty clears
// them), stored as given, in order. For a user without a row it creates
// an unsubscribed one, so that topics can be chosen before subscribing.
func (s *Store) SetTopics(ctx context.Context, userID string, topics []string, now time.Time) error {
	if err := checkUser(userID, now); err != nil {
		return fmt.Errorf("store: set topics: %w", err)
	}
	if topics == nil {
		topics = []string{}
	}
	js, err := json.Marshal(topics)
	if err != nil {
		return fmt.Errorf("store: set topics %s: %w", userID, err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`
		INSERT INTO subscriptions (user_id, subscribed, topics, since, updated_at)
		VALUES (?, 0, ?, NULL, ?)
		ON CONFLICT (user_id) DO UPDATE SET
			topics = excluded.topics,
			updated_at = excluded.updated_at`), userID, string(js), formatTime(now))
	if err != nil {
		return s.fail("set topics "+userID, err)
	}
	return nil
}

// Subscription returns userID's row, subscribed or not. ok is false, with
// no error, when the user has none.
func (s *Store) Subscription(ctx context.Context, userID string) (sub Subscription, ok bool, err error) {
	row := s.r.QueryRowContext(ctx, s.q(`
		SELECT user_id, subscribed, topics, since, updated_at
		FROM subscriptions WHERE user_id = ?`), userID)
	sub, err = scanSubscription(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, false, nil
	}
	if err != nil {
		return Subscription{}, false, s.fail("subscription "+userID, err)
	}
	return sub, true, nil
}

// Subscribers returns every subscribed user, ordered by user id.
func (s *Store) Subscribers(ctx context.Context) ([]Subscription, error) {
	return s.SubscribersPage(ctx, "", 0)
}

// SubscribersPage returns at most limit subscribed users whose id sorts
// (bytewise) after afterUserID, ordered by user id; limit <= 0 means no
// limit. Start with afterUserID "" and pass the last id of each page to get
// the next; an empty page is the end. Users who subscribe or unsubscribe
// while a caller pages are seen or not depending on where their id falls.
func (s *Store) SubscribersPage(ctx context.Context, afterUserID string, limit int) ([]Subscription, error) {
	query := `
		SELECT user_id, subscribed, topics, since, updated_at
		FROM subscriptions
		WHERE subscribed = 1 AND user_id > ?
		ORDER BY user_id`
	args := []any{afterUserID}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.fail("subscribers", err)
	}
	defer rows.Close()
	var subs []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.fail("subscribers", err)
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("subscribers", err)
	}
	return subs, nil
}

// DeleteUser forgets a user who unfollowed or asked to be forgotten. In
// one transaction it deletes
//
//   - every feedback row with this platform and user id, and
//   - when platform is PlatformLINE, the user's subscription row (topics
//     and Since included) and the digest delivery rows naming the user
//     (targets "line:<group>:<user id>"; a digest being sent then leaves
//     the user out).
//
// Nothing else refers to a user: the question log stores no user id.
// Deleting an unknown user is not an error.
func (s *Store) DeleteUser(ctx context.Context, platform, userID string) error {
	if platform == "" || userID == "" {
		return errors.New("store: delete user: empty platform or user id")
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`
			DELETE FROM feedback WHERE platform = ? AND user_id = ?`), platform, userID); err != nil {
			return err
		}
		if platform != PlatformLINE {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM subscriptions WHERE user_id = ?`), userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM deliveries WHERE target LIKE ? ESCAPE '\'`), "line:%:"+escapeLike(userID))
		return err
	})
	if err != nil {
		return s.fail("delete user "+platform+" "+userID, err)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanSubscription(sc scanner) (Subscription, error) {
	var (
		sub             Subscription
		subscribed      int
		topics, updated string
		since           sql.NullString
	)
	if err := sc.Scan(&sub.UserID, &subscribed, &topics, &since, &updated); err != nil {
		return Subscription{}, err
	}
	sub.Subscribed = subscribed != 0
	if err := json.Unmarshal([]byte(topics), &sub.Topics); err != nil {
		return Subscription{}, fmt.Errorf("topics of %s: %w", sub.UserID, err)
	}
	if len(sub.Topics) == 0 {
		sub.Topics = nil
	}
	var err error
	if sub.Since, err = parseTime(since.String); err != nil {
		return Subscription{}, fmt.Errorf("since of %s: %w", sub.UserID, err)
	}
	if sub.UpdatedAt, err = parseTime(updated); err != nil {
		return Subscription{}, fmt.Errorf("updated_at of %s: %w", sub.UserID, err)
	}
	return sub, nil
}

func checkUser(userID string, now time.Time) error {
	if userID == "" {
		return errors.New("empty user id")
	}
	if now.IsZero() {
		return errors.New("zero time")
	}
	return nil
}

// escapeLike makes s match itself in a LIKE pattern escaped with '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}
