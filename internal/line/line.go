// Package line is renkei's LINE adapter: the webhook of the official
// account (signed events in, answers out as Flex messages with a plain
// text fallback), the digest subscription commands, 👍/👎 feedback, and
// the multicast used by the weekly digest.
//
// It is the only package that imports line-bot-sdk-go. It knows the bot's
// Reply and the store's subscription types through small interfaces; it
// must not know how answers are made, nor write SQL, nor start anything
// but its own event workers (stopped by Close).
package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/internal/dedupe"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
	"github.com/kanto-renkei/renkei/internal/wait"
)

// Platform is the name LINE questions, feedback and metrics are recorded
// under.
const Platform = store.PlatformLINE

// Asker answers a question from a platform and records it. It never
// fails: problems come back as a Reply that says so in Japanese.
type Asker interface {
	Ask(ctx context.Context, platform, question string, now time.Time) bot.Reply
}

// Store keeps digest subscriptions and feedback. Methods fail with an
// error recognised by store.IsUnavailable when storage is down; nothing is
// changed then. *store.Store implements it.
type Store interface {
	Subscribe(ctx context.Context, userID string, now time.Time) error
	Unsubscribe(ctx context.Context, userID string, now time.Time) error
	SetTopics(ctx context.Context, userID string, topics []string, now time.Time) error
	// Subscription returns ok false, with no error, for an unknown user.
	Subscription(ctx context.Context, userID string) (sub store.Subscription, ok bool, err error)
	DeleteUser(ctx context.Context, platform, userID string) error
	AddFeedback(ctx context.Context, f store.Feedback) error
}

var _ Store = (*store.Store)(nil)

// Config configures an Adapter. Zero values take the defaults given.
type Config struct {
	ChannelSecret string // verifies X-Line-Signature; required
	ChannelToken  string // channel access token; required
	APIEndpoint   string // default https://api.line.me

	HTTPClient *http.Client // default: a client with a 15 s timeout

	Workers   int // events processed at once, default 4; one user's events stay in order
	QueueSize int // events waiting per worker, default 1024; beyond it the webhook answers 503

	Retries int           // retries of a call that got 429, 5xx or no answer; default 3, -1 for none
	Backoff time.Duration // first wait between tries, doubled each time; default 1 s
	// Sleep waits d or until ctx is done (tests pass a recorder).
	Sleep func(ctx context.Context, d time.Duration) error

	DedupeTTL    time.Duration // how long a webhook event id is remembered; default 1 h
	EventTimeout time.Duration // bound on handling one event, API retries included; default 2 min
}

// Adapter serves the LINE webhook and calls the Messaging API.
type Adapter struct {
	secret, token, endpoint string
	hc                      *http.Client
	asker                   Asker
	store                   Store // nil: subscriptions and feedback are not kept
	metrics                 *metrics.Metrics
	log                     *slog.Logger
	now                     func() time.Time

	retries      int
	backoff      time.Duration
	sleep        func(context.Context, time.Duration) error
	eventTimeout time.Duration

	seen *dedupe.Set

	// Event workers. mu guards closed and the sends on queues.
	mu      sync.RWMutex
	closed  bool
	queues  []chan job
	quit    chan struct{}
	done    chan struct{}
	base    context.Context // cancelled when Close gives up waiting
	cancel  context.CancelFunc
	pending counter
}

// job is one accepted webhook event.
type job struct {
	ev     webhook.EventInterface
	meta   eventMeta
	accept time.Time
}

// New checks the configuration, makes the adapter and starts its event
// workers; Close stops them. st may be nil (no subscriptions or feedback
// are kept and the commands say so); m may be nil; now nil means time.Now.
func New(cfg Config, asker Asker, st Store, m *metrics.Metrics, log *slog.Logger, now func() time.Time) (*Adapter, error) {
	switch {
	case cfg.ChannelSecret == "":
		return nil, errors.New("line: channel secret is empty")
	case cfg.ChannelToken == "":
		return nil, errors.New("line: channel access token is empty")
	case asker == nil:
		return nil, errors.New("line: no asker")
	}
	if cfg.APIEndpoint == "" {
		cfg.APIEndpoint = "https://api.line.me"
	}
	// The SDK parses the endpoint on every client; check it once here.
	if _, err := messaging_api.NewMessagingApiAPI(cfg.ChannelToken, messaging_api.WithEndpoint(cfg.APIEndpoint)); err != nil {
		return nil, fmt.Errorf("line: api endpoint %q: %w", cfg.APIEndpoint, err)
	}
	if s, ok := st.(*store.Store); ok && s == nil {
		st = nil // a nil *store.Store is "no store", not a store that panics
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1024
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 3
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = wait.Sleep
	}
	if cfg.DedupeTTL <= 0 {
		cfg.DedupeTTL = time.Hour
	}
	if cfg.EventTimeout <= 0 {
		cfg.EventTimeout = 2 * time.Minute
	}
	a := &Adapter{
		secret: cfg.ChannelSecret, token: cfg.ChannelToken, endpoint: cfg.APIEndpoint, hc: cfg.HTTPClient,
		asker: asker, store: st, metrics: m, log: log.With("platform", Platform), now: now,
		retries: cfg.Retries, backoff: cfg.Backoff, sleep: cfg.Sleep, eventTimeout: cfg.EventTimeout,
		seen: dedupe.New(cfg.DedupeTTL, 100_000),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	a.pending.cond = sync.NewCond(&a.pending.mu)
	a.base, a.cancel = context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range cfg.Workers {
		q := make(chan job, cfg.QueueSize)
		a.queues = append(a.queues, q)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.work(q)
		}()
	}
	go func() {
		wg.Wait()
		close(a.done)
	}()
	return a, nil
}

// Routes mounts the webhook: POST /line/webhook.
func (a *Adapter) Routes(mount func(pattern string, h http.Handler)) {
	mount("POST /line/webhook", http.HandlerFunc(a.webhook))
}

// Wait blocks until every accepted event has been handled.
func (a *Adapter) Wait() { a.pending.wait() }

// Close stops accepting events (the webhook then answers 503, so that
// LINE redelivers them to the next process) and waits for the accepted
// ones to be handled. When ctx ends first, the calls in flight are
// cancelled and Close returns ctx's error without waiting further.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.quit)
	}
	a.mu.Unlock()
	select {
	case <-a.done:
		a.cancel()
		return nil
	case <-ctx.Done():
		a.cancel()
		a.log.Warn("LINE events still in progress at shutdown were cancelled")
		return fmt.Errorf("line: close: %w", ctx.Err())
	}
}

// enqueueWait bounds how long the webhook waits for room in a full queue.
const enqueueWait = 2 * time.Second

// webhook verifies the signature, then accepts the events for the workers
// and answers 200 at once. Replies go out asynchronously: LINE wants the
// webhook answered quickly, and a reply may need retries with backoff.
func (a *Adapter) webhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if mb := new(http.MaxBytesError); errors.As(err, &mb) {
			a.reject(ctx, w, http.StatusRequestEntityTooLarge, "too_large")
			return
		}
		a.reject(ctx, w, http.StatusBadRequest, "unreadable")
		return
	}
	sig := r.Header.Get("X-Line-Signature")
	if sig == "" {
		a.reject(ctx, w, http.StatusBadRequest, "missing_signature")
		return
	}
	if !webhook.ValidateSignature(a.secret, sig, body) {
		a.reject(ctx, w, http.StatusBadRequest, "bad_signature")
		return
	}
	// The SDK's CallbackRequest fails on the first malformed event (and
	// ParseRequest's error quotes the body): read each event on its own.
	var cb struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		a.reject(ctx, w, http.StatusBadRequest, "bad_body")
		return
	}
	var accepted []job
	for i, raw := range cb.Events {
		ev, err := webhook.UnmarshalEvent(raw)
		if err != nil {
			a.log.WarnContext(ctx, "LINE event not understood; skipped", "index", i, "err", err)
			continue
		}
		meta, ok := metaOf(ev)
		if !ok {
			a.log.DebugContext(ctx, "LINE event ignored", "type", ev.GetType())
			continue
		}
		if meta.userID == "" {
			a.log.DebugContext(ctx, "LINE event from a group or room ignored", "type", ev.GetType())
			continue
		}
		if !a.seen.Add(meta.id, time.Now()) {
			a.log.InfoContext(ctx, "LINE event already accepted; redelivery ignored", "event", meta.id, "redelivery", meta.redelivery)
			continue
		}
		accepted = append(accepted, job{ev: ev, meta: meta, accept: time.Now()})
	}
	for i, j := range accepted {
		if reason := a.enqueue(ctx, j); reason != "" {
			for _, rest := range accepted[i:] {
				a.seen.Forget(rest.meta.id) // let LINE's redelivery through
			}
			a.reject(ctx, w, http.StatusServiceUnavailable, reason)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "{}")
}

// reject answers a webhook request that had no effect, counted and
// logged (never with its signature or body).
func (a *Adapter) reject(ctx context.Context, w http.ResponseWriter, code int, reason string) {
	a.metrics.WebhookRejected(Platform, reason)
	level := slog.LevelWarn
	if code == http.StatusServiceUnavailable {
		level = slog.LevelError
	}
	a.log.Log(ctx, level, "LINE webhook rejected", "status", code, "reason", reason)
	http.Error(w, http.StatusText(code), code)
}

// enqueue hands j to the worker of its user, so that one user's events
// are handled in order. It returns a rejection reason when it cannot.
func (a *Adapter) enqueue(ctx context.Context, j job) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return "closing"
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(j.meta.userID))
	q := a.queues[h.Sum32()%uint32(len(a.queues))]
	a.pending.add(1)
	select {
	case q <- j:
		return ""
	default:
	}
	t := time.NewTimer(enqueueWait)
	defer t.Stop()
	select {
	case q <- j:
		return ""
	case <-t.C:
	case <-ctx.Done():
	}
	a.pending.add(-1)
	return "overloaded"
}

func (a *Adapter) work(q chan job) {
	for {
		select {
		case j := <-q:
			a.run(j)
		case <-a.quit:
			for {
				select {
				case j := <-q:
					a.run(j)
				default:
					return
				}
			}
		}
	}
}

// run handles one event; a panic is logged and the worker goes on.
func (a *Adapter) run(j job) {
	defer a.pending.add(-1)
	ctx, cancel := context.WithTimeout(a.base, a.eventTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "LINE event handler panicked", "event", j.meta.id, "type", j.ev.GetType(), "panic", fmt.Sprint(p))
		}
	}()
	a.handle(ctx, j.ev, j.meta)
	a.log.DebugContext(ctx, "LINE event handled", "event", j.meta.id, "type", j.ev.GetType(), "ms", time.Since(j.accept).Milliseconds())
}

// counter counts accepted events not yet handled.
type counter struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (c *counter) add(d int) {
	c.mu.Lock()
	c.n += d
	if c.n == 0 {
		c.cond.Broadcast()
	}
	c.mu.Unlock()
}

func (c *counter) wait() {
	c.mu.Lock()
	for c.n > 0 {
		c.cond.Wait()
	}
	c.mu.Unlock()
}
