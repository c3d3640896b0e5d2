package slackbot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kanto-renkei/renkei/internal/digest"
)

// A digest message stays well inside Slack's limits, so that a long
// period splits into several messages rather than failing.
const (
	digestMaxBlocks = 40
	digestMaxRunes  = 12000
)

// DigestBlocks renders a digest as the blocks of one or more Slack
// messages, split so that none breaks Slack's limits.
func DigestBlocks(d digest.Digest) [][]slack.Block {
	var out [][]slack.Block
	for _, m := range digestMessages(d) {
		out = append(out, m.Blocks)
	}
	return out
}

// digestEvent is the metadata event type that marks renkei's digest
// messages, so that a resumed delivery can see what is already there.
const digestEvent = "renkei_digest"

// PostDigest posts a digest to a channel, about one message a second,
// each with chat.postMessage's retries. Each message carries metadata
// (period and part); parts already in the channel's recent history are
// not posted again, so a delivery that died between posting and
// recording does not repeat itself. Reading the history needs the
// channels:history (or groups:history) scope; without it the parts are
// posted (logged). Only rate limits are retried here: after a timeout or a
// server error the part may be in the channel, so PostDigest returns and
// the sender's next pass looks at the history again before posting. It
// stops at the first message that cannot be posted and says how many went
// before it.
func (a *Adapter) PostDigest(ctx context.Context, channel string, d digest.Digest) error {
	msgs := digestMessages(d)
	period := d.Period()
	posted := a.postedParts(ctx, channel, period)
	for i, m := range msgs {
		if posted[i] {
			a.log.InfoContext(ctx, "slack digest part already in the channel; not posted again", "period", period, "channel", channel, "part", i)
			continue
		}
		if err := a.pace(ctx, channel); err != nil {
			return fmt.Errorf("slack digest %s: post to %s: %d of %d messages sent: %w", period, channel, i, len(msgs), err)
		}
		meta := slack.SlackMetadata{EventType: digestEvent, EventPayload: map[string]any{"period": period, "part": i, "parts": len(msgs)}}
		if err := a.postMessageIf(ctx, channel, "", m, rateLimited, slack.MsgOptionMetadata(meta)); err != nil {
			return fmt.Errorf("slack digest %s: post to %s: %d of %d messages sent: %w", period, channel, i, len(msgs), err)
		}
	}
	a.log.InfoContext(ctx, "slack digest posted", "period", period, "channel", channel, "messages", len(msgs))
	return nil
}

// postedParts reads the channel's last week of messages for this
// period's digest parts. On any error it returns none (and logs): posting
// again is then the lesser evil than not posting.
func (a *Adapter) postedParts(ctx context.Context, channel, period string) map[int]bool {
	parts := map[int]bool{}
	oldest := fmt.Sprintf("%d", a.now().Add(-8*24*time.Hour).Unix())
	var hist *slack.GetConversationHistoryResponse
	err := a.retry(ctx, "conversations.history", []any{"channel", channel}, func(ctx context.Context) error {
		var err error
		hist, err = a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Oldest: oldest, Limit: 200, IncludeAllMetadata: true})
		return err
	})
	if err != nil {
		a.log.WarnContext(ctx, "slack digest: channel history unreadable; posting without checking for an earlier delivery", "channel", channel, "err", err)
		return parts
	}
	for _, m := range hist.Messages {
		if m.Metadata.EventType != digestEvent || fmt.Sprint(m.Metadata.EventPayload["period"]) != period {
			continue
		}
		switch v := m.Metadata.EventPayload["part"].(type) {
		case float64:
			parts[int(v)] = true
		case int:
			parts[v] = true
		}
	}
	return parts
}

func digestMessages(d digest.Digest) []message {
	period := d.From.Format("1月2日") + "～" + d.To.Format("1月2日")
	title := "連携プログラム 週次ダイジェスト " + period
	var body []slack.Block
	if d.Edition > 0 {
		body = append(body, note(fmt.Sprintf("%d年度版の資料から、この期間の交流会・イベントと期限をお知らせします。", d.Edition)))
	}
	if d.Empty() {
		text := "この期間の交流会・期限はありません。"
		if d.Next != nil {
			text += "\n次の予定: *" + escape(d.Next.When()) + "*　" + escape(d.Next.Title)
		}
		body = append(body, section(text))
	}
	for _, kind := range []string{digest.KindEvent, digest.KindDeadline} {
		first := true
		for _, it := range d.Items {
			if it.Kind != kind {
				continue
			}
			if first {
				body = append(body, section("*"+escape(digest.Heading(kind))+"*"))
				first = false
			}
			body = append(body, section(itemText(it)))
		}
	}
	if d.Contact.Phone != "" {
		body = append(body, note("お問い合わせ: "+escape(d.Contact.Name()+" TEL "+d.Contact.Phone)))
	}
	if d.Stale != "" {
		body = append(body, note(escape(d.Stale)))
	}

	// Split: the first message opens with the title, the others say they
	// continue it.
	var msgs []message
	cur := []slack.Block{header(title)}
	runes := 0
	for _, b := range body {
		n := blockRunes(b)
		if len(cur) >= digestMaxBlocks || runes+n > digestMaxRunes {
			msgs = append(msgs, message{Blocks: cur})
			cur, runes = []slack.Block{note(escape(title) + "（続き）")}, 0
		}
		cur = append(cur, b)
		runes += n
	}
	msgs = append(msgs, message{Blocks: cur})
	for i := range msgs {
		if i == 0 {
			msgs[i].Text = limited("", digest.Text(d), maxTextRunes)
		} else {
			msgs[i].Text = escape(fmt.Sprintf("%s（続き %d/%d）", title, i+1, len(msgs)))
		}
	}
	return msgs
}

// itemText is one event or dated limit of a digest.
func itemText(it digest.Item) string {
	head := "*" + escape(it.When()) + "*　［" + escape(it.Countdown) + "］" + escape(it.Title)
	var parts []string
	if it.Kind == digest.KindEvent {
		if it.Format != "" {
			parts = append(parts, "形式: "+it.Format)
		}
		if it.Host != "" {
			parts = append(parts, "主催: "+it.Host)
		}
		if it.Venue != "" {
			parts = append(parts, "会場: "+it.Venue)
		}
	} else if it.Measure != "" {
		parts = append(parts, "施策: "+it.Measure)
	}
	var lines []string
	if len(parts) > 0 {
		lines = append(lines, escape(strings.Join(parts, " / ")))
	}
	if it.URL != "" {
		lines = append(lines, link(it.URL, "詳細ページ"))
	}
	if len(lines) == 0 {
		return truncateEscaped(head, maxSectionRunes)
	}
	// The details are short; the title gives way when the whole is long.
	tail := "\n" + strings.Join(lines, "\n")
	return truncateEscaped(head, maxSectionRunes-utf8.RuneCountInString(tail)) + tail
}

// blockRunes approximates what a block weighs in a message.
func blockRunes(b slack.Block) int {
	switch b := b.(type) {
	case *slack.SectionBlock:
		if b.Text != nil {
			return utf8.RuneCountInString(b.Text.Text)
		}
	case *slack.ContextBlock:
		n := 0
		for _, e := range b.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				n += utf8.RuneCountInString(t.Text)
			}
		}
		return n
	}
	return 0
}
