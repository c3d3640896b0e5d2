// Package slackbot is renkei's Slack adapter: the Events API, the /renkei
// slash command and button clicks over HTTP (every request's signature
// checked before its body is read as anything), the same handlers over
// Socket Mode, Block Kit rendering of bot replies and of the weekly digest,
// and chat.postMessage with bounded retries.
//
// It is the only package that imports slack-go. It must not make answers
// (that is the Asker's job) nor run SQL (the FeedbackStore's), and it never
// shows a user an English error or logs a token, a signature or what a user
// wrote.
package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/internal/dedupe"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
	"github.com/kanto-renkei/renkei/internal/wait"
)

// Platform is the platform name given to the Asker, the store and metrics.
const Platform = "slack"

// Asker answers a question from a platform and records it. It never
// fails: problems come back as a Reply that says so in Japanese.
type Asker interface {
	Ask(ctx context.Context, platform, question string, now time.Time) bot.Reply
}

// FeedbackStore records a 👍 or 👎. It returns an error when the feedback
// was not stored.
type FeedbackStore interface {
	AddFeedback(ctx context.Context, f store.Feedback) error
}

// Options configures an Adapter. Zero tuning values take defaults.
type Options struct {
	SigningSecret string // verifies HTTP requests; "" leaves the HTTP endpoints unmounted
	BotToken      string // xoxb-…, required
	AppToken      string // xapp-…; enables RunSocketMode
	APIURL        string // "" → Slack's; tests and proxies point it elsewhere

	Asker    Asker            // required
	Feedback FeedbackStore    // nil: 👍/👎 are answered with 「保存は利用できません」
	Metrics  *metrics.Metrics // nil-safe
	Log      *slog.Logger     // nil: discarded
	Now      func() time.Time // nil: time.Now

	HTTPTimeout time.Duration // per API request; default 10 s
	MaxInFlight int           // answers accepted and not yet posted (queued or running); default 4096
	Workers     int           // answers made and posted at once; default 4 (the rest wait their turn)
	MaxAttempts int           // tries of one API call; default 4
	// Sleep waits between retries and paced posts; nil waits on a timer.
	// It returns ctx.Err() when ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Slack retries an event up to three times within about five minutes; an
// hour covers them with room, and the size bound caps memory under load.
const (
	dedupeTTL = time.Hour
	dedupeMax = 20000
)

const (
	defaultHTTPTimeout = 10 * time.Second
	defaultMaxInFlight = 4096
	defaultWorkers     = 4
	defaultMaxAttempts = 4
	// jobTimeout bounds one asynchronous answer, retries included.
	jobTimeout = 3 * time.Minute
)

// Adapter connects the bot to Slack. It is safe for concurrent use.
type Adapter struct {
	api      *slack.Client
	secret   string
	appToken string
	asker    Asker
	feedback FeedbackStore
	metrics  *metrics.Metrics
	log      *slog.Logger
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	attempts int

	// Asynchronous answers: a bounded set of goroutines under base, which
	// Close cancels.
	base   context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	slots  chan struct{} // accepted answers (queued or running)
	// running bounds the answers being worked on at once, so that a burst
	// queues instead of competing with the webhooks' acknowledgements
	// for the CPU.
	running chan struct{}

	seen *dedupe.Set
	self atomic.Pointer[identity]

	paceMu   sync.Mutex
	nextPost map[string]time.Time // per channel: when the next paced post may go
}

// identity is who the bot is in the workspace, learnt from auth.test.
type identity struct{ userID, botID string }

// New makes an Adapter. It fails when the bot token or the Asker is
// missing.
func New(opts Options) (*Adapter, error) {
	switch {
	case opts.BotToken == "":
		return nil, errors.New("slack: no bot token")
	case opts.Asker == nil:
		return nil, errors.New("slack: no asker")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPTimeout <= 0 {
		opts.HTTPTimeout = defaultHTTPTimeout
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = defaultMaxInFlight
	}
	if opts.Workers <= 0 {
		opts.Workers = defaultWorkers
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = defaultMaxAttempts
	}
	if opts.Sleep == nil {
		opts.Sleep = wait.Sleep
	}
	apiOpts := []slack.Option{
		slack.OptionHTTPClient(&http.Client{Timeout: opts.HTTPTimeout}),
		slack.OptionLog(slog.NewLogLogger(opts.Log.Handler(), slog.LevelDebug)),
	}
	if opts.APIURL != "" {
		u := opts.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		apiOpts = append(apiOpts, slack.OptionAPIURL(u))
	}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	base, cancel := context.WithCancel(context.Background())
	a := &Adapter{
		api:      slack.New(opts.BotToken, apiOpts...),
		secret:   opts.SigningSecret,
		appToken: opts.AppToken,
		asker:    opts.Asker,
		feedback: opts.Feedback,
		metrics:  opts.Metrics,
		log:      opts.Log.With("platform", Platform),
		now:      opts.Now,
		sleep:    opts.Sleep,
		attempts: opts.MaxAttempts,
		base:     base,
		cancel:   cancel,
		slots:    make(chan struct{}, opts.MaxInFlight),
		running:  make(chan struct{}, opts.Workers),
		seen:     dedupe.New(dedupeTTL, dedupeMax),
		nextPost: map[string]time.Time{},
	}
	a.self.Store(&identity{})
	return a, nil
}

// Start asks Slack who the bot is (auth.test), so that the bot never
// answers itself. A failure is logged and counted; the adapter still works
// and ignores every message a bot wrote.
func (a *Adapter) Start(ctx context.Context) {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		a.metrics.PlatformError(Platform, "auth.test")
		a.log.WarnContext(ctx, "slack auth.test failed; the bot's own messages are recognised by bot_id only", "err", err)
		return
	}
	a.self.Store(&identity{userID: res.UserID, botID: res.BotID})
	a.log.InfoContext(ctx, "slack connected", "team", res.TeamID, "bot_user", res.UserID)
}

// Routes mounts the HTTP endpoints: POST /slack/events, /slack/commands
// and /slack/interactions. Without a signing secret nothing is mounted (the
// paths answer 404) and the log says so.
func (a *Adapter) Routes(mount func(pattern string, h http.Handler)) {
	if a.secret == "" {
		a.log.Info("Slack HTTP endpoints off: no signing secret (RENKEI_SLACK_SIGNING_SECRET)")
		return
	}
	mount("POST /slack/events", a.verified(a.serveEvents))
	mount("POST /slack/commands", a.verified(a.serveCommand))
	mount("POST /slack/interactions", a.verified(a.serveInteraction))
}

// Wait blocks until every asynchronous answer started so far is done.
func (a *Adapter) Wait() { a.wg.Wait() }

// Close stops taking new work and waits for the answers in flight. When
// ctx ends first, they are cancelled and Close returns ctx's error.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		a.cancel()
		return nil
	case <-ctx.Done():
	}
	n := len(a.slots)
	a.cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	a.log.Warn("slack answers cancelled at shutdown", "in_flight", n)
	return fmt.Errorf("slack: close: %d answers cancelled: %w", n, ctx.Err())
}

// spawn runs job in the background with a context that outlives the
// request but ends on Close. It returns false, running nothing, when the
// adapter is closed or MaxInFlight answers are already under way.
func (a *Adapter) spawn(what string, job func(ctx context.Context)) bool {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.metrics.WebhookRejected(Platform, "closing")
		a.log.Warn("slack request refused: shutting down", "what", what)
		return false
	}
	select {
	case a.slots <- struct{}{}:
	default:
		a.mu.Unlock()
		a.metrics.WebhookRejected(Platform, "busy")
		a.log.Warn("slack request refused: too many answers in flight", "what", what, "max", cap(a.slots))
		return false
	}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		defer func() { <-a.slots }()
		defer func() {
			if v := recover(); v != nil {
				a.log.Error("panic in slack handler", "what", what, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}()
		select {
		case a.running <- struct{}{}:
			defer func() { <-a.running }()
		case <-a.base.Done():
			return
		}
		ctx, cancel := context.WithTimeout(a.base, jobTimeout)
		defer cancel()
		job(ctx)
	}()
	return true
}

func (a *Adapter) identity() identity { return *a.self.Load() }
