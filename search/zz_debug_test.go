package search

import (
	"context"
	"github.com/kanto-renkei/renkei/corpus"
	"os"
	"strings"
	"testing"
)

func TestDebugQ(t *testing.T) {
	qs := os.Getenv("Q")
	if qs == "" {
		t.Skip()
	}
	c, _ := corpus.Default()
	x, _ := New(c, DefaultSynonyms())
	for _, q := range strings.Split(qs, "|") {
		r, _ := x.Search(context.Background(), Query{Text: q})
		t.Logf("Q %s words=%v exp=%v", q, r.Words, r.Expanded)
		for _, h := range r.Hits {
			m, _ := c.Measure(h.ID)
			t.Logf("  HIT %.2f cov=%.2f str=%.2f %s", h.Score, h.Coverage, h.Strong, m.Title)
		}
		for i, h := range r.Rejected {
			if i > 2 {
				break
			}
			m, _ := c.Measure(h.ID)
			t.Logf("  REJ %.2f cov=%.2f str=%.2f %s", h.Score, h.Coverage, h.Strong, m.Title)
		}
		for _, w := range r.Words {
			t.Logf("   df[%s]=%d idf=%.2f", w, x.df[w], x.idf(w))
		}
	}
}
