package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/internal/store"
)

const form = "application/x-www-form-urlencoded"

func TestRejectedRequestsHaveNoEffect(t *testing.T) {
	h := newHarness(t)
	body := eventBody("Ev1", dm(staffUser, "事業承継", "1696118400.000100"))
	stale := strconv.FormatInt(testNow.Add(-6*time.Minute).Unix(), 10)
	for _, tc := range []struct {
		name, path, reason string
		req                func() *http.Request
	}{
		{"tampered event", "/slack/events", "bad_signature", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Body = httptest.NewRequest("POST", "/", strings.NewReader(strings.Replace(body, "事業承継", "補助金", 1))).Body
			return r
		}},
		{"stale event", "/slack/events", "stale", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Header.Set("X-Slack-Request-Timestamp", stale)
			r.Header.Set("X-Slack-Signature", Sign(testSecret, stale, []byte(body)))
			return r
		}},
		{"no signature", "/slack/events", "missing_signature", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"no timestamp", "/slack/events", "missing_signature", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"wrong secret", "/slack/events", "bad_signature", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Header.Set("X-Slack-Signature", Sign("guess", r.Header.Get("X-Slack-Request-Timestamp"), []byte(body)))
			return r
		}},
		{"bad timestamp", "/slack/events", "bad_timestamp", func() *http.Request {
			r := signed("/slack/events", "application/json", body)
			r.Header.Set("X-Slack-Request-Timestamp", "yesterday")
			return r
		}},
		{"tampered command", "/slack/commands", "bad_signature", func() *http.Request {
			b := command(h.resp.URL, "事業承継")
			r := signed("/slack/commands", form, b)
			r.Body = httptest.NewRequest("POST", "/", strings.NewReader(b+"x")).Body
			return r
		}},
		{"stale command", "/slack/commands", "stale", func() *http.Request {
			b := command(h.resp.URL, "事業承継")
			r := signed("/slack/commands", form, b)
			r.Header.Set("X-Slack-Request-Timestamp", stale)
			r.Header.Set("X-Slack-Signature", Sign(testSecret, stale, []byte(b)))
			return r
		}},
		{"unsigned command", "/slack/commands", "missing_signature", func() *http.Request {
			r := signed("/slack/commands", form, command(h.resp.URL, "事業承継"))
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"unsigned interaction", "/slack/interactions", "missing_signature", func() *http.Request {
			r := signed("/slack/interactions", form, interaction(h.resp.URL, actionGood, `{"q":"x"}`, map[string]any{"type": "message"}))
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.metric(`renkei_webhook_rejections_total{platform="slack",reason="` + tc.reason + `"}`)
			w := h.do(tc.req())
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			n, _ := strconv.Atoi(before)
			if got := h.metric(`renkei_webhook_rejections_total{platform="slack",reason="` + tc.reason + `"}`); got != strconv.Itoa(n+1) {
				t.Errorf("rejections{%s} = %q, want %d", tc.reason, got, n+1)
			}
		})
	}
	h.a.Wait()
	if q := h.asker.questions(); len(q) > 0 {
		t.Errorf("rejected requests were answered: %q", q)
	}
	if p := h.slack.all(); len(p) > 0 || len(h.resp.all()) > 0 || len(h.store.all()) > 0 {
		t.Errorf("rejected requests had effects: posts %v", p)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"msg":"slack request rejected"`) {
		t.Errorf("no log line for rejections:\n%s", logs)
	}
	for _, secret := range []string{testSecret, "v0=", "事業承継", testBotToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestMalformedSignedRequests(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"events not JSON", "/slack/events", "application/json", "{", 400},
		{"events as a form", "/slack/events", form, `{"type":"url_verification","challenge":"x"}`, 400},
		{"unknown event type", "/slack/events", "application/json", eventBody("Ev9", map[string]any{"type": "no_such_event"}), 200},
		{"unhandled event", "/slack/events", "application/json", eventBody("Ev8", map[string]any{"type": "reaction_added", "user": staffUser}), 200},
		{"command without response_url", "/slack/commands", form, "text=x&user_id=U1", 400},
		{"command as JSON", "/slack/commands", "application/json", command(h.resp.URL, "x"), 400},
		{"interaction without payload", "/slack/interactions", form, "foo=bar", 400},
		{"interaction payload not JSON", "/slack/interactions", form, "payload=%7B", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := h.do(signed(tc.path, tc.ctype, tc.body)); w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
	h.a.Wait()
	if len(h.slack.all())+len(h.resp.all()) > 0 {
		t.Error("malformed requests had effects")
	}
}

func TestBodyOverLimit(t *testing.T) {
	h := newHarness(t)
	body := eventBody("Ev1", dm(staffUser, strings.Repeat("事業承継", 100), "1.1"))
	r := signed("/slack/events", "application/json", body)
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 256) // as the server's middleware does
	h.mux.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", w.Code)
	}
	if got := h.metric(`renkei_webhook_rejections_total{platform="slack",reason="too_large"}`); got != "1" {
		t.Errorf("too_large = %q", got)
	}
}

func TestNoSigningSecretMountsNothing(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.SigningSecret = "" })
	if w := h.do(signed("/slack/events", "application/json", `{"type":"url_verification","challenge":"x"}`)); w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	if !strings.Contains(h.logs.String(), "Slack HTTP endpoints off") {
		t.Error("the log does not say the endpoints are off")
	}
}

func TestURLVerification(t *testing.T) {
	h := newHarness(t)
	w := h.do(signed("/slack/events", "application/json", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	if w.Code != 200 || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
}

func TestAnswersMentionsAndDMs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		event      map[string]any
		channel    string
		threadTS   string
		wantAsked  string
		startFirst bool
	}{
		{"DM", dm(staffUser, "事業承継", "1696118400.000100"), "D0001", "", "事業承継", false},
		{"DM in a thread", func() map[string]any {
			m := dm(staffUser, "BCP", "1696118400.000300")
			m["thread_ts"] = "1696118400.000200"
			return m
		}(), "D0001", "1696118400.000200", "BCP", false},
		{"mention starts a thread", mention("<@"+botUser+"> 事業承継", "1696118400.000100", ""), "C0001", "1696118400.000100", "事業承継", true},
		{"mention in a thread", mention("<@"+botUser+">　海外 &amp; 輸出", "1696118400.000500", "1696118400.000400"), "C0001", "1696118400.000400", "海外 & 輸出", true},
		{"mention before auth.test", mention("<@U0OTHER|renkei> 事業承継", "1696118400.000600", ""), "C0001", "1696118400.000600", "事業承継", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.startFirst {
				h.a.Start(context.Background())
			}
			w := h.do(signed("/slack/events", "application/json", eventBody("Ev1", tc.event)))
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			h.a.Wait()
			posts := h.slack.all()
			if len(posts) != 1 {
				t.Fatalf("%d posts, want 1", len(posts))
			}
			p := posts[0]
			if p.Get("channel") != tc.channel || p.Get("thread_ts") != tc.threadTS {
				t.Errorf("posted to %s thread %q, want %s thread %q", p.Get("channel"), p.Get("thread_ts"), tc.channel, tc.threadTS)
			}
			if p.Get("text") == "" || p.Get("token") != testBotToken {
				t.Errorf("text %q token %q", p.Get("text"), p.Get("token"))
			}
			if ids := actionIDs(t, p.Get("blocks")); !slices.Contains(ids, actionGood) || slices.Contains(ids, actionShare) {
				t.Errorf("buttons %v: want feedback and no share", ids)
			}
			if q := h.asker.questions(); len(q) != 1 || q[0] != tc.wantAsked {
				t.Errorf("asked %q, want %q", q, tc.wantAsked)
			}
		})
	}
}

func TestRetriedEventAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	body := eventBody("Ev1", dm(staffUser, "事業承継", "1696118400.000100"))
	for i := range 3 {
		r := signed("/slack/events", "application/json", body)
		if i > 0 {
			r.Header.Set("X-Slack-Retry-Num", strconv.Itoa(i))
			r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if w := h.do(r); w.Code != 200 {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	// The same message again as an app_mention (a DM that mentions the bot).
	m := mention("<@"+botUser+"> 事業承継", "1696118400.000100", "")
	m["channel"] = "D0001"
	h.do(signed("/slack/events", "application/json", eventBody("Ev2", m)))
	h.a.Wait()
	if n := len(h.slack.all()); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
	if n := len(h.asker.questions()); n != 1 {
		t.Fatalf("asked %d times, want 1", n)
	}
}

func TestIgnoredEvents(t *testing.T) {
	h := newHarness(t)
	h.a.Start(context.Background())
	withSubtype := func(sub string) map[string]any {
		m := dm(staffUser, "事業承継", "1.2")
		m["subtype"] = sub
		return m
	}
	fromBot := dm("", "事業承継", "1.3")
	fromBot["bot_id"] = "B0OTHER"
	botMention := mention("<@"+botUser+"> 事業承継", "1.4", "")
	botMention["bot_id"] = "B0OTHER"
	channelMsg := dm(staffUser, "事業承継", "1.5")
	channelMsg["channel_type"] = "channel"
	edited := mention("<@"+botUser+"> 事業承継", "1.6", "")
	edited["edited"] = map[string]any{"user": staffUser, "ts": "1.7"}
	selfMention := mention("<@"+botUser+"> 自分", "1.9", "")
	selfMention["user"] = botUser
	for i, ev := range []map[string]any{
		withSubtype("bot_message"), withSubtype("message_changed"), withSubtype("channel_join"), withSubtype("message_deleted"),
		fromBot, botMention, dm(botUser, "事業承継", "1.8"), selfMention, channelMsg, edited,
	} {
		if w := h.do(signed("/slack/events", "application/json", eventBody("EvIgnored"+strconv.Itoa(i), ev))); w.Code != 200 {
			t.Fatalf("event %d: status %d", i, w.Code)
		}
	}
	h.a.Wait()
	if p := h.slack.all(); len(p) > 0 {
		t.Fatalf("answered %d ignored events: %v", len(p), p)
	}
}

func TestBusyEventIsRetriedLater(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxInFlight = 1 })
	h.asker.block = make(chan struct{})
	first := eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))
	second := eventBody("Ev2", dm(staffUser, "BCP", "1.2"))
	if w := h.do(signed("/slack/events", "application/json", first)); w.Code != 200 {
		t.Fatalf("first: %d", w.Code)
	}
	if w := h.do(signed("/slack/events", "application/json", second)); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("second while busy: %d, want 503", w.Code)
	}
	close(h.asker.block)
	h.a.Wait()
	if got := h.metric(`renkei_webhook_rejections_total{platform="slack",reason="busy"}`); got != "1" {
		t.Errorf("busy rejections = %q", got)
	}
	r := signed("/slack/events", "application/json", second)
	r.Header.Set("X-Slack-Retry-Num", "1")
	if w := h.do(r); w.Code != 200 {
		t.Fatalf("second retried: %d", w.Code)
	}
	h.a.Wait()
	if n := len(h.slack.all()); n != 2 {
		t.Fatalf("%d posts, want 2", n)
	}
}

func TestCloseWaitsThenRefuses(t *testing.T) {
	h := newHarness(t)
	h.asker.block = make(chan struct{})
	h.do(signed("/slack/events", "application/json", eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))))
	closed := make(chan error)
	go func() { closed <- h.a.Close(context.Background()) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned before the answer was posted: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(h.asker.block)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.all()); n != 1 {
		t.Fatalf("%d posts, want the in-flight answer", n)
	}
	if w := h.do(signed("/slack/events", "application/json", eventBody("Ev2", dm(staffUser, "BCP", "1.2")))); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d, want 503", w.Code)
	}
}

func TestCloseCancelsWhenTimeIsUp(t *testing.T) {
	h := newHarness(t)
	h.asker.block = make(chan struct{}) // never released: Ask returns when cancelled
	h.do(signed("/slack/events", "application/json", eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.a.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want deadline exceeded", err)
	}
}

func TestSlashCommand(t *testing.T) {
	for _, tc := range []struct {
		text, asked, intent string
	}{
		{"事業承継", "事業承継", "answer"},
		{"", "ヘルプ", "help"},
		{"help", "ヘルプ", "help"},
		{"予定", "今後のイベントの予定", "events"},
		{"連絡先", "連絡先", "contact"},
	} {
		t.Run(tc.asked, func(t *testing.T) {
			h := newHarness(t)
			w := h.do(signed("/slack/commands", form, command(h.resp.URL+"/commands/T1/1/abc", tc.text)))
			if w.Code != 200 || w.Body.Len() != 0 {
				t.Fatalf("ack: %d %q, want an empty 200", w.Code, w.Body)
			}
			h.a.Wait()
			got := h.resp.all()
			if len(got) != 1 {
				t.Fatalf("%d responses, want 1", len(got))
			}
			r := got[0]
			if r.ResponseType != "ephemeral" || r.Text == "" || r.ReplaceOriginal {
				t.Errorf("response_type %q text %q replace_original %v", r.ResponseType, r.Text, r.ReplaceOriginal)
			}
			if ids := actionIDs(t, string(r.Blocks)); !slices.Contains(ids, actionShare) {
				t.Errorf("no share button in %v", ids)
			}
			if strings.Contains(r.Header.Get("Authorization")+string(r.Blocks), testBotToken) {
				t.Error("the bot token went to response_url")
			}
			if q := h.asker.questions(); len(q) != 1 || q[0] != tc.asked {
				t.Errorf("asked %q, want %q", q, tc.asked)
			}
			if reply := realBot(t).Answer(context.Background(), tc.asked, testNow); reply.Intent != tc.intent {
				t.Errorf("intent %s, want %s", reply.Intent, tc.intent)
			}
		})
	}
}

func TestSlashCommandBusy(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxInFlight = 1 })
	h.asker.block = make(chan struct{})
	h.do(signed("/slack/commands", form, command(h.resp.URL, "事業承継")))
	w := h.do(signed("/slack/commands", form, command(h.resp.URL, "BCP")))
	close(h.asker.block)
	var msg struct{ ResponseType, Text string }
	if err := json.Unmarshal(w.Body.Bytes(), &struct {
		ResponseType *string `json:"response_type"`
		Text         *string `json:"text"`
	}{&msg.ResponseType, &msg.Text}); err != nil || msg.ResponseType != "ephemeral" || msg.Text != busyText {
		t.Fatalf("busy ack: %d %s (%v)", w.Code, w.Body, err)
	}
}

// slashAnswer runs /renkei q and returns the ephemeral answer's blocks.
func slashAnswer(t *testing.T, h *harness, q string) string {
	t.Helper()
	h.do(signed("/slack/commands", form, command(h.resp.URL, q)))
	h.a.Wait()
	got := h.resp.all()
	if len(got) == 0 {
		t.Fatal("no answer")
	}
	return string(got[len(got)-1].Blocks)
}

func TestShareButton(t *testing.T) {
	h := newHarness(t)
	blocks := slashAnswer(t, h, "事業承継")
	val := buttonValueOf(t, blocks, actionShare)
	w := h.do(signed("/slack/interactions", form, interaction(h.resp.URL, actionShare, val,
		map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0001", "is_ephemeral": true})))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	h.a.Wait()
	got := h.resp.all()
	if len(got) != 2 {
		t.Fatalf("%d responses, want 2", len(got))
	}
	shared := got[1]
	if shared.ResponseType != "in_channel" || shared.ReplaceOriginal {
		t.Errorf("share: response_type %q replace_original %v", shared.ResponseType, shared.ReplaceOriginal)
	}
	if text := textOf(t, string(shared.Blocks)); !strings.Contains(text, "<@"+staffUser+"> さんが共有しました") || !strings.Contains(text, "中小企業に対する事業承継支援の推進") {
		t.Errorf("shared blocks: %s", shared.Blocks)
	}
	if ids := actionIDs(t, string(shared.Blocks)); slices.Contains(ids, actionShare) {
		t.Error("a shared answer offers to share again")
	}
}

func TestFeedback(t *testing.T) {
	for _, tc := range []struct {
		name     string
		action   string
		store    func(h *harness)
		wantText string
		stored   bool
	}{
		{"good", actionGood, nil, thanksText, true},
		{"bad", actionBad, nil, thanksText, true},
		{"store fails", actionBad, func(h *harness) { h.store.fail(errors.New("disk full")) }, saveFailedText, false},
		{"no store", actionGood, func(h *harness) { h.a.feedback = nil }, saveOffText, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.store != nil {
				tc.store(h)
			}
			val := buttonValueOf(t, slashAnswer(t, h, "取引先の跡継ぎがいない"), tc.action)
			w := h.do(signed("/slack/interactions", form, interaction(h.resp.URL, tc.action, val,
				map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0001", "is_ephemeral": true})))
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			h.a.Wait()
			got := h.resp.all()
			if last := got[len(got)-1]; last.ResponseType != "ephemeral" || last.Text != tc.wantText {
				t.Errorf("reply %q %q, want ephemeral %q", last.ResponseType, last.Text, tc.wantText)
			}
			fb := h.store.all()
			if !tc.stored {
				if len(fb) > 0 {
					t.Errorf("stored %v", fb)
				}
				return
			}
			want := store.Feedback{Platform: "slack", UserID: staffUser, Question: "取引先の跡継ぎがいない",
				AnswerID: "2023-1-20", AnswerTitle: "中小企業に対する事業承継支援の推進", Good: tc.action == actionGood, At: testNow}
			if len(fb) != 1 || fb[0] != want {
				t.Errorf("stored %+v\nwant %+v", fb, want)
			}
		})
	}
}

func TestChooseCandidate(t *testing.T) {
	h := newHarness(t)
	blocks := slashAnswer(t, h, "人材")
	val := buttonValueOf(t, blocks, actionCandidate+"0")
	var v buttonValue
	json.Unmarshal([]byte(val), &v)

	// Under an ephemeral answer: privately, through response_url.
	h.do(signed("/slack/interactions", form, interaction(h.resp.URL, actionCandidate+"0", val,
		map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0001", "is_ephemeral": true})))
	h.a.Wait()
	got := h.resp.all()
	if len(got) != 2 || got[1].ResponseType != "ephemeral" || !strings.Contains(textOf(t, string(got[1].Blocks)), "\n"+v.T+"\n") {
		t.Fatalf("candidate answer: %+v", got[len(got)-1])
	}

	// Under an answer in a thread: in that thread, with chat.postMessage.
	h.do(signed("/slack/interactions", form, interaction(h.resp.URL, actionCandidate+"0", val,
		map[string]any{"type": "message", "message_ts": "1.5", "thread_ts": "1.4", "channel_id": "C0009", "is_ephemeral": false})))
	h.a.Wait()
	posts := h.slack.all()
	if len(posts) != 1 || posts[0].Get("channel") != "C0009" || posts[0].Get("thread_ts") != "1.4" {
		t.Fatalf("posts %v", posts)
	}
	if q := h.asker.questions(); q[len(q)-1] != v.T {
		t.Errorf("asked %q, want the candidate %q", q[len(q)-1], v.T)
	}
}

func TestUnreadableButtonValue(t *testing.T) {
	h := newHarness(t)
	h.do(signed("/slack/interactions", form, interaction(h.resp.URL, actionGood, "not json",
		map[string]any{"type": "message", "channel_id": "C0001"})))
	h.do(signed("/slack/interactions", form, interaction(h.resp.URL, actionOpenURL, "",
		map[string]any{"type": "message", "channel_id": "C0001"})))
	h.a.Wait()
	got := h.resp.all()
	if len(got) != 1 || got[0].Text != badActionText {
		t.Fatalf("responses %+v", got)
	}
}

func TestQuestionMarkup(t *testing.T) {
	h := newHarness(t)
	h.a.Start(context.Background())
	for _, tc := range []struct{ in, want string }{
		{"<@" + botUser + "> 事業承継", "事業承継"},
		{"<@" + botUser + "|renkei> BCP &amp; DX", "BCP & DX"},
		{"<@UOTHER|tanaka> と <@" + botUser + "> 事業承継", "@tanaka と   事業承継"},
		{"<https://example.com/a?b=1&amp;c=2|資料> の補助金", "資料 の補助金"},
		{"<https://example.com> 海外", "https://example.com 海外"},
		{"<mailto:a@example.com|a@example.com> 連絡先", "a@example.com 連絡先"},
		{"<#C0001|general> で聞かれた &lt;補助金&gt;", "#general で聞かれた <補助金>"},
		{"<!here> 予定", "予定"},
	} {
		if got := h.a.question(tc.in); got != tc.want {
			t.Errorf("question(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCommandQuestion(t *testing.T) {
	for in, want := range map[string]string{
		"": "ヘルプ", "  ": "ヘルプ", "help": "ヘルプ", "HELP": "ヘルプ", "ｈｅｌｐ": "ヘルプ", "ヘルプ": "ヘルプ",
		"予定": "今後のイベントの予定", " 予定 ": "今後のイベントの予定", "連絡先": "連絡先",
		"事業承継の連絡先": "事業承継の連絡先", "次の新現役交流会": "次の新現役交流会",
	} {
		if got := commandQuestion(in); got != want {
			t.Errorf("commandQuestion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStart(t *testing.T) {
	h := newHarness(t)
	h.a.Start(context.Background())
	if id := h.a.identity(); id.userID != botUser || id.botID != botID {
		t.Fatalf("identity %+v", id)
	}

	h = newHarness(t)
	h.slack.failAuth()
	h.a.Start(context.Background())
	if id := h.a.identity(); id.userID != "" {
		t.Fatalf("identity %+v after a failed auth.test", id)
	}
	if got := h.metric(`renkei_platform_api_errors_total{op="auth.test",platform="slack"}`); got != "1" {
		t.Errorf("auth.test errors = %q", got)
	}
	if !strings.Contains(h.logs.String(), "slack auth.test failed") {
		t.Error("no log line")
	}
}

func TestNewNeedsTokenAndAsker(t *testing.T) {
	if _, err := New(Options{Asker: &asker{}}); err == nil {
		t.Error("no bot token accepted")
	}
	if _, err := New(Options{BotToken: "xoxb-1"}); err == nil {
		t.Error("no asker accepted")
	}
}

// A signed slash command replayed within the window is answered once.
func TestReplayedCommandAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	body := command(h.resp.URL, "事業承継")
	for i := 0; i < 3; i++ {
		if w := h.do(signed("/slack/commands", form, body)); w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
	}
	h.a.Wait()
	if q := h.asker.questions(); len(q) != 1 {
		t.Errorf("asked %d times: %v", len(q), q)
	}
}
