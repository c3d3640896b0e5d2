package slackbot

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/store"
)

// What users read when something is not an answer.
const (
	busyText       = "ただいま混み合っています。しばらくしてからもう一度お試しください。"
	thanksText     = "ご意見ありがとうございます。今後の改善に役立てます。"
	saveFailedText = "ご意見を保存できませんでした。時間をおいて再度お試しください。"
	saveOffText    = "ご意見の保存は現在利用できません。"
	badActionText  = "この操作は処理できませんでした。お手数ですが、もう一度ご質問ください。"
)

// incoming is a message the bot answers.
type incoming struct {
	channel, user, ts string
	threadTS          string // where to answer; "" for the channel itself
	question          string
}

// onEvent takes an Events API event (over HTTP or Socket Mode). It returns
// false only when the event was refused for want of capacity and should
// be delivered again.
func (a *Adapter) onEvent(eventID string, inner slackevents.EventsAPIInnerEvent) bool {
	in, why := a.incoming(inner)
	if why != "" {
		a.log.Debug("slack event ignored", "type", inner.Type, "why", why)
		return true
	}
	// A retried delivery has the same event id; a DM that also mentions
	// the bot comes as two events about one message.
	keys := []string{"msg:" + in.channel + ":" + in.ts}
	if eventID != "" {
		keys = append([]string{"event:" + eventID}, keys...)
	}
	now := a.now()
	for _, k := range keys {
		if !a.seen.Add(k, now) {
			a.log.Debug("slack event already taken", "event_id", eventID)
			return true
		}
	}
	if !a.spawn("event", func(ctx context.Context) { a.answer(ctx, in) }) {
		for _, k := range keys {
			a.seen.Forget(k)
		}
		return false
	}
	return true
}

// incoming reads a mention or a DM; why says why another event is not
// answered.
func (a *Adapter) incoming(inner slackevents.EventsAPIInnerEvent) (in incoming, why string) {
	self := a.identity()
	switch ev := inner.Data.(type) {
	case *slackevents.AppMentionEvent:
		switch {
		case ev.BotID != "":
			return in, "from a bot"
		case ev.User == "":
			return in, "no user"
		case ev.User == self.userID:
			return in, "from the bot itself"
		case ev.Edited != nil:
			return in, "an edit"
		}
		// In a channel the answer starts (or joins) a thread; in a DM it
		// is a plain reply, as for message.im.
		thread := ev.ThreadTimeStamp
		if thread == "" && !strings.HasPrefix(ev.Channel, "D") {
			thread = ev.TimeStamp
		}
		return incoming{channel: ev.Channel, user: ev.User, ts: ev.TimeStamp, threadTS: thread, question: a.question(ev.Text)}, ""
	case *slackevents.MessageEvent:
		switch {
		case ev.ChannelType != "im":
			return in, "not a direct message"
		case ev.SubType != "":
			return in, "subtype " + ev.SubType
		case ev.BotID != "":
			return in, "from a bot"
		case ev.User == "":
			return in, "no user"
		case ev.User == self.userID:
			return in, "from the bot itself"
		}
		return incoming{channel: ev.Channel, user: ev.User, ts: ev.TimeStamp, threadTS: ev.ThreadTimeStamp, question: a.question(ev.Text)}, ""
	}
	return in, "event type not handled"
}

// answer asks the bot and posts its reply where the question was asked.
func (a *Adapter) answer(ctx context.Context, in incoming) {
	r := a.asker.Ask(ctx, Platform, in.question, a.now())
	if err := a.postMessage(ctx, in.channel, in.threadTS, render(r, view{})); err == nil {
		a.log.DebugContext(ctx, "slack answered", "channel", in.channel, "user", in.user, "intent", r.Intent)
	}
}

var (
	markupRe   = regexp.MustCompile(`<([^<>]*)>`)
	unescapeRe = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// question turns Slack's message markup into the words of a question: the
// bot's mention goes, links become their label, entities are decoded.
func (a *Adapter) question(text string) string {
	self := a.identity().userID
	dropped := false
	out := markupRe.ReplaceAllStringFunc(text, func(m string) string {
		target, label, _ := strings.Cut(m[1:len(m)-1], "|")
		switch {
		case strings.HasPrefix(target, "@"):
			// Without auth.test, the first mention is taken to be the bot's.
			if id := target[1:]; id == self || self == "" && !dropped {
				dropped = true
				return " "
			}
			if label != "" {
				return "@" + label
			}
			return " "
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return " "
		case strings.HasPrefix(target, "!"):
			return " " + label + " "
		case label != "":
			return label
		}
		return strings.TrimPrefix(target, "mailto:")
	})
	return strings.TrimSpace(unescapeRe.Replace(out))
}

// onCommand takes /renkei (over HTTP or Socket Mode) and answers through
// its response_url. The message it returns, if any, is the immediate
// acknowledgement.
func (a *Adapter) onCommand(cmd slack.SlashCommand) *slack.Msg {
	if !validResponseURL(cmd.ResponseURL) {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: badActionText}
	}
	// A replayed command (same trigger_id, signed and within the window)
	// is answered once.
	if cmd.TriggerID != "" && !a.seen.Add("command:"+cmd.TriggerID, a.now()) {
		a.log.Debug("slack command already taken")
		return nil
	}
	q := commandQuestion(cmd.Text)
	ok := a.spawn("command", func(ctx context.Context) {
		r := a.asker.Ask(ctx, Platform, q, a.now())
		if err := a.respond(ctx, cmd.ResponseURL, slack.ResponseTypeEphemeral, render(r, view{shareable: true})); err == nil {
			a.log.DebugContext(ctx, "slack command answered", "channel", cmd.ChannelID, "intent", r.Intent)
		}
	})
	if !ok {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: busyText}
	}
	return nil
}

// commandQuestion maps /renkei's words to a question: help (or nothing),
// 予定 (upcoming events), 連絡先, or the question itself.
func commandQuestion(text string) string {
	t := strings.TrimSpace(text)
	switch corpus.Normalize(t) {
	case "", "help", "ヘルプ", "使い方", "?":
		return "ヘルプ"
	case "予定", "日程", "イベント":
		return "今後のイベントの予定"
	case "連絡先", "問い合わせ", "問い合わせ先", "問合せ先":
		return "連絡先"
	}
	return t
}

// onInteraction takes a button click (over HTTP or Socket Mode).
func (a *Adapter) onInteraction(cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions {
		a.log.Debug("slack interaction not handled", "type", string(cb.Type))
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		// A replayed click (same trigger and action time) counts once.
		if key := "action:" + cb.TriggerID + ":" + act.ActionID + ":" + act.ActionTs; act.ActionTs != "" && !a.seen.Add(key, a.now()) {
			a.log.Debug("slack action already taken", "action_id", act.ActionID)
			continue
		}
		switch {
		case act.ActionID == actionOpenURL:
			// A link button: Slack opens the page; nothing to do.
		case act.ActionID == actionShare:
			a.click(cb, act, a.share)
		case act.ActionID == actionGood || act.ActionID == actionBad:
			a.click(cb, act, a.rate)
		case strings.HasPrefix(act.ActionID, actionCandidate):
			a.click(cb, act, a.choose)
		default:
			a.log.Debug("slack action not handled", "action_id", act.ActionID)
		}
	}
}

// click runs a button's handler in the background with its decoded value.
func (a *Adapter) click(cb slack.InteractionCallback, act *slack.BlockAction, h func(context.Context, slack.InteractionCallback, string, buttonValue)) {
	action := act.ActionID
	a.spawn("click", func(ctx context.Context) {
		v, ok := decodeValue(act.Value)
		if !ok {
			a.log.WarnContext(ctx, "slack button value unreadable", "action_id", action)
			_ = a.respond(ctx, cb.ResponseURL, slack.ResponseTypeEphemeral, notice(badActionText))
			return
		}
		h(ctx, cb, action, v)
	})
}

// share reposts an ephemeral answer in the channel for everyone.
func (a *Adapter) share(ctx context.Context, cb slack.InteractionCallback, _ string, v buttonValue) {
	r := a.asker.Ask(ctx, Platform, v.Q, a.now())
	_ = a.respond(ctx, cb.ResponseURL, slack.ResponseTypeInChannel, render(r, view{sharedBy: cb.User.ID}))
}

// rate stores a 👍 or 👎 with the question and answer, and thanks the user.
func (a *Adapter) rate(ctx context.Context, cb slack.InteractionCallback, action string, v buttonValue) {
	text := thanksText
	switch {
	case a.feedback == nil:
		text = saveOffText
	default:
		err := a.feedback.AddFeedback(ctx, store.Feedback{
			Platform: Platform, UserID: cb.User.ID, Question: v.Q, AnswerID: v.ID, AnswerTitle: v.T,
			Good: action == actionGood, At: a.now(),
		})
		if err != nil {
			level := slog.LevelError
			if store.IsUnavailable(err) {
				level = slog.LevelWarn
			}
			a.log.Log(ctx, level, "slack feedback not stored", "err", err)
			text = saveFailedText
		}
	}
	_ = a.respond(ctx, cb.ResponseURL, slack.ResponseTypeEphemeral, notice(text))
}

// choose answers the candidate a user picked: privately under an
// ephemeral answer, in the conversation (and its thread) otherwise.
func (a *Adapter) choose(ctx context.Context, cb slack.InteractionCallback, _ string, v buttonValue) {
	q := v.T
	if q == "" {
		q = v.Q
	}
	r := a.asker.Ask(ctx, Platform, q, a.now())
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	if cb.Container.IsEphemeral || channel == "" {
		_ = a.respond(ctx, cb.ResponseURL, slack.ResponseTypeEphemeral, render(r, view{shareable: true}))
		return
	}
	_ = a.postMessage(ctx, channel, cb.Container.ThreadTs, render(r, view{}))
}

// notice is a one-sentence message.
func notice(text string) message {
	return message{Text: text, Blocks: []slack.Block{section(escape(text))}}
}
