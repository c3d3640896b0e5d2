// Package botsearch puts the search index behind the bot's Searcher
// interface, so that the bot never depends on bleve or kagome. It holds no
// logic of its own beyond translating queries and hits.
package botsearch

import (
	"context"
	"log/slog"
	"sync"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/search"
)

// Searcher adapts a search.Index to bot.Searcher.
type Searcher struct {
	Index *search.Index
	Log   *slog.Logger // nil: discarded
}

var _ bot.Searcher = Searcher{}

// Search runs q on the index and returns the hits that answer it.
func (s Searcher) Search(ctx context.Context, q bot.Query) ([]bot.Hit, error) {
	res, err := s.Index.Search(ctx, search.Query{Text: q.Text, Kinds: q.Kinds, Limit: q.Limit, Edition: q.Edition})
	if err != nil {
		return nil, err
	}
	hits := make([]bot.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, bot.Hit{Kind: h.Kind, ID: h.ID, Score: h.Score, Coverage: h.Coverage})
	}
	if len(hits) == 0 && len(res.Rejected) > 0 && s.Log != nil {
		s.Log.DebugContext(ctx, "search: matches rejected as not answering", "words", res.Words, "rejected", len(res.Rejected))
	}
	return hits, nil
}

// New indexes a corpus and makes the bot that answers from it; the
// caller closes the index when the bot is retired.
func New(c *corpus.Corpus, syn *search.Synonyms, log *slog.Logger) (*bot.Bot, *search.Index, error) {
	idx, err := search.New(c, syn)
	if err != nil {
		return nil, nil, err
	}
	return bot.New(c, Searcher{Index: idx, Log: log}, log), idx, nil
}

var (
	shippedOnce sync.Once
	shippedBot  *bot.Bot
	shippedErr  error
)

// Shipped is the bot of the embedded edition with the built-in synonyms,
// built once per process (tests share it; it is never closed).
func Shipped() (*bot.Bot, error) {
	shippedOnce.Do(func() {
		c, err := corpus.Default()
		if err != nil {
			shippedErr = err
			return
		}
		shippedBot, _, shippedErr = New(c, search.DefaultSynonyms(), nil)
	})
	return shippedBot, shippedErr
}
