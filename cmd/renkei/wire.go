package main

import (
	"context"
	"log/slog"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/search"
)

// searcher adapts search.Index to the bot's Searcher, so that bot never
// depends on bleve.
type searcher struct {
	idx *search.Index
	log *slog.Logger
}

var _ bot.Searcher = searcher{}

func (s searcher) Search(ctx context.Context, q bot.Query) ([]bot.Hit, error) {
	res, err := s.idx.Search(ctx, search.Query{Text: q.Text, Kinds: q.Kinds, Limit: q.Limit, Edition: q.Edition})
	if err != nil {
		return nil, err
	}
	hits := make([]bot.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, bot.Hit{Kind: h.Kind, ID: h.ID, Score: h.Score, Coverage: h.Coverage})
	}
	if len(hits) == 0 && len(res.Rejected) > 0 {
		s.log.DebugContext(ctx, "search: matches rejected as not answering", "words", res.Words, "rejected", len(res.Rejected))
	}
	return hits, nil
}

// newBot indexes a corpus and makes the bot that answers from it.
func newBot(c *corpus.Corpus, syn *search.Synonyms, log *slog.Logger) (*bot.Bot, *search.Index, error) {
	idx, err := search.New(c, syn)
	if err != nil {
		return nil, nil, err
	}
	return bot.New(c, searcher{idx: idx, log: log}, log), idx, nil
}
