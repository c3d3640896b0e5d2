package line

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/bot"
)

type fuzzAsker struct{}

func (fuzzAsker) Ask(_ context.Context, _, q string, _ time.Time) bot.Reply {
	return bot.Reply{Question: q, Intent: bot.IntentNotFound, Lead: "該当なし", Text: "該当なし"}
}

// FuzzWebhook signs arbitrary bodies and posts them to the LINE webhook:
// the answer is always a deliberate status, never a 500 or a panic.
func FuzzWebhook(f *testing.F) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer api.Close()
	a, err := New(Config{ChannelSecret: "s", ChannelToken: "t", APIEndpoint: api.URL, Sleep: func(context.Context, time.Duration) error { return nil }},
		fuzzAsker{}, nil, nil, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close(context.Background())
	mux := http.NewServeMux()
	a.Routes(mux.Handle)
	for _, seed := range []string{
		`{"destination":"U","events":[{"type":"message","mode":"active","timestamp":1,"webhookEventId":"01A","deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":"U1"},"replyToken":"r","message":{"type":"text","id":"1","text":"事業承継"}}]}`,
		`{"destination":"U","events":[{"type":"follow","webhookEventId":"01B","source":{"type":"user","userId":"U2"},"replyToken":"r"}]}`,
		`{"destination":"U","events":[{"type":"postback","webhookEventId":"01C","source":{"type":"user","userId":"U3"},"replyToken":"r","postback":{"data":"{\"a\":\"good\"}"}}]}`,
		`{"events":[{"type":"unknown"}]}`, `{"events":null}`, "", "[", "\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		mac := hmac.New(sha256.New, []byte("s"))
		mac.Write([]byte(body))
		req := httptest.NewRequest(http.MethodPost, "/line/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Line-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 401, 413, 503:
		default:
			t.Fatalf("%q: status %d", body, w.Code)
		}
	})
}
