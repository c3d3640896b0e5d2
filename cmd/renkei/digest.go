package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/config"
	"github.com/kanto-renkei/renkei/internal/digest"
	"github.com/kanto-renkei/renkei/internal/server"
)

func runDigest(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "digest", "[--config FILE] [--now YYYY-MM-DD] [--days N] [--json] [--send]",
		"週次ダイジェストを表示します（送信はしません）。--send でその期間のダイジェストを今すぐ送信します（送信済みの宛先には送りません）。")
	cfgPath := fs.String("config", "", "設定ファイル（省略時は RENKEI_CONFIG）")
	nowFlag := fs.String("now", "", "期間の開始日（省略時は今日・Asia/Tokyo）")
	days := fs.Int("days", 0, "期間の日数（省略時は設定の digest.days、既定14）")
	asJSON := fs.Bool("json", false, "JSON で出力")
	send := fs.Bool("send", false, "Slack チャンネルと LINE の購読者へ送信する")
	dir := fs.String("corpus", "", "プログラム文書のフォルダ（省略時は設定または同梱の2023年版）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env, *cfgPath, func(c *config.Config) {
		if *dir != "" {
			c.Corpus = *dir
		}
		if *days != 0 {
			c.Digest.Days = *days
		}
	})
	if err != nil {
		return err
	}
	now := time.Now().In(cfg.Location())
	if *nowFlag != "" {
		t, err := time.ParseInLocation("2006-01-02", *nowFlag, corpus.Tokyo)
		if err != nil {
			fmt.Fprintf(env.Stderr, "renkei digest: --now は YYYY-MM-DD で指定してください: %q\n", *nowFlag)
			return &exitError{code: 2}
		}
		now = t.Add(9 * time.Hour)
	}
	if *send {
		return sendDigest(ctx, env, cfg, now)
	}
	c, err := loadCorpus(cfg.Corpus)
	if err != nil {
		return err
	}
	d := digest.Compose(c, now, cfg.Digest.Days)
	if !*asJSON {
		_, err := fmt.Fprintln(env.Stdout, digest.Text(d))
		return err
	}
	// The console's view: the documented fields (from, to, edition,
	// items[kind, title, start, end, precision, host, venue, url, measure])
	// and a little more (when, countdown, format, text).
	v := server.ViewDigest(d)
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sendDigest sends the period starting at now to every configured target,
// respecting the delivery log (targets that have it are skipped).
func sendDigest(ctx context.Context, env *Env, cfg config.Config, now time.Time) error {
	log := newLogger(env.Stderr, cfg)
	svc, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.canSendDigest(); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	res, err := svc.job.Run(ctx, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "期間 %s: 送信 %d、送信済み %d、失敗 %d、対象外 %d（Slack %dチャンネル、LINE %d回）\n",
		res.Period, res.Sent, res.AlreadySent, res.Failed, res.Skipped, res.SlackChannels, res.LINERequests)
	if res.Failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d 件の宛先に送信できませんでした（ログを確認し、もう一度 --send すると未送信分だけ送ります）", res.Failed)}
	}
	return nil
}
