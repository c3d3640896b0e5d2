package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// APIError is a Messaging API call that failed for good: after its
// retries, or at once for a status that retrying cannot fix.
type APIError struct {
	Op      string // reply, push, multicast
	Status  int    // HTTP status; 0 when no answer came
	Message string // LINE's "message", or the transport error
}

func (e *APIError) Error() string {
	if e.Status == 0 {
		return "line: " + e.Op + ": " + e.Message
	}
	return "line: " + e.Op + ": status " + strconv.Itoa(e.Status) + ": " + e.Message
}

// invalidReplyToken: the token expired, was used, or is not LINE's.
func invalidReplyToken(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(ae.Message), "reply token")
}

func badRequest(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusBadRequest
}

// client returns a Messaging API client for one call. The SDK's
// WithContext stores the context in the client it is called on, so a
// client shared between goroutines would send one caller's requests under
// another's context: every call gets its own (it is a small struct).
func (a *Adapter) client(ctx context.Context) (*messaging_api.MessagingApiAPI, error) {
	c, err := messaging_api.NewMessagingApiAPI(a.token,
		messaging_api.WithEndpoint(a.endpoint), messaging_api.WithHTTPClient(a.hc))
	if err != nil {
		return nil, err
	}
	return c.WithContext(ctx), nil
}

// MaxMulticast is the most user ids one multicast may name.
const MaxMulticast = 500

// Multicast sends msgs (1 to 5) to userIDs (1 to MaxMulticast) in one
// request carrying retryKey as X-Line-Retry-Key (a UUID, such as
// digest.RetryKey gives).
// 429, 5xx and lost answers are retried with backoff under the same key,
// and so may be a whole Multicast call: LINE executes a key once and
// answers 409 to its repeats, which counts as success here.
func (a *Adapter) Multicast(ctx context.Context, userIDs []string, msgs []messaging_api.MessageInterface, retryKey string) error {
	switch {
	case len(userIDs) == 0:
		return errors.New("line: multicast: no user ids")
	case len(userIDs) > MaxMulticast:
		return fmt.Errorf("line: multicast: %d user ids, at most %d a request", len(userIDs), MaxMulticast)
	case len(msgs) == 0 || len(msgs) > MaxMessages:
		return fmt.Errorf("line: multicast: %d messages, 1 to %d a request", len(msgs), MaxMessages)
	}
	if _, err := uuid.Parse(retryKey); err != nil {
		return fmt.Errorf("line: multicast: retry key %q is not a UUID", retryKey)
	}
	frozen, err := freeze(msgs)
	if err != nil {
		return fmt.Errorf("line: multicast: %w", err)
	}
	_, err = a.call(ctx, "multicast", true, func(c *messaging_api.MessagingApiAPI) (*http.Response, error) {
		res, _, err := c.MulticastWithHttpInfo(&messaging_api.MulticastRequest{To: userIDs, Messages: frozen}, retryKey)
		return res, err
	})
	return err
}

// frozenMessage is a message rendered to JSON once. The SDK's MarshalJSON
// methods write into the structs they encode (type discriminators), so a
// message shared by concurrent sends (one digest, many batches) would be
// a data race: each send encodes a frozen copy instead.
type frozenMessage struct {
	typ string
	raw json.RawMessage
}

func (f frozenMessage) GetType() string              { return f.typ }
func (f frozenMessage) MarshalJSON() ([]byte, error) { return f.raw, nil }

// freezeMu serialises freezing: concurrent callers may share messages.
var freezeMu sync.Mutex

func freeze(msgs []messaging_api.MessageInterface) ([]messaging_api.MessageInterface, error) {
	freezeMu.Lock()
	defer freezeMu.Unlock()
	out := make([]messaging_api.MessageInterface, len(msgs))
	for i, m := range msgs {
		if f, ok := m.(frozenMessage); ok {
			out[i] = f
			continue
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.Type == "" {
			return nil, fmt.Errorf("message %d has no type (pass a pointer, e.g. &messaging_api.TextMessage{…})", i)
		}
		out[i] = frozenMessage{typ: head.Type, raw: raw}
	}
	return out, nil
}

// retryNamespace makes retryKey's UUIDs renkei's own.
var retryNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/kanto-renkei/renkei/line"))

// retryKey is a UUID (version 5) derived from name: the same name gives
// the same key, so a reply's push fallback redone for one event (after a
// lost answer, or by another process) is delivered once.
func retryKey(name string) string {
	return uuid.NewSHA1(retryNamespace, []byte(name)).String()
}

// reply answers an event: with its reply token, or, when LINE says the
// token is no longer valid, with a push to the user under a retry key
// derived from the event, so that redoing it cannot deliver twice.
// A reply LINE rejects as malformed is resent once as plain text.
func (a *Adapter) reply(ctx context.Context, m eventMeta, out outgoing) error {
	if len(out.msgs) == 0 {
		return nil
	}
	if m.replyToken != "" {
		send := func(msgs []messaging_api.MessageInterface) (bool, error) {
			return a.call(ctx, "reply", false, func(c *messaging_api.MessagingApiAPI) (*http.Response, error) {
				res, _, err := c.ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{ReplyToken: m.replyToken, Messages: msgs})
				return res, err
			})
		}
		unsure, err := send(out.msgs)
		switch {
		case err == nil:
			return nil
		case invalidReplyToken(err) && unsure:
			// An earlier try may have used the token: pushing could
			// deliver the answer twice.
			a.log.WarnContext(ctx, "LINE reply token rejected after a try whose outcome is unknown; not pushing", "event", m.id)
			return err
		case invalidReplyToken(err):
			a.log.InfoContext(ctx, "LINE reply token no longer valid; pushing instead", "event", m.id, "redelivery", m.redelivery)
		case badRequest(err) && len(out.plain) > 0:
			a.log.ErrorContext(ctx, "LINE rejected a reply; resending it as plain text", "event", m.id, "err", err)
			_, err = send(out.plain)
			return err
		default:
			return err
		}
	}
	return a.push(ctx, m, out)
}

// push sends out to the user under retry keys derived from the event;
// a push LINE rejects as malformed is resent once as plain text.
func (a *Adapter) push(ctx context.Context, m eventMeta, out outgoing) error {
	send := func(msgs []messaging_api.MessageInterface, name string) error {
		key := retryKey(name + m.id)
		if m.id == "" {
			key = uuid.NewString()
		}
		_, err := a.call(ctx, "push", true, func(c *messaging_api.MessagingApiAPI) (*http.Response, error) {
			res, _, err := c.PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: m.userID, Messages: msgs}, key)
			return res, err
		})
		return err
	}
	err := send(out.msgs, "reply ")
	if badRequest(err) && len(out.plain) > 0 {
		a.log.ErrorContext(ctx, "LINE rejected a push; resending it as plain text", "event", m.id, "err", err)
		err = send(out.plain, "reply plain ")
	}
	return err
}

// call makes one API request with bounded retries: 429 and 5xx answers,
// and requests that got no answer, are tried again after a backoff
// (doubling from a.backoff, or LINE's Retry-After). Every failed try is
// logged and counted. keyed calls carry an X-Line-Retry-Key, for which
// 409 means "already accepted". unsure reports whether a failed try may
// nevertheless have been executed by LINE (a 5xx or no answer).
func (a *Adapter) call(ctx context.Context, op string, keyed bool, do func(*messaging_api.MessagingApiAPI) (*http.Response, error)) (unsure bool, err error) {
	for attempt := 0; ; attempt++ {
		c, err := a.client(ctx)
		if err != nil {
			return unsure, &APIError{Op: op, Message: err.Error()}
		}
		res, err := do(c)
		status := 0
		var body []byte
		if res != nil {
			status = res.StatusCode
			if err != nil && res.Body != nil {
				// On a non-2xx answer the SDK leaves the body it read.
				body, _ = io.ReadAll(io.LimitReader(res.Body, 64<<10))
			}
			if res.Body != nil {
				_ = res.Body.Close()
			}
		}
		switch {
		case err == nil, status/100 == 2:
			// A 2xx whose body the SDK could not decode was still sent.
			return unsure, nil
		case keyed && status == http.StatusConflict:
			a.log.InfoContext(ctx, "LINE already accepted this retry key", "op", op)
			return unsure, nil
		}
		ae := &APIError{Op: op, Status: status, Message: apiMessage(body, err)}
		a.metrics.PlatformError(Platform, op)
		retryable := status == http.StatusTooManyRequests || status >= 500 || status == 0 && ctx.Err() == nil
		if status >= 500 || status == 0 {
			unsure = true
		}
		if !retryable || attempt >= a.retries {
			a.log.ErrorContext(ctx, "LINE API call failed", "op", op, "status", status, "attempts", attempt+1, "err", ae.Message)
			return unsure, ae
		}
		wait := a.backoff << attempt
		if ra := retryAfter(res); ra > 0 {
			wait = ra
		}
		wait = min(wait, 30*time.Second)
		a.log.WarnContext(ctx, "LINE API call failed; retrying", "op", op, "status", status, "attempt", attempt+1, "wait", wait.String(), "err", ae.Message)
		if err := a.sleep(ctx, wait); err != nil {
			return unsure, ae
		}
	}
}

// apiMessage is LINE's error message ({"message": …, "details": […]}),
// or the error when the body says nothing.
func apiMessage(body []byte, err error) string {
	var e struct {
		Message string `json:"message"`
		Details []struct {
			Message  string `json:"message"`
			Property string `json:"property"`
		} `json:"details"`
	}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &e) == nil && e.Message != "" {
		msg := e.Message
		for _, d := range e.Details {
			msg += "; " + d.Property + ": " + d.Message
		}
		return msg
	}
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

func retryAfter(res *http.Response) time.Duration {
	if res == nil {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
