package slackbot

import (
	"context"
	"github.com/kanto-renkei/renkei/internal/wait"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPostRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		steps     []func(http.ResponseWriter) bool
		tries     int
		posted    int
		waits     []time.Duration
		errors    string // renkei_platform_api_errors_total for chat.postMessage
		logAlsoOK string
	}{
		{"429 then success", []func(http.ResponseWriter) bool{status(429, "Retry-After", "7")}, 2, 1, []time.Duration{7 * time.Second}, "", ""},
		{"429 without Retry-After", []func(http.ResponseWriter) bool{status(429)}, 2, 1, []time.Duration{time.Second}, "", ""},
		{"429 asking too long", []func(http.ResponseWriter) bool{status(429, "Retry-After", "3600")}, 1, 0, nil, "1", ""},
		{"503 then 502 then success", []func(http.ResponseWriter) bool{status(503), status(502)}, 3, 1, []time.Duration{500 * time.Millisecond, time.Second}, "", ""},
		{"500s exhausted", []func(http.ResponseWriter) bool{status(500), status(500), status(500), status(500)}, 4, 0,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, "1", ""},
		{"Slack says no", []func(http.ResponseWriter) bool{func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
			return true
		}}, 1, 0, nil, "1", "channel_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.slack.fail(tc.steps...)
			h.do(signed("/slack/events", "application/json", eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))))
			h.a.Wait()
			if got := h.slack.tries(); got != tc.tries {
				t.Errorf("%d calls, want %d", got, tc.tries)
			}
			if got := len(h.slack.all()); got != tc.posted {
				t.Errorf("%d posted, want %d", got, tc.posted)
			}
			if got := h.sleeper.all(); !equalDurations(got, tc.waits) {
				t.Errorf("waits %v, want %v", got, tc.waits)
			}
			if got := h.metric(`renkei_platform_api_errors_total{op="chat.postMessage",platform="slack"}`); got != tc.errors {
				t.Errorf("errors metric %q, want %q", got, tc.errors)
			}
			logs := h.logs.String()
			if tc.posted == 0 && !strings.Contains(logs, `"msg":"slack API call failed","platform":"slack","op":"chat.postMessage"`) {
				t.Errorf("no failure log:\n%s", logs)
			}
			if tc.posted == 0 && !strings.Contains(logs, `"channel":"D0001"`) {
				t.Errorf("the failure log does not name the channel:\n%s", logs)
			}
			if !strings.Contains(logs, tc.logAlsoOK) {
				t.Errorf("logs lack %q", tc.logAlsoOK)
			}
			if strings.Contains(logs, testBotToken) {
				t.Error("the token is in the logs")
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPostTimeoutRetried(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.HTTPTimeout = 100 * time.Millisecond })
	release := make(chan struct{})
	defer close(release)
	h.slack.fail(func(w http.ResponseWriter) bool {
		select { // slower than the client's timeout
		case <-release:
		case <-time.After(2 * time.Second):
		}
		return true
	})
	h.do(signed("/slack/events", "application/json", eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))))
	h.a.Wait()
	if got := len(h.slack.all()); got != 1 {
		t.Fatalf("%d posted after a timeout, want 1", got)
	}
	if w := h.sleeper.all(); len(w) != 1 || w[0] != 500*time.Millisecond {
		t.Errorf("waits %v", w)
	}
	if !strings.Contains(h.logs.String(), "Client.Timeout exceeded") {
		t.Errorf("the timeout is not logged:\n%s", h.logs)
	}
}

func TestResponseURLFailureIsLogged(t *testing.T) {
	h := newHarness(t)
	h.do(signed("/slack/commands", form, command(h.resp.URL+"/gone", "事業承継")))
	h.resp.Close() // the response_url is unreachable
	h.a.Wait()
	if got := h.metric(`renkei_platform_api_errors_total{op="response_url",platform="slack"}`); got != "1" {
		t.Errorf("response_url errors = %q\n%s", got, h.logs)
	}
}

func TestRetryWaitCancelled(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Sleep = wait.Sleep })
	h.slack.fail(status(429, "Retry-After", "60"))
	h.do(signed("/slack/events", "application/json", eventBody("Ev1", dm(staffUser, "事業承継", "1.1"))))
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := h.a.Close(ctx); err == nil {
		t.Error("Close did not report the cancelled answer")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %v", took)
	}
	if n := len(h.slack.all()); n != 0 {
		t.Errorf("%d posted", n)
	}
}
