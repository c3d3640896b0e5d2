package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/config"
)

func runAsk(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "ask", `[--json] [--now YYYY-MM-DD] ["質問"]`, "質問に答えます。質問を省略すると標準入力から1行1問で読みます。")
	asJSON := fs.Bool("json", false, "1問につき1行のJSONで出力")
	nowFlag := fs.String("now", "", "質問した日（YYYY-MM-DD、省略時は今日・Asia/Tokyo）")
	dir := fs.String("corpus", "", "プログラム文書のフォルダ（省略時は設定・RENKEI_CORPUS、なければ同梱の2023年版）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	now := time.Now().In(corpus.Tokyo)
	if *nowFlag != "" {
		t, err := time.ParseInLocation("2006-01-02", *nowFlag, corpus.Tokyo)
		if err != nil {
			fmt.Fprintf(env.Stderr, "renkei ask: --now は YYYY-MM-DD で指定してください: %q\n", *nowFlag)
			return &exitError{code: 2}
		}
		now = t.Add(9 * time.Hour) // a working morning of that day
	}
	// The same corpus and synonyms as serve: RENKEI_CONFIG, RENKEI_CORPUS,
	// RENKEI_SYNONYMS.
	cfg, err := loadConfig(env, "", func(c *config.Config) {
		if *dir != "" {
			c.Corpus = *dir
		}
	})
	if err != nil {
		return err
	}
	built, err := builder(cfg, slog.New(slog.DiscardHandler))(ctx)
	if err != nil {
		return err
	}
	defer built.Close()
	b := built.Bot

	answer := func(q string) error {
		r := b.Answer(ctx, q, now)
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(askJSON(q, r))
		}
		_, err := fmt.Fprintln(env.Stdout, r.Text)
		return err
	}
	if fs.NArg() > 0 {
		return answer(strings.Join(fs.Args(), " "))
	}
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := answer(sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("read questions: %w", err)
	}
	return nil
}

// askResult is one result of renkei ask --json: the contract the
// evaluation script reads.
type askResult struct {
	Kind      string  `json:"kind"`
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	URL       string  `json:"url,omitempty"`
	Score     float64 `json:"score"`
	Category  string  `json:"category,omitempty"`
	Edition   int     `json:"edition,omitempty"`
	Start     string  `json:"start,omitempty"`
	End       string  `json:"end,omitempty"`
	Precision string  `json:"precision,omitempty"`
	Host      string  `json:"host,omitempty"`
	Venue     string  `json:"venue,omitempty"`
	Format    string  `json:"format,omitempty"`
	Date      string  `json:"date,omitempty"`
	Phone     string  `json:"phone,omitempty"`
	Email     string  `json:"email,omitempty"`
	Office    string  `json:"office,omitempty"`
}

func askJSON(q string, r bot.Reply) any {
	results := []askResult{}
	for _, c := range append(append([]bot.Card{}, r.Cards...), r.Others...) {
		a := askResult{Kind: c.Kind, ID: c.ID, Title: c.Title, URL: c.URL, Score: round(c.Score), Category: c.Category, Edition: c.Edition}
		if e := c.Event; e != nil {
			a.Start, a.End, a.Precision = e.Start.Format("2006-01-02"), e.End.Format("2006-01-02"), string(e.Precision)
			a.Host, a.Venue, a.Format = e.Host, e.Venue, e.Format
		}
		if d := c.Deadline; d != nil {
			a.Date, a.Precision = d.Date.Format("2006-01-02"), string(d.Precision)
		}
		if c.Kind == "contact" {
			a.Phone, a.Email, a.Office = c.Contact.Phone, c.Contact.Email, c.Contact.Name()
		}
		results = append(results, a)
	}
	return struct {
		Query   string      `json:"query"`
		Intent  string      `json:"intent"`
		Text    string      `json:"text"`
		Results []askResult `json:"results"`
	}{q, r.Intent, r.Text, results}
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
