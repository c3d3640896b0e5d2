package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// SocketMode reports whether an app-level token was given, so that
// RunSocketMode can run.
func (a *Adapter) SocketMode() bool { return a.appToken != "" }

// RunSocketMode receives events, slash commands and button clicks over
// Socket Mode (no public URL needed) until ctx ends, with the same
// handlers as the HTTP endpoints, acknowledging each envelope. slack-go
// reconnects on its own; RunSocketMode returns nil when ctx ends and an
// error when Slack refuses the app token.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.appToken == "" {
		return errors.New("slack socket mode: no app token")
	}
	client := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				a.log.Info("slack socket mode stopped")
				return nil
			}
			a.metrics.PlatformError(Platform, "socket_mode")
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-client.Events:
			a.onSocketEvent(ctx, client, evt)
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.DebugContext(ctx, "slack socket mode connecting")
	case socketmode.EventTypeConnected:
		a.log.InfoContext(ctx, "slack socket mode connected")
	case socketmode.EventTypeConnectionError:
		var err error
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = e.ErrorObj
		}
		a.metrics.PlatformError(Platform, "socket_mode")
		a.log.WarnContext(ctx, "slack socket mode connection failed; retrying", "err", err)
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack socket mode: the app token was refused")
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || evt.Request == nil {
			return
		}
		if ev.Type == slackevents.CallbackEvent {
			id := ""
			if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
				id = cb.EventID
			}
			if !a.onEvent(id, ev.InnerEvent) {
				return // not acknowledged: Slack delivers it again
			}
		}
		a.ack(ctx, client, evt.Request.EnvelopeID, nil)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		var payload any
		if msg := a.onCommand(cmd); msg != nil {
			payload = msg
		}
		a.ack(ctx, client, evt.Request.EnvelopeID, payload)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		a.onInteraction(cb)
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go cannot read (an event type it does not
		// know): acknowledge it anyway, or Slack sends it again.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(ctx, client, env.EnvelopeID, nil)
			}
			a.log.DebugContext(ctx, "slack socket mode message not handled", "err", bad.Cause)
		}
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack socket mode error", "type", string(evt.Type), "data", fmt.Sprint(evt.Data))
	default:
		a.log.DebugContext(ctx, "slack socket mode event", "type", string(evt.Type))
	}
}

func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelopeID string, payload any) {
	if err := client.AckCtx(ctx, envelopeID, payload); err != nil {
		a.metrics.PlatformError(Platform, "socket_mode_ack")
		a.log.WarnContext(ctx, "slack socket mode ack failed", "err", err)
	}
}
