package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

	"github.com/kanto-renkei/renkei/internal/slackbot"
	"github.com/kanto-renkei/renkei/internal/store"
)

const (
	testSlackSecret = "slack-signing-secret-for-tests"
	testLINESecret  = "line-channel-secret-for-tests"
	testSlackToken  = "xoxb-secret-bot-token-for-tests"
	testLINEToken   = "line-secret-channel-token-for-tests"
)

// platformRecorder is a fake Slack Web API and LINE Messaging API that
// count what renkei sent them.
type platformRecorder struct {
	mu          sync.Mutex
	slackPosts  int
	lineReplies int
	bodies      []string
}

func (p *platformRecorder) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat.postMessage"):
			p.slackPosts++
			p.bodies = append(p.bodies, string(body))
		case strings.HasPrefix(r.URL.Path, "/v2/bot/message/"):
			p.lineReplies++
			p.bodies = append(p.bodies, string(body))
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","channel":"D1","ts":"1.1"}`)
	})
}

func (p *platformRecorder) counts() (int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slackPosts, p.lineReplies
}

// platformEnv points renkei at a fake API with Slack and LINE enabled.
func platformEnv(api string, dsn string) map[string]string {
	return map[string]string{
		"RENKEI_STORE_DSN":            dsn,
		"RENKEI_SLACK_SIGNING_SECRET": testSlackSecret, "RENKEI_SLACK_BOT_TOKEN": testSlackToken, "RENKEI_SLACK_API_URL": api + "/api/",
		"RENKEI_LINE_CHANNEL_SECRET": testLINESecret, "RENKEI_LINE_CHANNEL_TOKEN": testLINEToken, "RENKEI_LINE_API_ENDPOINT": api,
		"RENKEI_CONSOLE_TOKEN": "console-token-for-tests", "RENKEI_LOG_LEVEL": "debug",
	}
}

type webhook struct {
	name        string
	path        string
	contentType string
	body        string
	sign        string // "slack", "slack-stale", "slack-bad", "line", "line-bad", "" (none)
	want        int
	effect      bool // a post and a stored question are expected
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// slackEvent is a DM event; its message ts is derived from the event ID,
// so a re-sent event is the same message.
func slackEvent(id, text string) string {
	ts := 0
	for _, c := range id {
		ts = ts*31 + int(c)
	}
	return fmt.Sprintf(`{"type":"event_callback","team_id":"T1","event_id":%s,"event_time":1700000000,`+
		`"event":{"type":"message","channel_type":"im","channel":"D1","user":"U1","text":%s,"ts":"1700000000.%06d"}}`,
		jsonString(id), jsonString(text), ts%1000000)
}

func lineEvent(id, text string) string {
	return fmt.Sprintf(`{"destination":"Ubot","events":[{"type":"message","mode":"active","timestamp":1700000000000,"webhookEventId":%q,`+
		`"deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":"U0123456789abcdef0123456789abcdef"},"replyToken":"rt-%s",`+
		`"message":{"type":"text","id":"m%s","quoteToken":"q","text":%s}}]}`, id, id, id, jsonString(text))
}

func (h webhook) request(t *testing.T, base string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+h.path, strings.NewReader(h.body))
	if err != nil {
		t.Fatal(err)
	}
	if h.contentType != "" {
		req.Header.Set("Content-Type", h.contentType)
	}
	now := time.Now()
	switch h.sign {
	case "slack", "slack-stale", "slack-bad":
		ts := now
		if h.sign == "slack-stale" {
			ts = now.Add(-6 * time.Minute) // a replay: a real signature, too old
		}
		tss := strconv.FormatInt(ts.Unix(), 10)
		sig := slackbot.Sign(testSlackSecret, tss, []byte(h.body))
		if h.sign == "slack-bad" {
			sig = slackbot.Sign("wrong-secret", tss, []byte(h.body))
		}
		req.Header.Set("X-Slack-Request-Timestamp", tss)
		req.Header.Set("X-Slack-Signature", sig)
	case "line", "line-bad":
		secret := testLINESecret
		if h.sign == "line-bad" {
			secret = "wrong-secret"
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(h.body))
		req.Header.Set("X-Line-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return req
}

// TestBadInputOverTheRunningServer sends every kind of bad request to
// every webhook of a running renkei and checks the status, that it never
// answers 500, that a rejected request has no effect (nothing posted,
// nothing stored) and is logged — then that good requests do have one.
func TestBadInputOverTheRunningServer(t *testing.T) {
	rec := &platformRecorder{}
	api := httptest.NewServer(rec.handler())
	defer api.Close()
	dsn := filepath.Join(t.TempDir(), "renkei.db")
	addr, logs, stop := startServe(t, platformEnv(api.URL, dsn))
	base := "http://" + addr
	big := strings.Repeat("あ", 400_000) // 1.2 MB: over the 1 MiB limit
	long := strings.Repeat("事業承継と海外展開", 1200)

	rejected := []webhook{
		{"slack unsigned", "/slack/events", "application/json", slackEvent("Ev1", "事業承継"), "", 401, false},
		{"slack wrong signature", "/slack/events", "application/json", slackEvent("Ev2", "事業承継"), "slack-bad", 401, false},
		{"slack replayed (stale)", "/slack/events", "application/json", slackEvent("Ev3", "事業承継"), "slack-stale", 401, false},
		{"slack over the limit", "/slack/events", "application/json", slackEvent("Ev4", big), "slack", 413, false},
		{"slack wrong content type", "/slack/events", "text/plain", slackEvent("Ev5", "事業承継"), "slack", 400, false},
		{"slack invalid JSON", "/slack/events", "application/json", `{"type":"event_callback","event":`, "slack", 400, false},
		{"slack command unsigned", "/slack/commands", "application/x-www-form-urlencoded", "command=%2Frenkei&text=x&response_url=" + url.QueryEscape(api.URL+"/r"), "", 401, false},
		{"slack command invalid form", "/slack/commands", "application/x-www-form-urlencoded", "%%%zz", "slack", 400, false},
		{"slack interaction invalid JSON", "/slack/interactions", "application/x-www-form-urlencoded", "payload=%7Bnot-json", "slack", 400, false},
		{"line unsigned", "/line/webhook", "application/json", lineEvent("01A", "事業承継"), "", 400, false},
		{"line wrong signature", "/line/webhook", "application/json", lineEvent("01B", "事業承継"), "line-bad", 400, false},
		{"line over the limit", "/line/webhook", "application/json", lineEvent("01C", big), "line", 413, false},
		{"line invalid JSON", "/line/webhook", "application/json", `{"events":[`, "line", 400, false},
		{"console without token", "/api/ask", "application/json", `{"question":"事業承継"}`, "", 401, false},
	}
	accepted := []webhook{
		{"slack missing fields", "/slack/events", "application/json", `{}`, "slack", 200, false},
		{"slack unknown event type", "/slack/events", "application/json", `{"type":"event_callback","event_id":"Ev9","event":{"type":"reaction_added"}}`, "slack", 200, false},
		{"slack bot message", "/slack/events", "application/json", `{"type":"event_callback","event_id":"Ev10","event":{"type":"message","channel_type":"im","channel":"D1","bot_id":"B9","text":"x","ts":"1.2"}}`, "slack", 200, false},
		{"line unknown event type", "/line/webhook", "application/json", `{"destination":"U","events":[{"type":"somethingNew","mode":"active","timestamp":1,"webhookEventId":"01Z","deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":"U1"}}]}`, "line", 200, false},
		{"line verify (no events)", "/line/webhook", "application/json", `{"destination":"U","events":[]}`, "line", 200, false},
	}
	for _, h := range append(rejected, accepted...) {
		resp, err := http.DefaultClient.Do(h.request(t, base))
		if err != nil {
			t.Fatalf("%s: %v", h.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != h.want {
			t.Errorf("%s: status %d, want %d", h.name, resp.StatusCode, h.want)
		}
	}
	time.Sleep(300 * time.Millisecond) // anything wrongly queued would be posted by now
	if s, l := rec.counts(); s != 0 || l != 0 {
		t.Errorf("rejected or ignored requests had an effect: %d Slack posts, %d LINE replies\n%v", s, l, rec.bodies)
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := st.Report(context.Background(), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil || rep.Questions != 0 {
		t.Errorf("rejected requests stored %d questions (%v)", rep.Questions, err)
	}
	for _, want := range []string{"slack request rejected", "LINE webhook rejected", "request body over the limit"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no log line %q", want)
		}
	}

	// Good requests, including hostile questions, are answered: once each,
	// even when re-sent.
	good := []webhook{
		{"slack DM", "/slack/events", "application/json", slackEvent("EvA", "事業承継"), "slack", 200, true},
		{"slack DM re-sent", "/slack/events", "application/json", slackEvent("EvA", "事業承継"), "slack", 200, false},
		{"slack 10,000 characters", "/slack/events", "application/json", slackEvent("EvB", long), "slack", 200, true},
		{"slack control characters", "/slack/events", "application/json", slackEvent("EvC", "事業\u0000承継\u001b[31m\u202e"), "slack", 200, true},
		{"line message", "/line/webhook", "application/json", lineEvent("01G", "ＢＣＰ"), "line", 200, true},
		{"line emoji only", "/line/webhook", "application/json", lineEvent("01H", "😀🙏"), "line", 200, true},
		{"line empty", "/line/webhook", "application/json", lineEvent("01I", ""), "line", 200, true},
		{"line 10,000 characters", "/line/webhook", "application/json", lineEvent("01J", long), "line", 200, true},
	}
	wantPosts := 0
	for _, h := range good {
		resp, err := http.DefaultClient.Do(h.request(t, base))
		if err != nil {
			t.Fatalf("%s: %v", h.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != h.want {
			t.Errorf("%s: status %d, want %d", h.name, resp.StatusCode, h.want)
		}
		if h.effect {
			wantPosts++
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, l := rec.counts()
		if s+l >= wantPosts || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if s, l := rec.counts(); s != 3 || l != 4 {
		t.Errorf("answers posted: Slack %d (want 3: the re-sent event once), LINE %d (want 4)", s, l)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), `status=500`) || strings.Contains(logs.String(), "panic") {
		t.Errorf("a 500 or a panic:\n%s", logs)
	}
	// Secrets never appear in the logs.
	for _, secret := range []string{testSlackSecret, testLINESecret, testSlackToken, testLINEToken, "console-token-for-tests"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains the secret %q", secret)
		}
	}
}
