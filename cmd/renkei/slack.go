package main

import (
	"context"
	"fmt"

	"github.com/kanto-renkei/renkei/internal/slackbot"
)

// startSlack builds the Slack adapter: HTTP endpoints when a signing
// secret is set, Socket Mode (started by Run) when an app token is.
func (s *service) startSlack(ctx context.Context) error {
	opts := slackbot.Options{
		SigningSecret: s.cfg.Slack.SigningSecret, BotToken: s.cfg.Slack.BotToken, AppToken: s.cfg.Slack.AppToken,
		APIURL: s.cfg.Slack.APIURL, Asker: s.app, Metrics: s.metrics, Log: s.log,
	}
	if s.store != nil {
		opts.Feedback = s.store
	}
	a, err := slackbot.New(opts)
	if err != nil {
		return fmt.Errorf("Slack: %w", err)
	}
	a.Start(ctx) // learns the bot's own user ID (auth.test); logs and goes on when it fails
	a.Routes(s.server.Mount)
	s.slack = a
	s.adapters = append(s.adapters, func(ctx context.Context) {
		if err := a.Close(ctx); err != nil {
			s.log.Warn("Slack shutdown", "err", err)
		}
	})
	return nil
}

// runSocketMode connects to Slack over Socket Mode when an app token is
// configured, until ctx ends.
func (s *service) runSocketMode(ctx context.Context) {
	if s.slack == nil || !s.slack.SocketMode() {
		return
	}
	s.log.Info("Slack Socket Mode: connecting")
	if err := s.slack.RunSocketMode(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("Slack Socket Mode stopped", "err", err)
	}
}
