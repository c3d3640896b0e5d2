package slackbot

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
)

// Slack's Block Kit limits, and the lengths renkei keeps to.
const (
	maxBlocks       = 50
	maxSectionRunes = 3000
	maxHeaderRunes  = 150
	maxButtonRunes  = 75
	maxValueBytes   = 2000 // Slack counts characters; bytes are never fewer
	maxTextRunes    = 3000 // fallback text (Slack allows more; notifications show the start)

	summaryRunes       = 1500
	collaborationRunes = 1000
	maxCandidates      = 3
)

// Action ids of renkei's buttons.
const (
	actionShare     = "renkei_share"
	actionGood      = "renkei_good"
	actionBad       = "renkei_bad"
	actionCandidate = "renkei_candidate_" // + index
	actionOpenURL   = "renkei_open_url"
)

// view says where a reply is shown.
type view struct {
	shareable bool   // an ephemeral answer to /renkei: offer 「チャンネルに共有」
	sharedBy  string // the user who shared it into the channel
}

// buttonValue is what a button carries back: a question and the card it
// is about.
type buttonValue struct {
	Q  string `json:"q"`            // the question answered
	ID string `json:"id,omitempty"` // the card's record id
	T  string `json:"t,omitempty"`  // the card's title, or what to ask for it
}

// encodeValue fits v into a button value, shortening the question first.
func encodeValue(v buttonValue) string {
	for {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		s := strings.TrimSuffix(b.String(), "\n")
		over := len(s) - maxValueBytes
		if over <= 0 {
			return s
		}
		// A rune is at most 4 bytes in UTF-8 but 6 once JSON-escaped.
		cut := max(1, over/6)
		switch {
		case v.Q != "":
			v.Q = cutRunes(v.Q, cut)
		case v.T != "":
			v.T = cutRunes(v.T, cut)
		default:
			v.ID = cutRunes(v.ID, cut)
		}
	}
}

func decodeValue(s string) (buttonValue, bool) {
	var v buttonValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, false
	}
	return v, true
}

func cutRunes(s string, n int) string {
	rs := []rune(s)
	if n >= len(rs) {
		return ""
	}
	return string(rs[:len(rs)-n])
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text safe for mrkdwn and the message text: Slack reads
// & < > as markup.
func escape(s string) string { return mrkdwnEscaper.Replace(s) }

// limited escapes raw after prefix (already escaped) and keeps the whole
// within n runes, never cutting an entity in half.
func limited(prefix, raw string, n int) string {
	keep := max(1, n-utf8.RuneCountInString(prefix))
	for {
		s := prefix + escape(bot.Truncate(raw, keep))
		l := utf8.RuneCountInString(s)
		if l <= n {
			return s
		}
		if keep == 1 {
			return truncateEscaped(s, n)
		}
		// Escaping lengthens the text: shrink in proportion, at least by one.
		keep = max(1, min(keep-1, keep*n/l))
	}
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, bot.Truncate(s, n), true, false)
}

// section is a mrkdwn section; text must already be escaped.
func section(text string) slack.Block {
	return slack.NewSectionBlock(mrkdwn(truncateEscaped(text, maxSectionRunes)), nil, nil)
}

// note is a context line; text must already be escaped.
func note(text string) slack.Block {
	return slack.NewContextBlock("", mrkdwn(truncateEscaped(text, maxSectionRunes)))
}

func header(title string) slack.Block {
	return slack.NewHeaderBlock(plain(title, maxHeaderRunes))
}

// truncateEscaped bounds already-escaped text, dropping an entity cut in
// half.
func truncateEscaped(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	s = string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(s, '&'); i >= 0 && !strings.Contains(s[i:], ";") {
		s = s[:i]
	}
	return s + "…"
}

func button(actionID, label, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(label, maxButtonRunes))
}

func linkButton(label, url string) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionOpenURL, "", plain(label, maxButtonRunes))
	b.URL = url
	return b
}

// link is a mrkdwn link <url|label>.
func link(url, label string) string { return "<" + escape(url) + "|" + escape(label) + ">" }

// render turns a reply into a message for Slack: blocks within Slack's
// limits and the fallback text. It is a pure function.
func render(r bot.Reply, v view) message {
	var body []slack.Block
	if userIDRe.MatchString(v.sharedBy) {
		body = append(body, note("<@"+v.sharedBy+"> さんが共有しました"))
	}
	switch r.Intent {
	case bot.IntentHelp, bot.IntentEmpty, bot.IntentNotFound, bot.IntentError:
		text := strings.TrimSpace(strings.TrimSuffix(r.Text, r.Notice))
		if text == "" {
			text = r.Lead
		}
		body = append(body, section(limited("", text, maxSectionRunes)))
	default:
		if r.Intent != bot.IntentAnswer && r.Lead != "" {
			body = append(body, section(limited("", r.Lead, maxSectionRunes)))
		}
		prev := ""
		for i, c := range r.Cards {
			body = append(body, cardBlocks(c, prev, i)...)
			prev = kindOf(c)
		}
	}

	var tail []slack.Block
	if len(r.Others) > 0 {
		label := "*関連*"
		if r.Intent == bot.IntentCandidates {
			label = "*ほかの候補*"
		}
		var buttons []slack.BlockElement
		for i, c := range r.Others {
			if i == maxCandidates {
				break
			}
			val := encodeValue(buttonValue{Q: r.Question, ID: c.ID, T: candidateQuestion(c)})
			buttons = append(buttons, button(actionCandidate+strconv.Itoa(i), candidateLabel(c), val))
		}
		tail = append(tail, section(label), slack.NewActionBlock("renkei_candidates", buttons...))
	}
	var actions []slack.BlockElement
	if len(r.Cards) > 0 && r.Intent != bot.IntentError {
		c := r.Cards[0]
		val := encodeValue(buttonValue{Q: r.Question, ID: c.ID, T: c.Title})
		good := button(actionGood, "👍 役に立った", val)
		bad := button(actionBad, "👎 役に立たなかった", val)
		actions = append(actions, good, bad)
	}
	if v.shareable {
		share := button(actionShare, "チャンネルに共有", encodeValue(buttonValue{Q: r.Question}))
		share.Style = slack.StylePrimary
		actions = append(actions, share)
	}
	if len(actions) > 0 {
		tail = append(tail, slack.NewActionBlock("renkei_actions", actions...))
	}
	if r.Notice != "" {
		tail = append(tail, note(limited("", r.Notice, maxSectionRunes)))
	}
	return message{Text: fallbackText(r), Blocks: fit(body, tail)}
}

var userIDRe = regexp.MustCompile(`^[UW][A-Z0-9]{2,30}$`)

// fit keeps a message within Slack's block limit: the tail (candidates,
// buttons, notice) stays, the body is cut with a note.
func fit(body, tail []slack.Block) []slack.Block {
	if len(body)+len(tail) <= maxBlocks {
		return append(body, tail...)
	}
	keep := maxBlocks - len(tail) - 1
	out := append(body[:keep:keep], note("ほかにも該当があります。質問を絞り込んでください。"))
	return append(out, tail...)
}

// fallbackText is the message's text: what notifications and screen
// readers show.
func fallbackText(r bot.Reply) string {
	t := r.Text
	if t == "" {
		t = r.Lead
	}
	return limited("", t, maxTextRunes)
}

func kindOf(c bot.Card) string {
	switch {
	case c.Event != nil:
		return "event"
	case c.Deadline != nil:
		return "deadline"
	case c.Kind == "contact":
		return "contact"
	}
	return "measure"
}

// cardBlocks renders one card; prev is the kind of the card before it.
func cardBlocks(c bot.Card, prev string, i int) []slack.Block {
	var out []slack.Block
	switch kindOf(c) {
	case "event":
		if prev == "measure" {
			out = append(out, section("*今後の開催予定*"))
		}
		e := c.Event
		var parts []string
		if e.Format != "" {
			parts = append(parts, "形式: "+e.Format)
		}
		if e.Host != "" {
			parts = append(parts, "主催: "+e.Host)
		}
		if e.Venue != "" {
			parts = append(parts, "会場: "+e.Venue)
		}
		text := "*" + escape(e.When()) + "*　" + escape(c.Title)
		if len(parts) > 0 {
			text += "\n" + escape(strings.Join(parts, " / "))
		}
		out = append(out, section(text))
	case "deadline":
		d := c.Deadline
		text := "*" + escape(d.When()) + "*"
		if d.Measure != "" {
			text += "（" + escape(d.Measure) + "）"
		}
		out = append(out, section(limited(text+"\n", c.Title, maxSectionRunes)))
	case "contact":
		if i > 0 {
			out = append(out, slack.NewDividerBlock())
		}
		out = append(out, section("*"+escape(c.Title)+"*\n"+escape(bot.ContactLine(c.Contact))))
		if c.URL != "" {
			out = append(out, slack.NewActionBlock("", linkButton("詳細ページ", c.URL)))
		}
		if len(c.Links) > 0 {
			var ls []string
			for _, l := range c.Links {
				ls = append(ls, escape(l))
			}
			out = append(out, note("関連リンク: "+strings.Join(ls, " ")))
		}
	default:
		if i > 0 {
			out = append(out, slack.NewDividerBlock())
		}
		out = append(out, header(c.Title))
		var ctx []string
		if c.Category != "" {
			cat := c.Category
			if c.Page > 0 {
				cat += "（P." + strconv.Itoa(c.Page) + "）"
			}
			ctx = append(ctx, escape(cat))
		}
		if c.Edition > 0 {
			ctx = append(ctx, strconv.Itoa(c.Edition)+"年度版")
		}
		if len(ctx) > 0 {
			out = append(out, note(strings.Join(ctx, "｜")))
		}
		if c.Summary != "" {
			out = append(out, section(limited("*概要*\n", bot.Truncate(c.Summary, summaryRunes), maxSectionRunes)))
		}
		if c.Collaboration != "" {
			out = append(out, section(limited("*連携イメージ*\n", bot.Truncate(c.Collaboration, collaborationRunes), maxSectionRunes)))
		}
		if c.URL != "" {
			out = append(out, slack.NewActionBlock("", linkButton("詳細ページ", c.URL)))
		}
		if c.Contact.Name() != "" {
			out = append(out, note("問い合わせ: "+escape(bot.ContactLine(c.Contact))))
		}
	}
	return out
}

// candidateLabel is a candidate's button text.
func candidateLabel(c bot.Card) string {
	if c.Event != nil {
		return c.Event.When() + " " + c.Title
	}
	return c.Title
}

// candidateQuestion is what choosing a candidate asks the bot: its title,
// with the event series when the title does not say it is an event.
func candidateQuestion(c bot.Card) string {
	if c.Event == nil {
		return c.Title
	}
	for _, w := range []string{"交流会", "ミートアップ", "イベント"} {
		if strings.Contains(corpus.Normalize(c.Title), w) {
			return c.Title
		}
	}
	return strings.TrimSpace(c.Event.Series + " " + c.Title)
}
