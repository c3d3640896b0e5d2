package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
)

var (
	corpusOnce sync.Once
	shipped    *corpus.Corpus
)

// fakeAsker answers every question with one card and records the calls.
type fakeAsker struct {
	mu    sync.Mutex
	asked []string
	nows  []time.Time
}

func (f *fakeAsker) Ask(ctx context.Context, platform, q string, now time.Time) bot.Reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, platform+":"+q)
	f.nows = append(f.nows, now)
	return bot.Reply{Question: q, Intent: bot.IntentAnswer, Lead: "「テスト」が該当します。", Text: "テスト",
		Cards: []bot.Card{{Kind: "measure", ID: "2023-1-20", Title: "中小企業に対する事業承継支援の推進", URL: "https://example.go.jp/",
			Contact: corpus.Contact{Org: "関東経済産業局", Office: "金融連携推進室", Phone: "048-600-0256"}}}}
}

func (f *fakeAsker) Corpus() *corpus.Corpus {
	corpusOnce.Do(func() {
		c, err := corpus.Default()
		if err != nil {
			panic(err)
		}
		shipped = c
	})
	return shipped
}

type fakeRecorder struct {
	mu       sync.Mutex
	pingErr  error
	feedback []store.Feedback
	report   store.Report
	since    time.Time
}

func (f *fakeRecorder) Ping(context.Context) error { return f.pingErr }
func (f *fakeRecorder) LogQuestion(context.Context, store.QuestionRecord) error {
	return nil
}
func (f *fakeRecorder) AddFeedback(_ context.Context, fb store.Feedback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.feedback = append(f.feedback, fb)
	return nil
}
func (f *fakeRecorder) Report(_ context.Context, since time.Time, _ int) (store.Report, error) {
	f.since = since
	r := f.report
	r.Since = since
	return r, nil
}

var fixedNow = func() time.Time { return time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo) }

func newTest(t *testing.T, opts Options, rec Recorder, reload func(context.Context) error) (*Server, *fakeAsker, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Console = true
	if opts.BodyLimit == 0 {
		opts.BodyLimit = 4096
	}
	a := &fakeAsker{}
	return New(opts, a, rec, metrics.New(), log, fixedNow, reload), a, &logs
}

func do(t *testing.T, h http.Handler, method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Host = "127.0.0.1:8080"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHealthReadyMetrics(t *testing.T) {
	rec := &fakeRecorder{}
	s, _, _ := newTest(t, Options{}, rec, nil)
	h := s.Handler()
	if w := do(t, h, "GET", "/healthz", "", nil); w.Code != 200 || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("healthz %d %q", w.Code, w.Body)
	}
	if w := do(t, h, "GET", "/readyz", "", nil); w.Code != 200 {
		t.Errorf("readyz %d %s", w.Code, w.Body)
	}
	rec.pingErr = errors.New("database is locked")
	if w := do(t, h, "GET", "/readyz", "", nil); w.Code != 503 || !strings.Contains(w.Body.String(), "unavailable") || strings.Contains(w.Body.String(), "locked") {
		t.Errorf("readyz with store down: %d %s", w.Code, w.Body)
	}
	w := do(t, h, "GET", "/metrics", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `renkei_http_requests_total{code="2xx",route="GET /healthz"}`) || !strings.Contains(w.Body.String(), "go_goroutines") {
		t.Errorf("metrics: %d\n%.2000s", w.Code, w.Body)
	}
}

func TestConsolePageAndAsk(t *testing.T) {
	s, a, _ := newTest(t, Options{}, &fakeRecorder{}, nil)
	h := s.Handler()
	if w := do(t, h, "GET", "/", "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "app.js") {
		t.Errorf("console page: %d", w.Code)
	}
	if w := do(t, h, "GET", "/app.js", "", nil); w.Code != 200 {
		t.Errorf("app.js: %d", w.Code)
	}
	w := do(t, h, "POST", "/api/ask", `{"question":"事業承継","now":"2023-11-01"}`, nil)
	var v replyView
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 {
		t.Fatalf("%d %v %s", w.Code, err, w.Body)
	}
	if len(v.Cards) != 1 || v.Cards[0].Contact == nil || v.Cards[0].Contact.Phone != "048-600-0256" || v.Others == nil {
		t.Errorf("reply view %+v", v)
	}
	if a.asked[0] != "console:事業承継" || a.nows[0].Format("2006-01-02 15:04") != "2023-11-01 09:00" {
		t.Errorf("asked %v at %v", a.asked, a.nows)
	}
}

func TestBadRequests(t *testing.T) {
	s, a, logs := newTest(t, Options{BodyLimit: 2048}, &fakeRecorder{}, nil)
	h := s.Handler()
	big := `{"question":"` + strings.Repeat("あ", 2000) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      map[string]string
		code                     int
	}{
		{"declared too large", "POST", "/api/ask", big, nil, 413},
		{"bad json", "POST", "/api/ask", `{"question":`, nil, 400},
		{"wrong type", "POST", "/api/ask", `question=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"bad date", "POST", "/api/ask", `{"question":"x","now":"2023/11/01"}`, nil, 400},
		{"feedback without rating", "POST", "/api/feedback", `{"answer_id":"x"}`, nil, 400},
		{"digest bad days", "GET", "/api/digest?days=0", "", nil, 400},
		{"method", "GET", "/api/ask", "", nil, 405},
		{"unknown", "GET", "/nope", "", nil, 404},
	} {
		if w := do(t, h, tc.method, tc.path, tc.body, tc.hdr); w.Code != tc.code {
			t.Errorf("%s: %d, want %d: %s", tc.name, w.Code, tc.code, w.Body)
		}
	}
	// A body without a declared length is cut while reading.
	req := httptest.NewRequest("POST", "/api/ask", io.MultiReader(strings.NewReader(big)))
	req.Host = "localhost"
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 413 {
		t.Errorf("streamed body over the limit: %d", w.Code)
	}
	if len(a.asked) != 0 {
		t.Errorf("rejected requests reached the bot: %v", a.asked)
	}
	if !strings.Contains(logs.String(), "request body over the limit") {
		t.Error("no log line for the rejection")
	}
}

func TestPanicRecovery(t *testing.T) {
	s, _, logs := newTest(t, Options{}, nil, nil)
	s.Mount("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret internal detail") }))
	w := do(t, s.Handler(), "GET", "/boom", "", nil)
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), "内部エラー") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "panic serving request") {
		t.Error("panic not logged")
	}
}

func TestConsoleToken(t *testing.T) {
	s, a, _ := newTest(t, Options{ConsoleToken: "t0ken"}, &fakeRecorder{}, nil)
	h := s.Handler()
	if w := do(t, h, "POST", "/api/ask", `{"question":"x"}`, nil); w.Code != 401 {
		t.Errorf("no token: %d", w.Code)
	}
	if w := do(t, h, "POST", "/api/ask", `{"question":"x"}`, map[string]string{"Authorization": "Bearer wrong"}); w.Code != 401 {
		t.Errorf("wrong token: %d", w.Code)
	}
	if w := do(t, h, "POST", "/admin/reload", "", nil); w.Code != 401 {
		t.Errorf("reload without token: %d", w.Code)
	}
	if w := do(t, h, "POST", "/api/ask", `{"question":"x"}`, map[string]string{"Authorization": "Bearer t0ken"}); w.Code != 200 {
		t.Errorf("token: %d", w.Code)
	}
	if len(a.asked) != 1 {
		t.Errorf("asked %v", a.asked)
	}
	if w := do(t, h, "GET", "/healthz", "", nil); w.Code != 200 {
		t.Error("health needs no token")
	}
}

func TestDigestReportFeedback(t *testing.T) {
	rec := &fakeRecorder{report: store.Report{Questions: 3, NotFound: 1, Unanswered: []store.Count{{Text: "住宅ローン", N: 1}}}}
	s, _, _ := newTest(t, Options{}, rec, nil)
	h := s.Handler()
	w := do(t, h, "GET", "/api/digest?date=2023-10-01&days=30", "", nil)
	var d DigestView
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || d.From != "2023-10-01" || d.To != "2023-10-30" || len(d.Items) == 0 || d.Items[0].Start != "2023-10-04" {
		t.Errorf("digest: %v %+v", err, d)
	}
	w = do(t, h, "GET", "/api/report?since=2023-09-01", "", nil)
	var r ReportView
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || r.Questions != 3 || r.Unanswered[0].Text != "住宅ローン" || r.Since != "2023-09-01" {
		t.Errorf("report: %v %+v", err, r)
	}
	if w := do(t, h, "POST", "/api/feedback", `{"question":"事業承継","answer_id":"2023-1-20","answer_title":"t","good":false}`, nil); w.Code != 204 {
		t.Errorf("feedback %d", w.Code)
	}
	if len(rec.feedback) != 1 || rec.feedback[0].Good || rec.feedback[0].Platform != "console" {
		t.Errorf("stored %+v", rec.feedback)
	}
	// Without a store: 503, explained.
	s2, _, _ := newTest(t, Options{}, nil, nil)
	if w := do(t, s2.Handler(), "GET", "/api/report", "", nil); w.Code != 503 {
		t.Errorf("report without store: %d", w.Code)
	}
}

func TestReloadKeepsServingOnFailure(t *testing.T) {
	fail := true
	s, _, logs := newTest(t, Options{}, nil, func(context.Context) error {
		if fail {
			return errors.New("parse kinyu.txt: no 事業一覧")
		}
		return nil
	})
	h := s.Handler()
	if w := do(t, h, "POST", "/admin/reload", "", nil); w.Code != 422 || !strings.Contains(w.Body.String(), "以前の内容で応答を続けます") {
		t.Errorf("failed reload: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "reload failed") {
		t.Error("no log line")
	}
	fail = false
	if w := do(t, h, "POST", "/admin/reload", "", nil); w.Code != 200 {
		t.Errorf("reload: %d", w.Code)
	}
}

func TestRunAndShutdown(t *testing.T) {
	s, _, _ := newTest(t, Options{Addr: "127.0.0.1:0", ShutdownTimeout: 2 * time.Second}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still accepting after shutdown")
	}
}

// Without a token the console API answers only requests naming this
// machine (DNS rebinding), only JSON (cross-site forms), with headers that
// forbid framing and foreign content.
func TestConsoleGuards(t *testing.T) {
	s, a, _ := newTest(t, Options{}, &fakeRecorder{}, nil)
	h := s.Handler()
	if w := do(t, h, "POST", "/api/ask", `{"question":"x"}`, nil); w.Code != 200 {
		t.Errorf("loopback host: %d", w.Code)
	}
	req := httptest.NewRequest("GET", "/api/report", nil)
	req.Host = "rebound.evil.example:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 403 {
		t.Errorf("foreign Host: %d", w.Code)
	}
	req = httptest.NewRequest("POST", "/api/feedback", strings.NewReader(`{"answer_id":"x","good":true}`))
	req.Host = "127.0.0.1:8080"
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req) // no Content-Type: what a no-cors fetch sends
	if w.Code != 415 {
		t.Errorf("body without a JSON content type: %d", w.Code)
	}
	w = do(t, h, "GET", "/", "", nil)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers: %v", w.Header())
	}
	if len(a.asked) != 1 {
		t.Errorf("asked %v", a.asked)
	}
	// With a token, any host is fine (the token is the guard).
	s2, _, _ := newTest(t, Options{ConsoleToken: "t"}, &fakeRecorder{}, nil)
	req = httptest.NewRequest("POST", "/api/ask", strings.NewReader(`{"question":"x"}`))
	req.Host = "renkei.bank.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t")
	w = httptest.NewRecorder()
	s2.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		t.Errorf("token on a public host: %d", w.Code)
	}
}
