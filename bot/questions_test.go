package bot_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
)

// rankOf mirrors the evaluation script: the 1-based rank of the first
// result that satisfies expect, 0 when none does.
func rankOf(expect string, r bot.Reply) int {
	results := append(append([]bot.Card{}, r.Cards...), r.Others...)
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(corpus.Normalize(s), " ", "")) }
	switch {
	case expect == "none":
		if len(results) == 0 {
			return 1
		}
		return 0
	case strings.HasPrefix(expect, "text:"):
		want := fold(expect[5:])
		if strings.Contains(fold(r.Text), want) {
			return 1
		}
		return 0
	case strings.HasPrefix(expect, "event:"):
		for i, c := range results {
			if c.Event != nil && c.Event.Start.Format("2006-01-02") == expect[6:] {
				return i + 1
			}
		}
		return 0
	}
	for i, c := range results {
		for _, w := range strings.Split(expect, "|") {
			if strings.Contains(fold(c.Title), fold(w)) {
				return i + 1
			}
		}
	}
	return 0
}

// TestQuestionSets answers every question of the repo's question files
// (written independently of the synonyms, from the document) and holds the
// bot to the quality bar: hit@1 ≥ 0.9 overall, every category ≥ 0.8, and no
// off-topic question answered.
func TestQuestionSets(t *testing.T) {
	files, _ := filepath.Glob("../search/testdata/questions*.tsv")
	if len(files) == 0 {
		t.Fatal("no question files")
	}
	b := newBot(t)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		type stat struct{ hit1, n int }
		stats := map[string]*stat{}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := sc.Text()
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cols := append(strings.Split(line, "\t"), "", "", "")
			q, expect, now, cat := cols[0], cols[1], cols[2], cols[3]
			if now == "" {
				now = "2023-11-01"
			}
			r := b.Answer(context.Background(), q, day(now))
			k := rankOf(expect, r)
			for _, key := range []string{"all", cat} {
				if stats[key] == nil {
					stats[key] = &stat{}
				}
				stats[key].n++
				if k == 1 {
					stats[key].hit1++
				}
			}
			if k != 1 {
				t.Logf("%s: miss (rank %d) [%s] %q want %q", filepath.Base(f), k, cat, q, expect)
			}
		}
		fh.Close()
		for cat, s := range stats {
			h := float64(s.hit1) / float64(s.n)
			t.Logf("%s %-12s n=%3d hit@1=%.3f", filepath.Base(f), cat, s.n, h)
			switch {
			case cat == "offtopic" && s.hit1 != s.n:
				t.Errorf("%s: %d of %d off-topic questions answered", f, s.n-s.hit1, s.n)
			case cat == "all" && h < 0.9, h < 0.8:
				t.Errorf("%s: %s hit@1 %.3f below the bar", f, cat, h)
			}
		}
	}
}
