package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/app"
	"github.com/kanto-renkei/renkei/internal/config"
	"github.com/kanto-renkei/renkei/internal/digest"
	"github.com/kanto-renkei/renkei/internal/line"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/schedule"
	"github.com/kanto-renkei/renkei/internal/server"
	"github.com/kanto-renkei/renkei/internal/slackbot"
	"github.com/kanto-renkei/renkei/internal/store"
)

// service is renkei wired from a configuration: the store, the bot, the
// HTTP server, the Slack and LINE adapters and the digest. One place starts
// and stops all of it.
type service struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics.Metrics
	store   *store.Store // nil when store.dsn is empty
	app     *app.App
	server  *server.Server
	slack   *slackbot.Adapter // nil when Slack is off
	line    *line.Adapter     // nil when LINE is off
	job     *digest.Job
	// adapters are stopped together at shutdown, then closers (the store)
	// in reverse order; stopping is when shutdown began.
	adapters []func(context.Context)
	closers  []func(context.Context)
	stopping atomic.Int64 // unix nanoseconds
}

// newService builds everything; Close undoes it (in reverse order).
func newService(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *service, err error) {
	s := &service{cfg: cfg, log: log, metrics: metrics.New()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	start := time.Now()
	var rec server.Recorder
	var qlog app.QuestionLogger
	if cfg.Store.DSN != "" {
		if s.store, err = store.Open(ctx, cfg.Store.DSN); err != nil {
			return nil, fmt.Errorf("store %s: %w", cfg.Store.DSN, err)
		}
		st := s.store
		s.closers = append(s.closers, func(context.Context) {
			if err := st.Close(); err != nil {
				log.Error("closing the store", "err", err)
			}
		})
		rec, qlog = st, st
	} else {
		log.Info("store disabled: no subscriptions, feedback or report are kept")
	}
	if s.app, err = app.New(ctx, builder(cfg, log), qlog, s.metrics, log); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func(context.Context) { s.app.Close() })
	if p, ok := s.app.Corpus().Latest(); ok {
		log.Info("corpus loaded", "edition", p.Edition, "measures", len(s.app.Corpus().Measures), "events", len(s.app.Corpus().Events),
			"warnings", len(s.app.Corpus().Warnings), "ms", time.Since(start).Milliseconds())
	}
	s.server = server.New(server.Options{
		Addr: cfg.Server.Addr, ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout, ReadTimeout: cfg.Server.ReadTimeout,
		WriteTimeout: cfg.Server.WriteTimeout, IdleTimeout: cfg.Server.IdleTimeout, ShutdownTimeout: cfg.Server.ShutdownTimeout,
		BodyLimit: cfg.Server.BodyLimit, Console: cfg.ConsoleOn(), ConsoleToken: cfg.Console.Token, DigestDays: cfg.Digest.Days,
	}, s.app, rec, s.metrics, log, nil, s.app.Reload)

	if cfg.SlackOn() {
		if err := s.startSlack(ctx); err != nil {
			return nil, err
		}
	} else {
		log.Info("Slack is off: no credentials configured (RENKEI_SLACK_BOT_TOKEN, RENKEI_SLACK_SIGNING_SECRET)")
	}
	if cfg.LINEOn() {
		var lst line.Store
		if s.store != nil {
			lst = s.store
		}
		if s.line, err = line.New(line.Config{ChannelSecret: cfg.LINE.ChannelSecret, ChannelToken: cfg.LINE.ChannelToken,
			APIEndpoint: cfg.LINE.APIEndpoint}, s.app, lst, s.metrics, log, nil); err != nil {
			return nil, fmt.Errorf("LINE: %w", err)
		}
		s.line.Routes(s.server.Mount)
		l := s.line
		s.adapters = append(s.adapters, func(ctx context.Context) {
			if err := l.Close(ctx); err != nil {
				log.Warn("LINE shutdown", "err", err)
			}
		})
	} else {
		log.Info("LINE is off: no credentials configured (RENKEI_LINE_CHANNEL_TOKEN, RENKEI_LINE_CHANNEL_SECRET)")
	}
	s.job = &digest.Job{Corpus: s.app.Corpus, Days: cfg.Digest.Days, SkipEmpty: cfg.SkipEmpty(), Logger: log,
		Sender: &digest.Sender{Metrics: s.metrics, Logger: log, SkipEmpty: cfg.SkipEmpty(), Channels: cfg.Digest.SlackChannels}}
	if s.store != nil {
		s.job.Lock = fileLock(cfg.Store.DSN)
		s.job.Sender.Log = s.store
		if s.line != nil {
			s.job.Sender.Subs, s.job.Sender.LINE = s.store, s.line
		}
	}
	if s.slack != nil && len(cfg.Digest.SlackChannels) > 0 {
		s.job.Sender.Slack = s.slack
	}
	return s, nil
}

// canSendDigest reports whether a digest has somewhere to go and a log to
// keep it exactly-once.
func (s *service) canSendDigest() error {
	switch {
	case s.store == nil:
		return errors.New("ダイジェストの送信には store.dsn（配信記録）が必要です")
	case s.job.Sender.Slack == nil && s.job.Sender.LINE == nil:
		return digest.ErrNoTargets
	}
	return nil
}

// runScheduler triggers the digest on its schedule (holidays moved to the
// next business day) and catches up once at start when the process was
// down at the last activation. It returns when ctx is cancelled, after the
// running job has finished.
func (s *service) runScheduler(ctx context.Context) {
	if !s.cfg.DigestOn() {
		s.log.Info("digest scheduler off (digest.enabled: false)")
		return
	}
	if err := s.canSendDigest(); err != nil {
		s.log.Info("digest scheduler off", "reason", err.Error())
		return
	}
	loc := s.cfg.Location()
	sched, err := schedule.Parse(s.cfg.Digest.Schedule, loc)
	if err != nil {
		s.log.Error("digest schedule", "err", err) // validated at start: cannot happen
		return
	}
	if s.cfg.SkipHolidays() {
		hol := schedule.JapaneseHolidays()
		if !hol.Covers(time.Now().In(loc).Year()) {
			s.log.Warn("the holiday calendar does not cover this year: update internal/schedule/holidays.txt")
		}
		sched = sched.SkipHolidays(hol)
	}
	run := func(ctx context.Context, at time.Time) {
		if _, err := s.job.Run(ctx, at); err != nil {
			s.log.ErrorContext(ctx, "digest failed", "at", at, "err", err)
		}
	}
	if at, ok := digest.Due(sched, time.Now(), s.cfg.Digest.Grace); ok {
		s.log.Info("digest: catching up the last activation", "at", at)
		run(ctx, at)
	}
	r := schedule.NewRunner(s.log)
	r.Add(ctx, sched, run)
	r.Start()
	s.log.Info("digest scheduled", "schedule", sched.String(), "timezone", loc.String(), "next", sched.Next(time.Now()))
	<-ctx.Done()
	r.Stop()
}

// Close stops the adapters (together) and then closes the store, within
// what is left of server.shutdown_timeout since shutdown began.
func (s *service) Close() {
	deadline := time.Now().Add(s.cfg.Server.ShutdownTimeout)
	if at := s.stopping.Load(); at != 0 {
		deadline = time.Unix(0, at).Add(s.cfg.Server.ShutdownTimeout)
	}
	if time.Until(deadline) < time.Second {
		deadline = time.Now().Add(time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range s.adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c(ctx)
		}()
	}
	wg.Wait()
	s.adapters = nil
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i](ctx)
	}
	s.closers = nil
}

// Run serves HTTP (and Socket Mode, and the scheduler) until ctx ends or
// the server fails (a port already taken), then stops them all.
func (s *service) Run(ctx context.Context, ready func(addr string)) error {
	stop := context.AfterFunc(ctx, func() { s.stopping.Store(time.Now().UnixNano()) })
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
				_ = s.app.Reload(ctx)
			}
		}
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runScheduler(ctx)
	}()
	socket := make(chan struct{})
	go func() {
		defer close(socket)
		s.runSocketMode(ctx)
	}()
	err := s.server.Run(ctx, func(addr string) {
		if ready != nil {
			ready(addr)
		}
	})
	s.stopping.CompareAndSwap(0, time.Now().UnixNano()) // the server failed
	cancel()
	<-done
	<-socket
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// corpus is the corpus answering now.
func (s *service) corpus() *corpus.Corpus { return s.app.Corpus() }
