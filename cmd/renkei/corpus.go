package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kanto-renkei/renkei/corpus"
)

func runCorpus(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "corpus", "[--corpus DIR] [--json] [--strict]", "プログラム文書を読み込み、内容と警告を表示します。")
	dir := fs.String("corpus", env.Getenv("RENKEI_CORPUS"), "プログラム文書（*.txt）と events.yaml のフォルダ（省略時は同梱の2023年版）")
	asJSON := fs.Bool("json", false, "JSON で出力")
	strict := fs.Bool("strict", false, "警告があれば終了コード1")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "renkei corpus: 余分な引数です: %q\n", fs.Args())
		fs.Usage()
		return &exitError{code: 2}
	}
	c, err := loadCorpus(*dir)
	if err != nil {
		return err
	}
	if *asJSON {
		err = writeCorpusJSON(env.Stdout, c)
	} else {
		err = writeCorpusText(env.Stdout, c)
	}
	if err != nil {
		return err
	}
	if *strict && len(c.Warnings) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("警告が%d件あります（--strict）", len(c.Warnings))}
	}
	return nil
}

func writeCorpusJSON(w io.Writer, c *corpus.Corpus) error {
	p, _ := c.Latest()
	warnings := c.Warnings
	if warnings == nil {
		warnings = []corpus.Warning{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Program   corpus.Program    `json:"program"`
		Programs  []corpus.Program  `json:"programs"`
		Measures  []corpus.Measure  `json:"measures"`
		Events    []corpus.Event    `json:"events"`
		Deadlines []corpus.Deadline `json:"deadlines"`
		Contacts  []corpus.Contact  `json:"contacts"`
		Warnings  []corpus.Warning  `json:"warnings"`
		Notes     []corpus.Warning  `json:"notes"`
	}{p, c.Programs, c.Measures, c.Events, c.Deadlines, c.Contacts, warnings, c.Notes})
}

func writeCorpusText(w io.Writer, c *corpus.Corpus) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, p := range c.Programs {
		fmt.Fprintf(tw, "%s（%s 発行 %s、%s）\n", p.Title, p.Issuer, corpus.FormatDate(p.Published, corpus.Day), p.Source)
	}
	fmt.Fprintf(tw, "施策 %d件 / イベント %d件 / 期限 %d件 / 連絡先 %d件 / 警告 %d件\n",
		len(c.Measures), len(c.Events), len(c.Deadlines), len(c.Contacts), len(c.Warnings))

	fmt.Fprintln(tw, "\n■ 施策")
	category := ""
	for _, m := range c.Measures {
		if m.Category != category {
			category = m.Category
			fmt.Fprintf(tw, "[%d. %s]\n", m.Section, category)
		}
		page := ""
		if m.Page > 0 {
			page = fmt.Sprintf("P.%d", m.Page)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.Numeral(), m.Title, page, m.URL)
	}
	fmt.Fprintln(tw, "\n■ イベント")
	for _, e := range c.Events {
		when := corpus.FormatDate(e.Start, e.Precision)
		if e.Precision == corpus.Day && !e.End.Equal(e.Start) {
			when += "～" + corpus.FormatDate(e.End, corpus.Day)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", when, e.Title, e.Format, e.Venue)
	}
	fmt.Fprintln(tw, "\n■ 期限・日付のある記載")
	for _, d := range c.Deadlines {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", corpus.FormatDate(d.Date, d.Precision), d.Kind, d.MeasureID, d.Text)
	}
	fmt.Fprintln(tw, "\n■ 連絡先")
	for _, ct := range c.Contacts {
		who := "プログラム全体"
		if ct.MeasureID != "" {
			who = ct.MeasureID
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", who, ct.Name(), ct.Phone, ct.Email)
	}
	fmt.Fprintln(tw, "\n■ 警告")
	if len(c.Warnings) == 0 {
		fmt.Fprintln(tw, "  なし")
	}
	for _, wn := range c.Warnings {
		fmt.Fprintf(tw, "  %s\n", wn)
	}
	if len(c.Notes) > 0 {
		fmt.Fprintln(tw, "\n■ 補正して読み込んだ箇所")
		for _, n := range c.Notes {
			fmt.Fprintf(tw, "  %s\n", n)
		}
	}
	return tw.Flush()
}
