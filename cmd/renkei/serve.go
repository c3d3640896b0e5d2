package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/internal/app"
	"github.com/kanto-renkei/renkei/internal/config"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/server"
	"github.com/kanto-renkei/renkei/internal/store"
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
	return func(ctx context.Context) (*bot.Bot, error) {
		go search.WarmUp() // the dictionary loads while the document is parsed
		syn := search.DefaultSynonyms()
		if c.Synonyms != "" {
			data, err := os.ReadFile(c.Synonyms)
			if err != nil {
				return nil, fmt.Errorf("synonyms: %w", err)
			}
			if syn, err = search.ParseSynonyms(string(data)); err != nil {
				return nil, fmt.Errorf("synonyms %s: %w", c.Synonyms, err)
			}
		}
		corp, err := loadCorpus(c.Corpus)
		if err != nil {
			return nil, err
		}
		for _, w := range corp.Warnings {
			log.WarnContext(ctx, "corpus warning", "where", w.Source, "message", w.Message)
		}
		b, _, err := newBot(corp, syn, log)
		return b, err
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

	var st *store.Store
	var rec server.Recorder
	var qlog app.QuestionLogger
	if cfg.Store.DSN != "" {
		st, err = store.Open(ctx, cfg.Store.DSN)
		if err != nil {
			return fmt.Errorf("store %s: %w", cfg.Store.DSN, err)
		}
		defer func() {
			if err := st.Close(); err != nil {
				log.Error("closing the store", "err", err)
			}
		}()
		rec, qlog = st, st
	} else {
		log.Info("store disabled: no subscriptions, feedback or report are kept")
	}
	m := metrics.New()
	a, err := app.New(ctx, builder(cfg, log), qlog, m, log)
	if err != nil {
		return err
	}
	if p, ok := a.Corpus().Latest(); ok {
		log.Info("corpus loaded", "edition", p.Edition, "measures", len(a.Corpus().Measures), "events", len(a.Corpus().Events),
			"warnings", len(a.Corpus().Warnings), "ms", time.Since(start).Milliseconds())
	}
	if !cfg.SlackOn() {
		log.Info("Slack is off: no credentials configured (RENKEI_SLACK_BOT_TOKEN, RENKEI_SLACK_SIGNING_SECRET)")
	}
	if !cfg.LINEOn() {
		log.Info("LINE is off: no credentials configured (RENKEI_LINE_CHANNEL_TOKEN, RENKEI_LINE_CHANNEL_SECRET)")
	}

	srv := server.New(server.Options{
		Addr: cfg.Server.Addr, ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout, ReadTimeout: cfg.Server.ReadTimeout,
		WriteTimeout: cfg.Server.WriteTimeout, IdleTimeout: cfg.Server.IdleTimeout, ShutdownTimeout: cfg.Server.ShutdownTimeout,
		BodyLimit: cfg.Server.BodyLimit, Console: cfg.ConsoleOn(), ConsoleToken: cfg.Console.Token, DigestDays: cfg.Digest.Days,
	}, a, rec, m, log, nil, a.Reload)

	// SIGHUP re-reads the corpus; a broken document keeps the old one.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = a.Reload(ctx)
			}
		}
	}()

	err = srv.Run(ctx, func(bound string) {
		log.Info("renkei serving", "addr", bound, "console", cfg.ConsoleOn(), "store", cfg.Store.DSN != "",
			"startup_ms", time.Since(start).Milliseconds())
		if cfg.ConsoleOn() {
			fmt.Fprintf(env.Stderr, "renkei: コンソール画面 http://%s/\n", bound)
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("renkei stopped")
	return nil
}
