package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/kanto-renkei/renkei/internal/app"
	"github.com/kanto-renkei/renkei/internal/botsearch"
	"github.com/kanto-renkei/renkei/internal/config"
	"github.com/kanto-renkei/renkei/search"
)

// loadConfig reads --config (or RENKEI_CONFIG) and applies the flags that
// may override non-secret settings.
func loadConfig(env *Env, path string, override func(*config.Config)) (config.Config, error) {
	if path == "" {
		path = env.Getenv("RENKEI_CONFIG")
	}
	c, err := config.Load(path, env.Getenv)
	if err != nil {
		return c, err
	}
	if override != nil {
		override(&c)
		if err := c.Validate(); err != nil {
			return c, err
		}
	}
	return c, nil
}

func newLogger(w io.Writer, c config.Config) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.Log.Level]
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// builder loads the corpus folder and synonyms and indexes them: the bot
// that answers, built at start and again on every reload.
func builder(c config.Config, log *slog.Logger) app.Builder {
	return func(ctx context.Context) (app.Built, error) {
		go search.WarmUp() // the dictionary loads while the document is parsed
		syn := search.DefaultSynonyms()
		if c.Synonyms != "" {
			data, err := os.ReadFile(c.Synonyms)
			if err != nil {
				return app.Built{}, fmt.Errorf("synonyms: %w", err)
			}
			if syn, err = search.ParseSynonyms(string(data)); err != nil {
				return app.Built{}, fmt.Errorf("synonyms %s: %w", c.Synonyms, err)
			}
		}
		corp, err := loadCorpus(c.Corpus)
		if err != nil {
			return app.Built{}, err
		}
		for _, w := range corp.Warnings {
			log.WarnContext(ctx, "corpus warning", "where", w.Source, "message", w.Message)
		}
		b, idx, err := botsearch.New(corp, syn, log)
		if err != nil {
			return app.Built{}, err
		}
		return app.Built{Bot: b, Close: func() { idx.Close() }}, nil
	}
}

func runServe(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "serve", "[--config FILE] [--addr HOST:PORT] [--corpus DIR] [--log-format json|text]",
		"ボットを起動します（HTTP サーバ、コンソール画面、Slack・LINE、週次ダイジェスト）。")
	cfgPath := fs.String("config", "", "設定ファイル（省略時は RENKEI_CONFIG、なければ既定値）")
	addr := fs.String("addr", "", "待ち受けアドレス（既定 127.0.0.1:8080）")
	dir := fs.String("corpus", "", "プログラム文書のフォルダ（省略時は同梱の2023年版）")
	logFormat := fs.String("log-format", "", "ログ形式 json または text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "renkei serve: 余分な引数です: %q\n", fs.Args())
		return &exitError{code: 2}
	}
	cfg, err := loadConfig(env, *cfgPath, func(c *config.Config) {
		if *addr != "" {
			c.Server.Addr = *addr
		}
		if *dir != "" {
			c.Corpus = *dir
		}
		if *logFormat != "" {
			c.Log.Format = *logFormat
		}
	})
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg)
	start := time.Now()
	svc, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	err = svc.Run(ctx, func(bound string) {
		log.Info("renkei serving", "addr", bound, "console", cfg.ConsoleOn(), "store", cfg.Store.DSN != "",
			"slack", cfg.SlackOn(), "line", cfg.LINEOn(), "startup_ms", time.Since(start).Milliseconds())
		if cfg.ConsoleOn() {
			fmt.Fprintf(env.Stderr, "renkei: コンソール画面 http://%s/\n", bound)
		}
	})
	if err != nil {
		return err
	}
	log.Info("renkei stopped")
	return nil
}
