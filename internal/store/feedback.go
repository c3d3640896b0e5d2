package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
)

// Feedback is one 👍 (Good) or 👎 on an answer.
type Feedback struct {
	Platform    string // PlatformSlack or PlatformLINE
	UserID      string
	Question    string
	AnswerID    string
	AnswerTitle string
	Good        bool
	At          time.Time
}

// Question outcomes, as the bot reports them.
const (
	OutcomeAnswered   = "answered"
	OutcomeCandidates = "candidates"
	OutcomeNotFound   = "not_found"
)

// QuestionRecord is one question asked, for the bureau's report. It
// carries no user id on purpose.
type QuestionRecord struct {
	Platform string
	Question string
	Outcome  string // OutcomeAnswered, OutcomeCandidates or OutcomeNotFound
	TopID    string // the best answer's record id; "" when not found
	TopTitle string
	At       time.Time
}

// AddFeedback records f. Platform, UserID and a non-zero At are required.
func (s *Store) AddFeedback(ctx context.Context, f Feedback) error {
	switch {
	case f.Platform == "" || f.UserID == "":
		return errors.New("store: add feedback: empty platform or user id")
	case f.At.IsZero():
		return errors.New("store: add feedback: zero time")
	}
	_, err := s.w.ExecContext(ctx, s.q(`
		INSERT INTO feedback (platform, user_id, question, question_norm, answer_id, answer_title, good, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		f.Platform, f.UserID, f.Question, normQuestion(f.Question), f.AnswerID, f.AnswerTitle,
		boolInt(f.Good), formatTime(f.At))
	if err != nil {
		return s.fail("add feedback "+f.Platform+" "+f.UserID, err)
	}
	return nil
}

// LogQuestion records q. Platform, a known Outcome and a non-zero At are
// required.
func (s *Store) LogQuestion(ctx context.Context, q QuestionRecord) error {
	switch {
	case q.Platform == "":
		return errors.New("store: log question: empty platform")
	case q.Outcome != OutcomeAnswered && q.Outcome != OutcomeCandidates && q.Outcome != OutcomeNotFound:
		return fmt.Errorf("store: log question: unknown outcome %q", q.Outcome)
	case q.At.IsZero():
		return errors.New("store: log question: zero time")
	}
	_, err := s.w.ExecContext(ctx, s.q(`
		INSERT INTO questions (platform, question, question_norm, outcome, top_id, top_title, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`),
		q.Platform, q.Question, normQuestion(q.Question), q.Outcome, q.TopID, q.TopTitle, formatTime(q.At))
	if err != nil {
		return s.fail("log question", err)
	}
	return nil
}

// Report is what staff asked and how it went, for the bureau.
type Report struct {
	Since     time.Time
	Questions int // questions asked since Since
	NotFound  int // of which had no answer
	// Unanswered are the not-found questions grouped by their normalised
	// text (which is Text), most frequent first.
	Unanswered []Count
	// Disliked are the answers that got 👎, by question and answer, most
	// 👎 first.
	Disliked []DislikedAnswer
	// Topics are the titles of the best answers to answered questions,
	// most frequent first.
	Topics []Count
}

// Count is a text and how often it occurred.
type Count struct {
	Text string
	N    int
}

// DislikedAnswer is an answer given to a question and how many 👎 it got.
type DislikedAnswer struct {
	Question    string // normalised question text
	AnswerID    string
	AnswerTitle string
	N           int
}

// Report summarises the questions and feedback recorded at or after since.
// Each list holds at most limit entries (limit <= 0: all); ties are broken
// by text so that the report is stable. It reads one consistent snapshot.
func (s *Store) Report(ctx context.Context, since time.Time, limit int) (Report, error) {
	rep := Report{Since: since}
	from := formatTime(since)
	lim, limArgs := "", []any(nil)
	if limit > 0 {
		lim, limArgs = ` LIMIT ?`, []any{limit}
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Report{}, s.fail("report", err)
	}
	defer tx.Rollback() // read-only: nothing to commit

	if err := tx.QueryRowContext(ctx, s.q(`
		SELECT COUNT(*), COALESCE(SUM(CASE WHEN outcome = 'not_found' THEN 1 ELSE 0 END), 0)
		FROM questions WHERE at >= ?`), from).Scan(&rep.Questions, &rep.NotFound); err != nil {
		return Report{}, s.fail("report", err)
	}
	rep.Unanswered, err = counts(ctx, tx, s.q(`
		SELECT question_norm, COUNT(*) AS n FROM questions
		WHERE at >= ? AND outcome = 'not_found' AND question_norm <> ''
		GROUP BY question_norm
		ORDER BY n DESC, question_norm`+lim), append([]any{from}, limArgs...))
	if err != nil {
		return Report{}, s.fail("report", err)
	}
	rep.Topics, err = counts(ctx, tx, s.q(`
		SELECT top_title, COUNT(*) AS n FROM questions
		WHERE at >= ? AND outcome = 'answered' AND top_title <> ''
		GROUP BY top_title
		ORDER BY n DESC, top_title`+lim), append([]any{from}, limArgs...))
	if err != nil {
		return Report{}, s.fail("report", err)
	}
	rows, err := tx.QueryContext(ctx, s.q(`
		SELECT question_norm, answer_id, MAX(answer_title), COUNT(*) AS n FROM feedback
		WHERE at >= ? AND good = 0
		GROUP BY question_norm, answer_id
		ORDER BY n DESC, question_norm, answer_id`+lim), append([]any{from}, limArgs...)...)
	if err != nil {
		return Report{}, s.fail("report", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DislikedAnswer
		if err := rows.Scan(&d.Question, &d.AnswerID, &d.AnswerTitle, &d.N); err != nil {
			return Report{}, s.fail("report", err)
		}
		rep.Disliked = append(rep.Disliked, d)
	}
	if err := rows.Err(); err != nil {
		return Report{}, s.fail("report", err)
	}
	return rep, nil
}

func counts(ctx context.Context, tx *sql.Tx, query string, args []any) ([]Count, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Text, &c.N); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// normQuestion is the text questions are grouped by in the report:
// corpus.Normalize (width, case, spaces) without trailing sentence
// punctuation, so that 「補助金は？」 and 「補助金は」 count as one. It is
// computed when a row is written.
func normQuestion(q string) string {
	return strings.TrimRight(corpus.Normalize(q), " ?!.。、")
}
