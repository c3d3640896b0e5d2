package slackbot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

// message is one Slack message: blocks and the fallback text that
// notifications and screen readers use.
type message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// Waits between tries of an API call.
const (
	backoffInitial = 500 * time.Millisecond
	backoffMax     = 8 * time.Second
	// maxRetryAfter: a rate limit asking for longer is not waited for.
	maxRetryAfter = 2 * time.Minute
)

// postMessage sends m to a channel (in a thread when threadTS is set)
// with chat.postMessage, retrying rate limits, server errors and timeouts.
func (a *Adapter) postMessage(ctx context.Context, channel, threadTS string, m message, extra ...slack.MsgOption) error {
	return a.postMessageIf(ctx, channel, threadTS, m, func(error) bool { return true }, extra...)
}

// postMessageIf is postMessage retrying only the errors allow accepts.
func (a *Adapter) postMessageIf(ctx context.Context, channel, threadTS string, m message, allow func(error) bool, extra ...slack.MsgOption) error {
	opts := append([]slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
	}, extra...)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return a.retryIf(ctx, "chat.postMessage", []any{"channel", channel}, func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
		return err
	}, allow)
}

// respond posts m to an interaction's or a slash command's response_url:
// "ephemeral" (only the user sees it) or "in_channel".
func (a *Adapter) respond(ctx context.Context, responseURL, responseType string, m message) error {
	if !validResponseURL(responseURL) {
		a.metrics.PlatformError(Platform, "response_url")
		a.log.WarnContext(ctx, "slack response_url missing or not http(s); nothing sent")
		return errors.New("slack: bad response_url")
	}
	opts := []slack.MsgOption{
		slack.MsgOptionResponseURL(responseURL, responseType),
		slack.MsgOptionText(m.Text, false),
	}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return a.retry(ctx, "response_url", nil, func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, "", opts...)
		return err
	})
}

func validResponseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// retry calls fn until it succeeds, fails for good, or MaxAttempts tries
// are spent: a rate limit waits its Retry-After, 5xx and network errors
// (timeouts included) back off exponentially. The final failure is logged
// with op and attrs and counted.
func (a *Adapter) retry(ctx context.Context, op string, attrs []any, fn func(context.Context) error) error {
	return a.retryIf(ctx, op, attrs, fn, func(error) bool { return true })
}

// rateLimited reports whether Slack refused a call for its rate limit:
// then nothing was posted and trying again is safe.
func rateLimited(err error) bool {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	return errors.As(err, &rl) || errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests
}

// retryIf is retry for the errors allow accepts; others are returned at
// once (a digest part whose post may have gone through is not blindly
// posted again: the next pass looks at the channel first).
func (a *Adapter) retryIf(ctx context.Context, op string, attrs []any, fn func(context.Context) error, allow func(error) bool) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		wait, again := retryWait(err, attempt)
		again = again && allow(err)
		err = withoutURL(err)
		if again && attempt < a.attempts && ctx.Err() == nil {
			a.log.WarnContext(ctx, "slack API call failed; retrying",
				append([]any{"op", op, "attempt", attempt, "wait", wait.String(), "err", err}, attrs...)...)
			if a.sleep(ctx, wait) == nil {
				continue
			}
			err = fmt.Errorf("%w (while waiting to retry: %w)", err, ctx.Err())
		}
		a.metrics.PlatformError(Platform, op)
		a.log.ErrorContext(ctx, "slack API call failed",
			append([]any{"op", op, "attempts", attempt, "err", err}, attrs...)...)
		return fmt.Errorf("slack %s: %w", op, err)
	}
}

// retryWait says whether err is worth another try, and after how long.
func retryWait(err error, attempt int) (time.Duration, bool) {
	backoff := min(backoffInitial<<(attempt-1), backoffMax)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		if rl.RetryAfter > maxRetryAfter {
			return 0, false
		}
		return max(rl.RetryAfter, time.Second), true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests: // 429 without Retry-After
			return max(backoff, time.Second), true
		case sc.Code >= 500:
			return backoff, true
		}
		return 0, false
	}
	if errors.Is(err, context.Canceled) {
		return 0, false
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) {
		return backoff, true
	}
	return 0, false // Slack said no (ok: false): retrying will not help
}

// pace waits so that posts to one channel go about a second apart.
func (a *Adapter) pace(ctx context.Context, channel string) error {
	a.paceMu.Lock()
	now := a.now()
	at := now
	if next := a.nextPost[channel]; next.After(now) {
		at = next
	}
	a.nextPost[channel] = at.Add(time.Second)
	a.paceMu.Unlock()
	if wait := at.Sub(now); wait > 0 {
		return a.sleep(ctx, wait)
	}
	return nil
}

// withoutURL drops the URL from a transport error: a response_url is a
// short-lived credential and must not reach the logs.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", ue.Op, ue.Err)
	}
	return err
}
