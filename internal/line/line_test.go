package line

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kanto-renkei/renkei/internal/digest"
	"github.com/kanto-renkei/renkei/internal/store"
)

func TestSignature(t *testing.T) {
	h := newHarness(t, nil)
	body := payload(textEvent("e1", "Ualice", "事業承継"))
	tampered := []byte(strings.Replace(string(body), "事業承継", "住宅ローン", 1))
	for _, tc := range []struct {
		name, reason string
		body         []byte
		sig          string
		want         int
	}{
		{"missing", "missing_signature", body, "", http.StatusBadRequest},
		{"tampered", "bad_signature", tampered, sign(body), http.StatusBadRequest},
		{"not base64", "bad_signature", body, "***", http.StatusBadRequest},
		{"other secret", "bad_signature", body, "c2lnbmF0dXJl", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.post(t, tc.body, tc.sig)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
			if got := h.counter(t, "renkei_webhook_rejections_total", "platform", "line", "reason", tc.reason); got == 0 {
				t.Errorf("rejection %s not counted", tc.reason)
			}
		})
	}
	if n := len(h.api.requests("")); n != 0 {
		t.Fatalf("rejected webhooks reached the LINE API %d times", n)
	}
	rec := h.post(t, body, sign(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("valid signature: status %d", rec.Code)
	}
	if n := len(h.api.requests(replyPath)); n != 1 {
		t.Fatalf("valid webhook: %d replies, want 1", n)
	}
}

func TestBadBodies(t *testing.T) {
	h := newHarness(t, nil)
	notJSON := []byte("{")
	if rec := h.post(t, notJSON, sign(notJSON)); rec.Code != http.StatusBadRequest {
		t.Errorf("signed non-JSON: status %d", rec.Code)
	}
	big := []byte(`{"events":[],"pad":"` + strings.Repeat("x", 70<<10) + `"}`)
	if rec := h.post(t, big, sign(big)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over the body limit: status %d", rec.Code)
	}
	// LINE's "Verify" button sends no events.
	empty := payload()
	if rec := h.post(t, empty, sign(empty)); rec.Code != http.StatusOK {
		t.Errorf("verification request: status %d", rec.Code)
	}
	// One malformed event does not lose the others.
	body := []byte(`{"events":[{"type":"message","message":42},` + string(payload(textEvent("ok1", "Ualice", "BCP")))[len(`{"destination":"U00000000000000000000000000000000","events":[`):])
	if rec := h.post(t, body, sign(body)); rec.Code != http.StatusOK {
		t.Fatalf("batch with a bad event: status %d", rec.Code)
	}
	if n := len(h.api.requests(replyPath)); n != 1 {
		t.Errorf("the good event of the batch: %d replies, want 1", n)
	}
}

func TestTextMessageAnswers(t *testing.T) {
	h := newHarness(t, nil)
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	reqs := h.api.requests(replyPath)
	if len(reqs) != 1 {
		t.Fatalf("%d replies", len(reqs))
	}
	c := reqs[0]
	if c.Auth != "Bearer "+testToken {
		t.Errorf("Authorization %q", c.Auth)
	}
	if c.HasKey && c.RetryKey != "" {
		t.Errorf("a reply carries no retry key, got %q", c.RetryKey)
	}
	s := decode(t, c)
	if s.ReplyToken != "rt-e1" {
		t.Errorf("reply token %q", s.ReplyToken)
	}
	if len(s.Messages) != 2 || s.Messages[0]["type"] != "text" || s.Messages[1]["type"] != "flex" {
		t.Fatalf("messages: %s", c.Body)
	}
	all := texts(t, c)
	for _, want := range []string{"中小企業に対する事業承継支援の推進", "詳細ページ", "048-600-0256", "2023年度版", "👍 役に立った", "問い合わせ先"} {
		if !strings.Contains(all, want) {
			t.Errorf("answer lacks %q", want)
		}
	}
	golden(t, "answer.json", messagesJSON(t, c.Body))
}

func TestEventsAndCandidatesAreCarousels(t *testing.T) {
	h := newHarness(t, nil)
	h.deliver(t, textEvent("ev", "Ualice", "次の新現役交流会"))
	h.deliver(t, textEvent("cand", "Ualice", "人材"))
	reqs := h.api.requests(replyPath)
	if len(reqs) != 2 {
		t.Fatalf("%d replies", len(reqs))
	}
	for i, name := range []string{"events.json", "candidates.json"} {
		s := decode(t, reqs[i])
		flex := s.Messages[len(s.Messages)-1]
		if c, _ := flex["contents"].(map[string]any); c["type"] != "carousel" {
			t.Errorf("%s: not a carousel: %s", name, reqs[i].Body)
		}
		golden(t, name, messagesJSON(t, reqs[i].Body))
	}
	if !strings.Contains(texts(t, reqs[0]), "タワーホール船堀") {
		t.Errorf("events reply lacks the venue of the next event")
	}
	if !strings.Contains(texts(t, reqs[1]), "この施策を見る") {
		t.Errorf("candidates reply lacks the pick buttons")
	}
}

func TestPickCandidate(t *testing.T) {
	h := newHarness(t, nil)
	h.deliver(t, textEvent("cand", "Ualice", "人材"))
	data := postbackData(t, h.api.requests(replyPath)[0], "この施策を見る")
	p, ok := decodePostback(data)
	if !ok || p.Action != actionPick {
		t.Fatalf("pick data %q", data)
	}
	h.deliver(t, postbackEvent("pick", "Ualice", data))
	reqs := h.api.requests(replyPath)
	if len(reqs) != 2 {
		t.Fatalf("%d replies", len(reqs))
	}
	if got := texts(t, reqs[1]); !strings.Contains(got, "「"+p.Title+"」が該当します。") {
		t.Errorf("picking %q answered:\n%s", p.Title, got)
	}
}

func TestFeedbackIsStored(t *testing.T) {
	st, _ := openStore(t)
	h := newHarness(t, st)
	h.deliver(t, textEvent("q", "Ualice", "事業承継"))
	answer := h.api.requests(replyPath)[0]
	h.deliver(t, postbackEvent("bad", "Ualice", postbackData(t, answer, "👎 役に立たない")))
	h.deliver(t, postbackEvent("good", "Ubob", postbackData(t, answer, "👍 役に立った")))
	rep, err := st.Report(context.Background(), tokyo9("2023-01-01"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Disliked) != 1 || rep.Disliked[0].Question != "事業承継" || rep.Disliked[0].AnswerTitle != "中小企業に対する事業承継支援の推進" || rep.Disliked[0].N != 1 {
		t.Errorf("disliked: %+v", rep.Disliked)
	}
	reqs := h.api.requests(replyPath)
	if got := texts(t, reqs[1]); !strings.Contains(got, "ご意見ありがとうございます") {
		t.Errorf("👎 answered %q", got)
	}
	if got := texts(t, reqs[2]); !strings.Contains(got, "ご評価ありがとうございます") {
		t.Errorf("👍 answered %q", got)
	}
}

func TestFollowWelcomesAndSubscribes(t *testing.T) {
	st, _ := openStore(t)
	h := newHarness(t, st)
	h.deliver(t, followEvent("f1", "Ualice"))
	sub, ok, err := st.Subscription(context.Background(), "Ualice")
	if err != nil || !ok || !sub.Subscribed || !sub.Since.Equal(testNow) {
		t.Fatalf("subscription %+v ok=%v err=%v", sub, ok, err)
	}
	reqs := h.api.requests(replyPath)
	if len(reqs) != 1 {
		t.Fatalf("%d replies", len(reqs))
	}
	all := texts(t, reqs[0])
	for _, want := range []string{"友だち追加ありがとうございます", "週次ダイジェスト", "「配信停止」", "「配信設定」", "事業承継"} {
		if !strings.Contains(all, want) {
			t.Errorf("welcome lacks %q", want)
		}
	}
	golden(t, "welcome.json", messagesJSON(t, reqs[0].Body))
}

func TestUnfollowDeletesTheUser(t *testing.T) {
	st, _ := openStore(t)
	h := newHarness(t, st)
	ctx := context.Background()
	h.deliver(t, followEvent("f1", "Ualice"), followEvent("f2", "Ubob"))
	if err := st.AddFeedback(ctx, store.Feedback{Platform: Platform, UserID: "Ualice", Question: "q", AnswerID: "x", Good: false, At: testNow}); err != nil {
		t.Fatal(err)
	}
	h.deliver(t, unfollowEvent("u1", "Ualice"))
	if _, ok, err := st.Subscription(ctx, "Ualice"); ok || err != nil {
		t.Errorf("Ualice still subscribed (ok=%v, err=%v)", ok, err)
	}
	if rep, _ := st.Report(ctx, tokyo9("2023-01-01"), 0); len(rep.Disliked) != 0 {
		t.Errorf("Ualice's feedback kept: %+v", rep.Disliked)
	}
	if sub, ok, _ := st.Subscription(ctx, "Ubob"); !ok || !sub.Subscribed {
		t.Errorf("Ubob lost his subscription")
	}
	if n := len(h.api.requests(replyPath)); n != 2 {
		t.Errorf("unfollow was answered: %d replies for 2 follows", n)
	}
}

func TestSubscriptionCommands(t *testing.T) {
	st, dsn := openStore(t)
	h := newHarness(t, st)
	ctx := context.Background()
	say := func(id, text string) string {
		h.deliver(t, textEvent(id, "Ualice", text))
		reqs := h.api.requests(replyPath)
		return texts(t, reqs[len(reqs)-1])
	}
	if got := say("c1", "配信開始"); !strings.Contains(got, "配信を開始しました") {
		t.Errorf("配信開始: %q", got)
	}
	if got := say("c2", "配信設定"); !strings.Contains(got, "受信中") || !strings.Contains(got, "交流会のみ") {
		t.Errorf("配信設定: %q", got)
	}
	if got := say("c3", "配信設定　交流会のみ"); !strings.Contains(got, "交流会・イベントのみ") {
		t.Errorf("配信設定 交流会のみ: %q", got)
	}
	if got := say("c4", "配信停止"); !strings.Contains(got, "停止しました") {
		t.Errorf("配信停止: %q", got)
	}
	if got := say("c5", "配信設定 期限"); !strings.Contains(got, "停止中") {
		t.Errorf("topics while stopped should say so: %q", got)
	}
	if got := say("c6", "配信設定 天気"); !strings.Contains(got, "「配信設定 交流会のみ」のように送るか") {
		t.Errorf("unknown topic: %q", got)
	}

	// Nothing is lost on restart: reopen the file.
	_ = st.Close()
	st2, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	sub, ok, err := st2.Subscription(ctx, "Ualice")
	if err != nil || !ok || sub.Subscribed || len(sub.Topics) != 1 || sub.Topics[0] != digest.TopicDeadline || sub.Since.IsZero() {
		t.Errorf("after restart: %+v ok=%v err=%v", sub, ok, err)
	}
}

func TestHelpMentionsCommands(t *testing.T) {
	st, _ := openStore(t)
	h := newHarness(t, st)
	h.deliver(t, textEvent("h", "Ualice", "ヘルプ"))
	got := texts(t, h.api.requests(replyPath)[0])
	for _, want := range []string{"次のようなご質問にお答えします", "「配信設定」", "「配信停止」", "👍"} {
		if !strings.Contains(got, want) {
			t.Errorf("help lacks %q:\n%s", want, got)
		}
	}
}

func TestStoreUnavailable(t *testing.T) {
	closed, _ := openStore(t)
	_ = closed.Close()
	for _, tc := range []struct {
		name string
		st   Store
		want string
	}{
		{"closed store", closed, storeUnavailable},
		{"no store", nil, storeOff},
		{"nil *store.Store", (*store.Store)(nil), storeOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.st)
			for i, cmd := range []string{"配信停止", "配信開始", "配信設定", "配信設定 交流会"} {
				h.deliver(t, textEvent(fmt.Sprint("s", i), "Ualice", cmd))
				reqs := h.api.requests(replyPath)
				if got := texts(t, reqs[len(reqs)-1]); !strings.Contains(got, tc.want) {
					t.Errorf("%s: %q", cmd, got)
				}
			}
			// A follower is still welcomed, told the subscription failed.
			h.deliver(t, followEvent("f", "Ubob"))
			reqs := h.api.requests(replyPath)
			got := texts(t, reqs[len(reqs)-1])
			if !strings.Contains(got, "友だち追加ありがとうございます") {
				t.Errorf("welcome: %q", got)
			}
			if strings.Contains(got, "毎週お届けします") {
				t.Errorf("welcome promises a digest it could not subscribe to: %q", got)
			}
			// Feedback cannot be stored either; the user is told.
			data := encodePostback(postback{Action: actionFeedback, ID: "2023-1-16", Title: "t", Question: "q"})
			h.deliver(t, postbackEvent("fb", "Ualice", data))
			reqs = h.api.requests(replyPath)
			if got := texts(t, reqs[len(reqs)-1]); !strings.Contains(got, "評価を保存できません") {
				t.Errorf("feedback: %q", got)
			}
		})
	}
}

func TestUnknownEventsAndMessages(t *testing.T) {
	h := newHarness(t, nil)
	unknown := base("somethingNew", "x1", "Ualice")
	beacon := base("beacon", "x2", "Ualice")
	beacon["replyToken"] = "rt-x2"
	beacon["beacon"] = map[string]any{"hwid": "d41d8cd98f", "type": "enter"}
	group := textEvent("x3", "Ualice", "事業承継")
	group["source"] = map[string]any{"type": "group", "groupId": "Cgroup", "userId": "Ualice"}
	h.deliver(t, unknown, beacon, group)
	if n := len(h.api.requests("")); n != 0 {
		t.Errorf("ignored events caused %d API calls", n)
	}
	sticker := textEvent("x4", "Ualice", "")
	sticker["message"] = map[string]any{"type": "sticker", "id": "s", "packageId": "1", "stickerId": "1", "stickerResourceType": "STATIC", "quoteToken": "q"}
	badPostback := postbackEvent("x5", "Ualice", "not ours")
	h.deliver(t, sticker, badPostback)
	reqs := h.api.requests(replyPath)
	if len(reqs) != 2 {
		t.Fatalf("%d replies", len(reqs))
	}
	if got := texts(t, reqs[0]); !strings.Contains(got, "文字でお送りください") {
		t.Errorf("sticker answered %q", got)
	}
	if got := texts(t, reqs[1]); !strings.Contains(got, "ご利用いただけません") {
		t.Errorf("foreign postback answered %q", got)
	}
}

func TestRedeliveryAnsweredOnce(t *testing.T) {
	h := newHarness(t, nil)
	ev := textEvent("01HREDELIVERY", "Ualice", "BCP")
	h.deliver(t, ev)
	h.deliver(t, redelivered(ev))
	h.deliver(t, ev, redelivered(ev)) // both in one batch too
	if n := len(h.api.requests("")); n != 1 {
		t.Errorf("%d API calls for one event, want 1", n)
	}
	// Concurrent redeliveries of a fresh event: still once.
	ev2 := textEvent("01HCONCURRENT", "Ubob", "DX")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.deliver(t, redelivered(ev2))
		}()
	}
	wg.Wait()
	h.Wait()
	if n := len(h.api.requests("")); n != 2 {
		t.Errorf("%d API calls for two events, want 2", n)
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestExpiredReplyTokenFallsBackToPush(t *testing.T) {
	var keys []string
	for range 2 { // a second process redoing the same event: same key
		h := newHarness(t, nil)
		h.api.then(replyPath, response{400, `{"message":"Invalid reply token"}`})
		h.deliver(t, redelivered(textEvent("01HEXPIRED", "Ualice", "事業承継")))
		replies, pushes := h.api.requests(replyPath), h.api.requests(pushPath)
		if len(replies) != 1 || len(pushes) != 1 {
			t.Fatalf("%d replies, %d pushes; want 1 and 1", len(replies), len(pushes))
		}
		p := decode(t, pushes[0])
		if p.To != "Ualice" || len(p.Messages) != 2 {
			t.Errorf("push to %v with %d messages", p.To, len(p.Messages))
		}
		if !uuidRe.MatchString(pushes[0].RetryKey) {
			t.Errorf("push retry key %q is not a UUID", pushes[0].RetryKey)
		}
		keys = append(keys, pushes[0].RetryKey)
		if got := h.counter(t, "renkei_platform_api_errors_total", "platform", "line", "op", "reply"); got != 1 {
			t.Errorf("reply errors counted %v, want 1", got)
		}
	}
	if keys[0] != keys[1] {
		t.Errorf("retry keys differ for one event: %v", keys)
	}
	if keys[0] != retryKey("reply 01HEXPIRED") {
		t.Errorf("retry key %s is not retryKey(reply <event id>)", keys[0])
	}
}

func TestPushRetriedUnderOneKey(t *testing.T) {
	h := newHarness(t, nil)
	h.api.then(replyPath, response{400, `{"message":"Invalid reply token"}`})
	// The first push's answer is lost (LINE may have sent it); the retry
	// with the same key is told 409: done, not sent twice.
	h.api.then(pushPath, response{500, `{"message":"Internal error"}`}, response{409, `{"message":"The retry key is already accepted"}`})
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	pushes := h.api.requests(pushPath)
	if len(pushes) != 2 || pushes[0].RetryKey != pushes[1].RetryKey || pushes[0].RetryKey == "" {
		t.Fatalf("pushes %d with keys %q", len(pushes), []string{pushes[0].RetryKey, pushes[len(pushes)-1].RetryKey})
	}
}

func TestNoPushAfterAnUnsureReply(t *testing.T) {
	h := newHarness(t, nil)
	// A 500 may have delivered the reply and used the token; the retry's
	// "invalid reply token" then must not cause a second copy by push.
	h.api.then(replyPath, response{500, `{"message":"Internal error"}`}, response{400, `{"message":"Invalid reply token"}`})
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	if n := len(h.api.requests(pushPath)); n != 0 {
		t.Errorf("%d pushes after an unsure reply", n)
	}
}

func TestRejectedFlexResentAsText(t *testing.T) {
	h := newHarness(t, nil)
	h.api.then(replyPath, response{400, `{"message":"A message (messages[1]) in the request body is invalid","details":[{"message":"invalid uri","property":"messages[1].contents.footer"}]}`})
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	reqs := h.api.requests(replyPath)
	if len(reqs) != 2 {
		t.Fatalf("%d replies", len(reqs))
	}
	s := decode(t, reqs[1])
	for _, m := range s.Messages {
		if m["type"] != "text" {
			t.Errorf("resent as %v", m["type"])
		}
	}
	if got := texts(t, reqs[1]); !strings.Contains(got, "中小企業に対する事業承継支援の推進") {
		t.Errorf("plain reply lacks the answer: %q", got)
	}
}

func TestRateLimitedThenSent(t *testing.T) {
	h := newHarness(t, nil)
	h.api.then(replyPath, response{429, `{"message":"You have reached your monthly limit."}`})
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	if n := len(h.api.requests(replyPath)); n != 2 {
		t.Errorf("%d replies, want 2 (429, then 200)", n)
	}
	if got := h.sleeps.all(); len(got) != 1 || got[0] != time.Second {
		t.Errorf("backoff %v, want [1s]", got)
	}
	if got := h.counter(t, "renkei_platform_api_errors_total", "platform", "line", "op", "reply"); got != 1 {
		t.Errorf("counted %v errors, want 1", got)
	}
}

func TestServerErrorsExhaustRetries(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.Retries = 2; c.Backoff = 100 * time.Millisecond })
	for range 5 {
		h.api.then(replyPath, response{503, `{"message":"Service unavailable"}`})
	}
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	if n := len(h.api.requests(replyPath)); n != 3 {
		t.Errorf("%d tries, want 3", n)
	}
	if n := len(h.api.requests(pushPath)); n != 0 {
		t.Errorf("%d pushes", n)
	}
	if got := h.sleeps.all(); len(got) != 2 || got[0] != 100*time.Millisecond || got[1] != 200*time.Millisecond {
		t.Errorf("backoff %v", got)
	}
	if got := h.counter(t, "renkei_platform_api_errors_total", "platform", "line", "op", "reply"); got != 3 {
		t.Errorf("counted %v errors, want 3", got)
	}
}

func TestMulticast(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	d := composeOctober(t)
	key := digest.RetryKey(d.Period(), "all", 0)
	msgs := DigestMessages(d)
	h.api.then(multicastPath, response{429, `{"message":"Too many requests"}`}, response{502, ``})
	if err := h.MulticastDigest(ctx, []string{"Ualice", "Ubob"}, d, key); err != nil {
		t.Fatal(err)
	}
	reqs := h.api.requests(multicastPath)
	if len(reqs) != 3 {
		t.Fatalf("%d tries, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.RetryKey != key {
			t.Errorf("retry key %q, want %q", r.RetryKey, key)
		}
	}
	if to := decode(t, reqs[0]).To.([]any); len(to) != 2 {
		t.Errorf("to %v", to)
	}
	// Redoing the same send after a crash: LINE answers 409, which is done.
	h.api.then(multicastPath, response{409, `{"message":"The retry key is already accepted"}`})
	if err := h.Multicast(ctx, []string{"Ualice", "Ubob"}, msgs, key); err != nil {
		t.Errorf("409 on a repeated key: %v", err)
	}
	// Bad calls never reach LINE.
	before := len(h.api.requests(""))
	many := make([]string, MaxMulticast+1)
	for i := range many {
		many[i] = fmt.Sprintf("U%d", i)
	}
	for name, err := range map[string]error{
		"501 ids":    h.Multicast(ctx, many, msgs, key),
		"no ids":     h.Multicast(ctx, nil, msgs, key),
		"bad key":    h.Multicast(ctx, []string{"Ualice"}, msgs, "digest-1"),
		"6 messages": h.Multicast(ctx, []string{"Ualice"}, append(msgs, msgs[0], msgs[0], msgs[0], msgs[0], msgs[0]), key),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(h.api.requests("")); n != before {
		t.Errorf("invalid multicasts reached the API")
	}
	// 400 is final, reported with LINE's message.
	h.api.then(multicastPath, response{400, `{"message":"The request body has 1 error(s)"}`})
	err := h.Multicast(ctx, []string{"Ualice"}, msgs, uuid.NewString())
	if err == nil || !strings.Contains(err.Error(), "status 400: The request body has 1 error(s)") {
		t.Errorf("400: %v", err)
	}
}

func TestRetryKey(t *testing.T) {
	a, b := retryKey("reply 01H0"), retryKey("reply 01H1")
	if a == b || a != retryKey("reply 01H0") || !uuidRe.MatchString(a) {
		t.Errorf("keys %s %s", a, b)
	}
}

func TestCloseDrainsThenRefuses(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.Workers = 1 })
	body := payload(textEvent("a", "Ualice", "事業承継"), textEvent("b", "Ualice", "BCP"), textEvent("c", "Ubob", "DX"))
	rec := h.post(t, body, sign(body))
	if rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.api.requests(replyPath)); n != 3 {
		t.Errorf("%d replies before close returned, want 3", n)
	}
	late := payload(textEvent("d", "Ualice", "事業承継"))
	if rec := h.post(t, late, sign(late)); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after close: status %d, want 503 (LINE redelivers)", rec.Code)
	}
}

func TestConcurrentUsers(t *testing.T) {
	st, _ := openStore(t)
	h := newHarness(t, st)
	questions := []string{"事業承継", "次の新現役交流会", "BCP", "問い合わせ先", "人材", "配信開始", "配信設定 期限", "ヘルプ"}
	var wg sync.WaitGroup
	for u := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, q := range questions {
				ev := textEvent(fmt.Sprintf("u%d-%d", u, i), fmt.Sprintf("U%d", u), q)
				body := payload(ev)
				req := h.post(t, body, sign(body))
				if req.Code != http.StatusOK {
					t.Errorf("status %d", req.Code)
				}
			}
		}()
	}
	wg.Wait()
	h.Wait()
	if n := len(h.api.requests(replyPath)); n != 6*len(questions) {
		t.Errorf("%d replies, want %d", n, 6*len(questions))
	}
	subs, err := st.Subscribers(context.Background())
	if err != nil || len(subs) != 6 {
		t.Errorf("%d subscribers (%v)", len(subs), err)
	}
}

// One digest sent to many batches at once shares its messages; the SDK's
// encoders write into them, so Multicast must not race on them.
func TestConcurrentMulticastsShareMessages(t *testing.T) {
	h := newHarness(t, nil)
	msgs := DigestMessages(composeOctober(t))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Multicast(context.Background(), []string{fmt.Sprint("U", i)}, msgs, retryKey(fmt.Sprint("batch ", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	reqs := h.api.requests(multicastPath)
	if len(reqs) != 8 {
		t.Fatalf("%d multicasts", len(reqs))
	}
	first := string(messagesJSON(t, reqs[0].Body))
	for _, r := range reqs[1:] {
		if string(messagesJSON(t, r.Body)) != first {
			t.Errorf("batches got different messages")
		}
	}
	if !strings.Contains(first, `"type":"flex"`) || !strings.Contains(first, `"type":"carousel"`) {
		t.Errorf("frozen messages lost their types: %.200s", first)
	}
}

func TestRejectedPushResentAsText(t *testing.T) {
	h := newHarness(t, nil)
	h.api.then(replyPath, response{400, `{"message":"Invalid reply token"}`})
	h.api.then(pushPath, response{400, `{"message":"A message (messages[1]) in the request body is invalid"}`})
	h.deliver(t, textEvent("e1", "Ualice", "事業承継"))
	pushes := h.api.requests(pushPath)
	if len(pushes) != 2 || pushes[0].RetryKey == pushes[1].RetryKey {
		t.Fatalf("%d pushes; keys must differ between different bodies", len(pushes))
	}
	for _, m := range decode(t, pushes[1]).Messages {
		if m["type"] != "text" {
			t.Errorf("resent as %v", m["type"])
		}
	}
}
