package slackbot

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// verified wraps a handler: the signature is checked against the raw body
// before anything reads it as JSON or a form. A refused request gets 401
// and has no effect; a body over the server's limit gets 413.
func (a *Adapter) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts, sig := r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature")
		if ts == "" || sig == "" {
			a.reject(w, r, ErrNoSignature)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
				a.metrics.WebhookRejected(Platform, "too_large")
				a.log.WarnContext(r.Context(), "slack request body over the limit", "path", r.URL.Path, "limit", mb.Limit)
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			a.log.WarnContext(r.Context(), "slack request body unreadable", "path", r.URL.Path, "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := Verify(a.secret, ts, sig, body, a.now()); err != nil {
			a.reject(w, r, err)
			return
		}
		next(w, r, body)
	})
}

func (a *Adapter) reject(w http.ResponseWriter, r *http.Request, err error) {
	reason := rejectReason(err)
	a.metrics.WebhookRejected(Platform, reason)
	a.log.WarnContext(r.Context(), "slack request rejected", "path", r.URL.Path, "reason", reason)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// badRequest answers a signed request renkei cannot read.
func (a *Adapter) badRequest(w http.ResponseWriter, r *http.Request, why string) {
	a.metrics.WebhookRejected(Platform, "malformed")
	a.log.WarnContext(r.Context(), "slack request malformed", "path", r.URL.Path, "why", why)
	http.Error(w, "bad request", http.StatusBadRequest)
}

func hasType(r *http.Request, want string) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == want
}

// serveEvents handles the Events API: the URL check, mentions and DMs. It
// acknowledges at once and answers in the background; 503 (so that Slack
// retries later) only when too many answers are already under way.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, body []byte) {
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		EventID   string `json:"event_id"`
	}
	if !hasType(r, "application/json") {
		a.badRequest(w, r, "events: content type is not application/json")
		return
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		a.badRequest(w, r, "events: body is not JSON")
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, outer.Challenge)
		return
	case slackevents.CallbackEvent:
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			a.log.DebugContext(r.Context(), "slack event not handled", "err", err)
			break
		}
		if retry := r.Header.Get("X-Slack-Retry-Num"); retry != "" {
			a.log.DebugContext(r.Context(), "slack event retried", "event_id", outer.EventID, "retry", retry, "reason", r.Header.Get("X-Slack-Retry-Reason"))
		}
		if !a.onEvent(outer.EventID, ev.InnerEvent) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
	case slackevents.AppRateLimited:
		a.log.WarnContext(r.Context(), "slack is holding back events: the app is rate limited")
	default:
		a.log.DebugContext(r.Context(), "slack event type not handled", "type", outer.Type)
	}
	w.WriteHeader(http.StatusOK)
}

// serveCommand handles /renkei: an empty 200 at once (or a short
// ephemeral note when busy), the answer through response_url.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	if !hasType(r, "application/x-www-form-urlencoded") {
		a.badRequest(w, r, "commands: content type is not a form")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil || !validResponseURL(cmd.ResponseURL) {
		a.badRequest(w, r, "commands: no form or no response_url")
		return
	}
	if msg := a.onCommand(cmd); msg != nil {
		writeJSON(w, msg)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveInteraction handles button clicks (the form field payload).
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	if !hasType(r, "application/x-www-form-urlencoded") {
		a.badRequest(w, r, "interactions: content type is not a form")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		a.badRequest(w, r, "interactions: no payload")
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		a.badRequest(w, r, "interactions: payload is not JSON")
		return
	}
	a.onInteraction(cb)
	w.WriteHeader(http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
