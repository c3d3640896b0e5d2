package line

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
)

// LINE's limits on what one reply or push may carry.
const (
	MaxMessages     = 5     // messages a request
	MaxTextUnits    = 5000  // characters (UTF-16 units) of a text message
	MaxAltText      = 400   // characters of a Flex message's altText
	MaxQuickReplies = 13    // quick reply buttons
	maxLabel        = 20    // characters of a button or quick reply label
	maxActionText   = 300   // characters a message action sends
	maxBubbles      = 10    // bubbles a carousel shows (LINE allows 12)
	maxBubbleBytes  = 30000 // JSON of one bubble
	maxFlexBytes    = 50000 // JSON of a carousel
)

// Colours of renkei's bubbles.
const (
	colorAccent = "#1B4F8A"
	colorMuted  = "#777777"
	colorHeader = "#EEF3F9"
)

// outgoing is what answers an event: msgs, and the same as plain text for
// when LINE rejects msgs (a Flex it does not accept).
type outgoing struct {
	msgs  []messaging_api.MessageInterface
	plain []messaging_api.MessageInterface
}

// quickItem is a quick reply button: it sends text, or picks a candidate
// by its title (a postback).
type quickItem struct {
	label, text, pick string
}

func msgItem(label, text string) quickItem { return quickItem{label: label, text: text} }
func pickItem(title string) quickItem      { return quickItem{label: title, pick: title} }

// quickReply turns items into LINE's quick reply (without repeating a
// label or what a button sends; at most MaxQuickReplies); nil when there
// are none.
func quickReply(items []quickItem) *messaging_api.QuickReply {
	var qr messaging_api.QuickReply
	seen := map[string]bool{}
	for _, it := range items {
		label, target := clip(it.label, maxLabel), "t:"+it.text
		if it.pick != "" {
			target = "p:" + it.pick
		}
		if label == "" || seen[label] || seen[target] || len(qr.Items) == MaxQuickReplies {
			continue
		}
		seen[label], seen[target] = true, true
		var act messaging_api.ActionInterface
		if it.pick != "" {
			act = pickAction(label, it.pick)
		} else {
			act = &messaging_api.MessageAction{Label: label, Text: clip(it.text, maxActionText)}
		}
		qr.Items = append(qr.Items, messaging_api.QuickReplyItem{Type: "action", Action: act})
	}
	if len(qr.Items) == 0 {
		return nil
	}
	return &qr
}

func pickAction(label, title string) *messaging_api.PostbackAction {
	return &messaging_api.PostbackAction{Label: clip(label, maxLabel),
		Data: encodePostback(postback{Action: actionPick, Title: title}), DisplayText: clip(title, maxActionText)}
}

// textOnly is a reply of one text (split when long) with quick replies.
func textOnly(text string, items []quickItem) outgoing {
	msgs := textMessages(text, MaxMessages, quickReply(items))
	return outgoing{msgs: msgs}
}

// textMessages splits text into at most n messages of MaxTextUnits each,
// at line breaks where it can; the quick reply goes on the last one.
func textMessages(text string, n int, qr *messaging_api.QuickReply) []messaging_api.MessageInterface {
	chunks := splitText(strings.TrimSpace(text), MaxTextUnits, n)
	msgs := make([]messaging_api.MessageInterface, 0, len(chunks))
	for i, c := range chunks {
		m := &messaging_api.TextMessage{Text: c}
		if i == len(chunks)-1 {
			m.QuickReply = qr
		}
		msgs = append(msgs, m)
	}
	return msgs
}

const cutNote = "\n…（長いため省略しました。質問を絞ってお試しください）"

func splitText(s string, max, n int) []string {
	if s == "" {
		s = "…"
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if units(cur.String())+units(line) > max {
			flush()
		}
		for units(line) > max {
			head := clipExact(line, max)
			out = append(out, head)
			line = line[len(head):]
		}
		cur.WriteString(line)
	}
	flush()
	if len(out) > n {
		out = out[:n]
		out[n-1] = clipExact(out[n-1], max-units(cutNote)) + cutNote
	}
	return out
}

// units counts s as LINE does: in UTF-16 code units.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// clipExact is the longest prefix of s within max UTF-16 units.
func clipExact(s string, max int) string {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > max {
			return s[:i]
		}
		n += w
	}
	return s
}

// clip shortens s to max UTF-16 units, ending with 「…」 when cut.
func clip(s string, max int) string {
	s = strings.TrimSpace(s)
	if units(s) <= max {
		return s
	}
	return clipExact(s, max-1) + "…"
}

// replyMessages renders the bot's answer for LINE: the lead sentence (with
// the further candidates and caveats) as text, the cards as a Flex bubble
// or carousel, quick replies for likely next questions. Replies without
// cards are plain text. digest says whether the digest commands work.
func replyMessages(r bot.Reply, digest bool) outgoing {
	qr := quickReply(nextQuestions(r, digest))
	text := r.Text
	if r.Intent == bot.IntentHelp {
		text += "\n\n" + commandsHelp(digest)
	}
	plain := textMessages(text, MaxMessages, qr)
	if len(r.Cards) == 0 {
		return outgoing{msgs: plain}
	}
	contents := cardsContainer(r)
	if contents == nil {
		return outgoing{msgs: plain}
	}
	lead := textMessages(leadText(r), MaxMessages-1, nil)
	flex := &messaging_api.FlexMessage{AltText: clip(r.Text, MaxAltText), Contents: contents, QuickReply: qr}
	return outgoing{msgs: append(lead, flex), plain: plain}
}

// shownCards are the cards drawn as bubbles: all candidates side by side
// when the bot could not choose, else the reply's cards.
func shownCards(r bot.Reply) []bot.Card {
	if r.Intent == bot.IntentCandidates {
		return append(append([]bot.Card(nil), r.Cards...), r.Others...)
	}
	return r.Cards
}

// leadText is what the text message above the cards says: the lead, the
// cards that did not fit, related records and the notice.
func leadText(r bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Lead)
	if cards := shownCards(r); len(cards) > maxBubbles {
		b.WriteString("\n\nほかにも:")
		for _, c := range cards[maxBubbles:] {
			b.WriteString("\n・" + label(c))
		}
	}
	if len(r.Others) > 0 && r.Intent != bot.IntentCandidates {
		b.WriteString("\n\n関連:")
		for _, c := range r.Others {
			b.WriteString("\n・" + label(c))
		}
	}
	if r.Notice != "" {
		b.WriteString("\n\n" + r.Notice)
	}
	return b.String()
}

// label is a card on one line, as in lists of candidates.
func label(c bot.Card) string {
	switch {
	case c.Event != nil:
		return c.Event.When() + " " + c.Title
	case c.Deadline != nil:
		return c.Deadline.When() + " " + bot.Truncate(c.Title, 60)
	}
	return c.Title
}

// nextQuestions are the quick replies offered after r.
func nextQuestions(r bot.Reply, digest bool) []quickItem {
	var items []quickItem
	measures := func(cs []bot.Card) {
		for _, c := range cs {
			if c.Kind == "measure" {
				items = append(items, pickItem(c.Title))
			}
		}
	}
	intent := r.Intent
	if len(r.Cards) == 0 {
		intent = bot.IntentNotFound
	}
	switch intent {
	case bot.IntentAnswer:
		top := r.Cards[0]
		items = append(items, msgItem("問い合わせ先", top.Title+"の問い合わせ先"), msgItem("期限・締切", top.Title+"の期限"))
		measures(r.Others)
	case bot.IntentCandidates:
		measures(r.Cards)
		measures(r.Others)
	case bot.IntentEvents:
		items = append(items, msgItem("次の新現役交流会", "次の新現役交流会"), msgItem("次のミートアップ", "次のベンチャー企業ミートアップ"))
		measures(r.Others)
	case bot.IntentDeadlines, bot.IntentContact, bot.IntentInstitution:
		measures(r.Cards[1:])
		measures(r.Others)
	default: // help, not found, empty, error
		for _, q := range bot.Examples {
			items = append(items, msgItem(q, q))
		}
	}
	items = append(items, msgItem("次の交流会", "次の新現役交流会"), msgItem("問い合わせ先", "問い合わせ先"))
	if digest && r.Intent == bot.IntentHelp {
		items = append(items, msgItem("配信設定", "配信設定"))
	}
	return append(items, msgItem("ヘルプ", "ヘルプ"))
}

func commandsHelp(digest bool) string {
	s := "回答の下の 👍／👎 で、役に立ったかどうかをお知らせください。"
	if !digest {
		return s
	}
	return "週次ダイジェスト（交流会・期限のお知らせ）:\n" +
		"・「配信設定」: 届ける内容を選ぶ（すべて／交流会のみ／期限のみ）\n" +
		"・「配信停止」「配信開始」: 配信を止める・再開する\n" + s
}

// cardsContainer is the Flex for r's cards: a bubble for one card, a
// carousel for several; nil when it would break LINE's size limits.
func cardsContainer(r bot.Reply) messaging_api.FlexContainerInterface {
	cards := shownCards(r)
	if len(cards) > maxBubbles {
		cards = cards[:maxBubbles]
	}
	var bubbles []messaging_api.FlexBubble
	for i, c := range cards {
		var fb *postback
		if i == 0 && r.Intent != bot.IntentCandidates && c.ID != "" {
			fb = &postback{ID: c.ID, Title: c.Title, Question: r.Question}
		}
		b := cardBubble(c, fb, r.Intent == bot.IntentCandidates)
		if size(&b) > maxBubbleBytes {
			return nil
		}
		bubbles = append(bubbles, b)
	}
	return container(bubbles)
}

// container is one bubble alone, or a carousel trimmed to maxFlexBytes.
func container(bubbles []messaging_api.FlexBubble) messaging_api.FlexContainerInterface {
	switch len(bubbles) {
	case 0:
		return nil
	case 1:
		return &bubbles[0]
	}
	car := &messaging_api.FlexCarousel{Contents: bubbles}
	for len(car.Contents) > 1 && size(car) > maxFlexBytes {
		car.Contents = car.Contents[:len(car.Contents)-1]
	}
	return car
}

func size(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 1 << 30
	}
	return len(b)
}

func cardBubble(c bot.Card, fb *postback, pick bool) messaging_api.FlexBubble {
	switch {
	case c.Event != nil:
		return eventBubble(c, fb)
	case c.Deadline != nil:
		return deadlineBubble(c, fb)
	case c.Kind == "contact":
		return contactBubble(c, fb)
	}
	return measureBubble(c, fb, pick)
}

func measureBubble(c bot.Card, fb *postback, pick bool) messaging_api.FlexBubble {
	cat := c.Category
	if c.Page > 0 {
		cat += "（P." + itoa(c.Page) + "）"
	}
	body := []messaging_api.FlexComponentInterface{}
	if c.Summary != "" {
		body = append(body, text(bot.Truncate(bot.OneLine(c.Summary), bot.SummaryRunes), "sm", ""))
	}
	if c.Collaboration != "" {
		body = append(body, section("連携イメージ", bot.Truncate(bot.OneLine(c.Collaboration), bot.CollaborationRunes)))
	}
	if name := c.Contact.Name(); name != "" {
		body = append(body, &messaging_api.FlexSeparator{}, section("問い合わせ", bot.ContactLine(c.Contact)))
	}
	body = append(body, edition(c.Edition))
	var foot []messaging_api.FlexComponentInterface
	if pick {
		foot = append(foot, button("この施策を見る", pickAction("この施策を見る", c.Title), messaging_api.FlexButtonSTYLE_PRIMARY))
	}
	style := messaging_api.FlexButtonSTYLE_PRIMARY
	if pick {
		style = messaging_api.FlexButtonSTYLE_SECONDARY
	}
	if u, ok := webURL(c.URL); ok {
		foot = append(foot, button("詳細ページ", &messaging_api.UriAction{Label: "詳細ページ", Uri: u}, style))
	}
	if !pick {
		foot = append(foot, telButton(c.Contact.Phone)...)
	}
	return bubble(header(cat, c.Title), body, footer(foot, fb))
}

func eventBubble(c bot.Card, fb *postback) messaging_api.FlexBubble {
	e := c.Event
	rows := []messaging_api.FlexComponentInterface{row("日時", e.When())}
	if e.Format != "" {
		rows = append(rows, row("形式", e.Format))
	}
	if e.Venue != "" {
		rows = append(rows, row("会場", e.Venue))
	}
	if e.Host != "" {
		rows = append(rows, row("主催", e.Host))
	}
	rows = append(rows, edition(c.Edition))
	series := e.Series
	if series == "" {
		series = "交流会・イベント"
	}
	return bubble(header(series, c.Title), rows, footer(nil, fb))
}

func deadlineBubble(c bot.Card, fb *postback) messaging_api.FlexBubble {
	d := c.Deadline
	body := []messaging_api.FlexComponentInterface{text(bot.Truncate(c.Title, 200), "sm", "")}
	if d.Measure != "" {
		body = append(body, section("施策", d.Measure))
	}
	body = append(body, edition(c.Edition))
	var foot []messaging_api.FlexComponentInterface
	if u, ok := webURL(c.URL); ok {
		foot = append(foot, button("詳細ページ", &messaging_api.UriAction{Label: "詳細ページ", Uri: u}, messaging_api.FlexButtonSTYLE_PRIMARY))
	}
	return bubble(header("期限・日付", d.When()), body, footer(foot, fb))
}

func contactBubble(c bot.Card, fb *postback) messaging_api.FlexBubble {
	k := c.Contact
	var rows []messaging_api.FlexComponentInterface
	if name := k.Name(); name != "" {
		rows = append(rows, row("窓口", name))
	}
	if k.Phone != "" {
		rows = append(rows, row("電話", k.Phone))
	}
	if k.Email != "" {
		rows = append(rows, row("メール", k.Email))
	}
	rows = append(rows, edition(c.Edition))
	var foot []messaging_api.FlexComponentInterface
	foot = append(foot, telButton(k.Phone)...)
	if u, ok := webURL(c.URL); ok {
		foot = append(foot, button("詳細ページ", &messaging_api.UriAction{Label: "詳細ページ", Uri: u}, messaging_api.FlexButtonSTYLE_PRIMARY))
	}
	for i, l := range c.Links {
		if u, ok := webURL(l); ok && i < 2 {
			foot = append(foot, button("関連ページ", &messaging_api.UriAction{Label: "関連ページ", Uri: u}, messaging_api.FlexButtonSTYLE_LINK))
		}
	}
	return bubble(header("お問い合わせ先", c.Title), rows, footer(foot, fb))
}

// Flex building blocks.

func bubble(head *messaging_api.FlexBox, body []messaging_api.FlexComponentInterface, foot *messaging_api.FlexBox) messaging_api.FlexBubble {
	b := messaging_api.FlexBubble{Size: messaging_api.FlexBubbleSIZE_MEGA, Header: head,
		Body: &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "md", Contents: body}, Footer: foot}
	if head != nil {
		b.Styles = &messaging_api.FlexBubbleStyles{Header: &messaging_api.FlexBlockStyle{BackgroundColor: colorHeader}}
	}
	return b
}

func header(kicker, title string) *messaging_api.FlexBox {
	items := []messaging_api.FlexComponentInterface{}
	if kicker != "" {
		items = append(items, text(kicker, "xs", colorMuted))
	}
	t := text(title, "md", colorAccent)
	t.Weight = messaging_api.FlexTextWEIGHT_BOLD
	items = append(items, t)
	return &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "xs", Contents: items}
}

// footer stacks buttons, then the 👍/👎 row when fb is set; nil when empty.
func footer(buttons []messaging_api.FlexComponentInterface, fb *postback) *messaging_api.FlexBox {
	items := buttons
	if fb != nil {
		good, bad := *fb, *fb
		good.Action, good.Good = actionFeedback, true
		bad.Action = actionFeedback
		items = append(items, &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_HORIZONTAL, Spacing: "sm", Contents: []messaging_api.FlexComponentInterface{
			feedbackButton("👍 役に立った", good),
			feedbackButton("👎 役に立たない", bad),
		}})
	}
	if len(items) == 0 {
		return nil
	}
	return &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "sm", Contents: items}
}

func feedbackButton(label string, p postback) *messaging_api.FlexButton {
	b := button(label, &messaging_api.PostbackAction{Label: label, Data: encodePostback(p), DisplayText: label}, messaging_api.FlexButtonSTYLE_LINK)
	b.Flex = 1
	return b
}

func button(label string, act messaging_api.ActionInterface, style messaging_api.FlexButtonSTYLE) *messaging_api.FlexButton {
	b := &messaging_api.FlexButton{Action: act, Style: style, Height: messaging_api.FlexButtonHEIGHT_SM}
	if style == messaging_api.FlexButtonSTYLE_PRIMARY {
		b.Color = colorAccent
	}
	return b
}

func telButton(phone string) []messaging_api.FlexComponentInterface {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '-' || r == '+' {
			return r
		}
		return -1
	}, corpus.Normalize(phone))
	if len(digits) < 6 {
		return nil
	}
	return []messaging_api.FlexComponentInterface{button("電話する", &messaging_api.UriAction{Label: "電話する", Uri: "tel:" + digits}, messaging_api.FlexButtonSTYLE_LINK)}
}

func text(s, size, color string) *messaging_api.FlexText {
	return &messaging_api.FlexText{Text: s, Size: size, Color: color, Wrap: true}
}

// section is a small heading over a paragraph.
func section(title, body string) *messaging_api.FlexBox {
	h := text(title, "xs", colorMuted)
	h.Weight = messaging_api.FlexTextWEIGHT_BOLD
	return &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "xs",
		Contents: []messaging_api.FlexComponentInterface{h, text(body, "xs", "")}}
}

// row is a label and a value side by side. Flex is set on both: the SDK
// always writes "flex", and 0 would squeeze them.
func row(label, value string) *messaging_api.FlexBox {
	l := text(label, "xs", colorMuted)
	l.Flex = 2
	v := text(value, "sm", "")
	v.Flex = 7
	return &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_BASELINE, Spacing: "sm",
		Contents: []messaging_api.FlexComponentInterface{l, v}}
}

func edition(year int) *messaging_api.FlexText {
	if year == 0 {
		return text("連携プログラム", "xxs", colorMuted)
	}
	t := text(itoa(year)+"年度版 連携プログラムより", "xxs", colorMuted)
	t.Align = messaging_api.FlexTextALIGN_END
	return t
}

// webURL accepts the http(s) links LINE's URI action takes (≤ 1000
// characters).
func webURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 1000 {
		return "", false
	}
	return u.String(), true
}

func itoa(n int) string { return strconv.Itoa(n) }
