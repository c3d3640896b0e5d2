package line

import (
	"context"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kanto-renkei/renkei/internal/digest"
)

var _ digest.LINESender = (*Adapter)(nil)

// MulticastDigest sends d, rendered by DigestMessages, to userIDs (at most
// MaxMulticast) in one multicast under retryKey: digest.Sender's LINE
// delivery.
func (a *Adapter) MulticastDigest(ctx context.Context, userIDs []string, d digest.Digest, retryKey string) error {
	return a.Multicast(ctx, userIDs, DigestMessages(d), retryKey)
}

// maxDigestItems is how many items one digest bubble lists.
const maxDigestItems = 8

const digestFooter = "内容の選択は「配信設定」、配信の停止は「配信停止」と送ってください。"

// DigestMessages renders a digest for LINE: one Flex message, a bubble per
// kind of item (a carousel when there are both), whose altText is the
// digest's text, the fallback of clients without Flex. An empty digest is
// one text message. Items beyond what a bubble lists are counted, and
// each item links to its measure's page.
func DigestMessages(d digest.Digest) []messaging_api.MessageInterface {
	text := digest.Text(d)
	if d.Empty() {
		return textMessages(text+"\n\n"+digestFooter, 1, nil)
	}
	var bubbles []messaging_api.FlexBubble
	for _, kind := range []string{digest.KindEvent, digest.KindDeadline} {
		var items []digest.Item
		for _, it := range d.Items {
			if it.Kind == kind {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			bubbles = append(bubbles, digestBubble(d, kind, items))
		}
	}
	contents := container(bubbles)
	if contents == nil || size(contents) > maxFlexBytes {
		return textMessages(text+"\n\n"+digestFooter, MaxMessages, nil)
	}
	return []messaging_api.MessageInterface{&messaging_api.FlexMessage{AltText: clip(text, MaxAltText), Contents: contents}}
}

func digestBubble(d digest.Digest, kind string, items []digest.Item) messaging_api.FlexBubble {
	period := "週次ダイジェスト " + d.From.Format("1月2日") + "～" + d.To.Format("1月2日")
	var body []messaging_api.FlexComponentInterface
	for i, it := range items {
		if i == maxDigestItems {
			body = append(body, text("ほか "+itoa(len(items)-maxDigestItems)+"件", "xs", colorMuted))
			break
		}
		if i > 0 {
			body = append(body, &messaging_api.FlexSeparator{})
		}
		body = append(body, digestItem(it))
	}
	var notes []string
	if d.Contact.Phone != "" {
		notes = append(notes, "お問い合わせ: "+d.Contact.Name()+" TEL "+d.Contact.Phone)
	}
	if d.Stale != "" {
		notes = append(notes, d.Stale)
	}
	notes = append(notes, digestFooter)
	foot := &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "xs",
		Contents: []messaging_api.FlexComponentInterface{text(strings.Join(notes, "\n"), "xxs", colorMuted)}}
	return bubble(header(period, strings.TrimPrefix(digest.Heading(kind), "■ ")), body, foot)
}

// digestItem is one dated entry: when and the countdown, the title, and
// the format and venue (events) or the measure (deadlines). Tapping it
// opens the measure's page.
func digestItem(it digest.Item) *messaging_api.FlexBox {
	when := text(it.When(), "sm", "")
	when.Weight = messaging_api.FlexTextWEIGHT_BOLD
	when.Flex = 5
	badge := text(it.Countdown, "xs", colorAccent)
	badge.Flex = 2
	badge.Align = messaging_api.FlexTextALIGN_END
	items := []messaging_api.FlexComponentInterface{
		&messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_BASELINE, Spacing: "sm", Contents: []messaging_api.FlexComponentInterface{when, badge}},
		text(clip(it.Title, 120), "sm", ""),
	}
	var details []string
	if it.Format != "" {
		details = append(details, it.Format)
	}
	if it.Venue != "" {
		details = append(details, it.Venue)
	}
	if it.Kind == digest.KindDeadline && it.Measure != "" {
		details = append(details, it.Measure)
	}
	if len(details) > 0 {
		items = append(items, text(strings.Join(details, " / "), "xs", colorMuted))
	}
	box := &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "xs", Contents: items}
	if u, ok := webURL(it.URL); ok {
		box.Action = &messaging_api.UriAction{Label: "詳細", Uri: u}
	}
	return box
}
