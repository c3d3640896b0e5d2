package slackbot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/bot"
)

type fuzzAsker struct{}

func (fuzzAsker) Ask(_ context.Context, _, q string, _ time.Time) bot.Reply {
	return bot.Reply{Question: q, Intent: bot.IntentNotFound, Lead: "該当なし", Text: "該当なし"}
}

// FuzzWebhooks signs arbitrary bodies and sends them to every Slack
// endpoint: the answer is always a deliberate status, never a 500 or a
// panic.
func FuzzWebhooks(f *testing.F) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer api.Close()
	a, err := New(Options{SigningSecret: "s", BotToken: "xoxb-1", APIURL: api.URL, Asker: fuzzAsker{}, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close(context.Background())
	mux := http.NewServeMux()
	a.Routes(mux.Handle)
	for _, seed := range []string{
		`{"type":"url_verification","challenge":"x"}`,
		`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel_type":"im","channel":"D1","user":"U1","text":"事業承継","ts":"1.1"}}`,
		`{"type":"event_callback","event":{"type":"app_mention","text":"<@U0> BCP","channel":"C1","ts":"1.2"}}`,
		"command=%2Frenkei&text=%E4%BA%88%E5%AE%9A&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fx",
		"payload=" + `{"type":"block_actions","actions":[{"action_id":"share","value":"{}"}]}`,
		"", "{", "\x00\xff",
	} {
		f.Add(seed, 0)
		f.Add(seed, 1)
		f.Add(seed, 2)
	}
	paths := []string{"/slack/events", "/slack/commands", "/slack/interactions"}
	types := []string{"application/json", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded"}
	f.Fuzz(func(t *testing.T, body string, which int) {
		if which < 0 {
			which = -which
		}
		i := which % 3
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, paths[i], strings.NewReader(body))
		req.Header.Set("Content-Type", types[i])
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", Sign("s", ts, []byte(body)))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 401, 413, 415, 503:
		default:
			t.Fatalf("%s %q: status %d", paths[i], body, w.Code)
		}
	})
}
