package bot

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kanto-renkei/renkei/corpus"
)

// Truncate shortens s to at most n runes, ending with 「…」 when cut.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// OneLine joins the lines of s with 「／」.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "／")), " ")
}

// When renders an event's date or range: 2023年7月11日(火)～7月12日(水).
func (e EventInfo) When() string {
	s := corpus.FormatDate(e.Start, e.Precision)
	if e.Precision == corpus.Month {
		return s + "（予定）"
	}
	if !e.End.IsZero() && !e.End.Equal(e.Start) {
		end := e.End.Format("1月2日") + "(" + corpus.WeekdayJa(e.End) + ")"
		if e.End.Year() != e.Start.Year() {
			end = corpus.FormatDate(e.End, corpus.Day)
		}
		s += "～" + end
	}
	return s
}

// ContactLine renders a contact for one line: 関東経済産業局 金融連携推進室 TEL … / メール ….
func ContactLine(c corpus.Contact) string {
	parts := []string{c.Name()}
	if c.Phone != "" {
		parts = append(parts, "TEL "+c.Phone)
	}
	if c.Email != "" {
		parts = append(parts, c.Email)
	}
	return strings.Join(parts, " / ")
}

// Lengths of card texts in every rendering.
const (
	SummaryRunes       = 220
	CollaborationRunes = 160
)

func renderText(r Reply, now time.Time) string {
	var b strings.Builder
	b.WriteString(r.Lead)
	b.WriteString("\n")
	switch r.Intent {
	case IntentHelp:
		b.WriteString(helpText)
	case IntentEmpty:
		b.WriteString("例: " + strings.Join(Examples, " / ") + "\n")
	case IntentNotFound:
		b.WriteString("言葉を変えるか、施策名・キーワードでお試しください（例: " + strings.Join(Examples[:3], "、") + "）。\n")
		b.WriteString("「ヘルプ」で使い方を表示します。\n")
	}
	for _, c := range r.Cards {
		b.WriteString("\n")
		writeCard(&b, c)
	}
	if len(r.Others) > 0 {
		if r.Intent == IntentCandidates {
			b.WriteString("\nほかの候補:\n")
		} else {
			b.WriteString("\n関連:\n")
		}
		for _, c := range r.Others {
			b.WriteString("・" + cardLabel(c) + "\n")
		}
	}
	if r.Notice != "" {
		b.WriteString("\n" + r.Notice + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// cardLabel is a one-line label for lists of candidates.
func cardLabel(c Card) string {
	switch {
	case c.Event != nil:
		return c.Event.When() + " " + c.Title
	case c.Deadline != nil:
		return c.Deadline.When() + " " + Truncate(c.Title, 60)
	}
	return c.Title
}

func writeCard(b *strings.Builder, c Card) {
	switch {
	case c.Event != nil:
		e := c.Event
		b.WriteString("■ " + e.When() + " " + c.Title + "\n")
		var parts []string
		if e.Format != "" {
			parts = append(parts, "形式: "+e.Format)
		}
		if e.Venue != "" {
			parts = append(parts, "会場: "+e.Venue)
		}
		if len(parts) > 0 {
			b.WriteString("  " + strings.Join(parts, " / ") + "\n")
		}
	case c.Deadline != nil:
		d := c.Deadline
		b.WriteString("■ " + d.When() + "（" + d.Measure + "）\n")
		b.WriteString("  " + Truncate(c.Title, 200) + "\n")
	case c.Kind == "contact":
		b.WriteString("■ " + c.Title + "\n")
		b.WriteString("  " + ContactLine(c.Contact) + "\n")
		if c.URL != "" {
			b.WriteString("  詳細: " + c.URL + "\n")
		}
		for _, l := range c.Links {
			b.WriteString("  関連リンク: " + l + "\n")
		}
	default:
		b.WriteString("■ " + c.Title + "\n")
		cat := "  " + c.Category
		if c.Page > 0 {
			cat += "（P." + itoa(c.Page) + "）"
		}
		b.WriteString(cat + "\n")
		if c.Summary != "" {
			b.WriteString("  概要: " + Truncate(OneLine(c.Summary), SummaryRunes) + "\n")
		}
		if c.Collaboration != "" {
			b.WriteString("  連携イメージ: " + Truncate(OneLine(c.Collaboration), CollaborationRunes) + "\n")
		}
		if c.URL != "" {
			b.WriteString("  詳細: " + c.URL + "\n")
		}
		if c.Contact.Name() != "" {
			b.WriteString("  問い合わせ: " + ContactLine(c.Contact) + "\n")
		}
	}
}

const helpText = `次のようなご質問にお答えします。
・施策を探す: 「事業承継」「取引先の海外進出を後押ししたい」「BCP」
・交流会・イベント: 「次の新現役交流会」「今度のミートアップはいつ」「城南信用金庫の交流会」
・期限: 「セーフティネット保証の期限」
・連絡先: 「問い合わせ先」「事業承継の連絡先」
・金融機関名: 「第四北越銀行」→ 掲載されている施策・交流会
`

// When renders a dated limit with its direction: 2023年12月末まで,
// 2023年9月末で終了, 2023年9月から, 2024年5月頃（予定）, 2023年度は募集終了.
func (d DeadlineInfo) When() string {
	date := corpus.FormatDate(d.Date, d.Precision)
	if d.Precision == corpus.Month && d.Date.AddDate(0, 0, 1).Day() == 1 && d.Kind != corpus.KindFrom && d.Kind != corpus.KindPlanned {
		date += "末"
	}
	switch d.Kind {
	case corpus.KindUntil:
		return date + "まで"
	case corpus.KindEnd:
		return date + "で終了"
	case corpus.KindFrom:
		return date + "から"
	case corpus.KindPlanned:
		return date + "頃（予定）"
	case corpus.KindClosed:
		return date + "は募集終了"
	}
	return date
}
