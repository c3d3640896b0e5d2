package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/digest"
	"github.com/kanto-renkei/renkei/internal/store"
)

// The console API's JSON views. They are for the console page only; the
// evaluation contract is renkei ask --json.

type contactView struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

type eventView struct {
	When     string `json:"when"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Format   string `json:"format,omitempty"`
	Host     string `json:"host,omitempty"`
	Venue    string `json:"venue,omitempty"`
	Upcoming bool   `json:"upcoming"`
}

type deadlineView struct {
	When    string `json:"when"`
	Date    string `json:"date"`
	Measure string `json:"measure"`
}

type cardView struct {
	Kind          string        `json:"kind"`
	ID            string        `json:"id"`
	Title         string        `json:"title"`
	Category      string        `json:"category,omitempty"`
	Summary       string        `json:"summary,omitempty"`
	Collaboration string        `json:"collaboration,omitempty"`
	URL           string        `json:"url,omitempty"`
	Links         []string      `json:"links,omitempty"`
	Page          int           `json:"page,omitempty"`
	Contact       *contactView  `json:"contact,omitempty"`
	Edition       int           `json:"edition,omitempty"`
	Event         *eventView    `json:"event,omitempty"`
	Deadline      *deadlineView `json:"deadline,omitempty"`
}

type replyView struct {
	Question string     `json:"question"`
	Intent   string     `json:"intent"`
	Lead     string     `json:"lead"`
	Text     string     `json:"text"`
	Notice   string     `json:"notice,omitempty"`
	Edition  int        `json:"edition"`
	Cards    []cardView `json:"cards"`
	Others   []cardView `json:"others"`
}

func viewCard(c bot.Card) cardView {
	v := cardView{Kind: c.Kind, ID: c.ID, Title: c.Title, Category: c.Category, URL: c.URL, Links: c.Links, Page: c.Page, Edition: c.Edition,
		Summary: bot.Truncate(bot.OneLine(c.Summary), bot.SummaryRunes), Collaboration: bot.Truncate(bot.OneLine(c.Collaboration), bot.CollaborationRunes)}
	if c.Contact.Name() != "" {
		v.Contact = &contactView{Name: c.Contact.Name(), Phone: c.Contact.Phone, Email: c.Contact.Email}
	}
	if e := c.Event; e != nil {
		v.Event = &eventView{When: e.When(), Start: e.Start.Format("2006-01-02"), End: e.End.Format("2006-01-02"),
			Format: e.Format, Host: e.Host, Venue: e.Venue, Upcoming: e.Upcoming}
	}
	if d := c.Deadline; d != nil {
		v.Deadline = &deadlineView{When: d.When(), Date: d.Date.Format("2006-01-02"), Measure: d.Measure}
	}
	return v
}

func viewReply(r bot.Reply) replyView {
	v := replyView{Question: r.Question, Intent: r.Intent, Lead: r.Lead, Text: r.Text, Notice: r.Notice, Edition: r.Edition,
		Cards: []cardView{}, Others: []cardView{}}
	for _, c := range r.Cards {
		v.Cards = append(v.Cards, viewCard(c))
	}
	for _, c := range r.Others {
		v.Others = append(v.Others, viewCard(c))
	}
	return v
}

// decode reads a JSON body, answering 413 or 400 itself when it cannot.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	// JSON only: a form or text body is what a cross-site request without
	// CORS could send.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "JSON で送信してください。"})
		return false
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if IsTooLarge(err) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "リクエストが大きすぎます。"})
			return false
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "リクエストの形式が正しくありません。"})
		return false
	}
	return true
}

// day parses an optional YYYY-MM-DD as 09:00 Asia/Tokyo that day; empty
// means now.
func (s *Server) day(v string) (time.Time, bool) {
	if v == "" {
		return s.now().In(corpus.Tokyo), true
	}
	t, err := time.ParseInLocation("2006-01-02", v, corpus.Tokyo)
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(9 * time.Hour), true
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Question string `json:"question"`
		Now      string `json:"now"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	now, ok := s.day(req.Now)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "日付は YYYY-MM-DD で指定してください。"})
		return
	}
	writeJSON(w, http.StatusOK, viewReply(s.asker.Ask(r.Context(), "console", req.Question, now)))
}

func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Question    string `json:"question"`
		AnswerID    string `json:"answer_id"`
		AnswerTitle string `json:"answer_title"`
		Good        *bool  `json:"good"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	if req.Good == nil || req.AnswerID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "評価と回答IDが必要です。"})
		return
	}
	if s.rec == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "保存機能が無効です。"})
		return
	}
	f := store.Feedback{Platform: "console", UserID: "console", Question: bot.Truncate(req.Question, bot.MaxQuestionRunes), AnswerID: req.AnswerID,
		AnswerTitle: bot.Truncate(req.AnswerTitle, 200), Good: *req.Good, At: s.now()}
	if err := s.rec.AddFeedback(r.Context(), f); err != nil {
		s.log.WarnContext(r.Context(), "feedback not stored", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "評価を保存できませんでした。"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type digestItemView struct {
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	When      string `json:"when"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Precision string `json:"precision"`
	Host      string `json:"host"`
	Venue     string `json:"venue"`
	Format    string `json:"format,omitempty"`
	URL       string `json:"url"`
	Measure   string `json:"measure"`
	Countdown string `json:"countdown"`
}

// DigestView is the JSON form of a digest (also printed by renkei digest --json).
type DigestView struct {
	From    string           `json:"from"`
	To      string           `json:"to"`
	Edition int              `json:"edition"`
	Items   []digestItemView `json:"items"`
	Next    string           `json:"next,omitempty"`
	Stale   string           `json:"stale,omitempty"`
	Text    string           `json:"text"`
}

// ViewDigest renders a digest for JSON.
func ViewDigest(d digest.Digest) DigestView {
	v := DigestView{From: d.From.Format("2006-01-02"), To: d.To.Format("2006-01-02"), Edition: d.Edition, Stale: d.Stale,
		Text: digest.Text(d), Items: []digestItemView{}}
	for _, it := range d.Items {
		v.Items = append(v.Items, digestItemView{Kind: it.Kind, Title: it.Title, When: it.When(), Start: it.Start.Format("2006-01-02"),
			End: it.End.Format("2006-01-02"), Precision: string(it.Precision), Host: it.Host, Venue: it.Venue, Format: it.Format,
			URL: it.URL, Measure: it.Measure, Countdown: it.Countdown})
	}
	if d.Next != nil {
		v.Next = "次の予定: " + d.Next.When() + " " + d.Next.Title
	}
	return v
}

func (s *Server) handleDigest(w http.ResponseWriter, r *http.Request) {
	now, ok := s.day(r.URL.Query().Get("date"))
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "日付は YYYY-MM-DD で指定してください。"})
		return
	}
	days := s.opts.DigestDays
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "日数は 1〜366 で指定してください。"})
			return
		}
		days = n
	}
	writeJSON(w, http.StatusOK, ViewDigest(digest.Compose(s.asker.Corpus(), now, days)))
}

type countView struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

type dislikedView struct {
	Question    string `json:"question"`
	AnswerTitle string `json:"answer_title"`
	N           int    `json:"n"`
}

// ReportView is the JSON form of the bureau's report.
type ReportView struct {
	Since      string         `json:"since"`
	Questions  int            `json:"questions"`
	NotFound   int            `json:"not_found"`
	Unanswered []countView    `json:"unanswered"`
	Disliked   []dislikedView `json:"disliked"`
	Topics     []countView    `json:"topics"`
}

// ViewReport renders a report for JSON.
func ViewReport(rep store.Report) ReportView {
	v := ReportView{Since: rep.Since.In(corpus.Tokyo).Format("2006-01-02"), Questions: rep.Questions, NotFound: rep.NotFound,
		Unanswered: []countView{}, Disliked: []dislikedView{}, Topics: []countView{}}
	for _, c := range rep.Unanswered {
		v.Unanswered = append(v.Unanswered, countView{c.Text, c.N})
	}
	for _, d := range rep.Disliked {
		v.Disliked = append(v.Disliked, dislikedView{d.Question, d.AnswerTitle, d.N})
	}
	for _, c := range rep.Topics {
		v.Topics = append(v.Topics, countView{c.Text, c.N})
	}
	return v
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if s.rec == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "保存機能が無効です。"})
		return
	}
	since, ok := s.day(r.URL.Query().Get("since"))
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "日付は YYYY-MM-DD で指定してください。"})
		return
	}
	if r.URL.Query().Get("since") == "" {
		since = since.AddDate(0, 0, -30)
	}
	since = corpus.Date(since.Year(), since.Month(), since.Day())
	rep, err := s.rec.Report(r.Context(), since, 50)
	if err != nil {
		s.log.WarnContext(r.Context(), "report failed", "err", err)
		status := http.StatusInternalServerError
		if errors.Is(err, r.Context().Err()) || store.IsUnavailable(err) {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, map[string]string{"error": "レポートを作成できませんでした。"})
		return
	}
	writeJSON(w, http.StatusOK, ViewReport(rep))
}
