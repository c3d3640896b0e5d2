package slackbot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/botsearch"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
)

const (
	testSecret   = "test-signing-secret"
	testBotToken = "xoxb-test-token"
	testAppToken = "xapp-test-token"
	botUser      = "UBOT0001"
	botID        = "BBOT0001"
	staffUser    = "UAAA0001"
)

// testNow is when every test happens: 2023-10-01 09:00 in Tokyo.
var testNow = time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo)

// realBot is the bot of the embedded 2023 edition.
func realBot(t testing.TB) *bot.Bot {
	b, err := botsearch.Shipped()
	if err != nil {
		panic(err)
	}
	return b
}

// asker answers with the real bot and records what it was asked.
type asker struct {
	bot   *bot.Bot
	mu    sync.Mutex
	asked []string
	block chan struct{} // when set, Ask waits on it
}

func (a *asker) Ask(ctx context.Context, platform, question string, now time.Time) bot.Reply {
	if platform != Platform {
		panic("platform " + platform)
	}
	if a.block != nil {
		select {
		case <-a.block:
		case <-ctx.Done():
		}
	}
	a.mu.Lock()
	a.asked = append(a.asked, question)
	a.mu.Unlock()
	if a.bot == nil {
		return realBot(nil).Answer(ctx, question, now)
	}
	return a.bot.Answer(ctx, question, now)
}

func (a *asker) questions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.asked...)
}

// feedbackStore records feedback, or fails with err.
type feedbackStore struct {
	mu  sync.Mutex
	got []store.Feedback
	err error
}

func (s *feedbackStore) AddFeedback(_ context.Context, f store.Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, f)
	return nil
}

func (s *feedbackStore) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *feedbackStore) all() []store.Feedback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Feedback(nil), s.got...)
}

// sleeper records the waits asked for and returns at once, moving the
// test's clock on by as much.
type sleeper struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (s *sleeper) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.now = s.now.Add(d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// syncBuffer is a log sink safe for the adapter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// fakeSlack is slacktest's server with chat.postMessage and auth.test
// replaced by handlers that record what was posted and can fail on cue.
type fakeSlack struct {
	*slacktest.Server
	mu       sync.Mutex
	posts    []url.Values                     // successful chat.postMessage calls
	attempts int                              // every chat.postMessage call
	script   []func(http.ResponseWriter) bool // run in turn; true: the call was answered
	authFail bool
	posted   chan struct{}
}

func newFakeSlack(t *testing.T, custom ...slacktest.Binder) *fakeSlack {
	t.Helper()
	f := &fakeSlack{posted: make(chan struct{}, 100)}
	f.Server = slacktest.NewTestServer(append(custom, func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/auth.test", f.authTest)
	})...)
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.attempts++
	var step func(http.ResponseWriter) bool
	if len(f.script) > 0 {
		step, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if step != nil && step(w) {
		return
	}
	f.mu.Lock()
	f.posts = append(f.posts, form)
	n := len(f.posts)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1696118400.%06d"}`, form.Get("channel"), n)
	f.posted <- struct{}{}
}

func (f *fakeSlack) failAuth() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authFail = true
}

func (f *fakeSlack) authTest(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	fail := f.authFail
	f.mu.Unlock()
	if fail {
		http.Error(w, "oops", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"team_id":"T0001","user_id":%q,"bot_id":%q}`, botUser, botID)
}

// fail queues responses for the next chat.postMessage calls.
func (f *fakeSlack) fail(steps ...func(http.ResponseWriter) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, steps...)
}

func status(code int, header ...string) func(http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		http.Error(w, http.StatusText(code), code)
		return true
	}
}

func (f *fakeSlack) all() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...)
}

func (f *fakeSlack) tries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// responses records what was posted to response_url.
type responses struct {
	*httptest.Server
	mu   sync.Mutex
	got  []response
	seen chan struct{}
}

type response struct {
	ResponseType    string          `json:"response_type"`
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ReplaceOriginal bool            `json:"replace_original"`
	ThreadTS        string          `json:"thread_ts"`
	Header          http.Header     `json:"-"`
}

func newResponses(t *testing.T) *responses {
	t.Helper()
	s := &responses{seen: make(chan struct{}, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got response
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("response_url: %v", err)
		}
		got.Header = r.Header.Clone()
		s.mu.Lock()
		s.got = append(s.got, got)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
		s.seen <- struct{}{}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *responses) all() []response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]response(nil), s.got...)
}

// harness is an adapter wired to fakes, with its HTTP routes.
type harness struct {
	a       *Adapter
	slack   *fakeSlack
	resp    *responses
	asker   *asker
	store   *feedbackStore
	sleeper *sleeper
	metrics *metrics.Metrics
	logs    *syncBuffer
	mux     *http.ServeMux
}

type option func(*Options)

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	return newHarnessOn(t, newFakeSlack(t), opts...)
}

// newHarnessOn is newHarness with a given fake Slack.
func newHarnessOn(t *testing.T, fake *fakeSlack, opts ...option) *harness {
	t.Helper()
	h := &harness{
		slack: fake, resp: newResponses(t), asker: &asker{}, // the real bot, built on first use
		store: &feedbackStore{}, sleeper: &sleeper{now: testNow}, metrics: metrics.New(), logs: &syncBuffer{},
		mux: http.NewServeMux(),
	}
	o := Options{
		SigningSecret: testSecret, BotToken: testBotToken, APIURL: h.slack.GetAPIURL(),
		Asker: h.asker, Feedback: h.store, Metrics: h.metrics,
		Log: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: h.sleeper.Now, Sleep: h.sleeper.Sleep,
	}
	for _, f := range opts {
		f(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.a = a
	a.Routes(h.mux.Handle)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h
}

// signed makes a request Slack would send at testNow.
func signed(path, contentType, body string) *http.Request {
	ts := strconv.FormatInt(testNow.Unix(), 10)
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", Sign(testSecret, ts, []byte(body)))
	return r
}

func (h *harness) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	return w
}

// metric returns the value of a sample line of /metrics, "" when absent.
func (h *harness) metric(prefix string) string {
	w := httptest.NewRecorder()
	h.metrics.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, ln := range strings.Split(w.Body.String(), "\n") {
		if strings.HasPrefix(ln, prefix+" ") {
			return strings.TrimPrefix(ln, prefix+" ")
		}
	}
	return ""
}

// eventBody is an event_callback envelope around inner.
func eventBody(eventID string, inner map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
		"event_id": eventID, "event_time": testNow.Unix(), "event": inner,
	})
	return string(b)
}

func dm(user, text, ts string) map[string]any {
	return map[string]any{"type": "message", "channel": "D0001", "channel_type": "im", "user": user, "text": text, "ts": ts, "event_ts": ts}
}

func mention(text, ts, threadTS string) map[string]any {
	m := map[string]any{"type": "app_mention", "channel": "C0001", "user": staffUser, "text": text, "ts": ts, "event_ts": ts}
	if threadTS != "" {
		m["thread_ts"] = threadTS
	}
	return m
}

// interaction is a block_actions payload for one button.
func interaction(responseURL, actionID, value string, container map[string]any) string {
	p, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": staffUser, "name": "staff"},
		"api_app_id": "A0001", "token": "legacy", "trigger_id": nextTrigger(), "response_url": responseURL,
		"container": container, "channel": map[string]any{"id": container["channel_id"]},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "renkei_actions", "type": "button", "value": value, "action_ts": "1696118400.1"}},
	})
	return url.Values{"payload": {string(p)}}.Encode()
}

func command(responseURL, text string) string {
	return url.Values{
		"token": {"legacy"}, "team_id": {"T0001"}, "channel_id": {"C0001"}, "user_id": {staffUser},
		"command": {"/renkei"}, "text": {text}, "response_url": {responseURL}, "trigger_id": {nextTrigger()},
	}.Encode()
}

// wait blocks until n signals arrive on c, or fails the test.
func waitFor(t *testing.T, c chan struct{}, n int, what string) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-c:
		case <-time.After(time.Minute): // the first answer builds the bot
			t.Fatalf("timed out waiting for %s (%d of %d)", what, i, n)
		}
	}
}

// blocksOf decodes a posted message's blocks.
func blocksOf(t *testing.T, raw string) []map[string]any {
	t.Helper()
	var bs []map[string]any
	if err := json.Unmarshal([]byte(raw), &bs); err != nil {
		t.Fatalf("blocks: %v\n%s", err, raw)
	}
	return bs
}

// actionIDs lists the action ids of a message's buttons.
func actionIDs(t *testing.T, raw string) []string {
	t.Helper()
	var ids []string
	for _, b := range blocksOf(t, raw) {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["action_id"] != nil {
				ids = append(ids, m["action_id"].(string))
			}
		}
	}
	return ids
}

// buttonValueOf returns the value of the first button with actionID.
func buttonValueOf(t *testing.T, raw, actionID string) string {
	t.Helper()
	for _, b := range blocksOf(t, raw) {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				return m["value"].(string)
			}
		}
	}
	t.Fatalf("no button %s in %s", actionID, raw)
	return ""
}

// textOf is every text of a message's blocks, a line each.
func textOf(t *testing.T, raw string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				b.WriteString("\n" + s + "\n")
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return b.String()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var triggers atomic.Int64

// nextTrigger is a fresh trigger_id, as Slack gives every invocation.
func nextTrigger() string { return fmt.Sprintf("1.2.%d", triggers.Add(1)) }
