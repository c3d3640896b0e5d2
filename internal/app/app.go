// Package app holds what every platform adapter shares: the current bot
// (swapped atomically when the corpus is reloaded), and the bookkeeping of
// each question — metrics, the bureau's question log, logs.
//
// It must not import a platform SDK; adapters depend on it through their
// own small interfaces.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
)

// QuestionLogger records questions for the bureau's report.
type QuestionLogger interface {
	LogQuestion(ctx context.Context, q store.QuestionRecord) error
}

// Built is a bot and what releases its resources (the search index).
type Built struct {
	Bot   *bot.Bot
	Close func() // may be nil
}

// Builder makes a bot from a freshly loaded corpus (load, index, wire).
type Builder func(ctx context.Context) (Built, error)

// retireAfter is how long a replaced bot stays open for the questions
// it is still answering.
const retireAfter = time.Minute

// App answers questions with the current bot.
type App struct {
	current atomic.Pointer[Built]
	build   Builder
	reload  sync.Mutex
	log     *slog.Logger
	metrics *metrics.Metrics
	store   QuestionLogger // nil: not recorded
}

// New builds the first bot; an error here stops the process at start.
func New(ctx context.Context, build Builder, st QuestionLogger, m *metrics.Metrics, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{build: build, log: log, metrics: m, store: st}
	b, err := build(ctx)
	if err != nil {
		return nil, err
	}
	a.current.Store(&b)
	return a, nil
}

// Bot is the bot answering now.
func (a *App) Bot() *bot.Bot { return a.current.Load().Bot }

// Close releases the current bot's resources (at shutdown).
func (a *App) Close() {
	if b := a.current.Load(); b != nil && b.Close != nil {
		b.Close()
	}
}

// Corpus is the corpus answering now.
func (a *App) Corpus() *corpus.Corpus { return a.Bot().Corpus() }

// Reload rebuilds the bot from the corpus folder. On failure the previous
// bot keeps answering and the error says why.
func (a *App) Reload(ctx context.Context) error {
	a.reload.Lock()
	defer a.reload.Unlock()
	b, err := a.build(ctx)
	if err != nil {
		a.metrics.Reload(false)
		a.log.ErrorContext(ctx, "corpus reload failed; keeping the previous corpus", "err", err)
		return fmt.Errorf("reload: %w", err)
	}
	old := a.current.Swap(&b)
	if old != nil && old.Close != nil {
		time.AfterFunc(retireAfter, old.Close) // questions in flight finish first
	}
	a.metrics.Reload(true)
	if p, ok := b.Bot.Corpus().Latest(); ok {
		a.log.InfoContext(ctx, "corpus reloaded", "edition", p.Edition, "measures", len(b.Bot.Corpus().Measures), "warnings", len(b.Bot.Corpus().Warnings))
	}
	return nil
}

// Ask answers a question from a platform and records it: metrics always;
// the question log when storage is on (the text of a question is kept only
// when nothing answered it, for the bureau to improve the synonyms).
func (a *App) Ask(ctx context.Context, platform, question string, now time.Time) bot.Reply {
	start := time.Now()
	r := a.Bot().Answer(ctx, question, now)
	took := time.Since(start)
	a.metrics.Question(platform, r.Outcome(), took)
	a.log.DebugContext(ctx, "answered", "platform", platform, "intent", r.Intent, "outcome", r.Outcome(), "ms", float64(took.Microseconds())/1000)
	if a.store != nil && r.Intent != bot.IntentEmpty && r.Intent != bot.IntentHelp && r.Intent != bot.IntentError {
		// The log keeps when it was asked, not the date it was asked about.
		rec := store.QuestionRecord{Platform: platform, Outcome: r.Outcome(), At: time.Now()}
		if len(r.Cards) > 0 {
			rec.TopID, rec.TopTitle = r.Cards[0].ID, r.Cards[0].Title
		}
		if r.Outcome() != "answered" {
			rec.Question = r.Question
		}
		if err := a.store.LogQuestion(ctx, rec); err != nil {
			// Answering matters more than the log: note it and go on.
			level := slog.LevelError
			if store.IsUnavailable(err) {
				level = slog.LevelWarn
			}
			a.log.Log(ctx, level, "question log not written", "err", err)
		}
	}
	return r
}
