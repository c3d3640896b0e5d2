package slackbot

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/server"
)

// serverAsker gives the test asker the corpus the server's readiness needs.
type serverAsker struct{ *asker }

func (serverAsker) Corpus() *corpus.Corpus { return realBot(nil).Corpus() }

// The adapter behind renkei's own server: its middleware (body limit,
// recovery, logging) in front of the signed endpoints.
func TestBehindTheServer(t *testing.T) {
	h := newHarness(t)
	srv := server.New(server.Options{BodyLimit: 4096}, serverAsker{h.asker}, nil, h.metrics, nil, nil, nil)
	h.a.Routes(srv.Mount)
	handler := srv.Handler()
	do := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w
	}
	if w := do(signed("/slack/events", "application/json", `{"type":"url_verification","challenge":"abc"}`)); w.Code != 200 || w.Body.String() != "abc" {
		t.Fatalf("url_verification: %d %q", w.Code, w.Body)
	}
	big := eventBody("Ev1", dm(staffUser, strings.Repeat("事業承継", 2000), "1.1"))
	if w := do(signed("/slack/events", "application/json", big)); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d", w.Code)
	}
	r := signed("/slack/events", "application/json", big)
	r.ContentLength = -1 // chunked: the limit trips while reading
	if w := do(r); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big chunked body: %d", w.Code)
	}
	if w := do(httptest.NewRequest(http.MethodGet, "/slack/events", nil)); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
	if w := do(signed("/slack/events", "application/json", eventBody("Ev2", dm(staffUser, "事業承継", "1.2")))); w.Code != 200 {
		t.Fatalf("DM: %d", w.Code)
	}
	h.a.Wait()
	if n := len(h.slack.all()); n != 1 {
		t.Fatalf("%d posts", n)
	}
}
