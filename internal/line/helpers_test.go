package line

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	golden_ "github.com/kanto-renkei/renkei/internal/golden"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/app"
	"github.com/kanto-renkei/renkei/internal/botsearch"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/server"
	"github.com/kanto-renkei/renkei/internal/store"
)

const (
	testSecret = "test-channel-secret"
	testToken  = "test-channel-token"
)

// tokyo9 is 09:00 Asia/Tokyo on day (YYYY-MM-DD): the pinned clock.
func tokyo9(day string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", day, corpus.Tokyo)
	if err != nil {
		panic(err)
	}
	return t.Add(9 * time.Hour)
}

var testNow = tokyo9("2023-11-01")

// realBot answers from the shipped 2023 edition, indexed once.
func realBot(t testing.TB) *bot.Bot {
	b, err := botsearch.Shipped()
	if err != nil {
		panic(err)
	}
	return b
}

// realAsker is the app renkei serve wires: the real bot, metrics on m.
func realAsker(t testing.TB, m *metrics.Metrics) *app.App {
	t.Helper()
	b := realBot(t)
	a, err := app.New(context.Background(), func(context.Context) (app.Built, error) { return app.Built{Bot: b}, nil }, nil, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func openStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "db")
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, dsn
}

// apiCall is one request the fake LINE API received.
type apiCall struct {
	Path     string
	Auth     string
	RetryKey string
	HasKey   bool
	Body     []byte
}

type response struct {
	status int
	body   string
}

// fakeLINE is an httptest LINE Messaging API: it records every request,
// checks it against LINE's limits, and answers from a script (then 200).
type fakeLINE struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []apiCall
	script map[string][]response
}

func newFakeLINE(t *testing.T) *fakeLINE {
	f := &fakeLINE{t: t, script: map[string][]response{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// then queues answers for path (e.g. "/v2/bot/message/reply").
func (f *fakeLINE) then(path string, rs ...response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[path] = append(f.script[path], rs...)
}

func (f *fakeLINE) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key, has := r.Header["X-Line-Retry-Key"]
	c := apiCall{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), HasKey: has, Body: body}
	if has {
		c.RetryKey = key[0]
	}
	checkLimits(f.t, r.URL.Path, body)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	var resp response
	if q := f.script[r.URL.Path]; len(q) > 0 {
		resp, f.script[r.URL.Path] = q[0], q[1:]
	}
	f.mu.Unlock()
	if resp.status == 0 {
		resp = response{200, `{"sentMessages":[{"id":"1","quoteToken":"q"}]}`}
		if strings.HasSuffix(r.URL.Path, "/multicast") {
			resp.body = `{}`
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = io.WriteString(w, resp.body)
}

func (f *fakeLINE) requests(path string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

const (
	replyPath     = "/v2/bot/message/reply"
	pushPath      = "/v2/bot/message/push"
	multicastPath = "/v2/bot/message/multicast"
)

// sleeps records the backoff waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// harness is an adapter behind renkei's real HTTP server, talking to a
// fake LINE API.
type harness struct {
	*Adapter
	api     *fakeLINE
	metrics *metrics.Metrics
	sleeps  *sleeps
	handler http.Handler
}

func newHarness(t *testing.T, st Store, mod ...func(*Config)) *harness {
	t.Helper()
	api := newFakeLINE(t)
	m := metrics.New()
	sl := &sleeps{}
	cfg := Config{ChannelSecret: testSecret, ChannelToken: testToken, APIEndpoint: api.srv.URL, Sleep: sl.sleep}
	for _, f := range mod {
		f(&cfg)
	}
	a, err := New(cfg, realAsker(t, m), st, m, nil, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	srv := server.New(server.Options{BodyLimit: 64 << 10}, nil, nil, m, nil, nil, nil)
	a.Routes(srv.Mount)
	return &harness{Adapter: a, api: api, metrics: m, sleeps: sl, handler: srv.Handler()}
}

func sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// post sends a webhook request with the given signature ("" for none)
// and waits for its events to be handled.
func (h *harness) post(t *testing.T, body []byte, signature string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/line/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Line-Signature", signature)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	h.Wait()
	return rec
}

// deliver posts correctly signed events and expects 200.
func (h *harness) deliver(t *testing.T, events ...map[string]any) {
	t.Helper()
	body := payload(events...)
	if rec := h.post(t, body, sign(body)); rec.Code != http.StatusOK {
		t.Fatalf("webhook answered %d: %s", rec.Code, rec.Body)
	}
}

// counter reads a counter from the Prometheus page: name with labels.
func (h *harness) counter(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	var total float64
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(line, labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
			}
		}
		if ok {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total += v
		}
	}
	return total
}

// Webhook events as LINE sends them.

func base(typ, id, user string) map[string]any {
	return map[string]any{
		"type": typ, "mode": "active", "timestamp": testNow.UnixMilli(),
		"webhookEventId":  id,
		"deliveryContext": map[string]any{"isRedelivery": false},
		"source":          map[string]any{"type": "user", "userId": user},
	}
}

func textEvent(id, user, text string) map[string]any {
	e := base("message", id, user)
	e["replyToken"] = "rt-" + id
	e["message"] = map[string]any{"type": "text", "id": "m-" + id, "text": text, "quoteToken": "qt-" + id}
	return e
}

func followEvent(id, user string) map[string]any {
	e := base("follow", id, user)
	e["replyToken"] = "rt-" + id
	e["follow"] = map[string]any{"isUnblocked": false}
	return e
}

func unfollowEvent(id, user string) map[string]any { return base("unfollow", id, user) }

func postbackEvent(id, user, data string) map[string]any {
	e := base("postback", id, user)
	e["replyToken"] = "rt-" + id
	e["postback"] = map[string]any{"data": data}
	return e
}

func redelivered(e map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range e {
		c[k] = v
	}
	c["deliveryContext"] = map[string]any{"isRedelivery": true}
	return c
}

func payload(events ...map[string]any) []byte {
	if events == nil {
		events = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"destination": "U00000000000000000000000000000000", "events": events})
	if err != nil {
		panic(err)
	}
	return b
}

// sent is a request's messages, decoded loosely.
type sent struct {
	To         any              `json:"to"`
	ReplyToken string           `json:"replyToken"`
	Messages   []map[string]any `json:"messages"`
}

func decode(t *testing.T, c apiCall) sent {
	t.Helper()
	var s sent
	if err := json.Unmarshal(c.Body, &s); err != nil {
		t.Fatalf("%s: %v", c.Path, err)
	}
	return s
}

// texts is every user-visible string of a request: text messages, alt
// texts, Flex texts, labels.
func texts(t *testing.T, c apiCall) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(c.Body, &v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range []string{"text", "altText", "label", "displayText"} {
				if s, ok := x[k].(string); ok {
					b.WriteString(s + "\n")
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(v)
	return b.String()
}

// postbackData finds the data of the postback button labelled label.
func postbackData(t *testing.T, c apiCall, label string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(c.Body, &v); err != nil {
		t.Fatal(err)
	}
	var found string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "postback" && x["label"] == label && found == "" {
				found, _ = x["data"].(string)
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(v)
	if found == "" {
		t.Fatalf("no postback button %q in %s", label, c.Body)
	}
	return found
}

// checkLimits fails t when a request breaks one of LINE's limits.
func checkLimits(t *testing.T, path string, body []byte) {
	t.Helper()
	var req struct {
		Messages []json.RawMessage `json:"messages"`
		To       any               `json:"to"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Errorf("%s: body is not JSON: %v", path, err)
		return
	}
	if n := len(req.Messages); n == 0 || n > MaxMessages {
		t.Errorf("%s: %d messages", path, n)
	}
	if ids, ok := req.To.([]any); ok && len(ids) > MaxMulticast {
		t.Errorf("%s: %d recipients", path, len(ids))
	}
	for i, raw := range req.Messages {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		switch m["type"] {
		case "text":
			if s, _ := m["text"].(string); s == "" || units(s) > MaxTextUnits {
				t.Errorf("%s: message %d: text of %d units", path, i, units(s))
			}
		case "flex":
			alt, _ := m["altText"].(string)
			if alt == "" || units(alt) > MaxAltText {
				t.Errorf("%s: message %d: altText of %d units", path, i, units(alt))
			}
			contents, _ := json.Marshal(m["contents"])
			c, _ := m["contents"].(map[string]any)
			switch c["type"] {
			case "bubble":
				if len(contents) > maxBubbleBytes {
					t.Errorf("%s: bubble of %d bytes", path, len(contents))
				}
			case "carousel":
				bs, _ := c["contents"].([]any)
				if len(bs) > 12 || len(contents) > maxFlexBytes {
					t.Errorf("%s: carousel of %d bubbles, %d bytes", path, len(bs), len(contents))
				}
			default:
				t.Errorf("%s: flex contents of type %v", path, c["type"])
			}
		default:
			t.Errorf("%s: message %d of type %v", path, i, m["type"])
		}
		if qr, ok := m["quickReply"].(map[string]any); ok {
			items, _ := qr["items"].([]any)
			if len(items) == 0 || len(items) > MaxQuickReplies {
				t.Errorf("%s: %d quick replies", path, len(items))
			}
			if i != len(req.Messages)-1 {
				t.Errorf("%s: quick reply on message %d, not the last", path, i)
			}
		}
		checkActions(t, path, m)
	}
}

func checkActions(t *testing.T, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if act, ok := x["action"].(map[string]any); ok {
			label, _ := act["label"].(string)
			if units(label) > maxLabel {
				t.Errorf("%s: label %q longer than %d", path, label, maxLabel)
			}
			switch act["type"] {
			case "postback":
				data, _ := act["data"].(string)
				if data == "" || utf8.RuneCountInString(data) > MaxPostbackData {
					t.Errorf("%s: postback data of %d characters", path, utf8.RuneCountInString(data))
				}
			case "uri":
				u, err := url.Parse(act["uri"].(string))
				if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "tel") {
					t.Errorf("%s: uri %v", path, act["uri"])
				}
			case "message":
				if s, _ := act["text"].(string); s == "" || units(s) > maxActionText {
					t.Errorf("%s: message action text %q", path, s)
				}
			default:
				t.Errorf("%s: action of type %v", path, act["type"])
			}
		}
		for _, v := range x {
			checkActions(t, path, v)
		}
	case []any:
		for _, v := range x {
			checkActions(t, path, v)
		}
	}
}

// golden compares got (JSON) with testdata/golden/name, rewriting it
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	b.WriteByte('\n')
	golden_.Check(t, filepath.Join("testdata", "golden", name), b.Bytes())
}

// messagesJSON is the "messages" of a request body.
func messagesJSON(t *testing.T, body []byte) []byte {
	t.Helper()
	var req struct {
		Messages json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	return req.Messages
}
