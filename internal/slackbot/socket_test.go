package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// socketServer is Slack's side of a Socket Mode connection on slacktest's
// websocket endpoint (apps.connections.open answers with its URL): it sends
// hello, then the envelopes it is given, and collects what the app writes.
type socketServer struct {
	envelopes chan string
	acks      chan string
}

func newSocketServer() *socketServer {
	return &socketServer{envelopes: make(chan string, 10), acks: make(chan string, 10)}
}

func (s *socketServer) bind(c slacktest.Customize) {
	c.Handle("/ws", slacktest.Websocket(func(conn *websocket.Conn) {
		if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
			"connection_info": map[string]any{"app_id": "A0001"}}); err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				_, m, err := conn.ReadMessage()
				if err != nil {
					return
				}
				s.acks <- string(m)
			}
		}()
		for {
			select {
			case m := <-s.envelopes:
				if err := conn.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
					return
				}
			case <-done:
				return
			}
		}
	}))
}

func (s *socketServer) send(envelopeID, typ string, retry int, payload any) {
	b, _ := json.Marshal(map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": retry, "retry_reason": ""})
	s.envelopes <- string(b)
}

// ack waits for the acknowledgement of an envelope and returns it.
func (s *socketServer) ack(t *testing.T, envelopeID string) map[string]any {
	t.Helper()
	for {
		select {
		case m := <-s.acks:
			var ack map[string]any
			if err := json.Unmarshal([]byte(m), &ack); err != nil {
				t.Fatalf("ack %q: %v", m, err)
			}
			if ack["envelope_id"] == envelopeID {
				return ack
			}
			t.Fatalf("ack for %v, want %s", ack["envelope_id"], envelopeID)
		case <-time.After(10 * time.Second):
			t.Fatalf("no ack for %s", envelopeID)
		}
	}
}

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

func TestSocketMode(t *testing.T) {
	realBot(t) // built before the clock starts on acknowledgements
	ws := newSocketServer()
	h := newHarnessOn(t, newFakeSlack(t, ws.bind), func(o *Options) {
		o.AppToken = testAppToken
		o.SigningSecret = "" // no public URL
	})
	if !h.a.SocketMode() {
		t.Fatal("SocketMode() is false with an app token")
	}
	h.a.Start(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- h.a.RunSocketMode(ctx) }()

	// A DM, then Slack's retry of it: acknowledged both times, answered once.
	dmEvent := rawJSON(eventBody("EvS1", dm(staffUser, "<@"+botUser+"> 事業承継", "1696118400.000100")))
	ws.send("env-1", "events_api", 0, dmEvent)
	ws.ack(t, "env-1")
	waitFor(t, h.slack.posted, 1, "the answer to the DM")
	ws.send("env-2", "events_api", 1, dmEvent)
	ws.ack(t, "env-2")

	// A mention in a channel: answered in its thread.
	ws.send("env-3", "events_api", 0, rawJSON(eventBody("EvS2", mention("<@"+botUser+"> BCP", "1696118400.000200", ""))))
	ws.ack(t, "env-3")
	waitFor(t, h.slack.posted, 1, "the answer to the mention")

	// The slash command: an empty acknowledgement, the answer via response_url.
	ws.send("env-4", "slash_commands", 0, map[string]any{"command": "/renkei", "text": "予定", "user_id": staffUser,
		"channel_id": "C0001", "response_url": h.resp.URL + "/commands/1", "trigger_id": "1.2.3"})
	if ack := ws.ack(t, "env-4"); ack["payload"] != nil {
		t.Errorf("slash ack carries %v", ack["payload"])
	}
	waitFor(t, h.resp.seen, 1, "the slash command's answer")

	// A 👍 click.
	val := buttonValueOf(t, string(h.resp.all()[0].Blocks), actionGood)
	var payload map[string]any
	json.Unmarshal([]byte(mustFormPayload(t, interaction(h.resp.URL, actionGood, val,
		map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0001", "is_ephemeral": true}))), &payload)
	ws.send("env-5", "interactive", 0, payload)
	ws.ack(t, "env-5")
	waitFor(t, h.resp.seen, 1, "the thanks for the feedback")

	// An event type slack-go does not know is acknowledged all the same.
	ws.send("env-6", "events_api", 0, rawJSON(eventBody("EvS3", map[string]any{"type": "no_such_event"})))
	ws.ack(t, "env-6")

	h.a.Wait()
	posts := h.slack.all()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want 2", len(posts))
	}
	if posts[0].Get("channel") != "D0001" || posts[1].Get("channel") != "C0001" || posts[1].Get("thread_ts") != "1696118400.000200" {
		t.Errorf("posted to %s and %s/%s", posts[0].Get("channel"), posts[1].Get("channel"), posts[1].Get("thread_ts"))
	}
	if r := h.resp.all(); r[0].ResponseType != "ephemeral" || r[1].Text != thanksText {
		t.Errorf("responses %+v", r)
	}
	if fb := h.store.all(); len(fb) != 1 || !fb[0].Good || fb[0].Question != "今後のイベントの予定" {
		t.Errorf("feedback %+v", fb)
	}
	if q := h.asker.questions(); strings.Join(q, "|") != "事業承継|BCP|今後のイベントの予定" {
		t.Errorf("asked %q", q)
	}

	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("RunSocketMode: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunSocketMode did not stop")
	}
}

func mustFormPayload(t *testing.T, form string) string {
	t.Helper()
	i := strings.Index(form, "payload=")
	if i < 0 {
		t.Fatal("no payload")
	}
	v, err := url.QueryUnescape(form[i+len("payload="):])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSocketModeRefusedToken(t *testing.T) {
	fake := newFakeSlack(t, func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
		})
	})
	h := newHarnessOn(t, fake, func(o *Options) { o.AppToken = testAppToken })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := h.a.RunSocketMode(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("RunSocketMode = %v", err)
	}

	h = newHarness(t)
	if h.a.SocketMode() || h.a.RunSocketMode(ctx) == nil {
		t.Error("Socket Mode without an app token")
	}
}
